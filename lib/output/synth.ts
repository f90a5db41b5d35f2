// The whole pipeline: load -> check -> build -> validate -> render, then publish dist/ atomically.
import { loadClusters, CLUSTERS_DIR } from '../config/load';
import { publish, DIST } from './dist';
import { render, FileSet } from './render';

export interface SynthOptions {
  clustersDir?: string;
  /** Only these clusters (all when empty). */
  only?: string[];
}

/** Renders the selected clusters in memory; throws ConfigError, writes nothing. */
export function synthFiles(opts: SynthOptions = {}): { files: FileSet; clusters: string[] } {
  const clusters = loadClusters(opts.clustersDir ?? CLUSTERS_DIR, opts.only);
  return { files: render(clusters), clusters: clusters.map((c) => c.config.name) };
}

/** Renders and publishes to `dist`; on any error dist/ is untouched. */
export function synthToDist(opts: SynthOptions & { dist?: string } = {}): { files: FileSet; clusters: string[] } {
  const result = synthFiles(opts);
  publish(result.files, result.clusters, opts.dist ?? DIST, !opts.only || opts.only.length === 0);
  return result;
}
