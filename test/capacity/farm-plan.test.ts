// The farm plan of the built-in arc clusters: its inputs are the generated manifests' numbers,
// its guarantees refuse a config that drops builds (with a fix), and the files are in dist/.
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { farmCluster, farmModel } from '../../lib/capacity/farm/inputs';
import { predictedMonthlyCost, simulateFarmPlan } from '../../lib/capacity';
import { farmPlanProps } from '../../lib/config/components/capacity';
import { config, PRODUCTION, raw, refusal, STAGING } from '../buildkit/support';

const dist = (cluster: string, file: string) => path.join(__dirname, '..', '..', 'dist', cluster, file);

/** Each built-in farm's plan, replayed once and shared by the tests that read it. */
const plans = new Map<string, ReturnType<typeof simulateFarmPlan>>();
const planOf = (name: string) => plans.get(name) ?? plans.set(name, simulateFarmPlan(farmPlanProps(config(raw(name))))).get(name)!;

describe('farm plan', () => {
  it('takes the HPA behavior, min/max, slots and node cap from the emitted manifests', () => {
    const c = config(raw(STAGING));
    const f = farmCluster(farmPlanProps(c));
    const docs = fs.readdirSync(dist(STAGING, 'buildkit')).filter((x) => x.endsWith('.yaml'))
      .flatMap((x) => parseAllDocuments(fs.readFileSync(dist(STAGING, `buildkit/${x}`), 'utf8')).map((d) => d.toJS()))
      .filter((o) => o?.kind === 'ScaledObject');
    expect(docs.length).toBe(f.archs.length);
    for (const a of f.archs) {
      const m = farmModel(f, a);
      const so = docs.find((o) => o.spec.scaleTargetRef.name === a.name);
      const down = so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown;
      expect(m.hpa!.scaleDown).toEqual({ stabilizationWindowSeconds: down.stabilizationWindowSeconds, policies: down.policies, selectPolicy: down.selectPolicy });
      expect([m.min, m.max]).toEqual([so.spec.minReplicaCount, so.spec.maxReplicaCount]);
      // no scaleUp emitted: the HPA's defaults apply
      expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp).toBeUndefined();
      expect(m.hpa!.scaleUp.policies).toEqual([{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }]);
    }
  });

  it('the built-in clusters pass and have their plan in dist/', () => {
    for (const name of [STAGING, PRODUCTION]) {
      const p = planOf(name);
      expect(p.problems).toEqual([]);
      expect(p.scenarios.some((s) => s.scenario.id.startsWith('validation'))).toBe(true);
      for (const f of ['farm.md', 'farm.json', 'farm.svg']) expect(fs.existsSync(dist(name, `capacity/${f}`))).toBe(true);
      const json = JSON.parse(fs.readFileSync(dist(name, 'capacity/farm.json'), 'utf8'));
      expect(json.totalUsdPerMonth).toBeCloseTo(p.totalUsd, 2);
    }
  });

  it('refuses a config whose clients give up too early, naming the scenario, the figure and a fix', () => {
    const r = raw(STAGING);
    r.farmPlan.client = { ...r.farmPlan.client, attempts: 1 };
    const lines = refusal(r).join('\n');
    expect(lines).toMatch(/farmPlan\.scenarios\[0\]\.maxGaveUp = 0: scenario validation-amd64 \(amd64\): \d+ of 9 builds give up after 1 attempt/);
    expect(lines).toMatch(/fix: .*(raise buildkit\.architectures\[0\]\.min to \d+|raise farmPlan\.client\.attempts to \d+)/);
  });

  it('refuses a month over budget', () => {
    const r = raw(STAGING);
    // three days of day profile (about USD 1400) are enough to exceed 1000, in a tenth of a month's replay
    r.farmPlan.daysPerMonth = 3;
    r.farmPlan.budgetUsdPerMonth = 1000;
    expect(refusal(r).join('\n')).toMatch(/farmPlan\.budgetUsdPerMonth = 1000: the day profile costs USD \d+ a month .*over the budget\n  fix: raise farmPlan\.budgetUsdPerMonth to \d+/);
  });

  it('a fixed fleet bills its nodes all month, and the predicted cost per arch is exported for the dashboards', () => {
    const c = config(raw(PRODUCTION));
    const p = planOf(PRODUCTION);
    for (const m of p.months) expect(m.usd).toBeCloseTo(m.baselineUsd, 6);
    const cost = predictedMonthlyCost(farmPlanProps(c));
    expect(cost.map((x) => x.arch)).toEqual(['amd64', 'arm64']);
    // 16 m6id.24xlarge (32 replicas, 2 per node) x 24 h x 30 days x USD 5.6952
    expect(cost[0].usd).toBeCloseTo(16 * 24 * 30 * 5.6952, 6);
  });
});
