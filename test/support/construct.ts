// Builds constructs from props in a chart of their own, the way a library user's app would, and
// returns what they synthesize: the Kubernetes objects and the files (filesOf).
import { Testing } from 'cdk8s';
import { ComponentChart, filesOf } from '../../lib/core/chart';

export interface Synthesized {
  objects: any[];
  files: Map<string, string>;
  /** The objects of one kind. */
  ofKind(kind: string): any[];
}

/** Synthesizes what `build` adds to a fresh ComponentChart (cluster `demo`, the given component). */
export function synthConstructs(component: string, build: (chart: ComponentChart) => void): Synthesized {
  const chart = new ComponentChart(Testing.app(), { cluster: 'demo', component, partOf: 'demo-platform' });
  build(chart);
  const objects = Testing.synth(chart);
  return { objects, files: filesOf(chart), ofKind: (kind) => objects.filter((o) => o.kind === kind) };
}
