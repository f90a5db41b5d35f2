// A workload's pods as one group: the unit the planner packs and Airflow sizes its task pools by,
// so both agree on what the section means (pods in flight, their shape, exclusivity).
import type { ComputeProps } from './props';
import { bytes, shape, Shape } from './shape';

/** The pods one workload has in flight at most: podsPerRun x maxActiveRuns, all alike. */
export interface PodGroup {
  workload: string;
  profile: string;
  pool: string;
  count: number;
  requests: Shape;
  limits: Shape;
  /** Measured peak memory of one pod (bytes). */
  peak: number;
  exclusiveWith: string[];
}

export function podGroup(compute: Pick<ComputeProps, 'workloads' | 'profiles'>, workload: string): PodGroup {
  const spec = compute.workloads[workload];
  const profile = compute.profiles[spec.profile];
  return {
    workload,
    profile: spec.profile,
    pool: profile.pool,
    count: spec.podsPerRun * spec.maxActiveRuns,
    requests: shape(profile.requests),
    limits: shape(profile.limits),
    peak: bytes(spec.peakMemory),
    exclusiveWith: spec.exclusiveWith,
  };
}

/** Whether two workloads never run at the same time (declared on either side). */
export const exclusive = (one: PodGroup, other: PodGroup): boolean =>
  one.exclusiveWith.includes(other.workload) || other.exclusiveWith.includes(one.workload);
