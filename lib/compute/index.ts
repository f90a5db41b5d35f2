// The compute pools' public surface: the compute section's types, the pool and workload questions
// several components ask (Airflow, the capacity plan), and the pools' alerts. The section's zod
// schema is in ./props (loaded by the config layer, not through this index: zod stays off the
// synth path).
export {
  averagePoolNodes, computeAlertNames, COMPUTE_ALERTS, computeAlerts, labelledNodes, poolCount, poolNodes, scaleUpStallMinutes, workloadPool,
} from './alerts';
export type { ComputeAlertInputs, ComputeBudget, PoolSeries, WorkloadPool } from './alerts';
export { profileFits, validateProfileFit } from './fit';
export type { FitIssue } from './fit';
export { HOURS_PER_MONTH, pool, poolsWithRole } from './pools';
export type { PoolCapacity } from './pools';
/** The compute section's zod schema, loaded on first call (zod is not loaded through this index). */
export const computeSchema = () => (require('./props') as typeof import('./props')).computeSection;
export type { ComputeInput, ComputeProps, NodeType, Pool, Profile, Taint, Workload } from './props';
export { add, bytes, fits, milli, scale, shape, ZERO } from './shape';
export type { Shape } from './shape';
export { exclusive, podGroup } from './workloads';
export type { PodGroup } from './workloads';
