// The farm what-if (issue 15, item 5): an answer is never worse than the config on its objective
// under its policy, and it respects the policy's constraints. Two knobs and a two-day month keep the replays few; the
// replays are shared between objectives and policies (same settings, same simulations).
import { checkBuildkit } from '../../lib/config/components/buildkit';
import { loadClusters } from '../../lib/config/load';
import { farmPlanProps } from '../../lib/config/components/capacity';
import { Candidate, farmWhatIf, FarmRules, Objective, Policy, SAFE_FILL } from '../../lib/capacity/farm/whatif';

const config = loadClusters(undefined, ['arc-staging'])[0].config;
// two days instead of a month: the invariants do not depend on the month's length, the run time does
config.farmPlan!.daysPerMonth = 2;
const props = farmPlanProps(config);
/** The farm's own rules with the rest of the cluster file (namespaces, provider), as the plan script passes them. */
const rules: FarmRules = (buildkit) => checkBuildkit({ ...config, buildkit });
const objectiveOf: Record<Objective, (x: Candidate) => number> = {
  'min-cost': (x) => x.monthUsd!,
  'min-time': (x) => x.waitP95!,
  balance: () => 0, // relative to the best of the candidates: checked through the choice below
};

describe.each([
  ['min-cost', 'aggressive'],
  ['min-time', 'manual'],
  ['balance', 'safe'],
  ['min-cost', 'safe'],
] as [Objective, Policy][])('%s under %s', (objective, policy) => {
  const w = farmWhatIf(props, objective, policy, rules, ['max', 'holdMinutes']);

  it('replays every arch, the config first', () => {
    expect(w.archs.map((a) => a.arch)).toEqual(config.buildkit!.architectures.map((a) => a.arch));
    for (const a of w.archs) expect(a.candidates[0]).toBe(a.config);
  });

  it('the choice respects the policy', () => {
    // not vacuous: some arch has an answer under every policy
    expect(w.archs.some((a) => a.chosen)).toBe(true);
    for (const a of w.archs) {
      if (!a.chosen) continue;
      const c = a.chosen;
      expect(c.feasible).toBe(true);
      if (policy !== 'manual') expect(c.gaveUp).toBe(0);
      if (policy === 'safe') expect(c.peakPods!).toBeLessThanOrEqual(SAFE_FILL * c.setting.max);
      expect(c.monthUsd!).toBeLessThanOrEqual(w.budgetUsd);
    }
  });

  it('is never worse than the config on the objective when the config meets the policy', () => {
    for (const a of w.archs) {
      if (!a.config.feasible) continue;
      expect(a.chosen).toBeDefined();
      expect(objectiveOf[objective](a.chosen!)).toBeLessThanOrEqual(objectiveOf[objective](a.config));
      // and no feasible candidate beats the choice on its objective
      for (const x of a.candidates.filter((k) => k.feasible)) expect(objectiveOf[objective](x)).toBeGreaterThanOrEqual(objectiveOf[objective](a.chosen!));
    }
  });

  it('a candidate the policy refuses says why', () => {
    for (const a of w.archs) for (const x of a.candidates) expect(x.feasible || (x.reason ?? '').length > 0).toBe(true);
  });
});

it('manual judges by the config\'s own maxGaveUp, so the built-in config meets it', () => {
  const w = farmWhatIf(props, 'min-cost', 'manual', rules, ['holdMinutes']);
  for (const a of w.archs) expect(a.config.feasible).toBe(true);
});
