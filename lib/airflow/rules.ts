// Rules the Airflow outputs need from the config, checked before anything is built. Unknown names
// (pools, node types, workloads) are reported by lib/config/references.ts; these rules skip them.
import { Problem, Problems } from '../config/errors';
import { cpuCores, memoryBytes } from '../config/quantity';
import type { ClusterConfig } from '../config/schema';
import { imageParts, platformPool } from './model';

const RESOURCES = [
  { key: 'cpu', parse: cpuCores, unit: 'CPU' },
  { key: 'memory', parse: memoryBytes, unit: 'memory' },
] as const;

export function checkAirflow(c: ClusterConfig): Problem[] {
  const problems = new Problems(c.name);
  const { airflow: a, compute } = c;
  if (!a || !compute) return [];

  a.heavyFactors.forEach((f, i) =>
    problems.check(a.factors.includes(f), `airflow.heavyFactors[${i}]`, f,
      `unknown factor: heavy factors must be among airflow.factors (${a.factors.join(', ')})`,
      `add ${f} to airflow.factors or remove it from airflow.heavyFactors`),
  );

  if (!imageParts(a.image).version)
    problems.add('airflow.image', a.image,
      'the tag must start with the Airflow version (the chart\'s airflowVersion is derived from it)',
      'use a tag such as apache/airflow:2.10.5-python3.11');

  const platform = platformPool(c);
  problems.check(platform !== undefined, 'compute.pools', Object.keys(compute.pools),
    'needs a pool with role platform: the scheduler, webserver and triggerer are pinned to it (values top-level nodeSelector)',
    'add role: platform to the permanent pool');

  const poolsWithoutAllocatable = new Map<string, string[]>();
  for (const [name, p] of Object.entries(compute.profiles)) {
    const at = `compute.profiles.${name}`;
    for (const r of RESOURCES) {
      const request = r.parse(p.requests[r.key]);
      const limit = r.parse(p.limits[r.key]);
      problems.check(request <= limit, `${at}.requests.${r.key}`, p.requests[r.key],
        `the request exceeds the limit (${p.limits[r.key]})`,
        `lower requests.${r.key} to at most ${p.limits[r.key]} or raise limits.${r.key}`);
    }

    const pool = compute.pools[p.pool];
    const node = pool && compute.nodeTypes[pool.nodeType];
    if (!node) continue; // unknown pool or node type: reported by the reference checks
    problems.check(pool.role === 'workload', `${at}.pool`, p.pool,
      `pool ${p.pool} has role ${pool.role}: worker pods belong on a pool with role workload`);

    const capacity = { cpu: String(node.vcpu), memory: node.memory };
    for (const r of RESOURCES) {
      problems.check(r.parse(p.limits[r.key]) <= r.parse(capacity[r.key]), `${at}.limits.${r.key}`, p.limits[r.key],
        `the limit exceeds the ${r.unit} capacity of a ${pool.nodeType} node (${capacity[r.key]}): one pod could take the whole node`,
        `lower limits.${r.key} to at most ${capacity[r.key]}, or put the profile on a pool of larger nodes`);
    }

    if (!node.allocatable) {
      poolsWithoutAllocatable.set(p.pool, [...(poolsWithoutAllocatable.get(p.pool) ?? []), name]);
      continue;
    }
    for (const r of RESOURCES) {
      const allocatable = node.allocatable[r.key];
      problems.check(r.parse(p.requests[r.key]) <= r.parse(allocatable), `${at}.requests.${r.key}`, p.requests[r.key],
        `the request exceeds the allocatable ${r.unit} of a ${pool.nodeType} node in pool ${p.pool} (${allocatable}): the pod can never be scheduled`,
        `lower requests.${r.key} to at most ${allocatable}, or put the profile on a pool of larger nodes`);
    }
  }
  for (const [pool, profiles] of poolsWithoutAllocatable) {
    const type = compute.pools[pool].nodeType;
    problems.add(`compute.pools.${pool}.nodeType`, type,
      `node type ${type} has no measured allocatable, so requests of the profiles on this pool (${profiles.join(', ')}) cannot be checked`,
      `measure a ${type} node and set compute.nodeTypes.${type}.allocatable, or use a measured node type`);
  }
  return problems.list;
}
