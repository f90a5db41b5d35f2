// One chart per (cluster, component). It carries the common labels and collects the component's
// non-Kubernetes files. It deliberately has no namespace: cdk8s would stamp a chart namespace on
// cluster-scoped objects too (Karpenter NodePool, EC2NodeClass), so every namespaced object names
// its namespace itself and output validation checks both directions.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { ClusterConfig } from '../config/schema';

export const MANAGED_BY = 'cdk8s';

export const LABEL = {
  name: 'app.kubernetes.io/name',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/** A non-Kubernetes file (haproxy.cfg, Helm values, a report) at a fixed path under dist/<cluster>/. */
export class FileArtifact extends Construct {
  constructor(scope: Construct, id: string, readonly path: string, readonly content: string) {
    super(scope, id);
  }
}

export class ComponentChart extends Chart {
  constructor(
    scope: Construct,
    readonly cluster: ClusterConfig,
    readonly component: string,
  ) {
    super(scope, `${cluster.name}-${component}`, {
      disableResourceNameHashes: true,
      labels: {
        [LABEL.component]: component,
        [LABEL.partOf]: cluster.partOf,
        [LABEL.managedBy]: MANAGED_BY,
      },
    });
  }

  /** Adds a file at `dist/<cluster>/<component>/<path>`. */
  file(path: string, content: string): FileArtifact {
    return new FileArtifact(this, `file:${path}`, `${this.component}/${path}`, content);
  }
}

/** Metadata for a namespaced object: name, namespace and the app name label. */
export function meta(app: string, name: string, namespace: string, labels: Record<string, string> = {}) {
  return { name, namespace, labels: { [LABEL.name]: app, ...labels } };
}

/** Metadata for a cluster-scoped object (no namespace, on purpose). */
export function clusterMeta(app: string, name: string, labels: Record<string, string> = {}) {
  return { name, labels: { [LABEL.name]: app, ...labels } };
}
