// A raw cluster config (a built-in one, modified by a test) through the YAML path: parsed as the
// loader would, rendered in memory, refused with its problems. One helper for every component's tests.
import { stringify } from 'yaml';
import { parseCluster } from '../../lib/config/load';
import type { Cluster, ClusterConfig } from '../../lib/config/schema';
import { ConfigError, formatProblem, Problem } from '../../lib/core/errors';
import { render } from '../../lib/pipeline/render';

/** The cluster a raw config parses to, as if read from clusters/<name>.yaml. */
export const parseRaw = (r: any): Cluster => parseCluster(stringify(r), `clusters/${r.name}.yaml`);

/** The validated config of a raw one (the loader's checks included). */
export const configOf = (r: any): ClusterConfig => parseRaw(r).config;

/** One component's files (path under dist/<cluster>/<component>/ -> content). */
export function componentFiles(r: any, component: string): Map<string, string> {
  const prefix = `${r.name}/${component}/`;
  const files = new Map<string, string>();
  for (const [p, content] of render([parseRaw(r)])) if (p.startsWith(prefix)) files.set(p.slice(prefix.length), content);
  return files;
}

/** The problems render() refuses a raw config with (empty when it renders). */
export function renderProblems(r: any): Problem[] {
  try {
    render([parseRaw(r)]);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

/** The problem lines render() refuses a raw config with, as the CLI prints them (empty when it renders). */
export const refusal = (r: any): string[] => renderProblems(r).map(formatProblem);
