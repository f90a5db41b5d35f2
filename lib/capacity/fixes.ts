// The cheapest change that makes a failing guarantee hold, computed rather than guessed.
//
// A worst-node figure only shrinks when a request grows (fewer mixes fit one node), so for each
// request of the failing scenario's profiles the smallest value that makes the figure hold is
// found by bisection on a grid; when no single request does it, pairs are tried. Each candidate is
// then priced with the whole plan: the one with the fewest other hard failures, then the cheapest
// worst month, then the smallest share of a node added, wins.
import { formatCpu, formatMemory, GiB } from '../core/quantity';
import { bytes, milli } from '../compute';
import type { PlanInput } from './props';
import {
  describeMix, hardFailures, passes, percentText, plan, Plan, planScenario, ScenarioCheck, ScenarioPlan, worstMonth,
} from './plan';

type Resource = 'cpu' | 'memory';
interface Knob {
  profile: string;
  resource: Resource;
}
interface Change extends Knob {
  from: string;
  to: string;
}

/** Search grid of requests: whole tenths of a CPU and whole GiB, values people write. */
const STEP: Record<Resource, number> = { cpu: 100, memory: GiB };
/** Values of the first request tried in a pair (the second one is bisected). */
const PAIR_SAMPLES = 16;

const parse = (r: Resource, q: string): number => (r === 'cpu' ? milli(q) : bytes(q));
const format = (r: Resource, v: number): string => (r === 'cpu' ? formatCpu(v / 1000) : formatMemory(v));
const path = (k: Knob): string => `compute.profiles.${k.profile}.requests.${k.resource}`;

/** Request values above the current one, up to the limit and the allocatable (both bound a request). */
function grid(input: PlanInput, k: Knob): string[] {
  const p = input.compute.profiles[k.profile];
  const alloc = input.compute.nodeTypes[input.compute.pools[p.pool].nodeType].allocatable![k.resource];
  const top = [p.limits[k.resource], alloc].reduce((a, b) => (parse(k.resource, b) < parse(k.resource, a) ? b : a));
  const current = parse(k.resource, p.requests[k.resource]);
  const values: string[] = [];
  for (let v = (Math.floor(current / STEP[k.resource]) + 1) * STEP[k.resource]; v < parse(k.resource, top); v += STEP[k.resource])
    values.push(format(k.resource, v));
  if (parse(k.resource, top) > current) values.push(top);
  return values;
}

function withChanges(input: PlanInput, changes: Change[]): PlanInput {
  const next = { ...input, compute: structuredClone(input.compute) };
  for (const ch of changes) next.compute.profiles[ch.profile].requests[ch.resource] = ch.to;
  return next;
}

const holds = (input: PlanInput, check: ScenarioCheck, scenario: number): boolean =>
  planScenario(input, scenario).checks.find((k) => k.figure === check.figure && k.pool === check.pool)!.holds;

/** Smallest value of `values` (ascending) for which `ok` holds, assuming it stays true once true. */
function smallest(values: string[], ok: (v: string) => boolean): string | undefined {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ok(values[mid])) hi = mid;
    else lo = mid + 1;
  }
  return values[lo];
}

interface Candidate {
  changes: Change[];
  plan: Plan;
  failing: number;
  worstMonth: number;
  added: number;
}

/** The cheapest request change(s) that make `check` of `scenario` hold, or undefined. */
export function cheapestRequestFix(input: PlanInput, scenario: ScenarioPlan, check: ScenarioCheck): Candidate | undefined {
  const profiles = [...new Set(scenario.groups.filter((g) => g.pool === check.pool).map((g) => g.profile))];
  const knobs: Knob[] = profiles.flatMap((profile) => (['cpu', 'memory'] as const).map((resource) => ({ profile, resource })));
  const change = (k: Knob, to: string): Change => ({ ...k, from: input.compute.profiles[k.profile].requests[k.resource], to });
  const ok = (changes: Change[]) => holds(withChanges(input, changes), check, scenario.index);

  const options: Change[][] = knobs.flatMap((k) => {
    const to = smallest(grid(input, k), (v) => ok([change(k, v)]));
    return to ? [[change(k, to)]] : [];
  });
  if (options.length === 0) {
    for (const [i, a] of knobs.entries()) {
      for (const b of knobs.slice(i + 1)) {
        const first = grid(input, a);
        const sampled = first.filter((_, j) => j % Math.ceil(first.length / PAIR_SAMPLES) === 0 || j === first.length - 1);
        for (const v of sampled) {
          const to = smallest(grid(input, b), (w) => ok([change(a, v), change(b, w)]));
          if (to) options.push([change(a, v), change(b, to)]);
        }
      }
    }
  }
  const pool = scenario.loads.find((l) => l.pool.name === check.pool)!.pool;
  const candidates = options.map((changes): Candidate => {
    const p = plan(withChanges(input, changes));
    const added = changes.reduce(
      (t, ch) => t + (parse(ch.resource, ch.to) - parse(ch.resource, ch.from)) / pool.allocatable[ch.resource], 0);
    return { changes, plan: p, failing: hardFailures(p), worstMonth: worstMonth(p), added };
  });
  return candidates.sort((a, b) => a.failing - b.failing || a.worstMonth - b.worstMonth || a.added - b.added)[0];
}

/** The fix of a failing worst-node guarantee, in words. */
export function describeRequestFix(input: PlanInput, scenario: ScenarioPlan, check: ScenarioCheck): string {
  const best = cheapestRequestFix(input, scenario, check);
  if (!best)
    return 'no request change up to the limits fixes it: lower the limits or the peaks of these profiles, or use a pool of larger nodes';
  const after = best.plan.scenarios[scenario.index];
  const worst = check.figure === 'memory' ? after.worstNode.byPeak : after.worstNode.byBurst;
  const figure = check.figure === 'memory'
    ? `memory margin ${percentText(after.worstNode.memoryMargin)}`
    : `CPU burst margin ${percentText(after.worstNode.cpuMargin)}`;
  const raise = best.changes.map((ch) => `${path(ch)} from ${ch.from} to ${ch.to}`).join(' and ');
  const month = `the worst month then costs EUR ${best.worstMonth.toFixed(2)}`;
  const verdict = passes(best.plan) ? `every hard guarantee then holds and ${month}` : `${month}; ${best.failing} other hard guarantee(s) still fail`;
  const load = worst.groups.length === 1
    ? `at most ${worst.mix.pods} ${worst.groups[0].workload} pods share a ${worst.pool.type} node`
    : `the heaviest ${worst.pool.type} node the requests allow holds ${describeMix(worst.groups, worst.mix)}`;
  return `raise ${raise} so ${load} (${figure}); ${verdict}`;
}
