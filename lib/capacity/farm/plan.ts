// The farm plan: every scenario and the day profile of every arch replayed through the model,
// the guarantees (no build gives up beyond the scenario's limit, the monthly budget) and, for
// a failing one, the cheapest change the model finds that makes it hold.
import type { PropsProblem } from '../../core/props';
import type { ArchFleet } from '../../buildkit';
import { dayProfileArrivals, scenarioArrivals } from './arrivals';
import { farmCluster, FarmCluster, farmModel } from './inputs';
import type { FarmPlanProps, FarmScenario } from './props';
import { FarmModel, simulate, SimResult } from './sim';

export interface ScenarioResult {
  scenario: FarmScenario;
  arch: ArchFleet;
  result: SimResult;
  holds: boolean;
  fixes: string[];
}

export interface MonthResult {
  arch: string;
  instanceType: string;
  builds: number;
  gaveUp: number;
  nodeHours: number;
  usd: number;
  /** The warm baseline alone: min pods (or the fixed fleet) on their nodes all month. */
  baselineUsd: number;
  waitP95: number;
}

/** What the replay found: per scenario and per arch's month, the guarantees and their fixes. */
export interface FarmPlanResult {
  cluster: string;
  autoscaled: boolean;
  scenarios: ScenarioResult[];
  months: MonthResult[];
  totalUsd: number;
  budgetUsd: number;
  budgetHolds: boolean;
  /** Paths relative to the FarmPlan's props (`farmPlan.scenarios[0].maxGaveUp`). */
  problems: PropsProblem[];
}

const SAMPLE_SECONDS = 15;
/** A burst that has not settled after a day is reported as it stands. */
const SCENARIO_HORIZON = 86400;
/** Client attempts the fix search tries up to. */
const MAX_ATTEMPTS = 20;

export const quantile = (xs: number[], q: number): number => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? s[0];
};

const archOf = (farm: FarmCluster, arch: string): ArchFleet | undefined => farm.archs.find((a) => a.arch === arch);

export function runScenario(model: FarmModel, s: FarmScenario, sample = true): SimResult {
  return simulate(model, scenarioArrivals(s), { horizon: SCENARIO_HORIZON, sampleEvery: sample ? SAMPLE_SECONDS : 0 });
}

export function runMonth(farm: FarmCluster, model: FarmModel, arch: string): SimResult {
  const d = farm.plan.dayProfile.find((x) => x.arch === arch);
  const seconds = farm.plan.daysPerMonth * 86400;
  return simulate(model, d ? dayProfileArrivals(d, farm.plan.daysPerMonth) : [], { horizon: seconds, billUntil: seconds });
}

const baselineUsd = (farm: FarmCluster, model: FarmModel): number =>
  Math.ceil((model.fixed ?? model.min) / model.podsPerNode) * model.usdPerHour * 24 * farm.plan.daysPerMonth;

const passes = (model: FarmModel, s: FarmScenario): boolean => runScenario(model, s, false).gaveUp <= s.maxGaveUp;

type Fix = { usd: number; text: string };

/** The first value of `values` whose changed model lets scenario `s` hold, as a priced fix. */
function firstPassing<T>(values: Iterable<T>, change: (v: T) => FarmModel, s: FarmScenario, usd: (m: FarmModel) => number, text: (v: T) => string): Fix | undefined {
  for (const v of values) {
    const changed = change(v);
    if (passes(changed, s)) return { usd: usd(changed), text: text(v) };
  }
  return undefined;
}

const upFrom = function* (from: number, to: number) { for (let v = from; v <= to; v++) yield v; };
const downFrom = function* (from: number, to: number) { for (let v = from; v >= to; v--) yield v; };

/**
 * Changes that make a failing scenario hold, cheapest first by what they add to the warm baseline
 * a month (a month's replay per candidate would make a refused synth slow): a higher min (or
 * fixed replicas), more client attempts, a shorter `timeout queue`.
 */
function fixesFor(farm: FarmCluster, arch: ArchFleet, model: FarmModel, s: FarmScenario): string[] {
  const month = (x: FarmModel) => baselineUsd(farm, x) - baselineUsd(farm, model);
  const warm = model.fixed === undefined
    ? firstPassing(upFrom(model.min + 1, model.max), (min) => ({ ...model, min }), s, month,
      (min) => `raise buildkit.architectures[${arch.index}].min to ${min} (${Math.ceil(min / model.podsPerNode)} warm node(s))`)
    : firstPassing(upFrom(model.fixed + 1, Math.min(arch.slots, model.maxNodes * model.podsPerNode)), (fixed) => ({ ...model, fixed }), s, month,
      (fixed) => `raise buildkit.architectures[${arch.index}].replicas to ${fixed}`);
  const attempts = firstPassing(upFrom(model.client.attempts + 1, MAX_ATTEMPTS), (n) => ({ ...model, client: { ...model.client, attempts: n } }), s, month,
    (n) => `raise farmPlan.client.attempts to ${n}`);
  const queue = firstPassing(downFrom(model.queueTimeoutSeconds - 1, 1), (q) => ({ ...model, queueTimeoutSeconds: q }), s, month,
    (q) => `lower buildkit.haproxy.timeoutQueueSeconds to ${q}`);
  const found = [warm, attempts, queue].filter((x): x is Fix => x !== undefined);
  return found.sort((x, y) => x.usd - y.usd).map((x) => `${x.text} (+USD ${x.usd.toFixed(0)} a month of warm nodes)`);
}

/** Each scenario of an arch the farm runs, replayed; a failing one with its fixes and its problem. */
function replayScenarios(farm: FarmCluster, models: Map<string, FarmModel>, withFixes: boolean, problems: PropsProblem[]): ScenarioResult[] {
  const scenarios: ScenarioResult[] = [];
  farm.plan.scenarios.forEach((s, i) => {
    const arch = archOf(farm, s.arch);
    // the preset's scenarios cover both archs: a farm without this one has nothing to replay
    if (!arch) return;
    const model = models.get(arch.arch)!;
    const result = runScenario(model, s);
    const holds = result.gaveUp <= s.maxGaveUp;
    const fixes = holds || !withFixes ? [] : fixesFor(farm, arch, model, s);
    if (!holds) {
      problems.push({ path: `farmPlan.scenarios[${i}].maxGaveUp`, value: s.maxGaveUp,
        rule: `scenario ${s.id} (${s.arch}): ${result.gaveUp} of ${result.builds} builds give up after ${farm.plan.client.attempts} attempt(s), more than the ${s.maxGaveUp} allowed`,
        fix: fixes.length ? fixes.join('; or ') : 'no single change within max, 20 attempts or a shorter timeout queue is enough: raise max or podsPerNode' });
    }
    scenarios.push({ scenario: s, arch, result, holds, fixes });
  });
  return scenarios;
}

/** A month of each arch's day profile. */
function replayMonths(farm: FarmCluster, models: Map<string, FarmModel>): MonthResult[] {
  return farm.archs.map((a) => {
    const model = models.get(a.arch)!;
    const month = runMonth(farm, model, a.arch);
    return {
      arch: a.arch, instanceType: a.instanceType, builds: month.builds, gaveUp: month.gaveUp,
      nodeHours: month.billedSeconds / 3600, usd: month.usd, baselineUsd: baselineUsd(farm, model), waitP95: quantile(month.waits, 0.95),
    };
  });
}

/**
 * The farm plan of `props`: every scenario and every arch's month replayed, with the problems of
 * the guarantees that fail (`fixes: false` skips the search for fixes, e.g. in the what-if).
 */
export function simulateFarmPlan(props: FarmPlanProps, opts: { fixes?: boolean } = {}): FarmPlanResult {
  const farm = farmCluster(props);
  const problems: PropsProblem[] = [];
  const models = new Map(farm.archs.map((a) => [a.arch, farmModel(farm, a)]));
  const scenarios = replayScenarios(farm, models, opts.fixes !== false, problems);
  const months = replayMonths(farm, models);
  const totalUsd = months.reduce((t, m) => t + m.usd, 0);
  const budgetHolds = totalUsd <= farm.plan.budgetUsdPerMonth;
  if (!budgetHolds)
    problems.push({ path: 'farmPlan.budgetUsdPerMonth', value: farm.plan.budgetUsdPerMonth,
      rule: `the day profile costs USD ${totalUsd.toFixed(0)} a month (${months.map((m) => `${m.arch} ${m.usd.toFixed(0)}`).join(', ')}), over the budget`,
      fix: `raise farmPlan.budgetUsdPerMonth to ${Math.ceil(totalUsd)}, or lower the warm baseline (min) of the costliest arch` });
  return {
    cluster: farm.name, autoscaled: farm.buildkit.autoscaling.enabled, scenarios, months, totalUsd,
    budgetUsd: farm.plan.budgetUsdPerMonth, budgetHolds, problems,
  };
}

/** The farm's predicted monthly node cost per arch (USD, day profile x daysPerMonth), for the dashboards (issue 16). */
export function predictedMonthlyCost(props: FarmPlanProps): { cluster: string; arch: string; instanceType: string; usd: number }[] {
  const farm = farmCluster(props);
  return farm.archs.map((a) => ({ cluster: farm.name, arch: a.arch, instanceType: a.instanceType, usd: runMonth(farm, farmModel(farm, a), a.arch).usd }));
}
