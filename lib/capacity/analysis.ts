// One cluster's plan with everything that is wrong with it: the structural rules first (nothing can
// be planned without them), then every hard guarantee that fails, with its computed fix, and the
// best-effort ones as warnings. Memoised per props object: the config entry's check, its warnings
// and the construct share one run.
import type { PropsProblem } from '../core/props';
import { describeRequestFix } from './fixes';
import type { CapacityPlanProps, PlanInput } from './props';
import { broken, cores, describeMix, gib, MonthPlan, percentText, Plan, plan, ScenarioCheck, ScenarioPlan } from './plan';
import { differenceProblems, structuralProblems } from './rules';

export interface Analysis {
  /** Absent when a structural rule fails. */
  plan?: Plan;
  problems: PropsProblem[];
  warnings: string[];
}

const num = (x: number): string => String(Math.round(x * 100) / 100);

/** What the failing figure is made of, in words: the mix, its sum and the node it sits on. */
export function explainCheck(scenario: ScenarioPlan, check: ScenarioCheck): string {
  if (check.figure === 'nodes') {
    const load = scenario.loads.find((l) => l.pool.name === check.pool)!;
    return `scenario ${scenario.id} needs ${check.value} ${load.pool.type} nodes of pool ${check.pool} (first-fit-decreasing packing of its requests), its max is ${check.limit}`;
  }
  const w = check.figure === 'memory' ? scenario.worstNode.byPeak : scenario.worstNode.byBurst;
  const what = check.figure === 'memory'
    ? `${num(gib(w.mix.peak))} GiB of measured peaks on ${num(gib(w.pool.capacity.memory))} GiB`
    : `${num(cores(w.mix.burst))} CPU of limits on ${num(cores(w.pool.capacity.cpu))} vCPU`;
  return `the requests let ${describeMix(w.groups, w.mix)} share one ${w.pool.type} node: ${what}`;
}

function checkProblem(input: PlanInput, scenario: ScenarioPlan, check: ScenarioCheck): PropsProblem {
  const at = { path: `capacity.scenarios[${scenario.index}]`, value: scenario.id };
  if (check.figure === 'nodes')
    return { ...at, rule: explainCheck(scenario, check), fix: `raise compute.pools.${check.pool}.max from ${check.limit} to ${check.value}, or lower max_active_runs of its workloads` };
  const field = check.figure === 'memory' ? 'memoryMarginMin' : 'cpuBurstMarginMin';
  const name = check.figure === 'memory' ? 'memory margin' : 'CPU burst margin';
  return {
    ...at,
    rule: `scenario ${scenario.id}: worst-node ${name} ${percentText(check.value)} must be > ${percentText(check.limit)} (capacity.guarantees.${field}, hard): ${explainCheck(scenario, check)}`,
    fix: describeRequestFix(input, scenario, check),
  };
}

function budgetProblem(input: PlanInput, month: MonthPlan): PropsProblem {
  const budget = input.capacity.budgetEurPerMonth;
  const over = month.totalEur - budget;
  const biggest = month.lines.filter((l) => l.kind === 'scenario').sort((a, b) => b.eur - a.eur)[0];
  const fixes = [`raise capacity.budgetEurPerMonth to ${Math.floor(month.totalEur) + 1}`];
  if (biggest && biggest.sessions) {
    const perSession = biggest.eur / biggest.sessions;
    const cut = Math.floor(over / perSession) + 1;
    if (cut <= biggest.sessions)
      fixes.unshift(`cut capacity.months[${month.index}].usage.${biggest.item}.sessions from ${biggest.sessions} to ${biggest.sessions - cut} (EUR ${perSession.toFixed(2)} per session)`);
  }
  return {
    path: `capacity.months[${month.index}]`,
    value: month.id,
    rule: `month ${month.id} costs EUR ${month.totalEur.toFixed(2)}, must be < EUR ${budget} (capacity.budgetEurPerMonth)`,
    fix: fixes.join(', or '),
  };
}

/** The CPU burst rule as the plan applies it (planScenario's `cpuHard`). */
export const cpuBurstKind = (hardFor: string[]): string =>
  hardFor.length === 0
    ? 'best effort in every scenario: capacity.guarantees.cpuBurstHardFor is empty'
    : `hard for scenarios made only of ${hardFor.join(', ')} (capacity.guarantees.cpuBurstHardFor), best effort for the others`;

/** A best-effort CPU burst check that does not hold, with why it is only best effort here. */
export function warningOf(input: PlanInput, scenario: ScenarioPlan, check: ScenarioCheck): string {
  const hardFor = input.capacity.guarantees.cpuBurstHardFor;
  const soft = scenario.workloads.filter((w) => !hardFor.includes(w));
  return `scenario ${scenario.id}: worst-node CPU burst margin ${percentText(check.value)} is not above ${percentText(check.limit)} ` +
    `(best effort: hard only for scenarios made only of capacity.guarantees.cpuBurstHardFor workloads ` +
    `(${hardFor.join(', ') || 'none'}), and ${soft.join(', ')} ${soft.length === 1 ? 'is not one' : 'are not'}): ${explainCheck(scenario, check)}`;
}

function analyse(c: CapacityPlanProps): Analysis {
  const structural = structuralProblems(c);
  if (structural.length > 0) return { problems: structural, warnings: [] };
  const p = plan(c);
  const failing = p.scenarios.flatMap((s) => s.checks.filter((k) => !k.holds).map((k) => [s, k] as const));
  return {
    plan: p,
    problems: [
      ...failing.filter(([, k]) => k.hard).map(([s, k]) => checkProblem(c, s, k)),
      ...p.months.filter((m) => m.checks.some(broken)).map((m) => budgetProblem(c, m)),
      ...differenceProblems(c),
    ],
    warnings: failing.filter(([, k]) => !k.hard).map(([s, k]) => warningOf(c, s, k)),
  };
}

const memo = new WeakMap<CapacityPlanProps, Analysis>();

/** The plan of `c` with its problems and warnings, computed once per props object. */
export function analysis(c: CapacityPlanProps): Analysis {
  let a = memo.get(c);
  if (!a) memo.set(c, (a = analyse(c)));
  return a;
}
