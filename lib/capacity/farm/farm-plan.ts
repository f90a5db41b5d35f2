// The build farm's plan as a construct (farm.md, farm.json, farm.svg) and its rules. A plan that
// passes is remembered by content hash (the cluster's name, the farm's props and the farmPlan
// section, the plan's and the farm generator's sources, the dependency versions), so a repeated
// synth does not replay a month; a failing one is always computed again.
import { generatedFrom } from '../../core/yaml';
import * as path from 'path';
import { Construct } from 'constructs';
import { addFile } from '../../core/chart';
import { cacheDir, cacheKey, recall, remember, sourceHash } from '../../core/cache';
import { checkProps } from '../../core/props';
import type { PropsProblem } from '../../core/props';
import { simulateFarmPlan, FarmPlanResult } from './plan';
import type { FarmPlanProps } from './props';
import { farmJson, farmMarkdown, farmSvg } from './report';

/** Prices and node timings for every instance type an arch uses: the model cannot run without them. */
export function farmInputProblems({ buildkit, farmPlan }: FarmPlanProps): PropsProblem[] {
  const problems: PropsProblem[] = [];
  const check = (ok: boolean, problem: PropsProblem) => { if (!ok) problems.push(problem); };
  for (const arch of buildkit.architectures) {
    // an unknown instance type is the buildkit rules' to report
    if (!Object.hasOwn(buildkit.instanceTypes, arch.instanceType)) continue;
    check(Object.hasOwn(farmPlan.prices, arch.instanceType), { path: 'farmPlan.prices', value: Object.keys(farmPlan.prices),
      rule: `has no price for ${arch.instanceType} (buildkit.architectures, ${arch.arch})`, fix: `add farmPlan.prices.${arch.instanceType} with usdPerHour, source and date` });
    check(Object.hasOwn(farmPlan.nodeReadySeconds, arch.instanceType), { path: 'farmPlan.nodeReadySeconds', value: Object.keys(farmPlan.nodeReadySeconds),
      rule: `has no launch-to-Ready time for ${arch.instanceType}`, fix: `add farmPlan.nodeReadySeconds.${arch.instanceType}: { value, source }` });
  }
  const ids = new Set<string>();
  farmPlan.scenarios.forEach((scenario, i) => {
    check(!ids.has(scenario.id), { path: `farmPlan.scenarios[${i}].id`, value: scenario.id, rule: 'scenario ids must be unique' });
    ids.add(scenario.id);
  });
  return problems;
}

/** Hash of the sources that decide a plan: this folder and the farm generator (lib/buildkit). */
const planSources = (): string => sourceHash(__dirname, path.join(__dirname, '..', '..', 'buildkit'));

const memo = new Map<string, FarmPlanResult>();

/** The farm plan of `props`, remembered when it passes. */
export function cachedFarmPlan(props: FarmPlanProps): FarmPlanResult {
  const key = cacheKey(planSources(), JSON.stringify({ name: props.cluster, buildkit: props.buildkit, farmPlan: props.farmPlan }));
  const known = memo.get(key);
  if (known) return known;
  const file = path.join(cacheDir('farm-plan'), `${key}.json`);
  const text = recall(file);
  if (text) {
    try {
      const plan = JSON.parse(text) as FarmPlanResult;
      memo.set(key, plan);
      return plan;
    } catch {
      // cut short or edited by hand: compute again
    }
  }
  const plan = simulateFarmPlan(props);
  memo.set(key, plan);
  if (plan.problems.length === 0) remember(file, JSON.stringify(plan));
  return plan;
}

/**
 * Every rule of the farm plan, paths relative to the props (which mirror the cluster file): the
 * inputs the model needs (prices, node timings, unique scenario ids), then the guarantees the
 * replay finds broken (builds that give up beyond a scenario's maxGaveUp, the monthly budget),
 * each with the cheapest fix found. The farm's own rules must hold first (the config mapping
 * checks them): a farm they refuse has nothing to replay.
 */
export function validateFarmPlan(props: FarmPlanProps): PropsProblem[] {
  const input = farmInputProblems(props);
  return input.length > 0 ? input : cachedFarmPlan(props).problems;
}

/**
 * The build farm's capacity plan (issue 15): the generated farm (HAProxy queue and slots, the
 * HPA, Karpenter's nodes) replayed through bursts and a month of day profile. Refuses props whose
 * guarantees fail; writes farm.md, farm.json and farm.svg.
 */
export class FarmPlan extends Construct {
  /** The replay's result: scenarios, months, cost against the budget. */
  readonly plan: FarmPlanResult;

  constructor(scope: Construct, id: string, props: FarmPlanProps) {
    super(scope, id);
    checkProps(this, () => (require('./props') as typeof import('./props')).farmPlanSchema, props, validateFarmPlan);
    this.plan = cachedFarmPlan(props);
    addFile(this, 'farm.md', farmMarkdown(this.plan, generatedFrom(this)));
    addFile(this, 'farm.json', `${JSON.stringify(farmJson(this.plan), null, 2)}\n`);
    addFile(this, 'farm.svg', farmSvg(this.plan));
  }
}
