// The compute pools' public surface: pool questions several components ask, and the pools' alerts.
export { averagePoolNodes, computeAlerts, computeBudget, labelledNodes, poolCount, workloadPool } from './alerts';
export { poolsWithRole } from './pools';
