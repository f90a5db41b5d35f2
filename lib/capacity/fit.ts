// Whether a pod profile fits the nodes of its pool: the one copy of this arithmetic, shared by the
// capacity plan and anything else that emits pods from profiles.
import type { NodeType, Profile } from '../config/sections/compute';
import { bytes, milli } from './model';

export interface FitIssue {
  /** Field of the profile, e.g. "limits.memory". */
  field: string;
  value: string;
  rule: string;
  fix: string;
}

const RESOURCES = [
  { key: 'cpu', parse: milli, unit: 'CPU' },
  { key: 'memory', parse: bytes, unit: 'memory' },
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
