// Helpers for construct tests: a chart to build one construct into, what one construct of a tree
// contributes (its objects, its files), and what a construct refuses to build with.
import { ApiObject, Chart, Testing } from 'cdk8s';
import type { Construct } from 'constructs';
import { ComponentChart, filesOf } from '../../lib/core/chart';
import { ConfigError, formatProblem, Problem } from '../../lib/core/errors';

/** A chart labelled like a ComponentChart (component, part-of), for constructs that copy its labels onto pod templates. */
export const labelledChart = (labels: Record<string, string>): Chart =>
  new Chart(Testing.app(), 'test', { labels, disableResourceNameHashes: true });

export interface Synthesized {
  objects: any[];
  files: Map<string, string>;
  /** The objects of one kind. */
  ofKind(kind: string): any[];
}

/** Synthesizes what `build` adds to a fresh ComponentChart (cluster `demo`, the given component). */
export function synthConstructs(component: string, build: (chart: ComponentChart) => void): Synthesized {
  const chart = new ComponentChart(Testing.app(), { cluster: 'demo', component, partOf: 'demo-platform' });
  build(chart);
  const objects = Testing.synth(chart);
  return { objects, files: filesOf(chart), ofKind: (kind) => objects.filter((o) => o.kind === kind) };
}

/** The objects of a chart as `Testing.synth` gives them, by `<Kind>/<name>`; refuses a duplicate key. */
export function objectsByName(chart: Chart): Map<string, any> {
  const out = new Map<string, any>();
  for (const o of Testing.synth(chart)) {
    const key = `${o.kind}/${o.metadata.name}`;
    if (out.has(key)) throw new Error(`two objects ${key}`);
    out.set(key, o);
  }
  return out;
}

/** The manifests of the objects under `part` (one construct of a tree), in creation order. */
export const objectsOf = (part: Construct): any[] =>
  part.node.findAll().filter((n): n is ApiObject => n instanceof ApiObject).map((o) => o.toJson());

/** The objects under `part` by `<kind>/<name>`, and its files by path: what a snapshot of the part locks. */
export function outputOf(part: Construct): { objects: Record<string, any>; files: Record<string, string> } {
  return {
    objects: Object.fromEntries(objectsOf(part).map((o) => [`${o.kind}/${o.metadata.name}`, o])),
    files: Object.fromEntries(filesOf(part)),
  };
}

/** Builds into a fresh Testing chart: what `build` returns and the files the chart's constructs wrote (path -> content). */
export function buildInChart<T>(build: (chart: Chart) => T): { built: T; chart: Chart; files: Map<string, string> } {
  const chart = Testing.chart();
  const built = build(chart);
  return { built, chart, files: filesOf(chart) };
}

/** The problems `build` throws a ConfigError with; fails the test on any other outcome. */
export function problemsOf(build: () => unknown): Problem[] {
  try {
    build();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError, but it built');
}

/** The problems a construct built into a fresh Testing chart refuses its props with. */
export const refusedWith = (build: (chart: Chart) => unknown): Problem[] => problemsOf(() => build(Testing.chart()));

/** The same, formatted as the CLI prints them. */
export const refusalOf = (build: () => unknown): string[] => problemsOf(build).map(formatProblem);

/** The messages of the cdk8s validations attached to `scope` (what `app.synth()` reports). */
export const validationErrors = (scope: Construct): string[] => scope.node.validate();
