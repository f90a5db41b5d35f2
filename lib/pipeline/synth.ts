// The whole pipeline: load -> check -> build -> validate -> render, then publish dist/ atomically.
import { loadClusters, CLUSTERS_DIR } from '../config/load';
import { defaultDist, publish } from './dist';
import { renderWithWarnings, FileSet } from './render';

export interface SynthOptions {
  clustersDir?: string;
  /** Only these clusters (all when empty). */
  only?: string[];
  /** Told what a long run is doing (the CLI shows it when stdout is a terminal). */
  progress?: (line: string) => void;
}

/** Renders the selected clusters in memory; throws ConfigError, writes nothing. */
export interface SynthResult {
  files: FileSet;
  clusters: string[];
  warnings: string[];
}

export function synthFiles(opts: SynthOptions = {}): SynthResult {
  opts.progress?.('reading cluster files');
  const clusters = loadClusters(opts.clustersDir ?? CLUSTERS_DIR, opts.only);
  return { ...renderWithWarnings(clusters, opts.progress), clusters: clusters.map((c) => c.config.name) };
}

/** Renders and publishes to `dist`; on any error dist/ is untouched. */
export function synthToDist(opts: SynthOptions & { dist?: string; deleteForeign?: boolean } = {}): SynthResult {
  const result = synthFiles(opts);
  const all = !opts.only || opts.only.length === 0;
  opts.progress?.(`publishing ${result.files.size} files`);
  const warnings = publish(result.files, result.clusters, opts.dist ?? defaultDist(), { all, deleteForeign: opts.deleteForeign });
  return { ...result, warnings: [...result.warnings, ...warnings] };
}
