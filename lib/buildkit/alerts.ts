// The BuildKit farm's alerts (SPEC 4, arc-staging and arc-production), built from the farm's own
// numbers: backend names and slot counts from its fleet (fleet(), the one owner of those numbers),
// HAProxy series selected by the farm namespace the ServiceMonitor's targets live in. A farm gets
// all of them, whatever its autoscaling says: KEDA runs and is scraped in both clusters, and on a
// fixed fleet (no ScaledObject, no HPA) the KEDA and HPA alerts simply find nothing and stay quiet.
import { ArchFleet, fleet } from './fleet';
import type { BuildkitSettings } from './props';
import { LB_METRICS_SERVICE } from './keda';
import {
  alertsOf, AlertBody, AlertSet, AlertThresholds, BuildkitFarmAlertName, constants, Need, oneOf, ScrapeJob, secondsOf, selector, targetsDown,
} from '../core/alerts';
import type { PropsProblem } from '../core/props';

/** What the alerts read of one arch of the fleet (an ArchFleet has all of it). */
export type AlertedArch = Pick<ArchFleet, 'arch' | 'name' | 'slots' | 'min' | 'max' | 'replicas' | 'nodePool' | 'maxNodes'>;

/** The farm as its alerts see it: the fleet and the few settings the rules and runbooks name. */
export interface BuildkitFarmAlertInputs {
  /** The farm's per-arch fleet (`fleet(props)`): backends, slots, max replicas, NodePools. */
  fleet: readonly AlertedArch[];
  /** Namespace of the BuildKit pods and HAProxy (buildkit.namespaces.farm). */
  farmNamespace: string;
  /** Whether KEDA scales the farm, and after how many failed reads it holds the fallback replicas. */
  autoscaling: { enabled: boolean; fallbackFailureThreshold: number };
  /** HAProxy replicas, and how long BuildKit clients wait to connect (named in the runbooks). */
  haproxy: { replicas: number; clientConnectTimeoutSeconds: number };
  /** Range of rate() and avg_over_time() (monitoring.rateWindow). */
  rateWindow: string;
  /** Policy thresholds; KedaFallbackActive's only when some autoscaled arch has fixed replicas. */
  thresholds: Pick<AlertThresholds, Exclude<BuildkitFarmAlertName, 'KedaFallbackActive'>> & Partial<Pick<AlertThresholds, 'KedaFallbackActive'>>;
  /** Series selectors of the exporters the alerts read. */
  jobs: { keda: ScrapeJob; kubeStateMetrics: ScrapeJob; karpenter: ScrapeJob };
}

/** The ScaledObjects (named like their arch) that have a KEDA fallback: autoscaled archs with fixed replicas. */
export const withFallback = (farm: Pick<BuildkitFarmAlertInputs, 'fleet' | 'autoscaling'>): string[] =>
  farm.autoscaling.enabled ? farm.fleet.filter((a) => a.replicas !== undefined).map((a) => a.name) : [];

/** The HAProxy exporter's scrape job: the ServiceMonitor's Service name, in the farm namespace. */
export const haproxyJob = (farmNamespace: string): ScrapeJob => ({ job: LB_METRICS_SERVICE, namespace: farmNamespace });

const scrape = (input: string, guard: Need['guard'], job: ScrapeJob): Need => ({ input, guard, watch: { kind: 'scrape', job } });
const kedaNeed = (inputs: BuildkitFarmAlertInputs) => scrape('the KEDA operator\'s metrics (monitoring.jobs.keda, the generated ServiceMonitor)', 'KedaMetricsDown', inputs.jobs.keda);
const ksmNeed = (inputs: BuildkitFarmAlertInputs) => scrape('kube-state-metrics (monitoring.jobs.kubeStateMetrics)', 'KubeStateMetricsDown', inputs.jobs.kubeStateMetrics);
const karpenterNeed = (inputs: BuildkitFarmAlertInputs) =>
  scrape('the Karpenter controller\'s metrics (monitoring.jobs.karpenter; its chart\'s serviceMonitor.enabled)', 'KarpenterMetricsDown', inputs.jobs.karpenter);
const haproxyNeed = (inputs: BuildkitFarmAlertInputs) =>
  scrape(`HAProxy's exporter (job ${LB_METRICS_SERVICE}, the generated ServiceMonitor)`, 'BuildkitLoadBalancerDown', haproxyJob(inputs.farmNamespace));

/** HAProxy series of the farm's backends. */
const haproxySeries = (inputs: BuildkitFarmAlertInputs, metric: string): string =>
  `${metric}${selector({ namespace: inputs.farmNamespace }, oneOf('proxy', inputs.fleet.map((a) => a.name)))}`;

const perArch = (inputs: BuildkitFarmAlertInputs, value: (a: AlertedArch) => number): string => inputs.fleet.map((a) => `${a.arch} ${value(a)}`).join(', ');

/** KEDA's HPAs in the farm namespace (KEDA names them keda-hpa-<ScaledObject>), one series each. */
function kedaHpa(inputs: BuildkitFarmAlertInputs, metric: string): string {
  const series = `${metric}${selector({ ...inputs.jobs.kubeStateMetrics, namespace: inputs.farmNamespace }, 'horizontalpodautoscaler=~"keda-hpa-.+"')}`;
  return `max by (namespace, horizontalpodautoscaler) (${series})`;
}

/**
 * Scaler errors, by ScaledObject and scaler, that persist: the window is shorter than `for` (checked),
 * so one error, which stays in the window for less than `window`, never lasts `for`.
 */
const scalerErrors = (inputs: BuildkitFarmAlertInputs, window: string, scaledObjects: string): string =>
  `sum by (scaledObject, scaler) (increase(keda_scaler_detail_errors_total${selector(inputs.jobs.keda, scaledObjects)}[${window}]))`;

const kedaFirstCheck = (inputs: BuildkitFarmAlertInputs): string =>
  `First check: kubectl describe scaledobject -n ${inputs.farmNamespace} {{ $labels.scaledObject }} and the KEDA operator log, then that the HAProxy metrics Service answers on /metrics.`;

const kedaBase = (inputs: BuildkitFarmAlertInputs, hold: string) =>
  ({ severity: 'warning' as const, comparison: '>' as const, threshold: 0, for: hold, noData: 'OK' as const, needs: [kedaNeed(inputs)] });

function kedaFallbackActive(inputs: BuildkitFarmAlertInputs): AlertBody {
  const { window, for: hold } = inputs.thresholds.KedaFallbackActive!;
  const fallback = withFallback(inputs);
  const held = inputs.fleet.filter((a) => fallback.includes(a.name)).map((a) => `${a.arch} ${a.replicas}`).join(', ');
  return {
    ...kedaBase(inputs, hold),
    summary: 'KEDA runs {{ $labels.scaledObject }} on its fallback replicas',
    description:
      `For ${hold} every read of HAProxy's session count by the scaler of {{ $labels.scaledObject }} has failed: after ${inputs.autoscaling.fallbackFailureThreshold} failed reads in a row ` +
      `(buildkit.autoscaling.fallbackFailureThreshold) KEDA holds the fallback replicas (${held}, or the current count if higher) ` +
      `and no longer follows the build load. ${kedaFirstCheck(inputs)}`,
    signal: { kind: 'promql', expr: scalerErrors(inputs, window, oneOf('scaledObject', fallback)) },
  };
}

function kedaScalerErrors(inputs: BuildkitFarmAlertInputs): AlertBody {
  const { window, for: hold } = inputs.thresholds.KedaScalerErrors;
  // A ScaledObject with a fallback has one alert for a failing scaler: KedaFallbackActive.
  const fallback = withFallback(inputs);
  const without = fallback.length > 0 ? `scaledObject!~${JSON.stringify(fallback.join('|'))}` : '';
  return {
    ...kedaBase(inputs, hold),
    summary: 'KEDA scaler {{ $labels.scaler }} of {{ $labels.scaledObject }} keeps failing',
    description:
      `For ${hold} KEDA has counted scaler errors in every ${window}: it cannot read HAProxy's session count, ` +
      `so the farm no longer follows the build load (KEDA holds the replicas). A single error resolves on its own and does not fire. ${kedaFirstCheck(inputs)}`,
    signal: { kind: 'promql', expr: scalerErrors(inputs, window, without) },
  };
}

function kedaScaledObjectErrors(inputs: BuildkitFarmAlertInputs): AlertBody {
  const { window, for: hold } = inputs.thresholds.KedaScaledObjectErrors;
  // Every scaler error also counts as a ScaledObject error: those are KedaScalerErrors' (or
  // KedaFallbackActive's) to report; this alert keeps the ScaledObject's own errors.
  const objectErrors = `sum by (scaledObject) (increase(keda_scaled_object_errors_total${selector(inputs.jobs.keda)}[${window}]))`;
  return {
    ...kedaBase(inputs, hold),
    summary: 'KEDA ScaledObject {{ $labels.scaledObject }} keeps failing',
    description:
      `For ${hold} KEDA has counted errors of the ScaledObject itself (not of its scaler) in every ${window}: it cannot build its scalers or read its target, ` +
      `so the farm no longer follows the build load. ${kedaFirstCheck(inputs)}`,
    signal: { kind: 'promql', expr: `${objectErrors}\n  unless on (scaledObject)\n(${scalerErrors(inputs, window, '')} > 0)` },
  };
}

function queueBacklog(inputs: BuildkitFarmAlertInputs): AlertBody {
  const { above, for: hold } = inputs.thresholds.BuildkitQueueBacklog;
  return {
    severity: 'warning',
    summary: `More than ${above} builds queued on {{ $labels.proxy }}`,
    description:
      `For ${hold} more than ${above} build connections on average (over ${inputs.rateWindow}) have waited in HAProxy's queue of {{ $labels.proxy }}: every BuildKit pod of the arch runs a build (one per pod) ` +
      `and BuildKit clients give up connecting after ${inputs.haproxy.clientConnectTimeoutSeconds} s, so queued builds retry or fail. ` +
      `First check: the arch's replicas against its max (${perArch(inputs, (a) => a.max)}) and BuildkitAtMaxReplicas; ` +
      `${inputs.autoscaling.enabled ? 'then the ScaledObject status.' : 'a fixed fleet grows by raising buildkit.architectures[].replicas.'}`,
    // The queue gauge is jumpy (a build leaving empties it for one scrape): its average over
    // the rate window does not drop to 0 on such a dip, so `for` is not reset by it.
    signal: { kind: 'promql', expr: `sum by (proxy) (avg_over_time(${haproxySeries(inputs, 'haproxy_backend_current_queue')}[${inputs.rateWindow}]))` },
    comparison: '>',
    threshold: above,
    for: hold,
    noData: 'OK',
    needs: [haproxyNeed(inputs)],
  };
}

function atMaxReplicas(inputs: BuildkitFarmAlertInputs): AlertBody {
  const { for: hold } = inputs.thresholds.BuildkitAtMaxReplicas;
  const on = 'on (namespace, horizontalpodautoscaler)';
  const desired = kedaHpa(inputs, 'kube_horizontalpodautoscaler_status_desired_replicas');
  return {
    severity: 'warning',
    summary: 'BuildKit HPA {{ $labels.horizontalpodautoscaler }} at max replicas',
    description:
      `For ${hold} KEDA's HPA has wanted or run the arch's max replicas (${perArch(inputs, (a) => a.max)}): new builds queue in HAProxy. ` +
      'Wanting max while running fewer means the pods cannot start (KarpenterNodeLaunchFailing, Pending pods). ' +
      'First check: BuildkitQueueBacklog and build durations; if the load is real, raise buildkit.architectures[].max (the HAProxy slots and NodePool limits follow).',
    // Headroom left: max - the larger of current and desired (the HPA caps desired at max,
    // so an HPA that wants max but cannot get it shows there). Fires when none is left.
    signal: {
      kind: 'promql',
      expr:
        `${kedaHpa(inputs, 'kube_horizontalpodautoscaler_spec_max_replicas')}\n  - ${on}\n(\n  ` +
        `${kedaHpa(inputs, 'kube_horizontalpodautoscaler_status_current_replicas')}\n    > ${on}\n  ${desired}\n    or\n  ${desired}\n)`,
    },
    comparison: '<',
    threshold: 1,
    for: hold,
    noData: 'OK',
    needs: [ksmNeed(inputs)],
  };
}

function slotsExhausted(inputs: BuildkitFarmAlertInputs): AlertBody {
  const { for: hold } = inputs.thresholds.BuildkitSlotsExhausted;
  const slots = Object.fromEntries(inputs.fleet.map((a) => [a.name, a.slots]));
  const busy = `count by (instance, proxy) (${haproxySeries(inputs, 'haproxy_server_current_sessions')} > 0)`;
  return {
    severity: 'critical',
    summary: 'Every HAProxy slot of {{ $labels.proxy }} is busy',
    description:
      `For ${hold} every server-template slot of {{ $labels.proxy }} (${perArch(inputs, (a) => a.slots)}) has carried a build: ` +
      'further builds can only queue, whatever the number of BuildKit pods. ' +
      'First check: the slots against the replicas actually running (pods still draining keep their slot); the slots are derived from buildkit.architectures[].max plus every pod that can be draining at once, so raise max (or the pinned slots) with the fleet.',
    // Free slots per HAProxy instance and backend: the arch's slot count minus the servers in use.
    signal: { kind: 'promql', expr: `(\n  ${constants('proxy', slots)}\n)\n  - on (proxy) group_right ()\n${busy}` },
    comparison: '<',
    threshold: 1,
    for: hold,
    noData: 'OK',
    needs: [haproxyNeed(inputs)],
  };
}

function loadBalancerDown(inputs: BuildkitFarmAlertInputs): AlertBody {
  const { for: hold } = inputs.thresholds.BuildkitLoadBalancerDown;
  return {
    severity: 'critical',
    summary: 'BuildKit load balancer down (HAProxy "{{ $labels.instance }}", backend "{{ $labels.proxy }}")',
    description:
      `For ${hold} either an HAProxy replica (${inputs.haproxy.replicas} configured, buildkit.haproxy.replicas) has not answered Prometheus, or a backend has had no active server: ` +
      'no build reaches the arch\'s BuildKit pods, and KEDA, which reads the session count from HAProxy, cannot scale. ' +
      `First check: kubectl get pods -n ${inputs.farmNamespace} -l app.kubernetes.io/name=buildkit-lb and its log; for a backend, the arch's BuildKit pods (Ready? buildctl debug workers) and the headless Service's endpoints.`,
    signal: {
      kind: 'promql',
      expr: `${targetsDown(haproxyJob(inputs.farmNamespace))}\n  or\n(max by (proxy) (${haproxySeries(inputs, 'haproxy_backend_active_servers')}) == 0) + 1`,
    },
    comparison: '>',
    threshold: 0,
    for: hold,
    noData: 'OK',
    needs: [],
  };
}

function nodeLaunchFailing(inputs: BuildkitFarmAlertInputs): AlertBody {
  const { window, for: hold } = inputs.thresholds.KarpenterNodeLaunchFailing;
  const karpenter = inputs.jobs.karpenter;
  const pools = oneOf('nodepool', inputs.fleet.map((a) => a.nodePool));
  const ratio = (m: string) => `karpenter_nodepools_${m}${selector(karpenter, pools, 'resource_type=~"cpu|memory"')}`;
  // The arch's Deployment, labelled with its NodePool, while pods of it are unavailable.
  const unavailable = inputs.fleet
    .map((a) => `label_replace(kube_deployment_status_replicas_unavailable${selector({ ...inputs.jobs.kubeStateMetrics, namespace: inputs.farmNamespace, deployment: a.name })} > 0, "nodepool", ${JSON.stringify(a.nodePool)}, "", "")`)
    .join('\n    or\n  ');
  return {
    severity: 'warning',
    summary: 'Karpenter cannot launch BuildKit nodes (NodePool "{{ $labels.nodepool }}", error "{{ $labels.error }}")',
    description:
      `For ${hold} Karpenter has either failed to create instances in every ${window} (cloud-provider Create errors, e.g. InsufficientCapacityError), ` +
      `or a BuildKit NodePool has reached its limits (cpu/memory, derived from the arch's max: ${inputs.fleet.map((a) => `${a.nodePool} ${a.maxNodes} nodes`).join(', ')}) while pods of its arch are unavailable: ` +
      'BuildKit pods stay Pending and the farm cannot grow. ' +
      'First check: kubectl get nodeclaims and the Karpenter controller log (capacity, quotas, subnets, the EC2NodeClass status); for limits, whether the NodePool holds nodes that are not BuildKit\'s.',
    signal: {
      kind: 'promql',
      expr:
        `sum by (error) (increase(karpenter_cloudprovider_errors_total${selector({ ...karpenter, method: 'Create' })}[${window}]))\n  or\n` +
        `(\n  max by (nodepool) (${ratio('usage')} / ${ratio('limit')}) >= 1\n)\n  and on (nodepool)\n(\n  ${unavailable}\n)`,
    },
    comparison: '>',
    threshold: 0,
    for: hold,
    noData: 'OK',
    needs: [karpenterNeed(inputs), ksmNeed(inputs)],
  };
}

/** The farm's alerts, in rule order: KedaFallbackActive only where some ScaledObject has a fallback. */
export const buildkitFarmAlertNames = (farm: { fallback: boolean }): BuildkitFarmAlertName[] => [
  'KedaScalerErrors', 'KedaScaledObjectErrors', ...(farm.fallback ? ['KedaFallbackActive' as const] : []),
  'BuildkitQueueBacklog', 'BuildkitAtMaxReplicas', 'BuildkitSlotsExhausted', 'BuildkitLoadBalancerDown', 'KarpenterNodeLaunchFailing',
];

/** Every error-counting alert's `for` must outlast its window, or one transient error fires it. */
export function validateBuildkitFarmAlerts(inputs: { thresholds: Partial<Pick<AlertThresholds, BuildkitFarmAlertName>> }): PropsProblem[] {
  const alerts = ['KedaScalerErrors', 'KedaScaledObjectErrors', 'KedaFallbackActive', 'KarpenterNodeLaunchFailing'] as const;
  return alerts.flatMap((alert) => {
    const threshold = inputs.thresholds[alert];
    if (!threshold || secondsOf(threshold.for) > secondsOf(threshold.window)) return [];
    return [{
      path: `thresholds.${alert}.for`, value: threshold.for,
      rule: `must be longer than window (${threshold.window}): a single error stays in the window that long, and only errors that persist may fire`,
      fix: `for: ${secondsOf(threshold.window) / 60 + 1}m or more, or a shorter window`,
    }];
  });
}

export const BUILDKIT_FARM_ALERTS: AlertSet<BuildkitFarmAlertInputs, BuildkitFarmAlertName> = {
  group: 'buildkit',
  names: (inputs) => buildkitFarmAlertNames({ fallback: withFallback(inputs).length > 0 }),
  build: {
    KedaScalerErrors: kedaScalerErrors,
    KedaScaledObjectErrors: kedaScaledObjectErrors,
    KedaFallbackActive: kedaFallbackActive,
    BuildkitQueueBacklog: queueBacklog,
    BuildkitAtMaxReplicas: atMaxReplicas,
    BuildkitSlotsExhausted: slotsExhausted,
    BuildkitLoadBalancerDown: loadBalancerDown,
    KarpenterNodeLaunchFailing: nodeLaunchFailing,
  },
};

/**
 * Every alert of a BuildKit farm, from its fleet, namespace, thresholds and exporters (hand them to
 * AlertRules). Check the thresholds with validateBuildkitFarmAlerts first.
 */
export const buildkitFarmAlerts = (inputs: BuildkitFarmAlertInputs) => alertsOf(BUILDKIT_FARM_ALERTS, inputs);

/** What the farm's alerts need beyond the farm itself: the monitoring policy and the exporters' series. */
export type FarmAlertSettings = Pick<BuildkitFarmAlertInputs, 'rateWindow' | 'thresholds' | 'jobs'>;

/** The alert inputs of a farm: its own numbers from its settings (one source), the policy from `monitoring`. */
export const farmAlertInputs = (farm: BuildkitSettings, monitoring: FarmAlertSettings): BuildkitFarmAlertInputs => ({
  fleet: fleet(farm),
  farmNamespace: farm.namespaces.farm,
  autoscaling: farm.autoscaling,
  haproxy: farm.haproxy,
  ...monitoring,
});
