// The plan's props from any object with a name and the two sections (a cluster file's config is
// one), for callers that hold a whole cluster: the pools' alerts, scripts and tests.
import type { ComputeProps } from '../compute';
import type { CapacityPlanProps, CapacitySection } from './props';

export function planCluster(c: { name: string; compute?: ComputeProps; capacity?: CapacitySection }): CapacityPlanProps {
  if (!c.compute || !c.capacity) throw new Error(`cluster ${c.name}: the capacity plan needs the compute and capacity sections`);
  return { cluster: c.name, compute: c.compute, capacity: c.capacity };
}
