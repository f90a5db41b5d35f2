// "What if" objectives for the build farm (issue 15, item 5), as the Airflow plan's what-if
// (lib/capacity/whatif.ts): per arch, candidates vary one knob at a time around the config (min,
// max, the scale-down hold, pods per node) and are replayed through the simulator: every
// scenario of the arch and a month of its day profile. Each candidate is the config with that one
// value changed, run through fleet(), the ScaledObject and the buildkit rules like the manifests
// (a value the rules refuse is listed as infeasible), never a hand-made model.
//
// - cost: the arch's month of day profile (USD); time: the worst wait p95 over its scenarios;
// - policies: safe = no build gives up (scenarios and month) and every scenario's peak pods
//   stay within 80 % of max (20 % headroom for a bigger burst); aggressive = no build gives up;
//   manual = the config's own guarantees (each scenario's maxGaveUp);
// - every policy keeps the farm within farmPlan.budgetUsdPerMonth (the other arch at its config);
// - objectives: min-cost (cost, then time), min-time (time, then cost), balance (cost / best
//   cost + time / best time, time counted from 1 s so a zero wait does not divide by zero).
// The config itself is always a candidate, so a feasible config is never beaten by a worse answer.
import type { PropsProblem } from '../../core/props';
import { farmCluster, farmModel } from './inputs';
import type { BuildkitFarm, FarmPlanProps } from './props';
import { quantile, runMonth, runScenario } from './plan';
import { OBJECTIVES, Objective, POLICIES, Policy } from '../whatif';

export { OBJECTIVES, POLICIES };
export type { Objective, Policy };

/** Share of max a scenario's peak pods may reach under the safe policy. */
export const SAFE_FILL = 0.8;
const HOLD_MINUTES = [5, 10, 15, 20, 30];

export type Knob = 'min' | 'max' | 'holdMinutes' | 'podsPerNode';
export const KNOBS: Knob[] = ['min', 'max', 'holdMinutes', 'podsPerNode'];

export interface Setting { min: number; max: number; holdMinutes: number; podsPerNode: number }

export interface Candidate {
  /** The knob changed from the config, or undefined for the config itself. */
  knob?: Knob;
  setting: Setting;
  /** USD of the arch's month; null when the buildkit rules refuse the setting. */
  monthUsd: number | null;
  /** Worst wait p95 over the arch's scenarios (seconds). */
  waitP95: number | null;
  gaveUp: number | null;
  /** Highest peak pods over the arch's scenarios. */
  peakPods: number | null;
  feasible: boolean;
  reason?: string;
}

export interface ArchWhatIf {
  arch: string;
  index: number;
  config: Candidate;
  candidates: Candidate[];
  chosen?: Candidate;
}

export interface FarmWhatIf {
  cluster: string;
  objective: Objective;
  policy: Policy;
  archs: ArchWhatIf[];
  /** Every arch's choice at once: the month total against the budget. */
  combinedUsd: number;
  budgetUsd: number;
}

/**
 * The farm's own rules (the buildkit component's), which a candidate setting must pass like the
 * config does; the caller gives them with whatever else they need (the namespaces, the provider).
 */
export type FarmRules = (farm: BuildkitFarm) => Pick<PropsProblem, 'path' | 'rule'>[];

function withSetting(props: FarmPlanProps, index: number, s: Setting): FarmPlanProps {
  const buildkit = structuredClone(props.buildkit);
  Object.assign(buildkit.architectures[index], { min: s.min, max: s.max, podsPerNode: s.podsPerNode });
  buildkit.autoscaling.scaleDownHoldMinutes = s.holdMinutes;
  return { ...props, buildkit };
}

interface Replay { refused?: string; monthUsd: number; monthGaveUp: number; runs: { id: string; maxGaveUp: number; gaveUp: number; peakPods: number; waitP95: number }[]; budget: number }

/** Replays by config and setting: every objective and policy asks for the same simulations. */
const replays = new Map<string, Replay>();

function replay(c: FarmPlanProps, index: number, s: Setting, rules: FarmRules): Replay {
  const key = JSON.stringify([c.cluster, c.buildkit, c.farmPlan, index, s]);
  const known = replays.get(key);
  if (known) return known;
  const next = withSetting(c, index, s);
  const refused = rules(next.buildkit);
  let out: Replay;
  if (refused.length > 0) out = { refused: `${refused[0].path} ${refused[0].rule}`, monthUsd: 0, monthGaveUp: 0, runs: [], budget: 0 };
  else {
    const farm = farmCluster(next);
    const a = farm.archs.find((x) => x.index === index)!;
    const model = farmModel(farm, a);
    const month = runMonth(farm, model, a.arch);
    out = {
      monthUsd: month.usd, monthGaveUp: month.gaveUp, budget: farm.plan.budgetUsdPerMonth,
      runs: farm.plan.scenarios.filter((x) => x.arch === a.arch).map((x) => {
        const result = runScenario(model, x, false);
        return { id: x.id, maxGaveUp: x.maxGaveUp, gaveUp: result.gaveUp, peakPods: result.peakPods, waitP95: quantile(result.waits, 0.95) };
      }),
    };
  }
  replays.set(key, out);
  return out;
}

function evaluate(c: FarmPlanProps, index: number, s: Setting, knob: Knob | undefined, policy: Policy, otherUsd: number, rules: FarmRules): Candidate {
  const r = replay(c, index, s, rules);
  const base = { knob, setting: s };
  if (r.refused) return { ...base, monthUsd: null, waitP95: null, gaveUp: null, peakPods: null, feasible: false, reason: `refused: ${r.refused}` };
  const gaveUp = r.runs.reduce((t, x) => t + x.gaveUp, 0) + r.monthGaveUp;
  const peakPods = Math.max(0, ...r.runs.map((x) => x.peakPods));
  const waitP95 = Math.max(0, ...r.runs.map((x) => x.waitP95));
  const why: string[] = [];
  if (policy === 'manual') {
    for (const x of r.runs) if (x.gaveUp > x.maxGaveUp) why.push(`${x.id}: ${x.gaveUp} give up (maxGaveUp ${x.maxGaveUp})`);
  } else if (gaveUp > 0) why.push(`${gaveUp} build(s) give up`);
  if (policy === 'safe' && peakPods > SAFE_FILL * s.max) why.push(`peak ${peakPods} pods > ${Math.round(SAFE_FILL * 100)} % of max ${s.max}`);
  if (r.monthUsd + otherUsd > r.budget) why.push(`month USD ${(r.monthUsd + otherUsd).toFixed(0)} > budget ${r.budget}`);
  return { ...base, monthUsd: r.monthUsd, waitP95, gaveUp, peakPods, feasible: why.length === 0, reason: why.length ? why.join('; ') : undefined };
}

/** The candidate settings: the config, then each knob alone over its range. */
function settings(config: Setting, autoscaled: boolean, knobs: Knob[]): { knob?: Knob; s: Setting }[] {
  const out: { knob?: Knob; s: Setting }[] = [{ s: config }];
  const add = (knob: Knob, values: number[]) => {
    if (!knobs.includes(knob)) return;
    for (const v of [...new Set(values)].filter((x) => x !== config[knob] && x >= 1)) out.push({ knob, s: { ...config, [knob]: v } });
  };
  // without autoscaling, min, max and the hold do nothing the simulator sees (replicas are fixed)
  if (autoscaled) {
    add('min', Array.from({ length: config.max }, (_, i) => i + 1));
    add('max', Array.from({ length: 2 * config.max - config.min + 1 }, (_, i) => config.min + i));
    add('holdMinutes', HOLD_MINUTES);
  }
  add('podsPerNode', [1, 2, 3, 4, 6, 8].filter((n) => n <= 2 * config.podsPerNode));
  return out;
}

function choose(cands: Candidate[], objective: Objective): Candidate | undefined {
  const ok = cands.filter((x) => x.feasible) as (Candidate & { monthUsd: number; waitP95: number })[];
  if (ok.length === 0) return undefined;
  const bestCost = Math.min(...ok.map((x) => x.monthUsd));
  const bestTime = Math.min(...ok.map((x) => x.waitP95 + 1));
  const score = (x: (typeof ok)[number]): number[] =>
    objective === 'min-cost' ? [x.monthUsd, x.waitP95]
      : objective === 'min-time' ? [x.waitP95, x.monthUsd]
        : [x.monthUsd / bestCost + (x.waitP95 + 1) / bestTime, x.monthUsd];
  // the first best wins: the config comes first, so a tie keeps it
  return ok.reduce((b, x) => {
    const [p, q] = [score(x), score(b)];
    return p[0] < q[0] || (p[0] === q[0] && p[1] < q[1]) ? x : b;
  });
}

/** The what-if of the farm of `c`; `rules` are the farm's own (a setting they refuse is infeasible). */
export function farmWhatIf(c: FarmPlanProps, objective: Objective, policy: Policy, rules: FarmRules, knobs: Knob[] = KNOBS): FarmWhatIf {
  const farm = farmCluster(c);
  const autoscaled = farm.buildkit.autoscaling.enabled;
  const settingOf = (index: number): Setting => {
    const raw = farm.buildkit.architectures[index];
    return { min: raw.min, max: raw.max, holdMinutes: farm.buildkit.autoscaling.scaleDownHoldMinutes, podsPerNode: raw.podsPerNode };
  };
  const configUsd = new Map(farm.archs.map((a) => [a.arch, replay(c, a.index, settingOf(a.index), rules).monthUsd]));
  const totalConfig = [...configUsd.values()].reduce((t, x) => t + x, 0);
  const archs = farm.archs.map((a): ArchWhatIf => {
    const config = settingOf(a.index);
    const other = totalConfig - configUsd.get(a.arch)!;
    const candidates = settings(config, autoscaled, knobs).map(({ knob, s }) => evaluate(c, a.index, s, knob, policy, other, rules));
    return { arch: a.arch, index: a.index, config: candidates[0], candidates, chosen: choose(candidates, objective) };
  });
  // the hold is cluster-wide: each arch's choice is applied to its own arch only when combined
  const combinedUsd = archs.reduce((t, x) => t + (x.chosen?.monthUsd ?? configUsd.get(x.arch)!), 0);
  return { cluster: farm.name, objective, policy, archs, combinedUsd, budgetUsd: farm.plan.budgetUsdPerMonth };
}

const secs = (x: number | null): string => (x === null ? '–' : `${Math.round(x)} s`);
const usd = (x: number | null): string => (x === null ? '–' : x.toFixed(0));
const show = (s: Setting): string => `min ${s.min}, max ${s.max}, hold ${s.holdMinutes} min, ${s.podsPerNode} pods/node`;

export function farmWhatIfMarkdown(w: FarmWhatIf): string {
  const out = [`## What if (farm): ${w.objective}, policy ${w.policy}`, '',
    `Per arch, one knob at a time around the config, replayed through the simulator (scenarios and a month of day profile). ` +
    `Time = the worst wait p95 over the arch's scenarios; cost = the arch's month. Policy ${w.policy}: ` +
    (w.policy === 'safe' ? `no build gives up and peak pods within ${Math.round(SAFE_FILL * 100)} % of max` : w.policy === 'aggressive' ? 'no build gives up' : 'the config\'s own maxGaveUp per scenario') +
    `; all within the budget of USD ${w.budgetUsd}.`, ''];
  for (const a of w.archs) {
    out.push(`### ${a.arch} (config: ${show(a.config.setting)})`, '', '| change | month USD | wait p95 | gave up | peak pods | feasible | choice |', '| --- | --: | --: | --: | --: | --- | --- |');
    for (const x of a.candidates)
      out.push(`| ${x.knob ? `${x.knob} ${x.setting[x.knob]}` : 'config'} | ${usd(x.monthUsd)} | ${secs(x.waitP95)} | ${x.gaveUp ?? '–'} | ${x.peakPods ?? '–'} | ${x.feasible ? '✅' : `❌ ${x.reason}`} | ${x === a.chosen ? `**${w.objective}**` : ''} |`);
    out.push('', a.chosen ? `Chosen: ${show(a.chosen.setting)}.` : 'No candidate meets the policy.', '');
  }
  out.push(`**All chosen at once**: USD ${w.combinedUsd.toFixed(0)} a month (budget ${w.budgetUsd}).`, '');
  return out.join('\n');
}
