// The CapacityPlan construct built from props (a small cluster whose figures are checked by hand
// in fixture.ts): what it computes, the files it writes, and every rule it refuses props with.
import { CapacityPlan, CapacityPlanProps } from '../../lib/capacity';
import { GiB } from '../../lib/core/quantity';
import { setPath } from '../support/clusters';
import { buildInChart, refusedWith } from '../support/constructs';
import { smallCluster } from './fixture';

/** The small cluster with edits at dotted paths. */
function props(edits: Record<string, unknown> = {}): CapacityPlanProps {
  const p = smallCluster();
  for (const [at, value] of Object.entries(edits)) setPath(p, at, value);
  return p;
}

const build = (p: CapacityPlanProps) => buildInChart((chart) => new CapacityPlan(chart, 'plan', p));
const refusal = (p: CapacityPlanProps) => refusedWith((chart) => new CapacityPlan(chart, 'plan', p));
const only = (p: CapacityPlanProps) => {
  const problems = refusal(p);
  expect(problems).toHaveLength(1);
  return problems[0];
};

describe('CapacityPlan', () => {
  it('packs the scenario, judges the worst node and bills the month as worked out by hand', () => {
    const { built } = build(props());
    const [scenario] = built.plan.scenarios;
    expect([scenario.pods, scenario.nodes]).toEqual([8, 2]);
    expect(scenario.worstNode.memoryMargin).toBeCloseTo(1 - (5 * 7) / 64, 12);
    expect(scenario.worstNode.cpuMargin).toBeCloseTo(1 - 15 / 16, 12);
    expect(scenario.worstNode.byPeak.mix.peak).toBe(5 * 7 * GiB);
    const [month] = built.plan.months;
    // 10 sessions x (130 + 125) min x EUR 0.5, the platform node's month, the registry
    expect(month.totalEur).toBeCloseTo(10 * (255 / 60) * 0.5 + 30 + 10, 9);
    expect(month.flatTotalEur).toBeCloseTo(10 * 2 * 2 * 0.5 + 30 + 10, 9);
    expect(built.plan.profiles[0].checks.every((k) => k.holds)).toBe(true);
    expect(built.warnings).toEqual([]);
  });

  it('writes plan.md, plan.json and plan.svg, plan.json carrying the typed handle\'s figures', () => {
    const { built, files } = build(props());
    expect([...files.keys()].sort()).toEqual(['plan.json', 'plan.md', 'plan.svg']);
    const json = JSON.parse(files.get('plan.json')!);
    expect(json.cluster).toBe('small');
    expect(json.months[0].totalEur).toBe(Math.round(built.plan.months[0].totalEur * 100) / 100);
    expect(files.get('plan.md')).toContain('# Capacity plan: small');
  });

  it('snapshots', () => {
    const { files } = build(props());
    for (const f of ['plan.md', 'plan.json', 'plan.svg']) expect(files.get(f)).toMatchSnapshot(f);
  });

  it('checks its props against the schema as a cdk8s validation', () => {
    const { built } = build(props({ cluster: 'Not_A_Label' }));
    expect(built.node.validate().join('\n')).toMatch(/cluster = "Not_A_Label"/);
    expect(build(props()).built.node.validate()).toEqual([]);
  });
});

describe('CapacityPlan refuses', () => {
  it('a scenario that needs more nodes than its pool max, with the max it needs', () => {
    const p = only(props({ 'compute.pools.compute.max': 1 }));
    expect(p).toMatchObject({
      cluster: 'test/plan',
      path: 'capacity.scenarios[0]',
      value: 'batch',
      rule: 'scenario batch needs 2 PRO2-M nodes of pool compute (first-fit-decreasing packing of its requests), its max is 1',
      fix: 'raise compute.pools.compute.max from 1 to 2, or lower max_active_runs of its workloads',
    });
  });

  it('a worst-node memory margin at or under memoryMarginMin, with a request change that makes it hold', () => {
    // 5 pods x 12Gi of peaks on 64Gi: 6.25 %
    const p = only(props({ 'compute.workloads.batch.peakMemory': '12Gi' }));
    expect(p.path).toBe('capacity.scenarios[0]');
    expect(p.rule).toMatch(/^scenario batch: worst-node memory margin 6\.\d % must be > 10\.0 % \(capacity\.guarantees\.memoryMarginMin, hard\)/);
    // CPU requests are at their limit; 4 pods a node (48Gi of peaks, 25 %) need a memory request over 60Gi / 5
    expect(p.fix).toMatch(/^raise compute\.profiles\.batch\.requests\.memory from 8Gi to 13Gi so at most 4 batch pods share a PRO2-M node \(memory margin 25\.0 %\); every hard guarantee then holds/);
    const fixed = props({ 'compute.workloads.batch.peakMemory': '12Gi', 'compute.profiles.batch.requests.memory': '13Gi' });
    expect(build(fixed).built.plan.scenarios[0].worstNode.memoryMargin).toBe(0.25);
  });

  it('a CPU burst margin under cpuBurstMarginMin when the scenario is hard, and only warns otherwise', () => {
    // 5 x 3 CPU of limits on 16 vCPU: 6.25 %
    const p = only(props({ 'capacity.guarantees.cpuBurstMarginMin': 0.1 }));
    expect(p.rule).toMatch(/^scenario batch: worst-node CPU burst margin 6\.\d % must be > 10\.0 % \(capacity\.guarantees\.cpuBurstMarginMin, hard\)/);
    const soft = build(props({ 'capacity.guarantees.cpuBurstMarginMin': 0.1, 'capacity.guarantees.cpuBurstHardFor': [] }));
    expect(soft.built.warnings).toHaveLength(1);
    expect(soft.built.warnings[0]).toMatch(/^scenario batch: worst-node CPU burst margin 6\.\d % is not above 10\.0 % \(best effort/);
  });

  it('a month over budget, with the budget or the sessions that fit', () => {
    // EUR 61.25 against 50: 2.125 a session, so 4 of the 10 sessions fit
    const p = only(props({ 'capacity.budgetEurPerMonth': 50 }));
    expect(p).toMatchObject({ path: 'capacity.months[0]', value: '2026-01', rule: 'month 2026-01 costs EUR 61.25, must be < EUR 50 (capacity.budgetEurPerMonth)' });
    expect(p.fix).toMatch(/^cut capacity\.months\[0\]\.usage\.batch\.sessions from 10 to 4 \(EUR 2\.1\d per session\), or raise capacity\.budgetEurPerMonth to 62$/);
  });

  it('a profile that does not fit its pool\'s nodes (the compute section\'s rule, checked first)', () => {
    const p = only(props({ 'compute.profiles.batch.limits.memory': '80Gi' }));
    expect(p).toMatchObject({ path: 'compute.profiles.batch.limits.memory', value: '80Gi' });
    expect(p.rule).toContain('exceeds the memory capacity of a PRO2-M node (64Gi)');
  });

  it('platform workloads that need more always-on nodes than the pool min', () => {
    expect(only(props({ 'compute.pools.platform.min': 0 }))).toMatchObject({
      path: 'compute.pools.platform.min', value: 0, fix: 'raise compute.pools.platform.min to 1',
    });
    expect(only(props({ 'compute.platformWorkloads.0.requests.cpu': '4' }))).toMatchObject({
      path: 'compute.platformWorkloads[0].requests', rule: 'does not fit the allocatable of a DEV1-L node of pool platform',
    });
  });

  it('scenarios and months that make no sense', () => {
    const twice = props({ 'capacity.scenarios': [{ id: 'batch', workloads: ['batch'] }, { id: 'batch', workloads: ['batch', 'batch'] }] });
    expect(refusal(twice).map((p) => [p.path, p.rule])).toEqual([
      ['capacity.scenarios[1].id', 'scenario ids must be unique'],
      ['capacity.scenarios[1].workloads[1]', 'a scenario lists each workload once'],
    ]);
    const exclusive = props({ 'capacity.scenarios.0.workloads': ['batch', 'other'] });
    exclusive.compute.workloads.other = { ...exclusive.compute.workloads.batch, exclusiveWith: ['batch'] };
    expect(only(exclusive)).toMatchObject({ path: 'capacity.scenarios[0].workloads[1]', fix: 'remove other or batch from scenario batch' });
    expect(only(props({ 'capacity.guarantees.cpuBurstHardFor': ['nope'] }))).toMatchObject({
      path: 'capacity.guarantees.cpuBurstHardFor[0]', rule: 'unknown workload (known: batch)',
    });
    expect(only(props({ 'capacity.months.0.usage': { nope: { sessions: 1, hours: 1 } } }))).toMatchObject({
      path: 'capacity.months[0].usage.nope', rule: 'usage is keyed by scenario id (known: batch)',
    });
  });

  it('sizing-doc differences that are no longer differences or name no field; a real one is priced in plan.md', () => {
    const same = props({ 'capacity.sizingDocDifferences': [{ path: 'compute.pools.compute.max', doc: 3, reason: 'r' }] });
    expect(only(same)).toMatchObject({ path: 'capacity.sizingDocDifferences[0].doc', fix: 'remove capacity.sizingDocDifferences[0]' });
    const missing = props({ 'capacity.sizingDocDifferences': [{ path: 'compute.pools.gpu.max', doc: 3, reason: 'r' }] });
    expect(only(missing)).toMatchObject({ path: 'capacity.sizingDocDifferences[0].path', rule: 'no such field in this cluster file' });
    const real = props({ 'capacity.sizingDocDifferences': [{ path: 'compute.pools.compute.max', doc: 1, reason: 'more nodes' }] });
    expect(build(real).files.get('plan.md')).toContain('| compute.pools.compute.max | 1 | 3 | more nodes | ❌ batch: 2 nodes of pool compute (max 1) |');
  });
});
