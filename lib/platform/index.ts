// The platform component: what a cluster has whatever else it runs (its namespaces).
export { PodSecurityNamespace, podSecurityLabels } from './namespace';
export type { PodSecurityLevel, PodSecurityNamespaceProps } from './namespace';
