// Helpers for the build farm's tests: variations of the built-in arc clusters, rendered in memory.
import { parse, stringify } from 'yaml';
import { ConfigError, formatProblem } from '../../lib/core/errors';
import { parseCluster } from '../../lib/config/load';
import type { ClusterConfig } from '../../lib/config/schema';
import { render } from '../../lib/pipeline/render';
import { rawCluster } from '../support/clusters';

export const STAGING = 'arc-staging';
export const PRODUCTION = 'arc-production';

export const raw = (name = STAGING): any => rawCluster(name);

/** A validated config from a raw one (the loader's checks included). */
export const config = (r: any): ClusterConfig => parseCluster(stringify(r), `clusters/${r.name}.yaml`).config;

/** The buildkit files of one cluster (path under dist/<cluster>/buildkit/ -> content). */
export function buildkitFiles(r: any): Map<string, string> {
  const prefix = `${r.name}/buildkit/`;
  const files = new Map<string, string>();
  for (const [p, content] of render([{ config: config(r), file: `clusters/${r.name}.yaml` }])) {
    if (p.startsWith(prefix)) files.set(p.slice(prefix.length), content);
  }
  return files;
}

/** The Kubernetes objects of one cluster's buildkit output, by file name. */
export function objects(r: any): Map<string, any> {
  const out = new Map<string, any>();
  for (const [f, content] of buildkitFiles(r)) if (f.endsWith('.yaml')) out.set(f, parse(content));
  return out;
}

/** The formatted problems render() refuses a raw config with (empty when it renders). */
export function refusal(r: any): string[] {
  try {
    render([{ config: config(r), file: `clusters/${r.name}.yaml` }]);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map(formatProblem);
    throw e;
  }
  return [];
}
