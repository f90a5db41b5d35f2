// The Airflow component's public surface: the construct, its props (types only: the zod schema
// stays in ./props, loaded lazily), its alerts, and what other components and the config layer may use.
export { AirflowWorkers } from './workers';
export type { AirflowComputeInputs, AirflowSection, AirflowSectionInput, AirflowWorkersProps, CpuMemory, WorkerTaint } from './props';
export { validateAirflowWorkers } from './rules';
export type { AirflowPool, Preflight, QueuedWait, WorkerResources } from './derived';
export { PodTemplateFile, WorkerPodTemplates } from './pod-templates';
export { DagContract } from './contract';
export { AirflowPools } from './pools';
export { WorkerIdentity } from './identity';
export { WorkerNetworkPolicies } from './network';
export { AIRFLOW_ALERT_NAMES, AIRFLOW_ALERTS, airflowAlerts, DEPENDENCIES, statsdService } from './alerts';
export type { AirflowAlertInputs, Blackbox, Dependency, ProbeTarget, WatchedDag } from './alerts';
export { chartObjects, PROFILE_LABEL } from './names';
