// Questions about the pools of the compute section that several components ask (Airflow, the
// capacity plan, the pools' alerts): which pools have a role, and one pool's nodes in integer
// units. Every number of a pool is read from the section here and nowhere else.
import type { ComputeProps, Pool } from './props';
import { bytes, shape, Shape } from './shape';

/** Names of the pools with a role (platform: long-running platform pods; workload: Airflow workers). */
export const poolsWithRole = (compute: Pick<ComputeProps, 'pools'>, role: Pool['role']): string[] =>
  Object.keys(compute.pools).filter((name) => compute.pools[name].role === role);

/** An average month (8760 h / 12): converts between hourly and monthly prices. */
export const HOURS_PER_MONTH = 730;

/** One pool's nodes as the planner counts them: sizes in millicores and bytes, prices per hour and month. */
export interface PoolCapacity {
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

/** The pool `name` of the section; its node type must have a measured allocatable (validateProfileFit). */
export function pool(compute: Pick<ComputeProps, 'pools' | 'nodeTypes'>, name: string): PoolCapacity {
  const spec = compute.pools[name];
  const nodeType = compute.nodeTypes[spec.nodeType];
  if (!nodeType.allocatable) throw new Error(`node type ${spec.nodeType} has no allocatable`); // refused by the rules first
  return {
    name,
    type: spec.nodeType,
    min: spec.min,
    max: spec.max,
    capacity: { cpu: nodeType.vcpu * 1000, memory: bytes(nodeType.memory) },
    allocatable: shape(nodeType.allocatable),
    eurPerHour: nodeType.eurPerHour ?? (nodeType.eurPerMonth ?? 0) / HOURS_PER_MONTH,
    eurPerMonth: nodeType.eurPerMonth ?? (nodeType.eurPerHour ?? 0) * HOURS_PER_MONTH,
    scaleUpMinutes: spec.scaleUpMinutes ?? 0,
    scaleDownIdleMinutes: spec.scaleDownIdleMinutes ?? 0,
  };
}
