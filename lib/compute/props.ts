// The compute section's schema (SPEC 1.1): node types, node pools, pod profiles and workloads, the
// model shared by the Airflow manifests, the capacity plan and the pools' alerts. Numbers live
// here and nowhere else. One schema gives the cluster file's section, its JSON Schema and the
// props type the compute questions (lib/compute/index.ts) take.
import { z } from 'zod';
import { cpuQuantity, dnsLabel, nodeMemory, podMemory, resources } from '../core/fields';

export const nodeType = z.strictObject({
  vcpu: z.number().int().positive(),
  memory: nodeMemory,
  allocatable: z.strictObject({ cpu: cpuQuantity, memory: nodeMemory }).optional().describe('Measured allocatable; absent when never measured (then the type cannot host a pool).'),
  eurPerHour: z.number().positive().optional().describe('Price per node-hour (autoscaled pools). Give exactly one of eurPerHour and eurPerMonth.'),
  eurPerMonth: z.number().positive().optional().describe('Price per node-month (always-on pools). Give exactly one of eurPerHour and eurPerMonth.'),
  note: z.string().optional(),
});

/** A node taint, as Kubernetes spells it (key, value, effect). */
export const taint = z.strictObject({
  key: z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9_.-]+$/, 'must be a label key such as example.com/dedicated'),
  value: z.string().regex(/^[A-Za-z0-9_.-]*$/, 'must be a label value'),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});

export const pool = z.strictObject({
  nodeType: z.string(),
  min: z.number().int().nonnegative().describe('Always-on nodes (billed every month).'),
  max: z.number().int().positive().describe('Autoscaler ceiling: every scenario must pack into this many nodes.'),
  role: z.enum(['platform', 'workload']).describe('platform: long-running platform pods; workload: Airflow worker pods.'),
  scaleUpMinutes: z.number().positive().optional(),
  scaleDownIdleMinutes: z.number().positive().optional(),
  taints: z.array(taint).default([]).describe('Taints of the pool\'s nodes, set where the pool is managed (Scaleway Kapsule: pool tag `taint=<key>=<value>:<effect>`); the pool\'s pods get the matching tolerations.'),
});

export const platformWorkload = z.strictObject({
  name: dnsLabel,
  pool: z.string(),
  requests: resources,
  note: z.string().optional(),
});

export const profile = z.strictObject({
  pool: z.string().describe('Pool whose nodes the pods run on (nodeSelector on the pool label).'),
  requests: resources.describe('The scheduling contract; the planner packs and bounds the worst node by these.'),
  limits: resources.describe('At most the node capacity; CPU limits are the burst the margins are judged on.'),
  description: z.string().optional(),
});

export const workload = z.strictObject({
  profile: z.string(),
  podsPerRun: z.number().int().positive().describe('One pod per crypto.'),
  maxActiveRuns: z.number().int().positive(),
  maxActiveRunsFixed: z.boolean().default(false)
    .describe('Policy, not capacity: the what-if never changes max_active_runs of this workload (e.g. heavy factors run one at a time).'),
  durationHours: z.number().positive(),
  peakMemory: podMemory.describe('Measured peak memory of one pod, used for margins (requests are the scheduling contract).'),
  exclusiveWith: z.array(z.string()).default([]).describe('Workloads that never run at the same time as this one.'),
  description: z.string().optional(),
});

export const computeFields = {
  nodeTypes: z.record(z.string(), nodeType),
  pools: z.record(dnsLabel, pool),
  poolLabel: z.string().default('k8s.scaleway.com/pool-name').describe('Node label that selects a pool (Scaleway Kapsule sets it on every node).'),
  platformWorkloads: z.array(platformWorkload).default([]),
  profiles: z.record(dnsLabel, profile),
  workloads: z.record(dnsLabel, workload),
};

/** The compute section as a schema (the cluster file's `compute`). */
export const computeSection = z.strictObject(computeFields);

/** The compute section with its defaults applied: what every compute question reads. */
export type ComputeProps = z.infer<typeof computeSection>;
/** The compute section as a user writes it (defaults optional). */
export type ComputeInput = z.input<typeof computeSection>;
export type NodeType = z.infer<typeof nodeType>;
export type Pool = z.infer<typeof pool>;
export type Taint = z.infer<typeof taint>;
export type Profile = z.infer<typeof profile>;
export type Workload = z.infer<typeof workload>;
