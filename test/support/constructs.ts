// Building one construct from its props in a cdk8s Testing chart: its files, the problems it
// refuses its props with, and its cdk8s validations (the props' schema).
import { Chart, Testing } from 'cdk8s';
import { filesOf } from '../../lib/core/chart';
import { ConfigError, Problem } from '../../lib/core/errors';

/** Builds into a fresh Testing chart: what `build` returns and the files the chart's constructs wrote (path -> content). */
export function buildInChart<T>(build: (chart: Chart) => T): { built: T; chart: Chart; files: Map<string, string> } {
  const chart = Testing.chart();
  const built = build(chart);
  return { built, chart, files: filesOf(chart) };
}

/** The problems the construct refuses its props with (fails the test when it builds). */
export function refusedWith(build: (chart: Chart) => unknown): Problem[] {
  try {
    build(Testing.chart());
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('the construct accepted its props');
}
