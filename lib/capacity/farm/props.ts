// The build farm's capacity plan (issue 15): bursts and a day profile replayed through the
// generated autoscaling (lib/capacity/farm): the farmPlan section's schema and the FarmPlan
// construct's props. Everything the manifests already say (slots, min/max,
// HAProxy timeouts, the HPA behavior, consolidateAfter, NodePool limits) comes from the buildkit
// section through fleet() and the emitters; this section holds only what the manifests do not:
// how clients retry, how long nodes and pods take, what an hour costs, and the load to replay.
import { z } from 'zod';
import type { BuildkitSettings } from '../../buildkit';
import { dnsLabel } from '../../core/fields';

/** A figure with where it came from: every number of the plan that is not in the manifests has one. */
const sourced = <T extends z.ZodTypeAny>(value: T) => z.strictObject({ value, source: z.string().min(1) });

const seconds = z.number().int().positive();

const buildDurations = z.strictObject({
  p50Seconds: seconds,
  p95Seconds: seconds,
}).refine((d) => d.p95Seconds >= d.p50Seconds, 'p95Seconds must be at least p50Seconds')
  .describe('Build durations: log-normal through the two quantiles.');

const wave = z.strictObject({
  atSeconds: z.number().int().nonnegative().describe('When the first build of the wave arrives (s from the start).'),
  count: z.number().int().positive(),
  spreadSeconds: z.number().int().nonnegative().default(0).describe('Arrivals evenly spread over this many seconds (0: all at once).'),
  duration: buildDurations,
});

export const farmScenario = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a lowercase id such as validation-burst'),
  arch: z.enum(['amd64', 'arm64']).describe('A scenario for an arch the farm does not run is skipped (the preset lists both).'),
  description: z.string().optional(),
  waves: z.array(wave).min(1),
  maxGaveUp: z.number().int().nonnegative().default(0).describe('Builds that may give up (every attempt refused) before synthesis refuses the config. Hard.'),
});

export const farmPlanSection = z.strictObject({
  budgetUsdPerMonth: z.number().positive().describe('Most the farm\'s nodes may cost per month (day profile x daysPerMonth, every arch). Hard.'),
  region: z.string().describe('AWS region the prices are for.'),
  prices: z.record(z.string(), z.strictObject({
    usdPerHour: z.number().positive(),
    source: z.string().min(1),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2026-01-19'),
  })).describe('On-demand Linux price of each instance type the farm uses, with its source and date.'),
  billing: z.strictObject({
    minimumSeconds: sourced(z.number().int().nonnegative()),
  }).describe('EC2 on-demand Linux bills per second with a minimum per launch.'),
  nodeReadySeconds: z.record(z.string(), sourced(seconds)).describe('Karpenter launch to node Ready, per instance type.'),
  timings: z.strictObject({
    podStartSeconds: sourced(seconds).describe('A pod bound to a Ready node until buildkitd accepts builds (image pull, start, readiness).'),
    hpaSyncSeconds: sourced(seconds),
    hpaTolerance: sourced(z.number().nonnegative().lt(1)),
    provisionDelaySeconds: sourced(z.number().int().nonnegative()).describe('Karpenter\'s batching of pending pods before it launches nodes.'),
  }),
  client: z.strictObject({
    attempts: z.number().int().positive().describe('Attempts of one build (the first included) before the runner gives up.'),
    backoffSeconds: z.number().int().nonnegative().describe('Wait after the first refused attempt.'),
    backoffMultiplier: z.number().gte(1).default(1).describe('Each further wait is the previous one times this.'),
    source: z.string().min(1),
  }).describe('The runner-side retry policy: BuildKit\'s client gives up connecting after buildkit.haproxy.clientConnectTimeoutSeconds and does not retry by itself.'),
  scenarios: z.array(farmScenario).min(1),
  dayProfile: z.array(z.strictObject({
    arch: z.enum(['amd64', 'arm64']),
    hourlyBuilds: z.array(z.number().nonnegative()).length(24).describe('Mean builds arriving in each hour of the day (UTC), Poisson.'),
    duration: buildDurations,
  })).describe('The load of an ordinary day per arch, replayed for daysPerMonth days for the monthly cost.'),
  daysPerMonth: z.number().int().positive().default(30),
});

/** The farmPlan section with its defaults applied. */
export type FarmPlanSection = z.infer<typeof farmPlanSection>;
export type FarmScenario = z.infer<typeof farmScenario>;
/** How long builds take: log-normal through p50 and p95. */
export type BuildDurations = z.infer<typeof buildDurations>;

/** The BuildKit farm's settings (its props without the cross-section inputs), as the buildkit component exports them. */
export type BuildkitFarm = BuildkitSettings;

/**
 * Props of the FarmPlan construct: the cluster's name, the farm's props (what the manifests are
 * generated from) and the farmPlan section. Paths of its problems (`farmPlan.scenarios[0].maxGaveUp`)
 * are relative to these props, which mirror the cluster file.
 */
export interface FarmPlanProps {
  /** The cluster the plan is of: the title of farm.md, `cluster` in farm.json. */
  readonly cluster: string;
  /** The BuildKit farm's props (the cluster file's `buildkit`), already accepted by the farm's own rules. */
  readonly buildkit: BuildkitFarm;
  /** What the manifests do not say: retries, timings, prices and the load to replay. */
  readonly farmPlan: FarmPlanSection;
}

/** The FarmPlan construct's props as a schema; the farm's own props are the buildkit component's to check. */
export const farmPlanSchema = z.strictObject({
  cluster: dnsLabel,
  buildkit: z.unknown(),
  farmPlan: farmPlanSection,
});
