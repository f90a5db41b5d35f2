// Per-architecture values derived once from the buildkit section and shared with every consumer
// (manifests, haproxy.cfg, KEDA, Karpenter, alerts). Nothing else recomputes them.
import type { BuildkitConfig } from '../config/sections/buildkit';

export interface ArchFleet {
  arch: string;
  /** Name of the HAProxy backend (and frontend) of this arch: what KEDA and the alerts select on. */
  backend: string;
  /** server-template slots: never fewer than the most pods this arch can have. */
  slots: number;
  min: number;
  max: number;
  /** Fixed replicas without autoscaling; KEDA fallback with it (when set). */
  replicas?: number;
}

export function fleet(b: BuildkitConfig): ArchFleet[] {
  return b.architectures.map((a) => ({
    arch: a.arch,
    backend: `buildkitd-${a.arch}`,
    slots: Math.max(a.max, a.replicas ?? 0),
    min: a.min,
    max: a.max,
    replicas: a.replicas,
  }));
}
