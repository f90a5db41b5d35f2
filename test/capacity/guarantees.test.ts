// Each hard guarantee, broken on purpose, stops synthesis with a message that names the cluster,
// the scenario (or field), the figure, the limit and a fix that really fixes it; dist/ stays as it was.
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { analysis } from '../../lib/capacity/analysis';
import { capacityPlanProps } from '../../lib/config/components/capacity';
import { percentText } from '../../lib/capacity/plan';
import { ConfigError, formatProblem } from '../../lib/core/errors';
import { cpuCores, memoryBytes, GiB } from '../../lib/core/quantity';
import { readTree } from '../../lib/pipeline/dist';
import { renderWithWarnings } from '../../lib/pipeline/render';
import { synthToDist } from '../../lib/pipeline/synth';
import { clustersDir, setPath, tmpDir } from '../support/clusters';
import { load, nodeOf, NAME, podsPerNode, prod, refusal, scenarioIndex } from './support';

/** The built-in config with the sizing doc's value restored at `at` (and no longer listed as a difference). */
function withDocValue(at: string): any {
  const raw = prod();
  const diffs = raw.capacity.sizingDocDifferences as { path: string; doc: unknown }[];
  const d = diffs.find((x) => x.path === at)!;
  setPath(raw, at, d.doc);
  raw.capacity.sizingDocDifferences = diffs.filter((x) => x !== d);
  return raw;
}

/** Applies every "raise <path> from <a> to <b>" of a fix to a raw config. */
function applyFix(raw: any, fix: string): any {
  const changes = [...fix.matchAll(/(compute\.[\w.-]+) from (\S+) to (\S+?)(?= and | so |,|;|$)/g)];
  expect(changes.length).toBeGreaterThan(0);
  for (const [, at, , to] of changes) setPath(raw, at, to);
  return raw;
}

describe('hard guarantees on the built-in config', () => {
  it('all hold, and the best-effort ones only warn', () => {
    const { files, warnings } = renderWithWarnings([load(prod())]);
    expect(files.has(`${NAME}/capacity/plan.md`)).toBe(true);
    const a = analysis(capacityPlanProps(load(prod()).config));
    const bestEffort = a.plan!.scenarios.flatMap((s) => s.checks.filter((k) => !k.hard && !k.holds).map(() => s.id));
    expect(warnings).toHaveLength(bestEffort.length);
    bestEffort.forEach((id, i) => expect(warnings[i]).toContain(`scenario ${id}: worst-node CPU burst margin`));
  });

  it('CPU burst of a single scenario outside cpuBurstHardFor only warns, and the warning states that rule', () => {
    const raw = prod();
    const light = raw.compute.profiles.light;
    setPath(raw, 'compute.profiles.light.limits.cpu', String(2 * cpuCores(light.requests.cpu)));
    const { cpuBurstMarginMin: min, cpuBurstHardFor: hardFor } = raw.capacity.guarantees;
    expect(hardFor).not.toContain('wfrb');
    const margin = 1 - (podsPerNode(raw, 'wfrb') * cpuCores(light.limits.cpu)) / nodeOf(raw).vcpu;
    expect(margin).toBeLessThanOrEqual(min);
    const { warnings } = renderWithWarnings([load(raw)]);
    expect(warnings.find((w) => w.includes('scenario wfrb:'))).toContain(
      `scenario wfrb: worst-node CPU burst margin ${percentText(margin)} is not above ${percentText(min)} ` +
      `(best effort: hard only for scenarios made only of capacity.guarantees.cpuBurstHardFor workloads (${hardFor.join(', ')}), and wfrb is not one)`);
  });
});

describe('a broken hard guarantee is refused', () => {
  it('CPU burst of FTF alone: with 2-CPU requests 7 standard pods with 4-CPU limits share a node', () => {
    const raw = withDocValue('compute.profiles.standard.requests.cpu');
    const node = nodeOf(raw);
    const pods = podsPerNode(raw, 'ftf-normal');
    const margin = 1 - (pods * cpuCores(raw.compute.profiles.standard.limits.cpu)) / node.vcpu;
    const [p] = refusal(raw).filter((x) => x.path === `capacity.scenarios[${scenarioIndex(raw, 'ftf-normal')}]`);
    expect(p.cluster).toBe(NAME);
    expect(p.value).toBe('ftf-normal');
    expect(p.rule).toContain(`worst-node CPU burst margin ${percentText(margin)} must be > ${percentText(raw.capacity.guarantees.cpuBurstMarginMin)}`);
    expect(p.rule).toContain(`${pods} x ftf-normal share one PRO2-M node`);
    expect(p.fix).toMatch(/^raise compute\.profiles\.standard\.requests\.cpu from 2 to \S+ so at most \d+ ftf-normal pods share/);
    // the fix is real: the scenario's CPU guarantee holds with it
    const fixed = analysis(capacityPlanProps(load(applyFix(raw, p.fix!)).config)).plan!;
    expect(fixed.scenarios.find((s) => s.id === 'ftf-normal')!.checks.every((k) => k.holds)).toBe(true);
  });

  it('memory of the worst node: with 2-CPU requests 4 heavy pods (12 GiB peak each) share a node', () => {
    const raw = withDocValue('compute.profiles.heavy.requests.cpu');
    const node = nodeOf(raw);
    const pods = podsPerNode(raw, 'ftf-heavy');
    const margin = 1 - (pods * memoryBytes(raw.compute.workloads['ftf-heavy'].peakMemory)) / node.memory;
    const problems = refusal(raw).filter((x) => x.path === `capacity.scenarios[${scenarioIndex(raw, 'ftf-heavy')}]`);
    const p = problems.find((x) => x.rule.includes('memory margin'))!;
    expect(p.rule).toContain(`worst-node memory margin ${percentText(margin)} must be > ${percentText(raw.capacity.guarantees.memoryMarginMin)}`);
    expect(p.rule).toContain('capacity.guarantees.memoryMarginMin');
    const fixed = analysis(capacityPlanProps(load(applyFix(raw, p.fix!)).config)).plan!;
    expect(fixed.scenarios.find((s) => s.id === 'ftf-heavy')!.worstNode.memoryMargin).toBeGreaterThan(raw.capacity.guarantees.memoryMarginMin);
  });

  it('memory of a mixed scenario: the worst mix of heavy and light pods on one node', () => {
    const raw = prod();
    for (const at of ['compute.profiles.heavy.requests.cpu', 'compute.profiles.light.requests.cpu'])
      setPath(raw, at, raw.capacity.sizingDocDifferences.find((d: any) => d.path === at).doc);
    raw.capacity.sizingDocDifferences = raw.capacity.sizingDocDifferences.filter((d: any) => d.path.includes('standard'));
    const i = scenarioIndex(raw, 'ftf-heavy+wfrb');
    const p = refusal(raw).find((x) => x.path === `capacity.scenarios[${i}]` && x.rule.includes('memory margin'))!;
    expect(p.rule).toMatch(/the requests let \d+ x ftf-heavy \+ \d+ x wfrb share one PRO2-M node/);
    const fixed = analysis(capacityPlanProps(load(applyFix(raw, p.fix!)).config)).plan!;
    expect(fixed.scenarios[i].worstNode.memoryMargin).toBeGreaterThan(raw.capacity.guarantees.memoryMarginMin);
  });

  it('finds a pair of requests when no single request can fix the worst node', () => {
    const raw = prod();
    for (const at of ['compute.profiles.heavy.requests.cpu', 'compute.profiles.light.requests.cpu'])
      setPath(raw, at, raw.capacity.sizingDocDifferences.find((d: any) => d.path === at).doc);
    raw.capacity.sizingDocDifferences = raw.capacity.sizingDocDifferences.filter((d: any) => d.path.includes('standard'));
    // memory requests at their limits: only CPU requests are left to raise, and neither suffices alone
    setPath(raw, 'compute.profiles.heavy.limits.memory', raw.compute.profiles.heavy.requests.memory);
    setPath(raw, 'compute.profiles.light.requests.memory', raw.compute.profiles.light.limits.memory);
    const i = scenarioIndex(raw, 'ftf-heavy+wfrb');
    const p = refusal(raw).find((x) => x.path === `capacity.scenarios[${i}]` && x.rule.includes('memory margin'))!;
    expect(p.fix).toMatch(/^raise compute\.profiles\.heavy\.requests\.cpu from \S+ to \S+ and compute\.profiles\.light\.requests\.cpu from \S+ to \S+ so the heaviest PRO2-M node/);
    const fixed = analysis(capacityPlanProps(load(applyFix(raw, p.fix!)).config)).plan!;
    expect(fixed.scenarios[i].worstNode.memoryMargin).toBeGreaterThan(raw.capacity.guarantees.memoryMarginMin);
  });

  it('CPU burst is hard exactly for the scenarios made of cpuBurstHardFor workloads', () => {
    const raw = prod();
    raw.capacity.guarantees.cpuBurstHardFor.push('wfrb');
    const concurrent = analysis(capacityPlanProps(load(prod()).config)).plan!.scenarios
      .filter((s) => s.workloads.every((w) => raw.capacity.guarantees.cpuBurstHardFor.includes(w)))
      .filter((s) => !s.checks.find((k) => k.figure === 'cpu')!.holds);
    expect(concurrent.length).toBeGreaterThan(0); // a warning before becomes a refusal now
    const paths = refusal(raw).map((p) => p.path);
    for (const s of concurrent) expect(paths).toContain(`capacity.scenarios[${s.index}]`);
  });

  it('monthly cost under the budget, in every projection', () => {
    const months = analysis(capacityPlanProps(load(prod()).config)).plan!.months;
    const worst = months.reduce((a, b) => (b.totalEur > a.totalEur ? b : a));
    const budget = Math.floor(worst.totalEur) - 1;
    const raw = prod({ 'capacity.budgetEurPerMonth': budget });
    const p = refusal(raw).find((x) => x.path === `capacity.months[${worst.index}]`)!;
    expect(p.value).toBe(worst.id);
    expect(p.rule).toBe(`month ${worst.id} costs EUR ${worst.totalEur.toFixed(2)}, must be < EUR ${budget} (capacity.budgetEurPerMonth)`);
    // the session cut it proposes brings the month under the budget
    const [, at, to] = /cut (capacity\.months\[\d+\]\.usage\.[\w-]+\.sessions) from \d+ to (\d+)/.exec(p.fix!)!;
    setPath(raw, at, Number(to));
    const after = analysis(capacityPlanProps(load(raw).config)).plan!.months[worst.index];
    expect(after.totalEur).toBeLessThan(budget);
  });

  it('nodes within the pool max', () => {
    const plan = analysis(capacityPlanProps(load(prod()).config)).plan!;
    const most = Math.max(...plan.scenarios.map((s) => s.nodes));
    const raw = prod({ 'compute.pools.compute.max': most - 1 });
    const over = plan.scenarios.filter((s) => s.nodes === most);
    const problems = refusal(raw);
    for (const s of over) {
      const p = problems.find((x) => x.path === `capacity.scenarios[${s.index}]`)!;
      expect(p.rule).toBe(`scenario ${s.id} needs ${most} PRO2-M nodes of pool compute (first-fit-decreasing packing of its requests), its max is ${most - 1}`);
      expect(p.fix).toContain(`raise compute.pools.compute.max from ${most - 1} to ${most}`);
    }
  });

  it('a profile whose limit exceeds the node memory is refused', () => {
    const raw = prod();
    const memory = nodeOf(raw).memory;
    const limit = `${memory / GiB + 1}Gi`;
    setPath(raw, 'compute.profiles.heavy.limits.memory', limit);
    const p = refusal(raw).find((x) => x.path === 'compute.profiles.heavy.limits.memory')!;
    expect(p.value).toBe(limit);
    expect(p.rule).toContain(`exceeds the memory capacity of a PRO2-M node (${raw.compute.nodeTypes['PRO2-M'].memory})`);
  });

  it('a profile whose request exceeds the allocatable can never schedule and is refused', () => {
    const raw = prod();
    const alloc = raw.compute.nodeTypes['PRO2-M'].allocatable.memory;
    const request = `${memoryBytes(alloc) / GiB + 1}Gi`;
    setPath(raw, 'compute.profiles.heavy.requests.memory', request);
    setPath(raw, 'compute.profiles.heavy.limits.memory', request);
    const p = refusal(raw).find((x) => x.path === 'compute.profiles.heavy.requests.memory' && x.rule.includes('allocatable'))!;
    expect(p.rule).toContain(`(${alloc}): the pod can never be scheduled`);
  });

  it('writes nothing: dist/ is untouched for every refused config', () => {
    const dist = tmpDir('dist');
    fs.mkdirSync(path.join(dist, NAME));
    fs.writeFileSync(path.join(dist, NAME, 'marker'), 'previous\n');
    const before = readTree(dist);
    const broken = [
      withDocValue('compute.profiles.standard.requests.cpu'),
      withDocValue('compute.profiles.heavy.requests.cpu'),
      prod({ 'capacity.budgetEurPerMonth': 100 }),
      prod({ 'compute.pools.compute.max': 1 }),
      prod({ 'compute.profiles.heavy.limits.memory': '65Gi' }),
    ];
    for (const raw of broken) {
      const dir = clustersDir({ [NAME]: stringify(raw) });
      expect(() => synthToDist({ clustersDir: dir, dist })).toThrow(ConfigError);
      expect(readTree(dist)).toEqual(before);
    }
  });
});

describe('rules the plan needs before it can compute', () => {
  it('refuses a scenario of workloads that exclude each other', () => {
    const raw = prod();
    raw.capacity.scenarios.push({ id: 'impossible', workloads: ['ftf-normal', 'ftf-heavy'] });
    const p = refusal(raw).find((x) => x.path === `capacity.scenarios[${raw.capacity.scenarios.length - 1}].workloads[1]`)!;
    expect(p.rule).toContain('ftf-heavy and ftf-normal never run at the same time (exclusiveWith)');
  });

  it('refuses month usage that names no scenario', () => {
    const raw = prod();
    raw.capacity.months[0].usage['no-such-scenario'] = { sessions: 1, hours: 1 };
    expect(refusal(raw).map(formatProblem).join('\n')).toContain('capacity.months[0].usage.no-such-scenario = "no-such-scenario": usage is keyed by scenario id');
  });

  it('refuses a sizing-doc difference that no longer differs', () => {
    const raw = prod();
    const d = raw.capacity.sizingDocDifferences[0];
    setPath(raw, d.path, d.doc);
    const p = refusal(raw).find((x) => x.path === 'capacity.sizingDocDifferences[0].doc')!;
    expect(p.rule).toContain(`${d.path} now equals the sizing doc's value`);
  });

  it('refuses platform workloads that do not fit the always-on nodes of their pool', () => {
    const raw = prod();
    const alloc = cpuCores(raw.compute.nodeTypes['PRO2-S'].allocatable.cpu);
    raw.compute.platformWorkloads[0].requests.cpu = String(alloc - 1);
    raw.compute.platformWorkloads[2].requests.cpu = String(alloc - 1);
    const p = refusal(raw).find((x) => x.path === 'compute.pools.permanent.min')!;
    expect(p.fix).toBe('raise compute.pools.permanent.min to 2');
  });
});

describe('setting a value back to the sizing doc', () => {
  it('reports the broken guarantee together with the stale difference entry', () => {
    const raw = prod();
    const [i, d] = raw.capacity.sizingDocDifferences.map((x: any, n: number) => [n, x] as const)[0];
    setPath(raw, d.path, d.doc);
    const problems = refusal(raw);
    expect(problems.map((p) => p.path)).toContain(`capacity.sizingDocDifferences[${i}].doc`);
    // the reason the config differs from the doc shows up too: a hard guarantee breaks
    expect(problems.some((p) => p.path.startsWith('capacity.scenarios[') && /must be >/.test(p.rule))).toBe(true);
  });
});
