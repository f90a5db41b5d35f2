// Whether pod profiles fit the nodes of their pools: the one copy of this arithmetic. The loader
// runs `checkProfiles` on every cluster with a compute section, before any component (Airflow pod
// templates, the capacity plan) uses a profile; the plan calls `profileFits` for its report.
import { Problem, Problems } from '../core/errors';
import { cpuCores, memoryBytes } from '../core/quantity';
import type { ClusterConfig } from './schema';
import type { NodeType, Profile } from './sections/compute';

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
 * Unknown pools and node types are left to the reference checks.
 */
export function checkProfiles(c: ClusterConfig, file?: string): Problem[] {
  const problems = new Problems(c.name, file);
  const compute = c.compute;
  if (!compute) return [];
  const unmeasured = new Map<string, string[]>();
  for (const [name, profile] of Object.entries(compute.profiles)) {
    const pool = compute.pools[profile.pool];
    const node = pool && compute.nodeTypes[pool.nodeType];
    if (!node) continue;
    problems.check(pool.role === 'workload', `compute.profiles.${name}.pool`, profile.pool,
      `pool ${profile.pool} has role ${pool.role}: workload pods belong on a pool with role workload`);
    for (const issue of profileFits(profile, node, pool.nodeType))
      problems.add(`compute.profiles.${name}.${issue.field}`, issue.value, issue.rule, issue.fix);
    if (!node.allocatable) unmeasured.set(profile.pool, [...(unmeasured.get(profile.pool) ?? []), name]);
  }
  for (const w of compute.platformWorkloads) {
    const pool = compute.pools[w.pool];
    if (pool && compute.nodeTypes[pool.nodeType] && !compute.nodeTypes[pool.nodeType].allocatable)
      unmeasured.set(w.pool, [...(unmeasured.get(w.pool) ?? []), w.name]);
  }
  for (const [pool, users] of unmeasured) {
    const type = compute.pools[pool].nodeType;
    problems.add(`compute.pools.${pool}.nodeType`, type,
      `node type ${type} has no measured allocatable, so the requests of ${users.join(', ')} on this pool cannot be checked or packed`,
      `measure a ${type} node and set compute.nodeTypes.${type}.allocatable, or use a measured node type`);
  }
  return problems.list;
}
