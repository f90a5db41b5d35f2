// Node types, node pools, pod profiles and workloads: the compute model shared by the Airflow
// manifests and the capacity planner (SPEC 1.1). Numbers live here and nowhere else.
import { z } from 'zod';
import { cpuQuantity, memoryQuantity, resources } from '../quantity';

const name = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label');

export const nodeType = z.strictObject({
  vcpu: z.number().int().positive(),
  memory: memoryQuantity,
  /** Measured allocatable; absent when never measured (then the type cannot host a pool). */
  allocatable: z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity }).optional(),
  /** Exactly one of the two prices. */
  eurPerHour: z.number().positive().optional(),
  eurPerMonth: z.number().positive().optional(),
  note: z.string().optional(),
});

export const pool = z.strictObject({
  nodeType: z.string(),
  min: z.number().int().nonnegative(),
  max: z.number().int().positive(),
  /** platform: long-running platform pods; workload: Airflow worker pods. */
  role: z.enum(['platform', 'workload']),
  scaleUpMinutes: z.number().positive().optional(),
  scaleDownIdleMinutes: z.number().positive().optional(),
});

export const platformWorkload = z.strictObject({
  name,
  pool: z.string(),
  requests: resources,
  note: z.string().optional(),
});

export const profile = z.strictObject({
  pool: z.string(),
  requests: resources,
  limits: resources,
  description: z.string().optional(),
});

export const workload = z.strictObject({
  profile: z.string(),
  /** One pod per crypto. */
  podsPerRun: z.number().int().positive(),
  maxActiveRuns: z.number().int().positive(),
  durationHours: z.number().positive(),
  /** Measured peak memory of one pod, used for margins (requests are the scheduling contract). */
  peakMemory: memoryQuantity,
  /** Workloads that never run at the same time as this one. */
  exclusiveWith: z.array(z.string()).default([]),
  description: z.string().optional(),
});

export const computeFields = {
  nodeTypes: z.record(z.string(), nodeType),
  pools: z.record(name, pool),
  /** Node label that selects a pool (Scaleway Kapsule sets it on every node). */
  poolLabel: z.string().default('k8s.scaleway.com/pool-name'),
  platformWorkloads: z.array(platformWorkload).default([]),
  profiles: z.record(name, profile),
  workloads: z.record(name, workload),
};

export type NodeType = z.infer<typeof nodeType>;
export type Pool = z.infer<typeof pool>;
export type Profile = z.infer<typeof profile>;
export type Workload = z.infer<typeof workload>;
export type PlatformWorkload = z.infer<typeof platformWorkload>;
