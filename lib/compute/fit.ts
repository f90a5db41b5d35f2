// Whether pod profiles fit the nodes of their pools: the one copy of this arithmetic. The loader
// runs `validateProfileFit` on every cluster with a compute section, before any component (Airflow
// pod templates, the capacity plan) uses a profile; the plan calls `profileFits` for its report.
import type { PropsProblem } from '../core/props';
import { cpuCores, memoryBytes } from '../core/quantity';
import type { ComputeProps, NodeType, Profile } from './props';

export interface FitIssue {
  /** Field of the profile, e.g. "limits.memory". */
  field: string;
  value: string;
  rule: string;
  fix: string;
}

const RESOURCES = [
  { key: 'cpu', parse: cpuCores, unit: 'CPU' },
  { key: 'memory', parse: memoryBytes, unit: 'memory' },
] as const;

/**
 * Problems of one profile on one node type: a request above its limit (the API refuses it), a
 * request above the node's allocatable (the pod can never schedule) and a limit above the node's
 * capacity (one pod could take the whole node, defeating the first OOM layer). Requests are only
 * compared with allocatable when it was measured.
 */
export function profileFits(profile: Profile, node: NodeType, nodeType: string): FitIssue[] {
  const issues: FitIssue[] = [];
  const capacity = { cpu: String(node.vcpu), memory: node.memory };
  for (const r of RESOURCES) {
    const request = profile.requests[r.key];
    const limit = profile.limits[r.key];
    if (r.parse(request) > r.parse(limit))
      issues.push({ field: `requests.${r.key}`, value: request, rule: `the request exceeds the limit (${limit})`,
        fix: `lower requests.${r.key} to at most ${limit} or raise limits.${r.key}` });
    if (r.parse(limit) > r.parse(capacity[r.key]))
      issues.push({ field: `limits.${r.key}`, value: limit,
        rule: `the limit exceeds the ${r.unit} capacity of a ${nodeType} node (${capacity[r.key]}): one pod could take the whole node`,
        fix: `lower limits.${r.key} to at most ${capacity[r.key]}, or put the profile on a pool of larger nodes` });
    const allocatable = node.allocatable?.[r.key];
    if (allocatable !== undefined && r.parse(request) > r.parse(allocatable))
      issues.push({ field: `requests.${r.key}`, value: request,
        rule: `the request exceeds the allocatable ${r.unit} of a ${nodeType} node (${allocatable}): the pod can never be scheduled`,
        fix: `lower requests.${r.key} to at most ${allocatable}, or put the profile on a pool of larger nodes` });
  }
  return issues;
}

/**
 * Every profile sits on a pool with role workload, fits its nodes (see profileFits), and every pool
 * that profiles or platform workloads use has a measured allocatable to check requests against.
 * Unknown pools and node types are left to the reference checks. Paths are relative to the section.
 */
export function validateProfileFit(compute: ComputeProps): PropsProblem[] {
  const problems: PropsProblem[] = [];
  const unmeasured = new Map<string, string[]>();
  const unmeasuredUser = (pool: string, user: string) => unmeasured.set(pool, [...(unmeasured.get(pool) ?? []), user]);
  for (const [name, profile] of Object.entries(compute.profiles)) {
    const pool = compute.pools[profile.pool];
    const node = pool && compute.nodeTypes[pool.nodeType];
    if (!node) continue;
    if (pool.role !== 'workload')
      problems.push({ path: `profiles.${name}.pool`, value: profile.pool,
        rule: `pool ${profile.pool} has role ${pool.role}: workload pods belong on a pool with role workload` });
    for (const issue of profileFits(profile, node, pool.nodeType))
      problems.push({ path: `profiles.${name}.${issue.field}`, value: issue.value, rule: issue.rule, fix: issue.fix });
    if (!node.allocatable) unmeasuredUser(profile.pool, name);
  }
  for (const workload of compute.platformWorkloads) {
    const pool = compute.pools[workload.pool];
    if (pool && compute.nodeTypes[pool.nodeType] && !compute.nodeTypes[pool.nodeType].allocatable) unmeasuredUser(workload.pool, workload.name);
  }
  for (const [pool, users] of unmeasured) {
    const type = compute.pools[pool].nodeType;
    problems.push({ path: `pools.${pool}.nodeType`, value: type,
      rule: `node type ${type} has no measured allocatable, so the requests of ${users.join(', ')} on this pool cannot be checked or packed`,
      fix: `measure a ${type} node and set compute.nodeTypes.${type}.allocatable, or use a measured node type` });
  }
  return problems;
}
