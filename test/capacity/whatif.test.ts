// What-if objectives: the rules of the model, checked against the plan itself.
import { capacityPlanProps } from '../../lib/config/components/capacity';
import { nodeCount } from '../../lib/capacity/packing';
import { plan, worstMonth } from '../../lib/capacity/plan';
import { HEADROOM, Objective, OBJECTIVES, Option, POLICIES, whatIf } from '../../lib/capacity/whatif';
import { load, prod } from './support';

const config = load(prod()).config;
const cluster = () => capacityPlanProps(config);

describe('what-if', () => {
  const c = cluster();

  it('tries max_active_runs from 1 to twice the configured value for every workload of a scenario, unless fixed', () => {
    const w = whatIf(c, 'min-cost', 'manual');
    const used = [...new Set(c.capacity.scenarios.flatMap((s) => s.workloads))];
    expect(w.workloads.map((x) => x.workload)).toEqual(used);
    for (const x of w.workloads) {
      const wl = c.compute.workloads[x.workload];
      expect(x.fixed).toBe(wl.maxActiveRunsFixed);
      const tried = wl.maxActiveRunsFixed ? [wl.maxActiveRuns] : Array.from({ length: 2 * wl.maxActiveRuns }, (_, i) => i + 1);
      expect(x.options.map((o) => o.maxActiveRuns)).toEqual(tried);
      for (const o of x.options) {
        expect(o.pods).toBe(wl.podsPerRun * o.maxActiveRuns);
        expect(o.hoursPerCompletedRun).toBeCloseTo(wl.durationHours / o.maxActiveRuns);
      }
    }
  });

  it('never changes a maxActiveRunsFixed workload: the heavy factors stay one at a time under every objective and policy', () => {
    const fixed = Object.entries(c.compute.workloads).filter(([, wl]) => wl.maxActiveRunsFixed);
    expect(fixed.map(([name]) => name)).toContain(config.airflow!.factorWorkloads.heavy);
    for (const policy of POLICIES) {
      for (const objective of OBJECTIVES) {
        const w = whatIf(c, objective, policy);
        for (const [name, wl] of fixed) {
          expect(w.workloads.find((x) => x.workload === name)!.chosen?.maxActiveRuns).toBe(wl.maxActiveRuns);
          expect(w.combined.maxActiveRuns[name]).toBe(wl.maxActiveRuns);
        }
      }
    }
  });

  it('maxActiveRunsFixed on any workload keeps it at its configured value', () => {
    const free = whatIf(c, 'min-time', 'aggressive').workloads.find((x) => x.workload === 'discovery')!;
    expect(free.chosen!.maxActiveRuns).not.toBe(free.configured); // min-time would change it
    const pinned = capacityPlanProps(load(prod({ 'compute.workloads.discovery.maxActiveRunsFixed': true })).config);
    const x = whatIf(pinned, 'min-time', 'aggressive').workloads.find((y) => y.workload === 'discovery')!;
    expect(x.options.map((o) => o.maxActiveRuns)).toEqual([free.configured]);
    expect(x.chosen!.maxActiveRuns).toBe(free.configured);
  });

  it('manual: the configured values give exactly the plan (its pool max, its worst month)', () => {
    const w = whatIf(c, 'min-cost', 'manual');
    for (const x of w.workloads) {
      const o = x.options.find((y) => y.maxActiveRuns === x.configured)!;
      expect(o.poolMax).toEqual({ compute: c.compute.pools.compute.max });
      expect(o.worstMonthEur).toBeCloseTo(worstMonth(plan(c)), 6);
      expect(o.feasible).toBe(true);
    }
  });

  it('manual: more runs than the configured pool holds are infeasible', () => {
    const w = whatIf(c, 'min-cost', 'manual');
    const infeasible = w.workloads.flatMap((x) => x.options.filter((o) => !o.feasible).map((o) => [x.workload, o] as const));
    expect(infeasible.length).toBeGreaterThan(0);
    for (const [workload, o] of infeasible) {
      const next = structuredClone(c);
      next.compute.workloads[workload].maxActiveRuns = o.maxActiveRuns;
      const needed = Math.max(...plan(next).scenarios.map((s) => s.nodes));
      expect(needed).toBeGreaterThan(c.compute.pools.compute.max);
      expect(o.reason).toContain('nodes of pool compute <= its max');
    }
  });

  it('aggressive sizes the pool max to the most nodes any scenario packs into; safe never to fewer', () => {
    const aggressive = whatIf(c, 'min-cost', 'aggressive');
    const safe = whatIf(c, 'min-cost', 'safe');
    expect(HEADROOM.safe).toBeGreaterThan(HEADROOM.aggressive);
    aggressive.workloads.forEach((x, i) => {
      x.options.forEach((o, k) => {
        const next = structuredClone(c);
        next.compute.workloads[x.workload].maxActiveRuns = o.maxActiveRuns;
        const most = Math.max(...plan(next).scenarios.map((s) => nodeCount(s.loads[0].nodes)));
        expect(o.poolMax.compute).toBe(most);
        expect(safe.workloads[i].options[k].poolMax.compute).toBeGreaterThanOrEqual(most);
      });
    });
  });

  it.each(POLICIES.flatMap((p) => OBJECTIVES.map((o) => [o, p] as const)))('%s under %s picks the best feasible option', (objective: Objective, policy) => {
    const w = whatIf(c, objective, policy);
    for (const x of w.workloads) {
      const ok = x.options.filter((o) => o.feasible);
      const cost = (o: Option) => o.worstMonthEur!;
      const chosen = x.chosen!;
      expect(chosen.feasible).toBe(true);
      if (objective === 'min-cost') expect(cost(chosen)).toBe(Math.min(...ok.map(cost)));
      if (objective === 'min-time') expect(chosen.hoursPerCompletedRun).toBe(Math.min(...ok.map((o) => o.hoursPerCompletedRun)));
      if (objective === 'balance') {
        const score = (o: Option) => cost(o) / Math.min(...ok.map(cost)) + o.hoursPerCompletedRun / Math.min(...ok.map((y) => y.hoursPerCompletedRun));
        expect(score(chosen)).toBeCloseTo(Math.min(...ok.map(score)), 9);
      }
    }
    expect(w.combined.maxActiveRuns).toEqual(Object.fromEntries(w.workloads.map((x) => [x.workload, x.chosen!.maxActiveRuns])));
  });
});
