// What a component is: enabled by its section of the cluster file, with rules checked before
// anything is built, and a build into its own chart. The registry is lib/components.ts.
import type { Problem } from '../core/errors';
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
