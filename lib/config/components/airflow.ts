// The Airflow worker profiles (SPEC 2), enabled by the `airflow` section: the cluster file mapped
// onto `AirflowWorkersProps` (the section itself, the compute inputs with the capacity planner's
// figures resolved, the monitoring namespace), its rules placed in the file, and the construct.
import { ConfigError, Problem } from '../../core/errors';
import { inSection, PropsProblem } from '../../core/props';
import { AirflowComputeInputs, AirflowWorkers, AirflowWorkersProps, validateAirflowWorkers } from '../../airflow';
import { exclusive, podGroup } from '../../compute';
import { poolsWithRole } from '../../compute';
import type { Component } from '../component';
import type { ClusterConfig, ComputeConfig } from '../schema';

/** The compute section as the workers read it: each workload's pods and exclusions as the capacity planner counts them. */
export function airflowComputeInputs(compute: ComputeConfig): AirflowComputeInputs {
  const names = Object.keys(compute.workloads);
  const workloads = Object.fromEntries(names.map((name) => {
    const group = podGroup(compute, name);
    const workload = compute.workloads[name];
    return [name, {
      profile: workload.profile,
      podsPerRun: workload.podsPerRun,
      maxActiveRuns: workload.maxActiveRuns,
      pods: group.count,
      // read both ways, as the planner reads it
      exclusiveWith: names.filter((other) => other !== name && exclusive(group, podGroup(compute, other))).sort(),
    }];
  }));
  return {
    poolLabel: compute.poolLabel,
    nodeTypes: compute.nodeTypes,
    pools: compute.pools,
    profiles: compute.profiles,
    workloads,
    platformPool: poolsWithRole(compute, 'platform')[0],
  };
}

/** The construct's props of a cluster; none without both sections. */
export function airflowWorkersProps(c: ClusterConfig): AirflowWorkersProps | undefined {
  if (!c.airflow || !c.compute) return undefined;
  return { ...c.airflow, cluster: c.name, compute: airflowComputeInputs(c.compute), monitoringNamespace: c.monitoring.namespace };
}

/** The props' `compute` is the cluster's compute section, narrowed: its problems name those fields; the rest are the airflow section's. */
const placeInFile = (cluster: string, problems: PropsProblem[]): Problem[] =>
  problems.flatMap((p) => inSection(cluster, p.path === 'compute' || p.path.startsWith('compute.') ? '' : 'airflow', [p]));

const computeMissing = (c: ClusterConfig): Problem => ({
  cluster: c.name, path: 'compute', value: undefined,
  rule: 'is required with an airflow section: the worker profiles, their pools and workloads are defined there',
});

export const airflow: Component = {
  name: 'airflow',
  enabled: (c) => c.airflow !== undefined,
  check: (c) => {
    const props = airflowWorkersProps(c);
    return props ? placeInFile(c.name, validateAirflowWorkers(props)) : [computeMissing(c)];
  },
  build: (chart, c) => {
    const props = airflowWorkersProps(c);
    if (!props) throw new ConfigError([computeMissing(c)]);
    new AirflowWorkers(chart, 'workers', props);
  },
};
