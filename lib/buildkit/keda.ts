// The KEDA ScaledObject of an arch (SPEC 3): scale the BuildKit Deployment on the builds in
// flight at HAProxy (active + queued sessions of the arch's backend), one pod per build.
import { ScaledObjectSpec, ScaledObjectSpecFallbackBehavior } from '../../imports/keda-scaledobjects-keda.sh';
import { ArchFleet, BUILDS_PER_POD } from './fleet';
import { METRICS_PATH, METRICS_PORT } from './haproxy/config';
import type { BuildkitSettings } from './props';

/** Name of the HAProxy metrics Service (KEDA's url, the ServiceMonitor's target). */
export const LB_METRICS_SERVICE = 'buildkit-lb-metrics';

/** KEDA features this generator may emit and the first version that has them. */
export const KEDA_FEATURES = {
  'metrics-api format: prometheus': '2.14',
  'fallback.behavior (and a failureThreshold that counts correctly)': '2.17',
} as const;
export type KedaFeature = keyof typeof KEDA_FEATURES;

export function versionAtLeast(version: string, minimum: string): boolean {
  const have = version.split('.').map(Number);
  const need = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(have.length, need.length); i++) {
    const d = (have[i] ?? 0) - (need[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** The features the ScaledObject of this arch uses (none without autoscaling: no ScaledObject). */
export function kedaFeatures(farm: BuildkitSettings, arch: { replicas?: number }): KedaFeature[] {
  if (!farm.autoscaling.enabled) return [];
  const used: KedaFeature[] = ['metrics-api format: prometheus'];
  if (arch.replicas !== undefined) used.push('fallback.behavior (and a failureThreshold that counts correctly)');
  return used;
}

/** The selector KEDA applies to HAProxy's /metrics: this gauge counts active + queued sessions. */
export const valueLocation = (pool: ArchFleet): string => `haproxy_backend_current_sessions{proxy="${pool.name}"}`;

export const metricsUrl = (farm: BuildkitSettings): string =>
  `http://${LB_METRICS_SERVICE}.${farm.namespaces.farm}.svc.${farm.clusterDomain}:${METRICS_PORT}${METRICS_PATH}`;

export function scaledObjectSpec(farm: BuildkitSettings, pool: ArchFleet): ScaledObjectSpec {
  const scaling = farm.autoscaling;
  const hold = scaling.scaleDownHoldMinutes * 60;
  return {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: pool.name },
    minReplicaCount: pool.min,
    maxReplicaCount: pool.max,
    // no cooldownPeriod: it only applies to scaling to zero, which min >= 1 (checked) rules out;
    // the HPA behavior below keeps idle pods
    ...(pool.replicas !== undefined
      ? { fallback: { failureThreshold: scaling.fallbackFailureThreshold, replicas: pool.replicas, behavior: ScaledObjectSpecFallbackBehavior.CURRENT_REPLICAS_IF_HIGHER } }
      : {}),
    advanced: {
      horizontalPodAutoscalerConfig: {
        behavior: {
          scaleDown: {
            stabilizationWindowSeconds: hold,
            policies: [
              { type: 'Pods', value: scaling.scaleDownPods, periodSeconds: hold },
              { type: 'Percent', value: scaling.scaleDownPercent, periodSeconds: hold },
            ],
            selectPolicy: 'Max',
          },
        },
      },
    },
    triggers: [
      {
        type: 'metrics-api',
        metricType: 'AverageValue',
        // on purpose: with min >= 1 the HPA reads the metric on its own sync (15 s) and each read asks
        // HAProxy directly; cached values would lag by KEDA's pollingInterval (30 s)
        useCachedMetrics: false,
        metadata: {
          url: metricsUrl(farm),
          format: 'prometheus',
          valueLocation: valueLocation(pool),
          // desired pods = builds in flight / builds per pod
          targetValue: String(BUILDS_PER_POD),
        },
      },
    ],
  };
}
