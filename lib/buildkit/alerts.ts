// The BuildKit build farm (SPEC 4, arc-staging and arc-production). Backend names and slot counts
// come from the buildkit component's fleet(); HAProxy series are selected by the farm namespace
// the ServiceMonitor's targets live in. Every cluster with a farm gets all five alerts, whatever
// buildkit.autoscaling says: KEDA runs and is scraped in both clusters, and on a fixed fleet (no
// ScaledObject, no HPA) the KEDA and HPA alerts simply find nothing and stay quiet.
import { fleet } from './fleet';
import { LB_METRICS_SERVICE } from './keda';
import type { Problem } from '../core/errors';
import type { ClusterConfig } from '../config/schema';
import type { Catalogue } from '../monitoring';
import { constants, Need, oneOf, secondsOf, selector, targetsDown } from '../core/alerts';

const autoscaled = (c: ClusterConfig) => c.buildkit!.autoscaling.enabled;

/** The ScaledObjects (named like their arch) that have a KEDA fallback: autoscaled archs with fixed replicas. */
export const withFallback = (c: ClusterConfig): string[] =>
  autoscaled(c) ? fleet(c.buildkit!).filter((a) => a.replicas !== undefined).map((a) => a.name) : [];

/** The HAProxy exporter's scrape job: the ServiceMonitor's Service name. */
export const haproxyJob = (c: ClusterConfig): Record<string, string> => ({ job: LB_METRICS_SERVICE, namespace: c.buildkit!.namespaces.farm });

const KEDA: Need = { input: 'the KEDA operator\'s metrics (monitoring.jobs.keda, the generated ServiceMonitor)', guard: 'KedaMetricsDown' };
const KSM: Need = { input: 'kube-state-metrics (monitoring.jobs.kubeStateMetrics)', guard: 'KubeStateMetricsDown' };
const KARPENTER: Need = { input: 'the Karpenter controller\'s metrics (monitoring.jobs.karpenter; its chart\'s serviceMonitor.enabled)', guard: 'KarpenterMetricsDown' };
const HAPROXY: Need = { input: `HAProxy's exporter (job ${LB_METRICS_SERVICE}, the generated ServiceMonitor)`, guard: 'BuildkitLoadBalancerDown' };

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

type KedaAlert = 'KedaScalerErrors' | 'KedaScaledObjectErrors' | 'KedaFallbackActive';

/**
 * Scaler errors, by ScaledObject and scaler, that persist: the window is shorter than `for` (checked),
 * so one error, which stays in the window for less than `window`, never lasts `for`.
 */
function scalerErrors(c: ClusterConfig, window: string, scaledObjects: string): string {
  return `sum by (scaledObject, scaler) (increase(keda_scaler_detail_errors_total${selector(c.monitoring.jobs.keda!, scaledObjects)}[${window}]))`;
}

function kedaErrors(c: ClusterConfig, alert: KedaAlert) {
  const { window, for: hold } = c.monitoring.thresholds[alert]!;
  const fallback = withFallback(c);
  const keda = c.monitoring.jobs.keda!;
  const firstCheck = 'First check: kubectl describe scaledobject -n ' + c.buildkit!.namespaces.farm + ' {{ $labels.scaledObject }} and the KEDA operator log, then that the HAProxy metrics Service answers on /metrics.';
  const base = { comparison: '>' as const, threshold: 0, for: hold, noData: 'OK' as const, needs: [KEDA] };
  if (alert === 'KedaFallbackActive') {
    const s = c.buildkit!.autoscaling;
    return {
      ...base,
      severity: 'warning' as const,
      summary: 'KEDA runs {{ $labels.scaledObject }} on its fallback replicas',
      description:
        `For ${hold} every read of HAProxy's session count by the scaler of {{ $labels.scaledObject }} has failed: after ${s.fallbackFailureThreshold} failed reads in a row ` +
        `(buildkit.autoscaling.fallbackFailureThreshold) KEDA holds the fallback replicas (${fleet(c.buildkit!).filter((a) => fallback.includes(a.name)).map((a) => `${a.arch} ${a.replicas}`).join(', ')}, or the current count if higher) ` +
        `and no longer follows the build load. ${firstCheck}`,
      signal: { kind: 'promql' as const, expr: scalerErrors(c, window, oneOf('scaledObject', fallback)) },
    };
  }
  // A ScaledObject with a fallback has one alert for a failing scaler: KedaFallbackActive.
  const without = fallback.length > 0 ? `scaledObject!~${JSON.stringify(fallback.join('|'))}` : '';
  if (alert === 'KedaScalerErrors') {
    return {
      ...base,
      severity: 'warning' as const,
      summary: 'KEDA scaler {{ $labels.scaler }} of {{ $labels.scaledObject }} keeps failing',
      description:
        `For ${hold} KEDA has counted scaler errors in every ${window}: it cannot read HAProxy's session count, ` +
        `so the farm no longer follows the build load (KEDA holds the replicas). A single error resolves on its own and does not fire. ${firstCheck}`,
      signal: { kind: 'promql' as const, expr: scalerErrors(c, window, without) },
    };
  }
  // Every scaler error also counts as a ScaledObject error: those are KedaScalerErrors' (or
  // KedaFallbackActive's) to report; this alert keeps the ScaledObject's own errors.
  const objectErrors = `sum by (scaledObject) (increase(keda_scaled_object_errors_total${selector(keda)}[${window}]))`;
  return {
    ...base,
    severity: 'warning' as const,
    summary: 'KEDA ScaledObject {{ $labels.scaledObject }} keeps failing',
    description:
      `For ${hold} KEDA has counted errors of the ScaledObject itself (not of its scaler) in every ${window}: it cannot build its scalers or read its target, ` +
      `so the farm no longer follows the build load. ${firstCheck}`,
    signal: {
      kind: 'promql' as const,
      expr: `${objectErrors}\n  unless on (scaledObject)\n(${scalerErrors(c, window, '')} > 0)`,
    },
  };
}

/** Every error-counting alert's `for` must outlast its window, or one transient error fires it. */
function checkBuildkit(c: ClusterConfig): Problem[] {
  const alerts = ['KedaScalerErrors', 'KedaScaledObjectErrors', 'KedaFallbackActive', 'KarpenterNodeLaunchFailing'] as const;
  return alerts.flatMap((alert) => {
    const t = c.monitoring.thresholds[alert];
    if (!t || secondsOf(t.for) > secondsOf(t.window)) return [];
    return [{
      cluster: c.name, path: `monitoring.thresholds.${alert}.for`, value: t.for,
      rule: `must be longer than window (${t.window}): a single error stays in the window that long, and only errors that persist may fire`,
      fix: `for: ${secondsOf(t.window) / 60 + 1}m or more, or a shorter window`,
    }];
  });
}

export const buildkitAlerts: Catalogue = {
  group: 'buildkit',
  enabled: (c) => c.buildkit !== undefined,
  check: checkBuildkit,
  alerts: {
    KedaScalerErrors: { reads: ['monitoring.jobs.keda'], build: (c) => kedaErrors(c, 'KedaScalerErrors') },
    KedaScaledObjectErrors: { reads: ['monitoring.jobs.keda'], build: (c) => kedaErrors(c, 'KedaScaledObjectErrors') },
    KedaFallbackActive: {
      reads: ['monitoring.jobs.keda', 'buildkit.autoscaling.fallbackFailureThreshold'],
      // read from the config, not fleet(): enabled() is asked before the buildkit rules are checked
      enabled: (c) => autoscaled(c) && c.buildkit!.architectures.some((a) => a.replicas !== undefined),
      build: (c) => kedaErrors(c, 'KedaFallbackActive'),
    },
    BuildkitQueueBacklog: {
      reads: ['buildkit.architectures', 'buildkit.namespaces.farm', 'buildkit.haproxy.clientConnectTimeoutSeconds', 'monitoring.rateWindow'],
      build: (c) => {
        const { above, for: hold } = c.monitoring.thresholds.BuildkitQueueBacklog!;
        return {
          severity: 'warning',
          summary: `More than ${above} builds queued on {{ $labels.proxy }}`,
          description:
            `For ${hold} more than ${above} build connections on average (over ${c.monitoring.rateWindow}) have waited in HAProxy's queue of {{ $labels.proxy }}: every BuildKit pod of the arch runs a build (one per pod) ` +
            `and BuildKit clients give up connecting after ${c.buildkit!.haproxy.clientConnectTimeoutSeconds} s, so queued builds retry or fail. ` +
            `First check: the arch's replicas against its max (${perArch(c, (a) => a.max)}) and BuildkitAtMaxReplicas; ` +
            `${autoscaled(c) ? 'then the ScaledObject status.' : 'a fixed fleet grows by raising buildkit.architectures[].replicas.'}`,
          // The queue gauge is jumpy (a build leaving empties it for one scrape): its average over
          // the rate window does not drop to 0 on such a dip, so `for` is not reset by it.
          signal: { kind: 'promql', expr: `sum by (proxy) (avg_over_time(${haproxy(c, 'haproxy_backend_current_queue')}[${c.monitoring.rateWindow}]))` },
          comparison: '>',
          threshold: above,
          for: hold,
          noData: 'OK',
          needs: [HAPROXY],
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
            `For ${hold} KEDA's HPA has wanted or run the arch's max replicas (${perArch(c, (a) => a.max)}): new builds queue in HAProxy. ` +
            'Wanting max while running fewer means the pods cannot start (KarpenterNodeLaunchFailing, Pending pods). ' +
            'First check: BuildkitQueueBacklog and build durations; if the load is real, raise buildkit.architectures[].max (the HAProxy slots and NodePool limits follow).',
          // Headroom left: max - the larger of current and desired (the HPA caps desired at max,
          // so an HPA that wants max but cannot get it shows there). Fires when none is left.
          signal: {
            kind: 'promql',
            expr:
              `${kedaHpa(c, 'kube_horizontalpodautoscaler_spec_max_replicas')}\n  - ${on}\n(\n  ` +
              `${kedaHpa(c, 'kube_horizontalpodautoscaler_status_current_replicas')}\n    > ${on}\n  ${kedaHpa(c, 'kube_horizontalpodautoscaler_status_desired_replicas')}\n    or\n  ` +
              `${kedaHpa(c, 'kube_horizontalpodautoscaler_status_desired_replicas')}\n)`,
          },
          comparison: '<',
          threshold: 1,
          for: hold,
          noData: 'OK',
          needs: [KSM],
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
            'First check: the slots against the replicas actually running (pods still draining keep their slot); the slots are derived from buildkit.architectures[].max plus every pod that can be draining at once, so raise max (or the pinned slots) with the fleet.',
          // Free slots per HAProxy instance and backend: the arch's slot count minus the servers in use.
          signal: { kind: 'promql', expr: `(\n  ${constants('proxy', slots)}\n)\n  - on (proxy) group_right ()\n${busy}` },
          comparison: '<',
          threshold: 1,
          for: hold,
          noData: 'OK',
          needs: [HAPROXY],
        };
      },
    },
    BuildkitLoadBalancerDown: {
      reads: ['buildkit.architectures', 'buildkit.namespaces.farm', 'buildkit.haproxy.replicas'],
      build: (c) => {
        const { for: hold } = c.monitoring.thresholds.BuildkitLoadBalancerDown!;
        const n = c.buildkit!.haproxy.replicas;
        return {
          severity: 'critical',
          summary: 'BuildKit load balancer down (HAProxy "{{ $labels.instance }}", backend "{{ $labels.proxy }}")',
          description:
            `For ${hold} either an HAProxy replica (${n} configured, buildkit.haproxy.replicas) has not answered Prometheus, or a backend has had no active server: ` +
            'no build reaches the arch\'s BuildKit pods, and KEDA, which reads the session count from HAProxy, cannot scale. ' +
            `First check: kubectl get pods -n ${c.buildkit!.namespaces.farm} -l app.kubernetes.io/name=buildkit-lb and its log; for a backend, the arch's BuildKit pods (Ready? buildctl debug workers) and the headless Service's endpoints.`,
          signal: {
            kind: 'promql',
            expr: `${targetsDown(haproxyJob(c))}\n  or\n(max by (proxy) (${haproxy(c, 'haproxy_backend_active_servers')}) == 0) + 1`,
          },
          comparison: '>',
          threshold: 0,
          for: hold,
          noData: 'OK',
          needs: [],
        };
      },
    },
    KarpenterNodeLaunchFailing: {
      reads: ['monitoring.jobs.karpenter', 'monitoring.jobs.kubeStateMetrics', 'buildkit.architectures'],
      build: (c) => {
        const { window, for: hold } = c.monitoring.thresholds.KarpenterNodeLaunchFailing!;
        const k = c.monitoring.jobs.karpenter!;
        const archs = fleet(c.buildkit!);
        const pools = oneOf('nodepool', archs.map((a) => a.nodePool));
        const ratio = (m: string) => `karpenter_nodepools_${m}${selector(k, pools, 'resource_type=~"cpu|memory"')}`;
        // The arch's Deployment, labelled with its NodePool, while pods of it are unavailable.
        const unavailable = archs
          .map((a) => `label_replace(kube_deployment_status_replicas_unavailable${selector({ ...c.monitoring.jobs.kubeStateMetrics!, namespace: c.buildkit!.namespaces.farm, deployment: a.name })} > 0, "nodepool", ${JSON.stringify(a.nodePool)}, "", "")`)
          .join('\n    or\n  ');
        return {
          severity: 'warning',
          summary: 'Karpenter cannot launch BuildKit nodes (NodePool "{{ $labels.nodepool }}", error "{{ $labels.error }}")',
          description:
            `For ${hold} Karpenter has either failed to create instances in every ${window} (cloud-provider Create errors, e.g. InsufficientCapacityError), ` +
            `or a BuildKit NodePool has reached its limits (cpu/memory, derived from the arch's max: ${archs.map((a) => `${a.nodePool} ${a.maxNodes} nodes`).join(', ')}) while pods of its arch are unavailable: ` +
            'BuildKit pods stay Pending and the farm cannot grow. ' +
            'First check: kubectl get nodeclaims and the Karpenter controller log (capacity, quotas, subnets, the EC2NodeClass status); for limits, whether the NodePool holds nodes that are not BuildKit\'s.',
          signal: {
            kind: 'promql',
            expr:
              `sum by (error) (increase(karpenter_cloudprovider_errors_total${selector({ ...k, method: 'Create' })}[${window}]))\n  or\n` +
              `(\n  max by (nodepool) (${ratio('usage')} / ${ratio('limit')}) >= 1\n)\n  and on (nodepool)\n(\n  ${unavailable}\n)`,
          },
          comparison: '>',
          threshold: 0,
          for: hold,
          noData: 'OK',
          needs: [KARPENTER, KSM],
        };
      },
    },
  },
};
