// The build farm's tests through the YAML path: the built-in arc clusters (modified by a test),
// their buildkit files and objects, and what render() refuses them with. Building from props
// needs no helper (see props.ts).
import { parse } from 'yaml';
import { rawCluster } from '../support/clusters';
import { componentFiles, configOf } from '../support/render';

export { refusal } from '../support/render';

export const STAGING = 'arc-staging';
export const PRODUCTION = 'arc-production';

export const raw = (name = STAGING): any => rawCluster(name);

export const config = configOf;

/** The buildkit files of one cluster (path under dist/<cluster>/buildkit/ -> content). */
export const buildkitFiles = (r: any): Map<string, string> => componentFiles(r, 'buildkit');

/** The Kubernetes objects of one cluster's buildkit output, by file name. */
export function objects(r: any): Map<string, any> {
  const out = new Map<string, any>();
  for (const [f, content] of buildkitFiles(r)) if (f.endsWith('.yaml')) out.set(f, parse(content));
  return out;
}
