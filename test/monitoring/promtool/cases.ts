// promtool unit tests of every Prometheus alert: for each one, input series shaped like what the
// real exporters publish (kube-state-metrics, node-exporter, cAdvisor through the kubelet, the
// blackbox exporter, HAProxy's built-in exporter, KEDA, Airflow's StatsD exporter), one scenario
// where it fires and checks where it stays quiet (below the threshold, or not for long enough).
// Every value is derived from the cluster config: the thresholds, `for`, the profile limits, the
// pool size, the slot counts. The generated files are kept in test/monitoring/promtool/.
import { fleet } from '../../../lib/buildkit/fleet';
import { cpuCores, memoryBytes } from '../../../lib/config/quantity';
import type { ClusterConfig } from '../../../lib/config/schema';
import { probeTargets } from '../../../lib/monitoring/alerts/airflow';
import { workloadPool } from '../../../lib/monitoring/alerts/compute';
import { alertsFor } from '../../../lib/monitoring/alerts';
import { AlertName, ksmLabel, secondsOf } from '../../../lib/monitoring/model';
import { prometheusGroups, PromRule } from '../../../lib/monitoring/render';

type Labels = Record<string, string>;

interface Series {
  metric: string;
  labels: Labels;
  /** promtool expanding notation, one sample per minute from t=0. */
  values: string;
}

interface Check {
  /** Seconds after the first sample. */
  at: number;
  /** Output labels of each expected firing alert; empty: the alert must be quiet. */
  firing: Labels[];
}

interface Scenario {
  name: string;
  series: Series[];
  checks: Check[];
}

/** Input series have one sample per minute. */
const MINUTE = 60;
const SAMPLE_INTERVAL = '1m';

/** Drops float noise (0.9 + 0.05 = 0.9500000000000001) from sample values. */
const tidy = (x: number): number => Math.round(x * 1e6) / 1e6;
/** `value` for `minutes` samples. */
const hold = (value: number, minutes: number): string => (minutes === 1 ? `${tidy(value)}` : `${tidy(value)}x${minutes - 1}`);
/** A counter from `start` growing by `perMinute` for `minutes` samples. */
const counter = (start: number, perMinute: number, minutes: number): string => `${tidy(start)}+${tidy(perMinute)}x${minutes - 1}`;
/** Minutes of samples that cover `s` seconds plus a margin. */
const span = (s: number): number => Math.ceil(s / MINUTE) + 5;

/** A ratio safely above / below a threshold in (0, 1). */
const over = (threshold: number): number => threshold + (1 - threshold) / 2;
const under = (threshold: number): number => threshold / 2;

/**
 * The firing / quiet checks of a `for` alert whose condition starts to hold at `onset` seconds:
 * quiet one interval before `for` has elapsed, firing one interval after. Over a rate() the
 * onset is a range: from the second sample (the earliest rate) to the moment the rate window is
 * full (rate() divides by the whole window, so it under-reads until then).
 */
function holdChecks(onset: number | [earliest: number, latest: number], hold: string, firing: Labels[]): Check[] {
  const [earliest, latest] = typeof onset === 'number' ? [onset, onset] : onset;
  const f = secondsOf(hold);
  const checks: Check[] = [{ at: latest + f + MINUTE, firing }];
  if (f >= MINUTE) checks.unshift({ at: earliest + f - MINUTE, firing: [] });
  return checks;
}

/** Onset of a condition over rate(): see holdChecks. */
const rateOnset = (c: ClusterConfig): [number, number] => [MINUTE, secondsOf(c.monitoring.rateWindow)];

// Target labels Prometheus adds when it scrapes each exporter through kube-prometheus-stack.
const KSM = { instance: '10.0.1.15:8080', endpoint: 'http', service: 'kube-prometheus-stack-kube-state-metrics' };
const KUBELET = { instance: '10.0.2.11:10250', endpoint: 'https-metrics', service: 'kube-prometheus-stack-kubelet' };
const NODE_EXPORTER = { endpoint: 'http-metrics', service: 'kube-prometheus-stack-prometheus-node-exporter' };

function ksm(c: ClusterConfig, labels: Labels): Labels {
  return { ...c.monitoring.jobs.kubeStateMetrics!, ...KSM, ...labels };
}

/** kube_pod_status_phase as kube-state-metrics exports it: one series per phase, 1 on the current one. */
function podPhases(c: ClusterConfig, pod: Labels, timeline: [phase: string, minutes: number][]): Series[] {
  const phases = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
  return phases.map((phase) => ({
    metric: 'kube_pod_status_phase',
    labels: ksm(c, { ...pod, phase }),
    values: timeline.map(([p, minutes]) => hold(p === phase ? 1 : 0, minutes)).join(' '),
  }));
}

/**
 * A pod that stays Pending, as kube-state-metrics shows it: kube_pod_status_scheduled per
 * condition, and kube_pod_status_unschedulable (1, else absent) while PodScheduled is False. With
 * a `node` the scheduler has placed it and it waits on the node (e.g. pulling its image).
 */
function pendingPod(c: ClusterConfig, pod: Labels, minutes: number): Series[] {
  const id = { namespace: pod.namespace, pod: pod.pod, uid: pod.uid };
  const placed = pod.node !== undefined;
  return [
    ...podPhases(c, id, [['Pending', minutes]]),
    ...['true', 'false', 'unknown'].map((condition) => ({
      metric: 'kube_pod_status_scheduled',
      labels: ksm(c, { ...id, condition }),
      values: hold(condition === String(placed) ? 1 : 0, minutes),
    })),
    ...(placed ? [] : [{ metric: 'kube_pod_status_unschedulable', labels: ksm(c, id), values: hold(1, minutes) }]),
  ];
}

function workloadProfile(c: ClusterConfig) {
  const [pool] = workloadPool(c.compute!);
  const entry = Object.entries(c.compute!.profiles).find(([, p]) => p.pool === pool);
  if (!entry) throw new Error(`no profile on pool ${pool}`);
  return entry[1];
}

/** A worker pod's identifying labels; `node` once it is scheduled. */
const workerPod = (c: ClusterConfig, pod: string, node?: string): Labels => ({
  namespace: c.airflow!.namespace, pod, uid: `${pod}-uid`, ...(node ? { node } : {}),
});

/** cAdvisor series of a worker's `base` container and the kube-state-metrics limit of one resource. */
function containerSeries(c: ClusterConfig, pod: Labels, usage: Series['metric'], values: string, resource: 'cpu' | 'memory', limit: number, minutes: number): Series[] {
  const unit = resource === 'cpu' ? 'core' : 'byte';
  return [
    {
      metric: usage,
      labels: {
        ...c.monitoring.jobs.cadvisor!, ...KUBELET, namespace: pod.namespace, pod: pod.pod, node: pod.node, container: 'base',
        image: c.airflow!.image, id: `/kubepods/burstable/pod${pod.uid}/0c1d2e3f`, name: '0c1d2e3f',
      },
      values,
    },
    // The pod-level cgroup (container="") carries the same usage: it must not count as a container.
    {
      metric: usage,
      labels: { ...c.monitoring.jobs.cadvisor!, ...KUBELET, namespace: pod.namespace, pod: pod.pod, node: pod.node, id: `/kubepods/burstable/pod${pod.uid}` },
      values,
    },
    {
      metric: 'kube_pod_container_resource_limits',
      labels: ksm(c, { namespace: pod.namespace, pod: pod.pod, uid: pod.uid, node: pod.node, container: 'base', resource, unit }),
      values: hold(limit, minutes),
    },
  ];
}

/** Node series of the compute pool (kube_node_labels with the pool label kube-state-metrics exports). */
function nodeLabels(c: ClusterConfig, node: string, pool: string, minutes: number): Series {
  return {
    metric: 'kube_node_labels',
    labels: ksm(c, { node, [ksmLabel(c.compute!.poolLabel)]: pool, label_kubernetes_io_arch: 'amd64' }),
    values: hold(1, minutes),
  };
}

const CASES: Partial<Record<AlertName, (c: ClusterConfig) => Scenario[]>> = {
  PodCpuNearLimit: (c) => {
    const { above, for: f } = c.monitoring.thresholds.PodCpuNearLimit!;
    const limit = cpuCores(workloadProfile(c).limits.cpu);
    const minutes = span(secondsOf(f) + secondsOf(c.monitoring.rateWindow) + MINUTE);
    const hot = workerPod(c, 'ftf-momentum-features-btc-7d9f2', 'scw-compute-1');
    const calm = workerPod(c, 'ftf-momentum-features-eth-4c1a8', 'scw-compute-1');
    // CPU seconds grow by usage x 60 per minute; rate() has a value from the second sample on.
    const cpu = (pod: Labels, ratio: number) =>
      containerSeries(c, pod, 'container_cpu_usage_seconds_total', counter(0, limit * ratio * MINUTE, minutes), 'cpu', limit, minutes);
    return [{
      name: `one container above ${above} of its CPU limit, one below`,
      series: [...cpu(hot, over(above)), ...cpu(calm, under(above))],
      checks: holdChecks(rateOnset(c), f, [{ namespace: hot.namespace, pod: hot.pod, container: 'base' }]),
    }];
  },
  PodMemoryNearLimit: (c) => {
    const { above, for: f } = c.monitoring.thresholds.PodMemoryNearLimit!;
    const limit = memoryBytes(workloadProfile(c).limits.memory);
    const minutes = span(secondsOf(f) + MINUTE);
    const hot = workerPod(c, 'ftf-btc-features-btc-9a7e1', 'scw-compute-2');
    const calm = workerPod(c, 'wfrb-btc-2b6c3', 'scw-compute-2');
    const mem = (pod: Labels, ratio: number) =>
      containerSeries(c, pod, 'container_memory_working_set_bytes', hold(Math.round(limit * ratio), minutes), 'memory', limit, minutes);
    return [{
      name: `one working set above ${above} of its memory limit, one below`,
      series: [...mem(hot, over(above)), ...mem(calm, under(above))],
      checks: holdChecks(0, f, [{ namespace: hot.namespace, pod: hot.pod, container: 'base' }]),
    }];
  },
  NodeCpuHigh: (c) => {
    const { above, for: f } = c.monitoring.thresholds.NodeCpuHigh!;
    const minutes = span(secondsOf(f) + secondsOf(c.monitoring.rateWindow) + MINUTE);
    const cpus = (instance: string, busy: number): Series[] =>
      ['0', '1'].flatMap((cpu) => [
        { metric: 'node_cpu_seconds_total', labels: { ...c.monitoring.jobs.nodeExporter!, ...NODE_EXPORTER, instance, cpu, mode: 'idle' }, values: counter(1000, (1 - busy) * MINUTE, minutes) },
        { metric: 'node_cpu_seconds_total', labels: { ...c.monitoring.jobs.nodeExporter!, ...NODE_EXPORTER, instance, cpu, mode: 'user' }, values: counter(1000, busy * MINUTE, minutes) },
      ]);
    return [{
      name: `one node busy above ${above}, one below`,
      series: [...cpus('10.0.2.11:9100', over(above)), ...cpus('10.0.2.12:9100', under(above))],
      checks: holdChecks(rateOnset(c), f, [{ instance: '10.0.2.11:9100' }]),
    }];
  },
  NodeMemoryHigh: (c) => {
    const { above, for: f } = c.monitoring.thresholds.NodeMemoryHigh!;
    const [, pool] = workloadPool(c.compute!);
    const total = memoryBytes(c.compute!.nodeTypes[pool.nodeType].memory);
    const minutes = span(secondsOf(f) + MINUTE);
    const node = (instance: string, used: number): Series[] => [
      { metric: 'node_memory_MemTotal_bytes', labels: { ...c.monitoring.jobs.nodeExporter!, ...NODE_EXPORTER, instance }, values: hold(total, minutes) },
      { metric: 'node_memory_MemAvailable_bytes', labels: { ...c.monitoring.jobs.nodeExporter!, ...NODE_EXPORTER, instance }, values: hold(Math.round(total * (1 - used)), minutes) },
    ];
    return [{
      name: `one node using more than ${above} of its memory, one less`,
      series: [...node('10.0.2.11:9100', over(above)), ...node('10.0.2.12:9100', under(above))],
      checks: holdChecks(0, f, [{ instance: '10.0.2.11:9100' }]),
    }];
  },
  PodsPendingTooLong: (c) => {
    const { for: f } = c.monitoring.thresholds.PodsPendingTooLong!;
    const minutes = span(secondsOf(f) + MINUTE);
    const stuck = { namespace: 'mlflow', pod: 'mlflow-6f8d9c7b5-x2x9z', uid: 'u-stuck' };
    // Pending for one interval less than `for`, then Running.
    const brief = { namespace: c.airflow!.namespace, pod: 'discovery-btc-8e2f1', uid: 'u-brief' };
    const briefMinutes = Math.max(1, secondsOf(f) / MINUTE - 1);
    return [{
      name: 'one pod stays Pending, one is scheduled before the limit',
      series: [
        ...podPhases(c, stuck, [['Pending', minutes]]),
        ...podPhases(c, brief, [['Pending', briefMinutes], ['Running', minutes - briefMinutes]]),
      ],
      checks: holdChecks(0, f, [{ namespace: stuck.namespace, pod: stuck.pod }]),
    }];
  },
  ComputeScaleUpSlow: (c) => {
    const { for: f } = c.monitoring.thresholds.ComputeScaleUpSlow!;
    const [name, pool] = workloadPool(c.compute!);
    const platform = Object.keys(c.compute!.pools).find((p) => p !== name)!;
    const minutes = span(secondsOf(f) + MINUTE);
    const unplaced = [1, 2, 3].flatMap((i) => pendingPod(c, workerPod(c, `ftf-normal-${i}`), minutes));
    const nodes = (n: number) => Array.from({ length: n }, (_, i) => nodeLabels(c, `scw-${name}-${i + 1}`, name, minutes));
    const permanent = nodeLabels(c, `scw-${platform}-1`, platform, minutes);
    const quiet = [{ at: secondsOf(f) + MINUTE, firing: [] }];
    return [
      { name: `pods unschedulable, pool at ${pool.max - 1} of ${pool.max} nodes`, series: [...unplaced, ...nodes(pool.max - 1), permanent], checks: holdChecks(0, f, [{}]) },
      { name: 'pods unschedulable, pool scaled to zero nodes', series: [...unplaced, permanent], checks: holdChecks(0, f, [{}]) },
      { name: `pods unschedulable, pool at its max ${pool.max} nodes (nothing to add)`, series: [...unplaced, ...nodes(pool.max), permanent], checks: quiet },
      {
        name: `a pod scheduled on a node but still Pending (pulling its image), pool at ${pool.max - 1} of ${pool.max} nodes`,
        series: [...pendingPod(c, workerPod(c, 'ftf-normal-pulling', `scw-${name}-1`), minutes), ...nodes(pool.max - 1), permanent],
        checks: quiet,
      },
    ];
  },
  ComputeNodesIdle: (c) => {
    const { for: f } = c.monitoring.thresholds.ComputeNodesIdle!;
    const [name] = workloadPool(c.compute!);
    const platform = Object.keys(c.compute!.pools).find((p) => p !== name)!;
    const minutes = span(secondsOf(f) + MINUTE);
    const info = (pod: Labels, kind: string) => ({
      metric: 'kube_pod_info',
      labels: ksm(c, { ...pod, created_by_kind: kind, created_by_name: kind === 'DaemonSet' ? 'node-exporter' : '<none>', host_ip: '10.0.2.11', pod_ip: '100.64.1.7', priority_class: '' }),
      values: hold(1, minutes),
    });
    const busy = workerPod(c, 'ftf-normal-btc-1', `scw-${name}-1`);
    const done = workerPod(c, 'wfrb-btc-1', `scw-${name}-2`);
    const daemon = { namespace: 'kube-system', pod: 'node-exporter-abcde', uid: 'u-ne', node: `scw-${name}-2` };
    return [{
      name: 'a node running a worker, an idle one with a finished worker and a DaemonSet pod, a platform node',
      series: [
        nodeLabels(c, busy.node, name, minutes), nodeLabels(c, done.node, name, minutes), nodeLabels(c, `scw-${platform}-1`, platform, minutes),
        info(busy, '<none>'), ...podPhases(c, busy, [['Running', minutes]]),
        info(done, '<none>'), ...podPhases(c, done, [['Succeeded', minutes]]),
        info(daemon, 'DaemonSet'), ...podPhases(c, daemon, [['Running', minutes]]),
      ],
      checks: holdChecks(0, f, [{ node: done.node }]),
    }];
  },
  TaskRetried: (c) => {
    const { window } = c.monitoring.thresholds.TaskRetried!;
    const retryAt = 10; // minute of the failed try
    const minutes = span(secondsOf(window) + (retryAt + 5) * MINUTE);
    const statsd = { ...c.monitoring.jobs.airflowStatsd!, instance: '100.64.0.9:9102', namespace: c.airflow!.namespace, pod: 'airflow-statsd-5d4c7b9f8-q2w7k' };
    const task = { dag_id: 'ftf_normal', task_id: 'train_btc' };
    return [{
      name: `a try goes up_for_retry at minute ${retryAt}; other tasks only succeed`,
      series: [
        { metric: 'airflow_ti_finish', labels: { ...statsd, ...task, state: 'up_for_retry' }, values: `${hold(0, retryAt)} ${hold(1, minutes - retryAt)}` },
        { metric: 'airflow_ti_finish', labels: { ...statsd, ...task, state: 'success' }, values: counter(0, 1, minutes) },
        { metric: 'airflow_ti_finish', labels: { ...statsd, dag_id: 'wfrb', task_id: 'backtest_eth', state: 'success' }, values: counter(0, 1, minutes) },
      ],
      checks: [
        { at: (retryAt - 1) * MINUTE, firing: [] },
        { at: (retryAt + 1) * MINUTE, firing: [task] },
        // Once the retry has left the window, the alert resolves.
        { at: retryAt * MINUTE + secondsOf(window) + 2 * MINUTE, firing: [] },
      ],
    }];
  },
  DependencyDown: (c) => {
    const { for: f } = c.monitoring.thresholds.DependencyDown!;
    const targets = probeTargets(c);
    const [down, blip] = targets;
    const failAt = 2; // minute
    const minutes = span(secondsOf(f) + (failAt + 2) * MINUTE);
    const probe = (t: (typeof targets)[number], values: string): Series => ({
      metric: 'probe_success',
      labels: { job: c.monitoring.blackbox!.jobName, instance: t.target, dependency: t.dependency, namespace: c.monitoring.namespace },
      values,
    });
    return [{
      name: `${down.dependency} stays down, ${blip.dependency} fails one probe, the rest are up`,
      series: targets.map((t) =>
        t === down ? probe(t, `${hold(1, failAt)} ${hold(0, minutes - failAt)}`)
        : t === blip ? probe(t, `${hold(1, failAt)} 0 ${hold(1, minutes - failAt - 1)}`)
        : probe(t, hold(1, minutes))),
      checks: holdChecks(failAt * MINUTE, f, [{ dependency: down.dependency, instance: down.target }]),
    }];
  },
  KedaScalerErrors: (c) => kedaCase(c, 'KedaScalerErrors'),
  KedaScaledObjectErrors: (c) => kedaCase(c, 'KedaScaledObjectErrors'),
  BuildkitQueueBacklog: (c) => {
    const { above, for: f } = c.monitoring.thresholds.BuildkitQueueBacklog!;
    const [deep, ...others] = fleet(c.buildkit!);
    const minutes = span(secondsOf(f) + MINUTE);
    const queue = (proxy: string, n: number): Series => ({ metric: 'haproxy_backend_current_queue', labels: { ...haproxyTarget(c), proxy }, values: hold(n, minutes) });
    return [{
      name: `${deep.name} queues ${above + 1} builds, the others exactly ${above}`,
      series: [queue(deep.name, above + 1), ...others.map((a) => queue(a.name, above)), queue('stats', 0)],
      checks: holdChecks(0, f, [{ proxy: deep.name }]),
    }];
  },
  BuildkitAtMaxReplicas: (c) => {
    const { for: f } = c.monitoring.thresholds.BuildkitAtMaxReplicas!;
    const [full, ...others] = fleet(c.buildkit!);
    const minutes = span(secondsOf(f) + MINUTE);
    const ns = c.buildkit!.namespaces.farm;
    const hpa = (name: string, max: number, current: number): Series[] => [
      { metric: 'kube_horizontalpodautoscaler_spec_max_replicas', labels: ksm(c, { namespace: ns, horizontalpodautoscaler: name }), values: hold(max, minutes) },
      { metric: 'kube_horizontalpodautoscaler_status_current_replicas', labels: ksm(c, { namespace: ns, horizontalpodautoscaler: name }), values: hold(current, minutes) },
    ];
    const scenarios: Scenario[] = [{
      name: `${full.arch} runs its max ${full.max} replicas, the others one less; a non-KEDA HPA at max is ignored`,
      series: [
        ...hpa(`keda-hpa-${full.name}`, full.max, full.max),
        ...others.flatMap((a) => hpa(`keda-hpa-${a.name}`, a.max, a.max - 1)),
        ...hpa('haproxy', 2, 2),
      ],
      checks: holdChecks(0, f, [{ namespace: ns, horizontalpodautoscaler: `keda-hpa-${full.name}` }]),
    }];
    if (!c.buildkit!.autoscaling.enabled) {
      // What a fixed fleet really exports: Deployments at their replicas, no HPA at all.
      const deployment = (a: (typeof others)[number]): Series[] =>
        ['kube_deployment_spec_replicas', 'kube_deployment_status_replicas'].map((metric) => ({
          metric, labels: ksm(c, { namespace: ns, deployment: a.name }), values: hold(a.replicas ?? a.max, minutes),
        }));
      scenarios.push({ name: 'fixed fleet: every Deployment runs its replicas, KEDA scales nothing', series: [full, ...others].flatMap(deployment), checks: [{ at: secondsOf(f) + MINUTE, firing: [] }] });
    }
    return scenarios;
  },
  BuildkitSlotsExhausted: (c) => {
    const { for: f } = c.monitoring.thresholds.BuildkitSlotsExhausted!;
    const [full, ...others] = fleet(c.buildkit!);
    const minutes = span(secondsOf(f) + MINUTE);
    const target = haproxyTarget(c);
    // One series per server-template slot (named pod1, pod2, ... in haproxy.cfg); a slot in use carries one session (maxconn 1).
    const servers = (backend: string, slots: number, busy: number): Series[] =>
      Array.from({ length: slots }, (_, i) => ({
        metric: 'haproxy_server_current_sessions',
        labels: { ...target, proxy: backend, server: `pod${i + 1}` },
        values: hold(i < busy ? 1 : 0, minutes),
      }));
    return [{
      name: `all ${full.slots} slots of ${full.name} busy, one slot free elsewhere`,
      series: [...servers(full.name, full.slots, full.slots), ...others.flatMap((a) => servers(a.name, a.slots, a.slots - 1))],
      checks: holdChecks(0, f, [{ instance: target.instance, proxy: full.name }]),
    }];
  },
};

/** HAProxy's exporter as the buildkit component's ServiceMonitor scrapes it, in the farm namespace. */
function haproxyTarget(c: ClusterConfig): Labels {
  return { job: 'buildkit-lb-metrics', namespace: c.buildkit!.namespaces.farm, service: 'buildkit-lb-metrics', instance: '100.64.3.21:9404', pod: 'buildkit-lb-6c5b8d7f9-h4k2m', endpoint: 'metrics' };
}

/** KEDA counts scaler errors from `errorsAt` on for one arch; the others never fail (KEDA starts counters at 0). */
function kedaCase(c: ClusterConfig, alert: 'KedaScalerErrors' | 'KedaScaledObjectErrors'): Scenario[] {
  const { for: f } = c.monitoring.thresholds[alert]!;
  const scaler = alert === 'KedaScalerErrors';
  const [failing, ...others] = fleet(c.buildkit!);
  const errorsAt = 5; // minute
  const minutes = span(secondsOf(f) + (errorsAt + 2) * MINUTE);
  const target = { ...c.monitoring.jobs.keda!, namespace: 'keda', instance: '100.64.2.8:8080', pod: 'keda-operator-7b9c5d6f4-l8p3n' };
  const series = (scaledObject: string, values: string): Series => ({
    metric: scaler ? 'keda_scaler_detail_errors_total' : 'keda_scaled_object_errors_total',
    // KEDA's own namespace label clashes with the target's, so Prometheus keeps it as exported_namespace.
    labels: {
      ...target, exported_namespace: c.buildkit!.namespaces.farm, scaledObject,
      ...(scaler ? { scaler: 'metricsAPIScaler', triggerIndex: '0', metric: 's0-metric-api-haproxy_backend_current_sessions', type: 'scaledobject' } : {}),
    },
    values,
  });
  return [{
    name: `${failing.name} fails every poll from minute ${errorsAt}, the others never`,
    series: [series(failing.name, `${hold(0, errorsAt)} ${counter(2, 2, minutes - errorsAt)}`), ...others.map((a) => series(a.name, hold(0, minutes)))],
    checks: holdChecks(errorsAt * MINUTE, f, [scaler ? { scaledObject: failing.name, scaler: 'metricsAPIScaler' } : { scaledObject: failing.name }]),
  }];
}

/** Renders the annotation templates the way Prometheus does for {{ $labels.x }} (the only action they use). */
function expand(text: string, labels: Labels): string {
  const out = text.replace(/\{\{ \$labels\.([a-zA-Z_][a-zA-Z0-9_]*) \}\}/g, (_, k) => labels[k] ?? '');
  if (out.includes('{{')) throw new Error(`unexpected template action in ${text}`);
  return out;
}

const series = (s: Series) => `${s.metric}{${Object.entries(s.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`;
const duration = (s: number) => (s % MINUTE === 0 ? `${s / MINUTE}m` : `${s}s`);

/** The alerts of a cluster that have no promtool case (should be none). */
export function uncovered(c: ClusterConfig): string[] {
  return prometheusGroups(c, alertsFor(c)).flatMap((g) => g.rules).map((r) => r.alert).filter((a) => !(a in CASES));
}

/** The promtool test file of a cluster, reading the rules file at `rulesFile` (relative to the test file). */
export function promtoolTests(c: ClusterConfig, rulesFile: string) {
  const rules = prometheusGroups(c, alertsFor(c)).flatMap((g) => g.rules);
  const test = (rule: PromRule, s: Scenario) => ({
    name: `${rule.alert}: ${s.name}`,
    interval: SAMPLE_INTERVAL,
    input_series: s.series.map((x) => ({ series: series(x), values: x.values })),
    alert_rule_test: s.checks.map((check) => ({
      eval_time: duration(check.at),
      alertname: rule.alert,
      exp_alerts: check.firing.map((labels) => ({
        exp_labels: { ...labels, ...rule.labels },
        exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, expand(v, labels)])),
      })),
    })),
  });
  return {
    rule_files: [rulesFile],
    evaluation_interval: c.monitoring.grafana.evaluationInterval,
    tests: rules.flatMap((rule) => (CASES[rule.alert as AlertName]?.(c) ?? []).map((s) => test(rule, s))),
  };
}
