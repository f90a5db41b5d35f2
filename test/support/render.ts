// Rendering variations of a built-in cluster in memory: the config the loader would make of a raw
// (modified) cluster, one component's files as synth would write them, and the lines a refused
// config is reported with.
import { stringify } from 'yaml';
import { parseCluster } from '../../lib/config/load';
import type { ClusterConfig } from '../../lib/config/schema';
import { ConfigError, formatProblem } from '../../lib/core/errors';
import { render } from '../../lib/pipeline/render';

/** The validated config of a raw cluster (loader checks included), as if read from clusters/<name>.yaml. */
export const parsedConfig = (r: any): ClusterConfig => parseCluster(stringify(r), `clusters/${r.name}.yaml`).config;

/** One component's files of a raw cluster, keyed by their path under dist/<cluster>/<component>/. */
export function componentFiles(r: any, component: string): Map<string, string> {
  const prefix = `${r.name}/${component}/`;
  const files = render([parseCluster(stringify(r), `clusters/${r.name}.yaml`)]);
  return new Map([...files].filter(([p]) => p.startsWith(prefix)).map(([p, text]) => [p.slice(prefix.length), text]));
}

/** The problem lines render() refuses a raw cluster with (empty when it renders). */
export function refusal(r: any): string[] {
  try {
    render([parseCluster(stringify(r), `clusters/${r.name}.yaml`)]);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map(formatProblem);
    throw e;
  }
  return [];
}
