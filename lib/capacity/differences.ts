// The sizing doc's values the config deliberately changes, and what each would break if restored:
// the plan is recomputed with that one field set back to the doc's value.
import { checkProfiles } from '../config/fit';
import { parseConfig } from '../config/parse';
import type { ClusterConfig } from '../config/schema';
import { valueAt } from '../core/paths';
import { planCluster, PlanCluster } from './model';
import { broken, pct, plan } from './plan';
import { structuralProblems } from './rules';

export interface Difference {
  path: string;
  doc: unknown;
  current: unknown;
  reason: string;
  /** The hard guarantees that fail with the doc's value (empty: it would pass). */
  withDocValue: string[];
}

/** Sets the field at a path valueAt reads ("a.b[0].c"): its parent must exist (rules.ts checks the field does). */
function setAt(root: unknown, at: string, value: unknown): void {
  const cut = Math.max(at.lastIndexOf('.'), at.lastIndexOf('['));
  const parent = valueAt(root, at.slice(0, Math.max(cut, 0))) as Record<string, unknown>;
  parent[at.slice(cut + 1).replace(/]$/, '')] = value;
}

function failuresWith(c: PlanCluster, at: string, doc: unknown): string[] {
  const raw: ClusterConfig = structuredClone(c);
  setAt(raw, at, doc);
  const parsed = parseConfig(raw);
  if (!('config' in parsed)) return parsed.issues.map((i) => `not a valid value here: ${i.message}`);
  const restored = planCluster(parsed.config);
  // the loader's profile-fit rules first: a profile that cannot fit its pool cannot be packed
  const structural = [...checkProfiles(restored), ...structuralProblems(restored)]
    .filter((p) => !p.path.startsWith('capacity.sizingDocDifferences'));
  if (structural.length > 0) return structural.map((p) => `${p.path}: ${p.rule}`);
  const p = plan(restored);
  return [
    ...p.scenarios.flatMap((s) => s.checks.filter(broken).map((k) =>
      k.figure === 'nodes'
        ? `${s.id}: ${k.value} nodes of pool ${k.pool} (max ${k.limit})`
        : `${s.id}: worst-node ${k.figure === 'memory' ? 'memory' : 'CPU burst'} margin ${pct(k.value)} (must be > ${pct(k.limit)})`)),
    ...p.months.filter((m) => m.checks.some(broken)).map((m) => `month ${m.id}: EUR ${m.totalEur.toFixed(2)} (budget EUR ${p.budgetEur})`),
  ];
}

export function differences(c: PlanCluster): Difference[] {
  return c.capacity.sizingDocDifferences.map((d) => ({
    path: d.path,
    doc: d.doc,
    current: valueAt(c, d.path),
    reason: d.reason,
    withDocValue: failuresWith(c, d.path, d.doc),
  }));
}
