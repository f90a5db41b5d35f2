// The capacity and cost plan (SPEC 1.1 and 5): scenarios, guarantees, projections and budget.
import { z } from 'zod';

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

export type CapacityConfig = z.infer<typeof capacitySection>;
