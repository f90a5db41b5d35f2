// The sizing doc's values the config deliberately changes, and what each would break if restored:
// the plan is recomputed with that one field set back to the doc's value. The paths are the
// cluster file's; the config mapping reads them in the whole file (props.sizingDoc), a library
// user's props are read as they mirror it (`compute.…`, `capacity.…`).
import { validateProfileFit } from '../compute';
import { valueAt } from '../core/paths';
import { broken, percentText, plan } from './plan';
import type { CapacityPlanProps, PlanInput, SizingDocReading } from './props';
import { structuralProblems } from './rules';

export interface Difference {
  path: string;
  doc: unknown;
  current: unknown;
  reason: string;
  /** The hard guarantees that fail with the doc's value (empty: it would pass). */
  withDocValue: string[];
}

/** Sets the field at a path valueAt reads ("a.b[0].c"): its parent must exist (the rules check the field does). */
export function setAt(root: unknown, at: string, value: unknown): void {
  const cut = Math.max(at.lastIndexOf('.'), at.lastIndexOf('['));
  const parent = valueAt(root, at.slice(0, Math.max(cut, 0))) as Record<string, unknown>;
  parent[at.slice(cut + 1).replace(/]$/, '')] = value;
}

/** A difference read in the props themselves: only compute and capacity fields change the plan. */
function readInProps(props: PlanInput, at: string, doc: unknown): SizingDocReading {
  const sections = { compute: props.compute, capacity: props.capacity };
  const current = valueAt(sections, at);
  if (current === undefined || !/^(compute|capacity)[.[]/.test(at)) return { current, restored: sections };
  const restored = structuredClone(sections);
  setAt(restored, at, doc);
  return { current, restored };
}

/** How each sizing-doc difference reads: from the config mapping, or in the props. */
export const sizingDocReadings = (props: CapacityPlanProps): SizingDocReading[] =>
  props.sizingDoc ?? props.capacity.sizingDocDifferences.map((d) => readInProps(props, d.path, d.doc));

function failuresWith(cluster: string, reading: SizingDocReading): string[] {
  if (reading.invalid) return reading.invalid.map((message) => `not a valid value here: ${message}`);
  // no such field: the rules refuse the props (differenceProblems), there is nothing to restore
  if (!reading.restored) return [];
  const restored = { cluster, ...reading.restored };
  // the profile-fit rules first: a profile that cannot fit its pool cannot be packed
  const fit = validateProfileFit(restored.compute).map((p) => ({ ...p, path: `compute.${p.path}` }));
  const structural = [...fit, ...structuralProblems(restored)];
  if (structural.length > 0) return structural.map((p) => `${p.path}: ${p.rule}`);
  const p = plan(restored);
  return [
    ...p.scenarios.flatMap((s) => s.checks.filter(broken).map((k) =>
      k.figure === 'nodes'
        ? `${s.id}: ${k.value} nodes of pool ${k.pool} (max ${k.limit})`
        : `${s.id}: worst-node ${k.figure === 'memory' ? 'memory' : 'CPU burst'} margin ${percentText(k.value)} (must be > ${percentText(k.limit)})`)),
    ...p.months.filter((m) => m.checks.some(broken)).map((m) => `month ${m.id}: EUR ${m.totalEur.toFixed(2)} (budget EUR ${p.budgetEur})`),
  ];
}

export function differences(props: CapacityPlanProps): Difference[] {
  const readings = sizingDocReadings(props);
  return props.capacity.sizingDocDifferences.map((d, i) => ({
    path: d.path,
    doc: d.doc,
    current: readings[i].current,
    reason: d.reason,
    withDocValue: failuresWith(props.cluster, readings[i]),
  }));
}
