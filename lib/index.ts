// The public API of the package: the constructs with their props, the components' alert sets, and
// the config loader. Everything else under lib/ is internal (package.json `exports` exposes this
// file only). Props types are exported; their zod schemas stay internal (loaded only to validate).

// core: charts, files, errors, the alert model
export { addFile, ComponentChart, FileArtifact, filesOf, LABEL, ObjectFile } from './core/chart';
export type { ComponentChartProps } from './core/chart';
export { ConfigError, formatProblem, UsageError } from './core/errors';
export type { Problem } from './core/errors';
export type { PropsProblem } from './core/props';
export type { AboveFor, Alert, AlertName, AlertThresholds, ErrorsFor, EventWithin, HoldFor, Need, ScrapeJob, Severity } from './core/alerts';

// components
export { PodSecurityNamespace, podSecurityLabels } from './platform';
export type { PodSecurityLevel, PodSecurityNamespaceProps } from './platform';
export {
  BuildkitArchPool, BuildkitFarm, BuildkitLoadBalancer, buildkitFarmAlerts, farmAlertInputs, fleet, validateBuildkitFarm, validateBuildkitFarmAlerts,
} from './buildkit';
export type {
  Architecture, ArchFleet, AwsInstanceType, BuildkitArchPoolProps, BuildkitFarmAlertInputs, BuildkitFarmProps, BuildkitLoadBalancerProps,
  BuildkitSettings, FarmAlertSettings, IpFamily,
} from './buildkit';
export { AirflowPools, AirflowWorkers, airflowAlerts, DagContract, validateAirflowWorkers, WorkerIdentity, WorkerNetworkPolicies, WorkerPodTemplates } from './airflow';
export type { AirflowAlertInputs, AirflowComputeInputs, AirflowSection, AirflowSectionInput, AirflowWorkersProps } from './airflow';
export { computeAlerts, poolsWithRole, profileFits, validateProfileFit } from './compute';
export type { ComputeAlertInputs, ComputeProps, NodeType, Pool, Profile, Workload } from './compute';
export { CapacityPlan, capacityPlanWarnings, FarmPlan, validateCapacityPlan, validateFarmPlan } from './capacity';
export type { CapacityPlanProps, CapacitySection, FarmPlanProps, FarmPlanResult, FarmPlanSection, Plan } from './capacity';
export { AlertRules, Dashboards, DependencyProbes, StatsdServiceMonitor, validateAlertRules, validateDashboards } from './monitoring';
export type { AlertRulesProps, DashboardsProps, DependencyProbesProps, GrafanaRules, Routing, RuleSettings, StatsdServiceMonitorProps } from './monitoring';

// the props schemas (zod): what the cluster file's sections are made of; parse a hand-written
// section with one to apply its defaults, or to check it before building
export { airflowSection, airflowWorkersSchema } from './airflow/props';
export { buildkitFarmPropsSchema, buildkitSettingsSchema } from './buildkit/props';
export { capacityPlanSchema, capacitySection } from './capacity/props';
export { farmPlanSchema, farmPlanSection } from './capacity/farm/props';
export { computeSection } from './compute/props';
export { monitoringSection } from './monitoring/props';

// the YAML layer: a folder of cluster files, checked and built like `npm run synth` does
export { loadClusters } from './config/load';
export type { Cluster, ClusterConfig } from './config/schema';
export { buildCluster, checkCluster } from './config/components';
