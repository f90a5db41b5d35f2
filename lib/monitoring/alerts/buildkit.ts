// The BuildKit build farm (SPEC 4, arc-staging and arc-production). Backend names and slot counts
// come from the buildkit component's fleet(); HAProxy series are selected by the farm namespace
// the ServiceMonitor's targets live in. Every cluster with a farm gets all five alerts, whatever
// buildkit.autoscaling says: KEDA runs and is scraped in both clusters, and on a fixed fleet (no
// ScaledObject, no HPA) the KEDA and HPA alerts simply find nothing and stay quiet.
import { fleet } from '../../buildkit/fleet';
import type { ClusterConfig } from '../../config/schema';
import type { Catalogue } from '../catalogue';
import { constants, oneOf, selector } from '../model';

const autoscaled = (c: ClusterConfig) => c.buildkit!.autoscaling.enabled;

/** HAProxy series of the farm's backends. */
function haproxy(c: ClusterConfig, metric: string): string {
  const backends = fleet(c.buildkit!).map((a) => a.name);
  return `${metric}${selector({ namespace: c.buildkit!.namespaces.farm }, oneOf('proxy', backends))}`;
}

const perArch = (c: ClusterConfig, value: (a: ReturnType<typeof fleet>[number]) => number): string =>
  fleet(c.buildkit!).map((a) => `${a.arch} ${value(a)}`).join(', ');

/** KEDA's HPAs in the farm namespace (KEDA names them keda-hpa-<ScaledObject>), one series each. */
function kedaHpa(c: ClusterConfig, metric: string): string {
  const series = `${metric}${selector({ ...c.monitoring.jobs.kubeStateMetrics!, namespace: c.buildkit!.namespaces.farm }, 'horizontalpodautoscaler=~"keda-hpa-.+"')}`;
  return `max by (namespace, horizontalpodautoscaler) (${series})`;
}

function kedaErrors(c: ClusterConfig, alert: 'KedaScalerErrors' | 'KedaScaledObjectErrors') {
  const { window, for: hold } = c.monitoring.thresholds[alert]!;
  const scaler = alert === 'KedaScalerErrors';
  const metric = scaler ? 'keda_scaler_detail_errors_total' : 'keda_scaled_object_errors_total';
  const by = scaler ? 'scaledObject, scaler' : 'scaledObject';
  return {
    severity: 'warning' as const,
    summary: scaler ? 'KEDA scaler {{ $labels.scaler }} of {{ $labels.scaledObject }} fails' : 'KEDA ScaledObject {{ $labels.scaledObject }} has errors',
    description:
      `KEDA has counted ${scaler ? 'scaler' : 'ScaledObject'} errors in every ${window} window for ${hold}: it cannot read HAProxy's session count, ` +
      'so the farm no longer follows the build load (KEDA holds the replicas or switches to the fallback). ' +
      'First check: kubectl describe scaledobject -A and the KEDA operator log, then that the HAProxy metrics Service answers on /metrics.',
    signal: { kind: 'promql' as const, expr: `sum by (${by}) (increase(${metric}${selector(c.monitoring.jobs.keda!)}[${window}]))` },
    comparison: '>' as const,
    threshold: 0,
    for: hold,
    noData: 'OK' as const,
  };
}

export const buildkitAlerts: Catalogue = {
  group: 'buildkit',
  enabled: (c) => c.buildkit !== undefined,
  alerts: {
    KedaScalerErrors: { reads: ['monitoring.jobs.keda'], build: (c) => kedaErrors(c, 'KedaScalerErrors') },
    KedaScaledObjectErrors: { reads: ['monitoring.jobs.keda'], build: (c) => kedaErrors(c, 'KedaScaledObjectErrors') },
    BuildkitQueueBacklog: {
      reads: ['buildkit.architectures', 'buildkit.namespaces.farm', 'buildkit.haproxy.clientConnectTimeoutSeconds'],
      build: (c) => {
        const { above, for: hold } = c.monitoring.thresholds.BuildkitQueueBacklog!;
        return {
          severity: 'warning',
          summary: `More than ${above} builds queued on {{ $labels.proxy }}`,
          description:
            `For ${hold} more than ${above} build connections have waited in HAProxy's queue of {{ $labels.proxy }}: every BuildKit pod of the arch runs a build (one per pod) ` +
            `and BuildKit clients give up connecting after ${c.buildkit!.haproxy.clientConnectTimeoutSeconds} s, so queued builds retry or fail. ` +
            `First check: the arch's replicas against its max (${perArch(c, (a) => a.max)}) and BuildkitAtMaxReplicas; ` +
            `${autoscaled(c) ? 'then the ScaledObject status.' : 'a fixed fleet grows by raising buildkit.architectures[].replicas.'}`,
          signal: { kind: 'promql', expr: `sum by (proxy) (${haproxy(c, 'haproxy_backend_current_queue')})` },
          comparison: '>',
          threshold: above,
          for: hold,
          noData: 'OK',
        };
      },
    },
    BuildkitAtMaxReplicas: {
      reads: ['monitoring.jobs.kubeStateMetrics', 'buildkit.namespaces.farm'],
      build: (c) => {
        const { for: hold } = c.monitoring.thresholds.BuildkitAtMaxReplicas!;
        const on = 'on (namespace, horizontalpodautoscaler)';
        return {
          severity: 'warning',
          summary: 'BuildKit HPA {{ $labels.horizontalpodautoscaler }} at max replicas',
          description:
            `For ${hold} KEDA's HPA has run the arch at its max replicas (${perArch(c, (a) => a.max)}): new builds queue in HAProxy. ` +
            'First check: BuildkitQueueBacklog and build durations; if the load is real, raise buildkit.architectures[].max (the HAProxy slots and NodePool limits follow).',
          // Headroom left (max - current): the alert fires when none is left.
          signal: {
            kind: 'promql',
            expr: `${kedaHpa(c, 'kube_horizontalpodautoscaler_spec_max_replicas')}\n  - ${on}\n${kedaHpa(c, 'kube_horizontalpodautoscaler_status_current_replicas')}`,
          },
          comparison: '<',
          threshold: 1,
          for: hold,
          noData: 'OK',
        };
      },
    },
    BuildkitSlotsExhausted: {
      reads: ['buildkit.architectures', 'buildkit.namespaces.farm'],
      build: (c) => {
        const { for: hold } = c.monitoring.thresholds.BuildkitSlotsExhausted!;
        const slots = Object.fromEntries(fleet(c.buildkit!).map((a) => [a.name, a.slots]));
        const busy = `count by (instance, proxy) (${haproxy(c, 'haproxy_server_current_sessions')} > 0)`;
        return {
          severity: 'critical',
          summary: 'Every HAProxy slot of {{ $labels.proxy }} is busy',
          description:
            `For ${hold} every server-template slot of {{ $labels.proxy }} (${perArch(c, (a) => a.slots)}) has carried a build: ` +
            'further builds can only queue, whatever the number of BuildKit pods. ' +
            'First check: the slots against the replicas actually running; slots follow buildkit.architectures[].max, so raise max (or the pinned slots) with the fleet.',
          // Free slots per HAProxy instance and backend: the arch's slot count minus the servers in use.
          signal: { kind: 'promql', expr: `(\n  ${constants('proxy', slots)}\n)\n  - on (proxy) group_right ()\n${busy}` },
          comparison: '<',
          threshold: 1,
          for: hold,
          noData: 'OK',
        };
      },
    },
  },
};
