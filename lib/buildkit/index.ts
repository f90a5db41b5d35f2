// The BuildKit farm's public surface: what other components and the config layer may use.
export { BUILDKIT_FARM_ALERTS, buildkitFarmAlertNames, buildkitFarmAlerts, haproxyJob, validateBuildkitFarmAlerts, withFallback } from './alerts';
export type { AlertedArch, BuildkitFarmAlertInputs } from './alerts';
export { CHECK, DNS } from './haproxy/config';
export { durationSeconds } from './duration';
export { fleet } from './fleet';
export type { ArchFleet } from './fleet';
export { scaledObjectSpec } from './keda';
export { checkBuildkit } from './rules';
