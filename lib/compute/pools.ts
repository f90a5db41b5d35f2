// Questions about the compute section that several components ask (Airflow, capacity, alerts).
import type { ComputeConfig } from '../config/schema';

/** Names of the pools with a role (platform: long-running platform pods; workload: Airflow workers). */
export const poolsWithRole = (compute: ComputeConfig, role: ComputeConfig['pools'][string]['role']): string[] =>
  Object.keys(compute.pools).filter((name) => compute.pools[name].role === role);
