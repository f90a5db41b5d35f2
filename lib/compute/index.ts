// The compute pools' public surface: pool questions several components ask, and the pools' alerts.
export {
  averagePoolNodes, computeAlertNames, COMPUTE_ALERTS, computeAlerts, labelledNodes, poolCount, poolNodes, scaleUpStallMinutes, workloadPool,
} from './alerts';
export type { ComputeAlertInputs, ComputeBudget, PoolSeries, WorkloadPool } from './alerts';
export { poolsWithRole } from './pools';
