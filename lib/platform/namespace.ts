// Namespaces with Pod Security Standards labels: enforce, and warn/audit at the same level so a
// violation shows up in `kubectl apply` output and the audit log as well as being refused.
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { clusterMeta } from '../core/chart';

export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

export interface PodSecurityNamespaceProps {
  readonly name: string;
  /** Pod Security Standard enforced, warned and audited. */
  readonly podSecurity: PodSecurityLevel;
  /** Pod Security Standards version pinned on the labels, e.g. v1.28 or latest. */
  readonly podSecurityVersion: string;
  /** Shown as the cluster-manifests/description annotation. @default none */
  readonly description?: string;
}

export function podSecurityLabels(level: PodSecurityLevel, version: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'warn', 'audit']) {
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = version;
  }
  return labels;
}

/** A Namespace (cluster-scoped: no namespace of its own) with its Pod Security labels. */
export class PodSecurityNamespace extends Construct {
  readonly namespace: k8s.KubeNamespace;

  constructor(scope: Construct, id: string, props: PodSecurityNamespaceProps) {
    super(scope, id);
    this.namespace = new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        ...clusterMeta(props.name, props.name, {
          'kubernetes.io/metadata.name': props.name,
          ...podSecurityLabels(props.podSecurity, props.podSecurityVersion),
        }),
        ...(props.description ? { annotations: { 'cluster-manifests/description': props.description } } : {}),
      },
    });
  }
}
