// The BuildKit farm's public surface: the construct library's BuildkitFarm and its props, and what
// other components and the config layer may use. The props' zod schema is in ./props (loaded
// lazily: importing this index does not load zod).
export { BuildkitFarm } from './farm';
export { BuildkitArchPool } from './arch-pool';
export type { BuildkitArchPoolProps } from './arch-pool';
export { BuildkitLoadBalancer } from './load-balancer';
export type { BuildkitLoadBalancerProps } from './load-balancer';
export type { Architecture, AwsInstanceType, BuildkitFarmProps, BuildkitSettings, IpFamily } from './props';
export { validateBuildkitFarm } from './rules';
export { BUILDKIT_FARM_ALERTS, buildkitFarmAlertNames, buildkitFarmAlerts, farmAlertInputs, haproxyJob, validateBuildkitFarmAlerts, withFallback } from './alerts';
export type { AlertedArch, BuildkitFarmAlertInputs, FarmAlertSettings } from './alerts';
export { CHECK, DNS } from './haproxy/config';
export { durationSeconds } from './duration';
export { fleet } from './fleet';
export type { ArchFleet } from './fleet';
export { scaledObjectSpec } from './keda';
