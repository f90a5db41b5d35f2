// The public API of the package: the constructs with their props, and the config loader.
// Everything else under lib/ is internal (package.json `exports` exposes this file only).
export { addFile, ComponentChart, FileArtifact, filesOf, LABEL } from './core/chart';
export type { ComponentChartProps } from './core/chart';
export { ConfigError, formatProblem, UsageError } from './core/errors';
export type { Problem } from './core/errors';
export type { PropsProblem } from './core/props';
export { PodSecurityNamespace, podSecurityLabels } from './platform';
export type { PodSecurityLevel, PodSecurityNamespaceProps } from './platform';
export { BuildkitArchPool, BuildkitFarm, BuildkitLoadBalancer, validateBuildkitFarm } from './buildkit';
export type {
  Architecture, ArchFleet, AwsInstanceType, BuildkitArchPoolProps, BuildkitFarmProps, BuildkitLoadBalancerProps, BuildkitSettings, IpFamily,
} from './buildkit';
