// The FarmPlan construct built from props: arc-staging's farm (the buildkit component's props) with
// a small plan (one burst, one day of a light day profile), its files and every rule it refuses
// props with. The simulator's own behaviour is tested in farm-sim.test.ts.
import { FarmPlan, FarmPlanProps } from '../../lib/capacity';
import { farmPlanProps } from '../../lib/config/components/capacity';
import { buildInChart, refusedWith } from '../support/constructs';
import { config, raw, STAGING } from '../buildkit/support';

const staging = farmPlanProps(config(raw(STAGING)));

/** arc-staging's farm with a small plan, then `edit` applied to a copy. */
function props(edit: (p: FarmPlanProps) => void = () => {}): FarmPlanProps {
  const p = structuredClone(staging);
  p.farmPlan.daysPerMonth = 1;
  p.farmPlan.scenarios = p.farmPlan.scenarios.filter((s) => s.id === 'validation-amd64');
  p.farmPlan.dayProfile = p.farmPlan.dayProfile.map((d) => ({ ...d, hourlyBuilds: d.hourlyBuilds.map((n) => Math.min(n, 2)) }));
  edit(p);
  return p;
}

const build = (p: FarmPlanProps) => buildInChart((chart) => new FarmPlan(chart, 'farm', p));
const refusal = (p: FarmPlanProps) => refusedWith((chart) => new FarmPlan(chart, 'farm', p));

describe('FarmPlan', () => {
  it('replays the scenario and a month per arch, exposing the plan as a typed handle', () => {
    const { built, files } = build(props());
    expect(built.plan.scenarios.map((s) => [s.scenario.id, s.holds])).toEqual([['validation-amd64', true]]);
    expect(built.plan.months.map((m) => m.arch)).toEqual(staging.buildkit.architectures.map((a) => a.arch));
    expect(built.plan.totalUsd).toBeCloseTo(built.plan.months.reduce((t, m) => t + m.usd, 0), 9);
    expect([...files.keys()].sort()).toEqual(['farm.json', 'farm.md', 'farm.svg']);
    expect(JSON.parse(files.get('farm.json')!).totalUsdPerMonth).toBeCloseTo(built.plan.totalUsd, 2);
  });

  it('snapshots', () => {
    const { files } = build(props());
    for (const f of ['farm.md', 'farm.json']) expect(files.get(f)).toMatchSnapshot(f);
  });

  it('checks its props against the schema as a cdk8s validation', () => {
    const { built } = build(props((p) => { p.farmPlan.region = 7 as unknown as string; }));
    expect(built.node.validate().join('\n')).toMatch(/farmPlan\.region = 7/);
  });
});

describe('FarmPlan refuses', () => {
  it('an instance type without a price or a node-ready time', () => {
    const problems = refusal(props((p) => {
      delete p.farmPlan.prices['m6id.24xlarge'];
      delete p.farmPlan.nodeReadySeconds['m6id.24xlarge'];
    }));
    expect(problems.map((p) => [p.path, p.rule, p.fix])).toEqual([
      ['farmPlan.prices', 'has no price for m6id.24xlarge (buildkit.architectures, amd64)', 'add farmPlan.prices.m6id.24xlarge with usdPerHour, source and date'],
      ['farmPlan.nodeReadySeconds', 'has no launch-to-Ready time for m6id.24xlarge', 'add farmPlan.nodeReadySeconds.m6id.24xlarge: { value, source }'],
    ]);
  });

  it('two scenarios with one id', () => {
    const problems = refusal(props((p) => { p.farmPlan.scenarios.push(p.farmPlan.scenarios[0]); }));
    expect(problems.map((p) => [p.path, p.rule])).toEqual([['farmPlan.scenarios[1].id', 'scenario ids must be unique']]);
  });

  it('a burst whose builds give up beyond maxGaveUp, with fixes that make it hold', () => {
    const [problem] = refusal(props((p) => { p.farmPlan.client.attempts = 1; }));
    expect(problem.path).toBe('farmPlan.scenarios[0].maxGaveUp');
    expect(problem.rule).toMatch(/^scenario validation-amd64 \(amd64\): [1-9]\d* of 9 builds give up after 1 attempt\(s\), more than the 0 allowed$/);
    const attempts = Number(problem.fix!.match(/raise farmPlan\.client\.attempts to (\d+)/)![1]);
    expect(attempts).toBeGreaterThan(1);
    const fixed = build(props((p) => { p.farmPlan.client.attempts = attempts; }));
    expect(fixed.built.plan.scenarios[0].result.gaveUp).toBe(0);
  });

  it('a month over budget, with the budget it needs', () => {
    const [problem] = refusal(props((p) => { p.farmPlan.budgetUsdPerMonth = 1; }));
    expect(problem).toMatchObject({ path: 'farmPlan.budgetUsdPerMonth', value: 1 });
    expect(problem.rule).toMatch(/^the day profile costs USD \d+ a month \(amd64 \d+.*\), over the budget$/);
    const needed = Number(problem.fix!.match(/^raise farmPlan\.budgetUsdPerMonth to (\d+)/)![1]);
    expect(build(props((p) => { p.farmPlan.budgetUsdPerMonth = needed; })).built.plan.budgetHolds).toBe(true);
  });
});
