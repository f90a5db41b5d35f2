// "What if" objectives (SPEC 5), in the spirit of capacity planners: for each workload, try
// max_active_runs from 1 to twice the configured value, size the pool max by the policy, and
// weigh throughput against the monthly cost. Workloads with maxActiveRunsFixed keep their value:
// it is policy (heavy factors run one at a time), not capacity. The model, kept deliberately small:
//
// - the work of a month is fixed: a session that takes `hours` with the configured runs in
//   flight takes hours x configured / candidate with the candidate's (runs do not slow each other
//   down: requests reserve their CPU);
// - every run still takes durationHours; with n in flight one completes every durationHours / n
//   on average: the hours per completed run (for FTF, where a run is one factor, per factor);
// - nodes come from first-fit-decreasing packing, onto (1 - headroom) of allocatable;
// - cost is the plan's own billed cost (the scale-up staircase, the idle hold and the billing
//   steps of every session) + permanent nodes + fixed costs;
// - a candidate is feasible only if every hard guarantee of the plan holds with it (worst-node
//   margins, pool max, budget).
import { pool as poolOf, scale, shape, ZERO } from '../compute';
import type { PlanInput } from './props';
import { nodeCount, room } from './packing';
import { broken, passes, plan, Plan, PlanOptions, worstMonth } from './plan';

export const OBJECTIVES = ['min-cost', 'min-time', 'balance'] as const;
export const POLICIES = ['safe', 'aggressive', 'manual'] as const;
export type Objective = (typeof OBJECTIVES)[number];
export type Policy = (typeof POLICIES)[number];

/**
 * safe: plan nodes as if only 80 % of allocatable could be used (20 % headroom for placement
 * order, daemon growth and measurement error) and size the pool max to that; aggressive: pack
 * tight onto the whole allocatable and size the pool max to exactly that; manual: the config as is
 * (its pool max; only max_active_runs varies).
 */
export const HEADROOM: Record<Policy, number> = { safe: 0.2, aggressive: 0, manual: 0 };
/** Candidates run from 1 to this many times the configured max_active_runs. */
export const RUNS_RANGE = 2;

/** What a set of max_active_runs gives under a policy. */
export interface Outcome {
  /** Pool max per pool: the config's (manual) or what the policy sizes it to. */
  poolMax: Record<string, number>;
  /** Null when the pods do not even fit the policy's share of a node. */
  worstMonthEur: number | null;
  feasible: boolean;
  /** The hard guarantees that fail, when not feasible. */
  reason?: string;
}

export interface Option extends Outcome {
  maxActiveRuns: number;
  pods: number;
  /** durationHours / maxActiveRuns: how often a run completes, not how long one takes. */
  hoursPerCompletedRun: number;
}

export interface WorkloadWhatIf {
  workload: string;
  configured: number;
  /** maxActiveRunsFixed: the only option is the configured value. */
  fixed: boolean;
  options: Option[];
  chosen?: Option;
}

export interface WhatIf {
  objective: Objective;
  policy: Policy;
  headroom: number;
  workloads: WorkloadWhatIf[];
  /** Every chosen value at once. */
  combined: { maxActiveRuns: Record<string, number>; outcome: Outcome };
}

function failures(plan: Plan): string {
  const scenarios = plan.scenarios.flatMap((s) => s.checks.filter(broken).map((k) => `${s.id}: ${k.rule}`));
  const months = plan.months.filter((m) => m.checks.some(broken)).map((m) => `month ${m.id} over budget`);
  return [...scenarios, ...months].join('; ');
}

/** The plan of `c` with `runs` (workload -> max_active_runs) under `policy`. */
function evaluate(input: PlanInput, runs: Record<string, number>, policy: Policy): Outcome {
  const next = { ...input, compute: structuredClone(input.compute) };
  for (const [w, n] of Object.entries(runs)) next.compute.workloads[w].maxActiveRuns = n;
  const fill = 1 - HEADROOM[policy];
  const pools = Object.keys(next.compute.pools).filter((name) => Object.values(next.compute.profiles).some((p) => p.pool === name));
  const tooBig = Object.entries(next.compute.profiles).filter(([, p]) => {
    const { allocatable } = poolOf(next.compute, p.pool);
    return room(ZERO, shape(p.requests), scale(allocatable, fill)) === 0;
  });
  if (tooBig.length > 0) {
    const poolMax = Object.fromEntries(pools.map((name) => [name, next.compute.pools[name].max]));
    const share = Math.round(fill * 100);
    return { poolMax, worstMonthEur: null, feasible: false, reason: `${tooBig.map(([n]) => n).join(', ')} pods do not fit ${share} % of a node` };
  }
  const opts: PlanOptions = {
    fill,
    // the month's work is fixed: more runs in flight finish a session sooner
    hoursScale: (s) => s.workloads.reduce((f, w) => f * (input.compute.workloads[w].maxActiveRuns / next.compute.workloads[w].maxActiveRuns), 1),
  };
  let p = plan(next, opts);
  if (policy !== 'manual') {
    const needed = (name: string) => Math.max(...p.scenarios.flatMap((s) => s.loads.filter((l) => l.pool.name === name).map((l) => nodeCount(l.nodes))));
    for (const pool of p.pools) next.compute.pools[pool.name].max = needed(pool.name);
    p = plan(next, opts);
  }
  const feasible = passes(p);
  return {
    poolMax: Object.fromEntries(p.pools.map((pool) => [pool.name, pool.max])),
    worstMonthEur: worstMonth(p),
    feasible,
    reason: feasible ? undefined : failures(p),
  };
}

function choose(options: Option[], objective: Objective): Option | undefined {
  // feasible options always have a cost
  const ok = options.filter((o) => o.feasible).map((o) => ({ ...o, cost: o.worstMonthEur ?? Infinity }));
  if (ok.length === 0) return undefined;
  const minCost = Math.min(...ok.map((o) => o.cost));
  const minTime = Math.min(...ok.map((o) => o.hoursPerCompletedRun));
  const score = (o: (typeof ok)[number]): number[] =>
    objective === 'min-cost' ? [o.cost, o.hoursPerCompletedRun]
      : objective === 'min-time' ? [o.hoursPerCompletedRun, o.cost]
        // balance: each figure relative to its best, equally weighted
        : [o.cost / minCost + o.hoursPerCompletedRun / minTime, o.cost];
  const better = (a: (typeof ok)[number], b: (typeof ok)[number]) => {
    const [x, y] = [score(a), score(b)];
    return x[0] !== y[0] ? x[0] < y[0] : x[1] < y[1];
  };
  const best = ok.reduce((b, o) => (better(o, b) ? o : b));
  return options.find((o) => o.maxActiveRuns === best.maxActiveRuns);
}

export function whatIf(input: PlanInput, objective: Objective, policy: Policy): WhatIf {
  const used = [...new Set(input.capacity.scenarios.flatMap((s) => s.workloads))];
  const workloads = used.map((name): WorkloadWhatIf => {
    const w = input.compute.workloads[name];
    const candidates = w.maxActiveRunsFixed
      ? [w.maxActiveRuns]
      : Array.from({ length: w.maxActiveRuns * RUNS_RANGE }, (_, i) => i + 1);
    const options = candidates.map((runs): Option => ({
      maxActiveRuns: runs,
      pods: w.podsPerRun * runs,
      hoursPerCompletedRun: w.durationHours / runs,
      ...evaluate(input, { [name]: runs }, policy),
    }));
    return { workload: name, configured: w.maxActiveRuns, fixed: w.maxActiveRunsFixed, options, chosen: choose(options, objective) };
  });
  const runs = Object.fromEntries(workloads.map((w) => [w.workload, w.chosen?.maxActiveRuns ?? w.configured]));
  return { objective, policy, headroom: HEADROOM[policy], workloads, combined: { maxActiveRuns: runs, outcome: evaluate(input, runs, policy) } };
}
