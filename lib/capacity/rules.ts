// Rules the capacity plan needs before it can compute anything (profiles that fit their pools are
// checked with the compute section, lib/compute/fit.ts): platform pods that fit the always-on
// nodes, scenarios and months that make sense, and sizing-doc differences that still differ.
// Unknown names are reported by the config layer's reference checks. Paths are relative to the
// plan's props, which mirror the cluster file (`capacity.scenarios[0].id`).
import type { PropsProblem } from '../core/props';
import { ComputeProps, pool as poolOf, shape, ZERO } from '../compute';
import { nodeCount, packFirstFitDecreasing, room } from './packing';
import type { CapacityPlanProps, PlanInput } from './props';
import { sizingDocReadings } from './differences';

/** Collects problems the way the rules state them: `check(ok, ...)` records one unless it holds. */
class Findings {
  readonly list: PropsProblem[] = [];
  add(path: string, value: unknown, rule: string, fix?: string): void {
    this.list.push({ path, value, rule, fix });
  }
  check(ok: boolean, path: string, value: unknown, rule: string, fix?: string): void {
    if (!ok) this.add(path, value, rule, fix);
  }
}

/** The platform workloads of each pool fit its always-on nodes (by their requests). */
function platformPodsFit(compute: ComputeProps, findings: Findings): void {
  for (const name of Object.keys(compute.pools)) {
    const pods = compute.platformWorkloads.filter((w) => w.pool === name);
    if (pods.length === 0 || !compute.nodeTypes[compute.pools[name].nodeType]?.allocatable) continue;
    const pool = poolOf(compute, name);
    const groups = pods.map((w) => ({
      workload: w.name, profile: w.name, pool: name, count: 1, requests: shape(w.requests), limits: ZERO, peak: 0, exclusiveWith: [],
    }));
    const tooBig = groups.filter((g) => room(ZERO, g.requests, pool.allocatable) === 0);
    for (const g of tooBig)
      findings.add(`compute.platformWorkloads[${compute.platformWorkloads.findIndex((w) => w.name === g.workload)}].requests`,
        pods.find((w) => w.name === g.workload)!.requests, `does not fit the allocatable of a ${pool.type} node of pool ${name}`);
    if (tooBig.length > 0) continue;
    const needed = nodeCount(packFirstFitDecreasing(groups, pool.allocatable));
    findings.check(needed <= pool.min, `compute.pools.${name}.min`, pool.min,
      `the platform workloads on this pool need ${needed} always-on ${pool.type} node(s) by their requests`,
      `raise compute.pools.${name}.min to ${needed}`);
  }
}

/** Scenario ids are unique, each lists a workload once and never two exclusive ones; returns the ids. */
function scenariosMakeSense({ compute, capacity }: PlanInput, findings: Findings): Set<string> {
  const workloads = compute.workloads;
  const ids = new Set<string>();
  capacity.scenarios.forEach((scenario, i) => {
    findings.check(!ids.has(scenario.id), `capacity.scenarios[${i}].id`, scenario.id, 'scenario ids must be unique');
    ids.add(scenario.id);
    scenario.workloads.forEach((w, j) => {
      findings.check(scenario.workloads.indexOf(w) === j, `capacity.scenarios[${i}].workloads[${j}]`, w, 'a scenario lists each workload once');
      const other = scenario.workloads.find((o, k) => k < j && (workloads[w]?.exclusiveWith.includes(o) || workloads[o]?.exclusiveWith.includes(w)));
      if (other)
        findings.add(`capacity.scenarios[${i}].workloads[${j}]`, w,
          `${w} and ${other} never run at the same time (exclusiveWith), so this scenario cannot happen`,
          `remove ${w} or ${other} from scenario ${scenario.id}`);
    });
  });
  return ids;
}

/** Month ids are unique and their usage names scenarios. */
function monthsMakeSense({ capacity }: PlanInput, scenarioIds: Set<string>, findings: Findings): void {
  const months = new Set<string>();
  capacity.months.forEach((month, i) => {
    findings.check(!months.has(month.id), `capacity.months[${i}].id`, month.id, 'month ids must be unique');
    months.add(month.id);
    for (const id of Object.keys(month.usage))
      findings.check(scenarioIds.has(id), `capacity.months[${i}].usage.${id}`, id,
        `usage is keyed by scenario id (known: ${[...scenarioIds].join(', ')})`);
  });
}

export function structuralProblems(input: PlanInput): PropsProblem[] {
  const findings = new Findings();
  const { compute, capacity } = input;
  platformPodsFit(compute, findings);
  const scenarioIds = scenariosMakeSense(input, findings);
  capacity.guarantees.cpuBurstHardFor.forEach((w, i) =>
    findings.check(Object.hasOwn(compute.workloads, w), `capacity.guarantees.cpuBurstHardFor[${i}]`, w,
      `unknown workload (known: ${Object.keys(compute.workloads).join(', ')})`),
  );
  monthsMakeSense(input, scenarioIds, findings);
  return findings.list;
}

/**
 * The sizing-doc differences must still be differences. Reported next to the plan's own problems,
 * not instead of them: setting a value back to the doc's usually breaks a guarantee too, and
 * that is the failure the user needs to see.
 */
export function differenceProblems(props: CapacityPlanProps): PropsProblem[] {
  const findings = new Findings();
  const readings = sizingDocReadings(props);
  props.capacity.sizingDocDifferences.forEach((d, i) => {
    const { current } = readings[i];
    if (current === undefined)
      findings.add(`capacity.sizingDocDifferences[${i}].path`, d.path, 'no such field in this cluster file');
    else
      findings.check(JSON.stringify(current) !== JSON.stringify(d.doc), `capacity.sizingDocDifferences[${i}].doc`, d.doc,
        `${d.path} now equals the sizing doc's value, so this is no longer a difference`,
        `remove capacity.sizingDocDifferences[${i}]`);
  });
  return findings.list;
}
