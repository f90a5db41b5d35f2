// The farm plan's files and rules, for the capacity component (lib/capacity/index.ts). A plan
// that passes is remembered by content hash (the buildkit and farmPlan sections, the plan's and
// the farm generator's sources, the dependency versions), so a repeated synth does not replay a
// month; a failing one is always computed again.
import * as path from 'path';
import type { Problem } from '../../core/errors';
import { Problems } from '../../core/errors';
import type { ClusterConfig } from '../../config/schema';
import { validateBuildkitFarm } from '../../buildkit';
import { cacheDir, cacheKey, recall, remember, sourceHash } from '../../core/cache';
import { farmPlan, FarmPlan } from './plan';
import { farmJson, farmMarkdown, farmSvg } from './report';

/** Prices and node timings for every instance type an arch uses: the model cannot run without them. */
export function farmInputProblems(c: ClusterConfig): Problem[] {
  const problems = new Problems(c.name);
  if (!c.buildkit || !c.farmPlan) return [];
  const p = c.farmPlan;
  for (const a of c.buildkit.architectures) {
    // an unknown instance type is the buildkit rules' to report
    if (!Object.hasOwn(c.buildkit.instanceTypes, a.instanceType)) continue;
    problems.check(Object.hasOwn(p.prices, a.instanceType), `farmPlan.prices`, Object.keys(p.prices),
      `has no price for ${a.instanceType} (buildkit.architectures, ${a.arch})`, `add farmPlan.prices.${a.instanceType} with usdPerHour, source and date`);
    problems.check(Object.hasOwn(p.nodeReadySeconds, a.instanceType), `farmPlan.nodeReadySeconds`, Object.keys(p.nodeReadySeconds),
      `has no launch-to-Ready time for ${a.instanceType}`, `add farmPlan.nodeReadySeconds.${a.instanceType}: { value, source }`);
  }
  const ids = new Set<string>();
  p.scenarios.forEach((s, i) => {
    problems.check(!ids.has(s.id), `farmPlan.scenarios[${i}].id`, s.id, 'scenario ids must be unique');
    ids.add(s.id);
  });
  return problems.list;
}

/** Hash of the sources that decide a plan: this folder and the farm generator (lib/buildkit). */
const planSources = (): string => sourceHash(__dirname, path.join(__dirname, '..', '..', 'buildkit'));

const CACHE = cacheDir('farm-plan');
const memo = new Map<string, FarmPlan>();

/** The farm plan of a cluster, remembered when it passes. */
export function cachedFarmPlan(c: ClusterConfig): FarmPlan {
  const key = cacheKey(planSources(), JSON.stringify({ name: c.name, buildkit: c.buildkit, farmPlan: c.farmPlan }));
  const known = memo.get(key);
  if (known) return known;
  const file = path.join(CACHE, `${key}.json`);
  const text = recall(file);
  if (text) {
    try {
      const plan = JSON.parse(text) as FarmPlan;
      memo.set(key, plan);
      return plan;
    } catch {
      // cut short or edited by hand: compute again
    }
  }
  const plan = farmPlan(c);
  memo.set(key, plan);
  if (plan.problems.length === 0) remember(file, JSON.stringify(plan));
  return plan;
}

export function farmProblems(c: ClusterConfig): Problem[] {
  if (!c.buildkit || !c.farmPlan) return [];
  // the plan replays the generated farm: a farm the buildkit rules refuse has nothing to replay
  if (validateBuildkitFarm(c.buildkit).length > 0) return [];
  const input = farmInputProblems(c);
  if (input.length > 0) return input;
  return cachedFarmPlan(c).problems;
}

export function farmFiles(c: ClusterConfig): Map<string, string> {
  const p = cachedFarmPlan(c);
  return new Map([
    ['farm.md', farmMarkdown(p)],
    ['farm.json', `${JSON.stringify(farmJson(p), null, 2)}\n`],
    ['farm.svg', farmSvg(p)],
  ]);
}
