// What a component is: enabled by its section of the cluster file, with rules checked before
// anything is built, and a build into its own chart. The registry is ./components/index.ts.
import { ConfigError, Problem } from '../core/errors';
import type { ClusterConfig } from './schema';
import type { ComponentChart } from '../core/chart';

export interface Component {
  /** Folder under dist/<cluster>/ and the app.kubernetes.io/component label. */
  name: string;
  enabled(c: ClusterConfig): boolean;
  /** Rules on the config, all reported together before anything is built. */
  check?(c: ClusterConfig): Problem[];
  /** Best-effort rules: printed by synth (and shown in reports), never failing. */
  warn?(c: ClusterConfig): string[];
  /** Builds the component's objects and files; namespaces it owns are already in the chart. */
  build(chart: ComponentChart, c: ClusterConfig): void;
}

type Section = 'compute' | 'airflow' | 'capacity' | 'buildkit' | 'farmPlan';

/**
 * A section the mapping of a component needs: the one way a mapping narrows the cluster config. A
 * section that is missing is a problem naming it, never a TypeError from a `!` or a plain Error.
 */
export function section<K extends Section>(c: ClusterConfig, key: K, by: string): NonNullable<ClusterConfig[K]> {
  const value = c[key];
  if (value === undefined) throw new ConfigError([{ cluster: c.name, path: key, value: undefined, rule: `is required by ${by}` }]);
  return value as NonNullable<ClusterConfig[K]>;
}
