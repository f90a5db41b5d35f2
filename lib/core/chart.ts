// One chart per (cluster, component). It carries the common labels and collects the component's
// non-Kubernetes files. It deliberately has no namespace: cdk8s would stamp a chart namespace on
// cluster-scoped objects too (Karpenter NodePool, EC2NodeClass), so every namespaced object names
// its namespace itself and output validation checks both directions.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';

export const MANAGED_BY = 'cdk8s';

export const LABEL = {
  name: 'app.kubernetes.io/name',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/**
 * A non-Kubernetes file (haproxy.cfg, Helm values, a report) a construct produces, at a path
 * relative to its chart's folder (dist/<cluster>/<component>/ when the pipeline writes it).
 */
export class FileArtifact extends Construct {
  constructor(scope: Construct, id: string, readonly path: string, readonly content: string) {
    super(scope, id);
  }
}

/**
 * A file that holds one Kubernetes object which is not applied (an Airflow pod template): the
 * pipeline validates the object against its upstream schema like every applied one, and refuses a
 * broken one as a rule naming `what`.
 */
export class ObjectFile extends FileArtifact {
  constructor(scope: Construct, id: string, path: string, content: string, readonly object: { apiVersion: string; kind: string }, readonly what: string) {
    super(scope, id, path, content);
  }
}

/** Adds a file to `scope` (`path` relative to the chart's folder). */
export const addFile = (scope: Construct, path: string, content: string): FileArtifact =>
  new FileArtifact(scope, `file:${path}`, path, content);

/** Every file the constructs under `scope` produce, by path (what a cdk8s app writes beside its manifests). */
export function filesOf(scope: Construct): Map<string, string> {
  const files = new Map<string, string>();
  for (const node of scope.node.findAll()) if (node instanceof FileArtifact) files.set(node.path, node.content);
  return files;
}

/** Which cluster and component a chart holds: its id, its folder and its common labels. */
export interface ComponentChartProps {
  /** Cluster name: the first part of the chart id and the folder under dist/. */
  readonly cluster: string;
  /** Folder under dist/<cluster>/ and the app.kubernetes.io/component label. */
  readonly component: string;
  /** app.kubernetes.io/part-of of every object. */
  readonly partOf: string;
}

export class ComponentChart extends Chart {
  readonly cluster: string;
  readonly component: string;
  readonly partOf: string;

  constructor(scope: Construct, props: ComponentChartProps) {
    super(scope, `${props.cluster}-${props.component}`, {
      disableResourceNameHashes: true,
      labels: {
        [LABEL.component]: props.component,
        [LABEL.partOf]: props.partOf,
        [LABEL.managedBy]: MANAGED_BY,
      },
    });
    this.cluster = props.cluster;
    this.component = props.component;
    this.partOf = props.partOf;
  }

  /** Adds a file at `dist/<cluster>/<component>/<path>`. */
  file(path: string, content: string): FileArtifact {
    return addFile(this, path, content);
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
