// The farm plan: every scenario and the day profile of every arch replayed through the model,
// the guarantees (no build gives up beyond the scenario's limit, the monthly budget) and, for
// a failing one, the cheapest change the model finds that makes it hold.
import type { Problem } from '../../core/errors';
import { Problems } from '../../core/errors';
import type { ClusterConfig } from '../../config/schema';
import type { FarmScenario } from '../../config/sections/farmplan';
import type { ArchFleet } from '../../buildkit';
import { dayProfileArrivals, farmCluster, FarmCluster, farmModel, scenarioArrivals } from './model';
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

export interface FarmPlan {
  cluster: string;
  autoscaled: boolean;
  scenarios: ScenarioResult[];
  months: MonthResult[];
  totalUsd: number;
  budgetUsd: number;
  budgetHolds: boolean;
  problems: Problem[];
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

const archOf = (f: FarmCluster, arch: string): ArchFleet | undefined => f.archs.find((a) => a.arch === arch);

export function runScenario(model: FarmModel, s: FarmScenario, sample = true): SimResult {
  return simulate(model, scenarioArrivals(s), { horizon: SCENARIO_HORIZON, sampleEvery: sample ? SAMPLE_SECONDS : 0 });
}

export function runMonth(f: FarmCluster, model: FarmModel, arch: string): SimResult {
  const d = f.plan.dayProfile.find((x) => x.arch === arch);
  const seconds = f.plan.daysPerMonth * 86400;
  return simulate(model, d ? dayProfileArrivals(d, f.plan.daysPerMonth) : [], { horizon: seconds, billUntil: seconds });
}

const baselineUsd = (f: FarmCluster, m: FarmModel): number =>
  Math.ceil((m.fixed ?? m.min) / m.podsPerNode) * m.usdPerHour * 24 * f.plan.daysPerMonth;

const passes = (m: FarmModel, s: FarmScenario): boolean => runScenario(m, s, false).gaveUp <= s.maxGaveUp;

/**
 * Changes that make a failing scenario hold, cheapest first by what they add to the warm baseline
 * a month (a month's replay per candidate would make a refused synth slow): a higher min (or
 * fixed replicas), more client attempts, a shorter `timeout queue`.
 */
function fixesFor(f: FarmCluster, a: ArchFleet, m: FarmModel, s: FarmScenario): string[] {
  const found: { usd: number; text: string }[] = [];
  const month = (x: FarmModel) => baselineUsd(f, x) - baselineUsd(f, m);
  if (m.fixed === undefined) {
    for (let min = m.min + 1; min <= m.max; min++) {
      const x = { ...m, min };
      if (passes(x, s)) {
        const nodes = Math.ceil(min / m.podsPerNode);
        found.push({ usd: month(x), text: `raise buildkit.architectures[${a.index}].min to ${min} (${nodes} warm node(s))` });
        break;
      }
    }
  } else {
    for (let fixed = m.fixed + 1; fixed <= Math.min(a.slots, m.maxNodes * m.podsPerNode); fixed++) {
      const x = { ...m, fixed };
      if (passes(x, s)) {
        found.push({ usd: month(x), text: `raise buildkit.architectures[${a.index}].replicas to ${fixed}` });
        break;
      }
    }
  }
  for (let attempts = m.client.attempts + 1; attempts <= MAX_ATTEMPTS; attempts++) {
    const x = { ...m, client: { ...m.client, attempts } };
    if (passes(x, s)) {
      found.push({ usd: month(x), text: `raise farmPlan.client.attempts to ${attempts}` });
      break;
    }
  }
  for (let q = m.queueTimeoutSeconds - 1; q >= 1; q--) {
    const x = { ...m, queueTimeoutSeconds: q };
    if (passes(x, s)) {
      found.push({ usd: month(x), text: `lower buildkit.haproxy.timeoutQueueSeconds to ${q}` });
      break;
    }
  }
  return found.sort((x, y) => x.usd - y.usd).map((x) => `${x.text} (+USD ${x.usd.toFixed(0)} a month of warm nodes)`);
}

export function farmPlan(config: ClusterConfig, opts: { fixes?: boolean } = {}): FarmPlan {
  const f = farmCluster(config);
  const problems = new Problems(f.name);
  const models = new Map(f.archs.map((a) => [a.arch, farmModel(f, a)]));
  const scenarios: ScenarioResult[] = [];
  f.plan.scenarios.forEach((s, i) => {
    const a = archOf(f, s.arch);
    // the preset's scenarios cover both archs: a farm without this one has nothing to replay
    if (!a) return;
    const m = models.get(a.arch)!;
    const result = runScenario(m, s);
    const holds = result.gaveUp <= s.maxGaveUp;
    const fixes = holds || opts.fixes === false ? [] : fixesFor(f, a, m, s);
    if (!holds) {
      problems.add(`farmPlan.scenarios[${i}].maxGaveUp`, s.maxGaveUp,
        `scenario ${s.id} (${s.arch}): ${result.gaveUp} of ${result.builds} builds give up after ${f.plan.client.attempts} attempt(s), more than the ${s.maxGaveUp} allowed`,
        fixes.length ? fixes.join('; or ') : 'no single change within max, 20 attempts or a shorter timeout queue is enough: raise max or podsPerNode');
    }
    scenarios.push({ scenario: s, arch: a, result, holds, fixes });
  });
  const months: MonthResult[] = f.archs.map((a) => {
    const m = models.get(a.arch)!;
    const r = runMonth(f, m, a.arch);
    return {
      arch: a.arch, instanceType: a.instanceType, builds: r.builds, gaveUp: r.gaveUp,
      nodeHours: r.billedSeconds / 3600, usd: r.usd, baselineUsd: baselineUsd(f, m), waitP95: quantile(r.waits, 0.95),
    };
  });
  const totalUsd = months.reduce((t, m) => t + m.usd, 0);
  const budgetHolds = totalUsd <= f.plan.budgetUsdPerMonth;
  problems.check(budgetHolds, 'farmPlan.budgetUsdPerMonth', f.plan.budgetUsdPerMonth,
    `the day profile costs USD ${totalUsd.toFixed(0)} a month (${months.map((m) => `${m.arch} ${m.usd.toFixed(0)}`).join(', ')}), over the budget`,
    `raise farmPlan.budgetUsdPerMonth to ${Math.ceil(totalUsd)}, or lower the warm baseline (min) of the costliest arch`);
  return {
    cluster: f.name, autoscaled: f.buildkit.autoscaling.enabled, scenarios, months, totalUsd,
    budgetUsd: f.plan.budgetUsdPerMonth, budgetHolds, problems: problems.list,
  };
}

/**
 * The farm's predicted monthly node cost per arch (USD, day profile x daysPerMonth), for the
 * dashboards (issue 16). Undefined for a cluster without a farm plan.
 */
export function predictedMonthlyCost(config: ClusterConfig): { cluster: string; arch: string; instanceType: string; usd: number }[] | undefined {
  if (!config.buildkit || !config.farmPlan) return undefined;
  const f = farmCluster(config);
  return f.archs.map((a) => ({ cluster: f.name, arch: a.arch, instanceType: a.instanceType, usd: runMonth(f, farmModel(f, a), a.arch).usd }));
}
