// The compute section's profile fit (lib/compute), placed in the cluster file: the loader runs it
// on every cluster with a compute section once the references resolve.
import type { Problem } from '../core/errors';
import { inSection } from '../core/props';
import { validateProfileFit } from '../compute';
import type { ClusterConfig } from './schema';

export function checkProfiles(c: ClusterConfig, file?: string): Problem[] {
  if (!c.compute) return [];
  return inSection(c.name, 'compute', validateProfileFit(c.compute)).map((p) => ({ ...p, file }));
}
