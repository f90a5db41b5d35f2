// The planner's view of the compute section: node types, pools and pod groups in integer units
// (millicores, bytes), so sums and "fits" comparisons are exact. Every number is read from the
// config here and nowhere else in the planner. Airflow reads the compute section through it too
// (pod groups, exclusivity, pools by role), so both agree on what the config means.
import { cpuCores, memoryBytes } from '../core/quantity';
import type { Resources } from '../core/fields';
import type { ClusterConfig, ComputeConfig } from '../config/schema';
import type { CapacityConfig } from '../config/sections/capacity';

/** A cluster the planner can work on: it has both sections. */
export interface PlanCluster extends ClusterConfig {
  compute: ComputeConfig;
  capacity: CapacityConfig;
}

export function planCluster(c: ClusterConfig): PlanCluster {
  if (!c.compute || !c.capacity) throw new Error(`cluster ${c.name}: the capacity plan needs the compute and capacity sections`);
  return c as PlanCluster;
}

/** CPU in millicores and memory in bytes. */
export interface Shape {
  cpu: number;
  memory: number;
}

/** An average month (8760 h / 12): converts between hourly and monthly prices. */
export const HOURS_PER_MONTH = 730;

export const milli = (q: string): number => Math.round(cpuCores(q) * 1000);
export const bytes = (q: string): number => Math.round(memoryBytes(q));
export const shape = (r: Resources): Shape => ({ cpu: milli(r.cpu), memory: bytes(r.memory) });
export const add = (a: Shape, b: Shape, n = 1): Shape => ({ cpu: a.cpu + n * b.cpu, memory: a.memory + n * b.memory });
export const fits = (used: Shape, room: Shape): boolean => used.cpu <= room.cpu && used.memory <= room.memory;
export const ZERO: Shape = { cpu: 0, memory: 0 };
/** A share `f` of a shape, rounded down (headroom never rounds up). */
export const scale = (s: Shape, f: number): Shape => ({ cpu: Math.floor(s.cpu * f), memory: Math.floor(s.memory * f) });

export interface Pool {
  name: string;
  type: string;
  min: number;
  max: number;
  /** vCPU and memory of one node: the denominators of every margin. */
  capacity: Shape;
  /** Measured allocatable of one node: what requests are packed onto. */
  allocatable: Shape;
  eurPerHour: number;
  eurPerMonth: number;
  /** A new node's creation to Ready (0 when the config gives none): nodes arrive this far apart. */
  scaleUpMinutes: number;
  /** How long an empty node is kept before the autoscaler removes it (0 when the config gives none). */
  scaleDownIdleMinutes: number;
}


export function pool(compute: ComputeConfig, name: string): Pool {
  const p = compute.pools[name];
  const t = compute.nodeTypes[p.nodeType];
  if (!t.allocatable) throw new Error(`node type ${p.nodeType} has no allocatable`); // refused by the rules first
  return {
    name,
    type: p.nodeType,
    min: p.min,
    max: p.max,
    capacity: { cpu: t.vcpu * 1000, memory: bytes(t.memory) },
    allocatable: shape(t.allocatable),
    eurPerHour: t.eurPerHour ?? (t.eurPerMonth ?? 0) / HOURS_PER_MONTH,
    eurPerMonth: t.eurPerMonth ?? (t.eurPerHour ?? 0) * HOURS_PER_MONTH,
    scaleUpMinutes: p.scaleUpMinutes ?? 0,
    scaleDownIdleMinutes: p.scaleDownIdleMinutes ?? 0,
  };
}

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

export function podGroup(compute: ComputeConfig, workload: string): PodGroup {
  const w = compute.workloads[workload];
  const p = compute.profiles[w.profile];
  return {
    workload,
    profile: w.profile,
    pool: p.pool,
    count: w.podsPerRun * w.maxActiveRuns,
    requests: shape(p.requests),
    limits: shape(p.limits),
    peak: bytes(w.peakMemory),
    exclusiveWith: w.exclusiveWith,
  };
}

/** Whether two workloads never run at the same time (declared on either side). */
export const exclusive = (a: PodGroup, b: PodGroup): boolean =>
  a.exclusiveWith.includes(b.workload) || b.exclusiveWith.includes(a.workload);
