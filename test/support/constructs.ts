// Helpers for construct tests: a chart to build one construct into, its objects by kind and name,
// and what a construct refuses to build with.
import { Chart, Testing } from 'cdk8s';
import type { Construct } from 'constructs';
import { ConfigError, formatProblem } from '../../lib/core/errors';

/** A chart labelled like a ComponentChart (component, part-of), for constructs that copy its labels onto pod templates. */
export const labelledChart = (labels: Record<string, string>): Chart =>
  new Chart(Testing.app(), 'test', { labels, disableResourceNameHashes: true });

/** The objects of a chart (or what `Testing.synth` gave), by `<Kind>/<name>`; refuses a duplicate key. */
export function objectsOf(chart: Chart): Map<string, any> {
  const out = new Map<string, any>();
  for (const o of Testing.synth(chart)) {
    const key = `${o.kind}/${o.metadata.name}`;
    if (out.has(key)) throw new Error(`two objects ${key}`);
    out.set(key, o);
  }
  return out;
}

/** The formatted problems `build` throws a ConfigError with; fails the test on any other outcome. */
export function refusalOf(build: () => unknown): string[] {
  try {
    build();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map(formatProblem);
    throw e;
  }
  throw new Error('expected a ConfigError, but it built');
}

/** The messages of the cdk8s validations attached to `scope` (what `app.synth()` reports). */
export const validationErrors = (scope: Construct): string[] => scope.node.validate();
