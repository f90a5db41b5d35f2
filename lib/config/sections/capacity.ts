// The capacity and cost plan (SPEC 1.1 and 5): scenarios, guarantees, projections and budget.
import { z } from 'zod';

const usage = z.strictObject({ sessions: z.number().nonnegative(), hours: z.number().nonnegative() });

export const capacitySection = z.strictObject({
  budgetEurPerMonth: z.number().positive(),
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
