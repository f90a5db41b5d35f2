// The capacity planner's public surface: what other components and the config layer may use.
export { cachedFarmPlan } from './farm';
export { exclusive, HOURS_PER_MONTH, planCluster, podGroup, pool } from './model';
export { plan } from './plan';
export { structuralProblems } from './rules';
