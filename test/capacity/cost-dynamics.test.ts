// The Airflow plan's cost with the autoscaler's dynamics (issue 15, item 6): the scale-up
// staircase, the idle hold after each session and the provider's billing steps. Every expected
// value below is computed by hand from the rules in plan.ts's sessionNodeHours, never copied
// from the output.
import { planJson } from '../../lib/capacity/json';
import { capacityPlanProps } from '../../lib/config/components/capacity';
import { plan, sessionNodeHours } from '../../lib/capacity/plan';
import { load, prod, refusal } from './support';

const hourly = { granularityMinutes: 60, minimumMinutes: 60, source: 'test' };

describe('one session, node by node', () => {
  it('staircase and idle hold, billed by the exact time', () => {
    // 4 nodes 3 min apart, a 4 h session, 10 min idle: 250 + 247 + 244 + 241 = 982 min
    expect(sessionNodeHours({ scaleUpMinutes: 3, scaleDownIdleMinutes: 10 }, 4, 4)).toBeCloseTo(982 / 60, 10);
  });

  it('per started hour: 250, 247, 244 and 241 min are 5 h each', () => {
    expect(sessionNodeHours({ scaleUpMinutes: 3, scaleDownIdleMinutes: 10 }, 4, 4, hourly)).toBe(20);
  });

  it('an exact hour is not rounded up, float hours included', () => {
    // 0.7 h x 60 = 42.00000000000001 min; + 18 idle = 60 min: one hour, not two
    expect(sessionNodeHours({ scaleUpMinutes: 0, scaleDownIdleMinutes: 18 }, 1, 0.7, hourly)).toBe(1);
  });

  it('a node the staircase would only create after the session ended is never created', () => {
    // a 6 min session: nodes created at 0 and 3 min (6 + 10 and 3 + 10 min), the third (at 6) never
    expect(sessionNodeHours({ scaleUpMinutes: 3, scaleDownIdleMinutes: 10 }, 4, 0.1)).toBeCloseTo(29 / 60, 10);
    // each is billed the 60 min minimum
    expect(sessionNodeHours({ scaleUpMinutes: 3, scaleDownIdleMinutes: 10 }, 4, 0.1, hourly)).toBe(2);
  });

  it('without scale-up or idle minutes and without billing steps, it is the flat hours x nodes', () => {
    expect(sessionNodeHours({ scaleUpMinutes: 0, scaleDownIdleMinutes: 0 }, 3, 2.5)).toBe(7.5);
  });

  it('a longer idle hold never costs less', () => {
    for (const nodes of [1, 2, 5])
      for (const hours of [0.2, 1, 1.5, 4])
        for (let idle = 0; idle < 70; idle += 7) {
          const at = (i: number) => sessionNodeHours({ scaleUpMinutes: 3, scaleDownIdleMinutes: i }, nodes, hours, hourly);
          expect(at(idle + 7)).toBeGreaterThanOrEqual(at(idle));
        }
  });
});

describe('the built-in scw-ml-prod months', () => {
  /** The sizing doc's worst month: 25 FTF normal sessions (the config runs 18, see sizingDocDifferences). */
  const doc = () => {
    const raw = prod();
    raw.capacity.months[2].usage['ftf-normal'].sessions = 25;
    return raw;
  };
  const p = plan(capacityPlanProps(load(doc()).config));
  const worst = p.months.find((m) => m.id === 'worst')!;
  const line = (item: string) => worst.lines.find((l) => l.item === item)!;

  it('worst month, line by line, as Scaleway bills it', () => {
    // FTF normal: 4 PRO2-M per session, 240 + 10 - 0/3/6/9 min, each 5 started hours: 25 x 20 x 0.1644
    expect(line('ftf-normal').eur).toBeCloseTo(25 * 20 * 0.1644, 9);
    expect(line('ftf-normal').flatEur).toBeCloseTo(25 * 4 * 4 * 0.1644, 9);
    // FTF heavy: 2 nodes, 610 and 607 min: 11 h each
    expect(line('ftf-heavy').eur).toBeCloseTo(8 * 22 * 0.1644, 9);
    // Discovery then WFRB, 1.5 h on 2 nodes: 100 and 97 min, 2 h each
    expect(line('discovery').eur).toBeCloseTo(40 * 4 * 0.1644, 9);
    // plus PRO2-S 60, PostgreSQL 20, S3 5
    expect(worst.totalEur).toBeCloseTo(82.2 + 28.9344 + 26.304 + 85, 9);
    expect(worst.flatTotalEur).toBeCloseTo(65.76 + 26.304 + 19.728 + 85, 9);
  });

  it('plan.json carries both totals and each line\'s billed node-hours', () => {
    const m = planJson(p).months.find((x) => x.id === 'worst')!;
    expect([m.totalEur, m.flatTotalEur]).toEqual([222.44, 196.79]);
    expect(m.lines.find((l) => l.item === 'ftf-normal')).toMatchObject({ billedNodeHours: 20, flatEur: 65.76, eur: 82.2 });
  });

  it('the budget is judged on the billed cost: SPEC 1.1\'s EUR 200 is refused for the worst month', () => {
    const raw = prod();
    raw.capacity.months[2].usage['ftf-normal'].sessions = 25; // the sizing doc's worst month
    raw.capacity.sizingDocDifferences = raw.capacity.sizingDocDifferences.filter((d: any) => !d.path.startsWith('capacity.months'));
    const problem = refusal(raw)
      .find((x) => x.path === 'capacity.months[2]')!;
    expect(problem.rule).toBe('month worst costs EUR 222.44, must be < EUR 200 (capacity.budgetEurPerMonth)');
  });

  it('the config\'s 18 sessions bring the worst month under EUR 200', () => {
    const m = plan(capacityPlanProps(load(prod()).config)).months.find((x) => x.id === 'worst')!;
    expect(m.totalEur).toBeCloseTo(18 * 20 * 0.1644 + 8 * 22 * 0.1644 + 40 * 4 * 0.1644 + 85, 9); // 199.42
    expect(m.totalEur).toBeLessThan(200);
  });

  it('billed by the exact minute, the worst month still exceeds EUR 200', () => {
    const raw = doc();
    delete raw.capacity.billing;
    const m = plan(capacityPlanProps(load(raw).config)).months.find((x) => x.id === 'worst')!;
    // FTF normal 982 min, FTF heavy 610 + 607 min, Discovery 100 + 97 min per session
    const hand = (25 * 982 + 8 * 1217 + 40 * 197) / 60 * 0.1644 + 85;
    expect(m.totalEur).toBeCloseTo(hand, 9);
    expect(hand).toBeGreaterThan(200);
  });
});
