// Variations of the built-in scw-ml-prod config for the capacity tests.
import type { Problem } from '../../lib/core/errors';
import { cpuCores, memoryBytes } from '../../lib/core/quantity';
import type { Cluster } from '../../lib/config/schema';
import { rawCluster, setPath } from '../support/clusters';
import { parseRaw, renderProblems } from '../support/render';

export const NAME = 'scw-ml-prod';

/** A fresh copy of the raw built-in config, with edits at dotted paths applied. */
export function prod(edits: Record<string, unknown> = {}): any {
  const raw = rawCluster(NAME);
  for (const [at, value] of Object.entries(edits)) setPath(raw, at, value);
  return raw;
}

export const load = (raw: unknown): Cluster => parseRaw(raw);

/** The problems synthesis refuses `raw` with (fails the test when it is accepted). */
export function refusal(raw: unknown): Problem[] {
  const problems = renderProblems(raw);
  if (problems.length === 0) throw new Error('synthesis accepted the config');
  return problems;
}

/** The numbers of one compute pool's node type, read from a raw config. */
export function nodeOf(raw: any, pool = 'compute') {
  const type = raw.compute.nodeTypes[raw.compute.pools[pool].nodeType];
  return {
    vcpu: type.vcpu as number,
    memory: memoryBytes(type.memory),
    allocCpu: cpuCores(type.allocatable.cpu),
    allocMemory: memoryBytes(type.allocatable.memory),
  };
}

/** Pods of one profile that fit an empty node by requests, capped by the pods that exist. */
export function podsPerNode(raw: any, workload: string): number {
  const w = raw.compute.workloads[workload];
  const p = raw.compute.profiles[w.profile];
  const node = nodeOf(raw, p.pool);
  return Math.min(
    Math.floor(node.allocCpu / cpuCores(p.requests.cpu) + 1e-9),
    Math.floor(node.allocMemory / memoryBytes(p.requests.memory)),
    w.podsPerRun * w.maxActiveRuns,
  );
}

export const scenarioIndex = (raw: any, id: string): number => raw.capacity.scenarios.findIndex((s: any) => s.id === id);
