// The capacity and cost plan's props (SPEC 1.1 and 5): the capacity section (scenarios,
// guarantees, projections and budget) as one zod schema, which the cluster file's section is made
// of, and the props of the CapacityPlan construct around it.
import { z } from 'zod';
import { dnsLabel } from '../core/fields';
import { computeSchema } from '../compute';

const computeSection = computeSchema();

const usage = z.strictObject({ sessions: z.number().nonnegative(), hours: z.number().nonnegative() });

/**
 * How the provider bills a node of an autoscaled pool: in steps of `granularityMinutes` (a started
 * step is billed whole), at least `minimumMinutes` per node. Absent: billed by the exact time.
 */
const billing = z.strictObject({
  granularityMinutes: z.number().positive().describe('A node\'s run time is billed in whole steps of this many minutes, a started step in full (60: per hour).'),
  minimumMinutes: z.number().nonnegative().default(0).describe('Every node is billed at least this long.'),
  source: z.string().min(1).describe('Where the provider says so, with the date read; mark estimates "unverified, to confirm".'),
});

export const capacitySection = z.strictObject({
  budgetEurPerMonth: z.number().positive(),
  billing: billing.optional().describe('The provider\'s billing granularity for autoscaled nodes; with the pools\' scaleUpMinutes and scaleDownIdleMinutes it prices the scale-up staircase and the idle hold of every session.'),
  fixedCosts: z.array(z.strictObject({ name: z.string(), eurPerMonth: z.number().nonnegative() })),
  scenarios: z.array(z.strictObject({ id: z.string(), workloads: z.array(z.string()).min(1) })).min(1).describe('Sets of workloads that can run at the same time; `pods` come from each workload\'s runs.'),
  guarantees: z.strictObject({
    memoryMarginMin: z.number().gt(0).lt(1).describe('Memory margin (1 - peak / node memory) must exceed this in every scenario. Hard.'),
    cpuBurstMarginMin: z.number().gt(0).lt(1).describe('CPU margin on burst (sum of limits) must exceed this. Hard for `cpuBurstHardFor`, warned otherwise.'),
    cpuBurstHardFor: z.array(z.string()),
  }),
  months: z.array(z.strictObject({ id: z.string(), usage: z.record(z.string(), usage) })).min(1).describe('Monthly projections: per scenario, sessions x hours.'),
  sizingDocDifferences: z
    .array(z.strictObject({ path: z.string(), doc: z.unknown(), reason: z.string() }))
    .default([]).describe('Values the sizing doc gave that the config deliberately changes, with the reason (shown in the report).'),
});

/** The capacity section with its defaults applied. */
export type CapacitySection = z.infer<typeof capacitySection>;

/** The CapacityPlan construct's props, as a schema (checked by `app.synth()` in a library user's app). */
export const capacityPlanSchema = z.strictObject({
  cluster: dnsLabel.describe('The cluster the plan is of: the title of plan.md, `cluster` in plan.json.'),
  compute: computeSection.describe('The compute section: the pools, node types, profiles and workloads the plan packs.'),
  capacity: capacitySection,
  sizingDoc: z.array(z.strictObject({
    current: z.unknown(),
    restored: z.strictObject({ compute: computeSection, capacity: capacitySection }).optional(),
    invalid: z.array(z.string()).optional(),
  })).optional().describe('How each capacity.sizingDocDifferences entry reads in the whole cluster file (the config mapping fills it).'),
});

/**
 * Props of the CapacityPlan construct: the cluster's name, its compute and capacity sections
 * (defaults applied) and, from the config mapping, how the sizing doc's differences read in the
 * whole file. Paths of its problems (`capacity.scenarios[0]`, `compute.pools.compute.max`) are
 * relative to these props, which mirror the cluster file.
 */
export type CapacityPlanProps = z.infer<typeof capacityPlanSchema>;
/** What the plan is computed from: the props without the sizing doc's readings. */
export type PlanInput = Pick<CapacityPlanProps, 'cluster' | 'compute' | 'capacity'>;
/** One capacity.sizingDocDifferences entry as the whole cluster file reads it. */
export type SizingDocReading = NonNullable<CapacityPlanProps['sizingDoc']>[number];
