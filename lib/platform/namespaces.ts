// Namespaces with Pod Security Standards labels: enforce, and warn/audit at the same level so a
// violation shows up in `kubectl apply` output and the audit log as well as being refused.
import { k8s } from 'cdk8s-plus-28';
import type { NamespaceSpec } from '../config/schema';
import { ComponentChart, clusterMeta } from '../core/chart';

export function podSecurityLabels(level: NamespaceSpec['podSecurity'], version: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'warn', 'audit']) {
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = version;
  }
  return labels;
}

export function addNamespace(chart: ComponentChart, ns: NamespaceSpec): k8s.KubeNamespace {
  return new k8s.KubeNamespace(chart, `namespace-${ns.name}`, {
    metadata: {
      ...clusterMeta(ns.name, ns.name, {
        'kubernetes.io/metadata.name': ns.name,
        ...podSecurityLabels(ns.podSecurity, chart.cluster.podSecurityVersion),
      }),
      ...(ns.description ? { annotations: { 'cluster-manifests/description': ns.description } } : {}),
    },
  });
}
