// Rules the capacity plan needs before it can compute anything (profiles that fit their pools are
// checked by the loader, lib/config/fit.ts): platform pods that fit the always-on nodes, scenarios and months that make sense,
// and sizing-doc differences that still differ. Unknown names are reported by config/references.ts.
import { Problem, Problems } from '../core/errors';
import { valueAt } from '../core/paths';
import { PlanCluster, pool as poolOf, shape, ZERO } from './model';
import { nodeCount, packFirstFitDecreasing, room } from './packing';

export function structuralProblems(c: PlanCluster): Problem[] {
  const problems = new Problems(c.name);
  const { compute, capacity } = c;

  for (const name of Object.keys(compute.pools)) {
    const pods = compute.platformWorkloads.filter((w) => w.pool === name);
    if (pods.length === 0 || !compute.nodeTypes[compute.pools[name].nodeType]?.allocatable) continue;
    const p = poolOf(compute, name);
    const groups = pods.map((w) => ({
      workload: w.name, profile: w.name, pool: name, count: 1, requests: shape(w.requests), limits: ZERO, peak: 0, exclusiveWith: [],
    }));
    const tooBig = groups.filter((g) => room(ZERO, g.requests, p.allocatable) === 0);
    for (const g of tooBig)
      problems.add(`compute.platformWorkloads[${compute.platformWorkloads.findIndex((w) => w.name === g.workload)}].requests`,
        pods.find((w) => w.name === g.workload)!.requests, `does not fit the allocatable of a ${p.type} node of pool ${name}`);
    if (tooBig.length > 0) continue;
    const needed = nodeCount(packFirstFitDecreasing(groups, p.allocatable));
    problems.check(needed <= p.min, `compute.pools.${name}.min`, p.min,
      `the platform workloads on this pool need ${needed} always-on ${p.type} node(s) by their requests`,
      `raise compute.pools.${name}.min to ${needed}`);
  }

  const workloads = compute.workloads;
  const ids = new Set<string>();
  capacity.scenarios.forEach((s, i) => {
    problems.check(!ids.has(s.id), `capacity.scenarios[${i}].id`, s.id, 'scenario ids must be unique');
    ids.add(s.id);
    s.workloads.forEach((w, j) => {
      problems.check(s.workloads.indexOf(w) === j, `capacity.scenarios[${i}].workloads[${j}]`, w, 'a scenario lists each workload once');
      const other = s.workloads.find((o, k) => k < j && (workloads[w]?.exclusiveWith.includes(o) || workloads[o]?.exclusiveWith.includes(w)));
      if (other)
        problems.add(`capacity.scenarios[${i}].workloads[${j}]`, w,
          `${w} and ${other} never run at the same time (exclusiveWith), so this scenario cannot happen`,
          `remove ${w} or ${other} from scenario ${s.id}`);
    });
  });
  capacity.guarantees.cpuBurstHardFor.forEach((w, i) =>
    problems.check(Object.hasOwn(workloads, w), `capacity.guarantees.cpuBurstHardFor[${i}]`, w,
      `unknown workload (known: ${Object.keys(workloads).join(', ')})`),
  );
  const months = new Set<string>();
  capacity.months.forEach((m, i) => {
    problems.check(!months.has(m.id), `capacity.months[${i}].id`, m.id, 'month ids must be unique');
    months.add(m.id);
    for (const id of Object.keys(m.usage))
      problems.check(ids.has(id), `capacity.months[${i}].usage.${id}`, id,
        `usage is keyed by scenario id (known: ${[...ids].join(', ')})`);
  });

  return problems.list;
}

/**
 * The sizing-doc differences must still be differences. Reported next to the plan's own problems,
 * not instead of them: setting a value back to the doc's usually breaks a guarantee too, and
 * that is the failure the user needs to see.
 */
export function differenceProblems(c: PlanCluster): Problem[] {
  const problems = new Problems(c.name);
  c.capacity.sizingDocDifferences.forEach((d, i) => {
    const current = valueAt(c, d.path);
    if (current === undefined)
      problems.add(`capacity.sizingDocDifferences[${i}].path`, d.path, 'no such field in this cluster file');
    else
      problems.check(JSON.stringify(current) !== JSON.stringify(d.doc), `capacity.sizingDocDifferences[${i}].doc`, d.doc,
        `${d.path} now equals the sizing doc's value, so this is no longer a difference`,
        `remove capacity.sizingDocDifferences[${i}]`);
  });
  return problems.list;
}
