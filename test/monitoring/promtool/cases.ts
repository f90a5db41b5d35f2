// promtool unit tests of every Prometheus alert: for each one, input series labelled exactly as the
// real scrape produces them (the exporter's own labels, plus job, instance, namespace, pod,
// service, endpoint and container as prometheus-operator's ServiceMonitors set them, honorLabels
// for kube-state-metrics and the kubelet as kube-prometheus-stack configures them; a Probe's job is
// its jobName), scenarios where it fires, where it stays quiet, and the edge cases that once fooled
// it (a killed worker's retry, a counter first seen at 1, a single transient error, a missing
// exporter or allow-listed label, a normal scale-up cascade, a jumpy queue, an HPA capped below
// what it wants). Every value is derived from the cluster config: the thresholds, `for`, the
// profile limits, the pool size, the slot counts, the budget. The generated files are kept in
// test/monitoring/promtool/.
import { fleet } from '../../../lib/buildkit/fleet';
import { cpuCores, memoryBytes } from '../../../lib/core/quantity';
import type { ClusterConfig } from '../../../lib/config/schema';
import { statsdService } from '../../../lib/airflow';
import { haproxyJob, withFallback } from '../../../lib/buildkit';
import { scaleUpStallMinutes, workloadPool } from '../../../lib/compute';
import { HOURS_PER_MONTH } from '../../../lib/compute';
import { alertsFor, buildkitInputs, computeBudget, probeTargets, ruleProps } from '../../../lib/config/components/monitoring';
import { AlertName, ksmLabel, secondsOf } from '../../../lib/core/alerts';
import { prometheusGroups, PromRule } from '../../../lib/monitoring';

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
  /** Sample interval of the series (default one minute). */
  interval?: number;
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
/** No sample for `minutes` (the series does not exist then). */
const gap = (minutes: number): string => (minutes === 1 ? '_' : `_x${minutes}`);
/** `minutes` samples: absent before `from`, then `value`. */
const from = (start: number, value: number, minutes: number): string => (start > 0 ? `${gap(start)} ${hold(value, minutes - start)}` : hold(value, minutes));

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

// Target labels Prometheus adds when it scrapes each exporter through kube-prometheus-stack (or
// the generated ServiceMonitors). kube-state-metrics and the kubelet are scraped with honorLabels,
// so their own namespace, pod and container labels win and the target's fill the gaps.
const ksmTarget = (c: ClusterConfig): Labels => ({
  ...c.monitoring.jobs.kubeStateMetrics!, instance: '10.0.1.15:8080', endpoint: 'http', service: 'kube-prometheus-stack-kube-state-metrics',
  namespace: c.monitoring.namespace, pod: 'kube-prometheus-stack-kube-state-metrics-6d9f8b7c4-x7k2p', container: 'kube-state-metrics',
});
const KUBELET = { instance: '10.0.2.11:10250', endpoint: 'https-metrics', service: 'kube-prometheus-stack-kubelet' };
const nodeExporter = (c: ClusterConfig, instance: string): Labels => ({
  ...c.monitoring.jobs.nodeExporter!, instance, endpoint: 'http-metrics', service: 'kube-prometheus-stack-prometheus-node-exporter',
  namespace: c.monitoring.namespace, pod: `kube-prometheus-stack-prometheus-node-exporter-${instance.split('.')[3].split(':')[0]}`, container: 'node-exporter',
});
/** The chart's StatsD exporter through the generated ServiceMonitor (port statsd-scrape). */
const statsdTarget = (c: ClusterConfig): Labels => ({
  ...c.monitoring.jobs.airflowStatsd!, instance: '100.64.0.9:9102', endpoint: 'statsd-scrape', service: statsdService(c.airflow!.helm.release),
  namespace: c.airflow!.namespace, pod: `${c.airflow!.helm.release}-statsd-5d4c7b9f8-q2w7k`, container: 'statsd',
});
/** The KEDA operator through the generated ServiceMonitor; KEDA's own namespace label becomes exported_namespace. */
const kedaTarget = (c: ClusterConfig): Labels => ({
  ...c.monitoring.jobs.keda!, instance: '100.64.2.8:8080', endpoint: 'metrics', service: 'keda-operator',
  namespace: c.buildkit!.namespaces.keda, pod: 'keda-operator-7b9c5d6f4-l8p3n', container: 'keda-operator',
});
/** The Karpenter controller through its chart's ServiceMonitor. */
const karpenterTarget = (c: ClusterConfig): Labels => ({
  ...c.monitoring.jobs.karpenter!, instance: '10.0.5.23:8080', endpoint: 'http-metrics', service: 'karpenter',
  namespace: 'kube-system', pod: 'karpenter-6f7d8c9b5-m2n4p', container: 'controller',
});

function ksm(c: ClusterConfig, labels: Labels): Labels {
  return { ...ksmTarget(c), ...labels };
}

/** `up` of one scrape target (its target labels only). */
const up = (target: Labels, values: string): Series => ({ metric: 'up', labels: target, values });

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

/**
 * kube_node_labels of a node: with the pool label when kube-state-metrics allow-lists it (pool
 * given), without it when the allow-list is missing (pool undefined).
 */
function nodeLabels(c: ClusterConfig, node: string, pool: string | undefined, minutes: number | string): Series {
  return {
    metric: 'kube_node_labels',
    labels: ksm(c, { node, ...(pool ? { [ksmLabel(c.compute!.poolLabel)]: pool } : {}) }),
    values: typeof minutes === 'number' ? hold(1, minutes) : minutes,
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
    // a kube-state-metrics rollout: the old and the new pod both export the limits for a while
    const twice = (pod: Labels, ratio: number) => {
      const series = mem(pod, ratio);
      const limit = series.find((x) => x.metric === 'kube_pod_container_resource_limits')!;
      return [...series, { ...limit, labels: { ...limit.labels, instance: '10.0.1.16:8080' } }];
    };
    return [
      {
        name: `one working set above ${above} of its memory limit, one below`,
        series: [...mem(hot, over(above)), ...mem(calm, under(above))],
        checks: holdChecks(0, f, [{ namespace: hot.namespace, pod: hot.pod, container: 'base' }]),
      },
      {
        name: 'the same during a kube-state-metrics rollout (each limit exported twice)',
        series: [...twice(hot, over(above)), ...twice(calm, under(above))],
        checks: holdChecks(0, f, [{ namespace: hot.namespace, pod: hot.pod, container: 'base' }]),
      },
    ];
  },
  NodeCpuHigh: (c) => {
    const { above, for: f } = c.monitoring.thresholds.NodeCpuHigh!;
    const minutes = span(secondsOf(f) + secondsOf(c.monitoring.rateWindow) + MINUTE);
    // node-exporter's modes per CPU, as shares of the time; the rest of each minute is idle.
    const cpus = (instance: string, modes: Record<string, number>): Series[] =>
      ['0', '1'].flatMap((cpu) => {
        const all = { ...modes, idle: 1 - Object.values(modes).reduce((x, y) => x + y, 0) };
        return Object.entries(all).map(([mode, share]) => ({
          metric: 'node_cpu_seconds_total', labels: { ...nodeExporter(c, instance), cpu, mode }, values: counter(1000, share * MINUTE, minutes),
        }));
      });
    return [{
      name: `one node busy above ${above}, one below, one waiting on disk (iowait is not busy)`,
      series: [
        ...cpus('10.0.2.11:9100', { user: over(above) - 0.05, system: 0.05 }),
        ...cpus('10.0.2.12:9100', { user: under(above) }),
        // old signal (1 - idle) would read this node as busy above the threshold
        ...cpus('10.0.2.13:9100', { user: under(above), iowait: (1 - under(above)) * 0.9, steal: (1 - under(above)) * 0.05 }),
      ],
      checks: holdChecks(rateOnset(c), f, [{ instance: '10.0.2.11:9100' }]),
    }];
  },
  NodeMemoryHigh: (c) => {
    const { above, for: f } = c.monitoring.thresholds.NodeMemoryHigh!;
    const [, pool] = workloadPool(c.compute!);
    const total = memoryBytes(c.compute!.nodeTypes[pool.nodeType].memory);
    const minutes = span(secondsOf(f) + MINUTE);
    const node = (instance: string, used: number): Series[] => [
      { metric: 'node_memory_MemTotal_bytes', labels: nodeExporter(c, instance), values: hold(total, minutes) },
      { metric: 'node_memory_MemAvailable_bytes', labels: nodeExporter(c, instance), values: hold(Math.round(total * (1 - used)), minutes) },
    ];
    return [{
      name: `one node using more than ${above} of its memory, one less`,
      series: [...node('10.0.2.11:9100', over(above)), ...node('10.0.2.12:9100', under(above))],
      checks: holdChecks(0, f, [{ instance: '10.0.2.11:9100' }]),
    }];
  },
  PodOOMKilled: (c) => {
    const { window } = c.monitoring.thresholds.PodOOMKilled!;
    const w = secondsOf(window) / MINUTE;
    const killAt = w + 10; // minute the worker is killed, after an older kill has aged out
    const ksmRestartAt = killAt + 5;
    const minutes = killAt + w + 10;
    const old = workerPod(c, 'ftf-heavy-btc-3c9d1', 'scw-compute-1');
    const worker = workerPod(c, 'ftf-heavy-eth-7f2a4', 'scw-compute-2');
    const terminated = (pod: Labels, reason: string, values: string, target: Labels = {}): Series => ({
      metric: 'kube_pod_container_status_terminated_reason', labels: { ...ksm(c, { namespace: pod.namespace, pod: pod.pod, uid: pod.uid, container: 'base', reason }), ...target }, values,
    });
    // kube-state-metrics restarted: a new pod IP, so a new instance (its pod label is the object's: honorLabels)
    const restarted = { instance: '10.0.1.16:8080' };
    const platform = { namespace: 'mlflow', pod: 'mlflow-6f8d9c7b5-x2x9z', uid: 'u-mlflow' };
    const restartAt = 10;
    return [
      {
        name: `restartPolicy Never: a worker OOM-killed at minute ${killAt}; one killed before the window (kube-state-metrics restarts meanwhile), one Completed`,
        series: [
          terminated(old, 'OOMKilled', `${hold(1, ksmRestartAt)} ${gap(minutes - ksmRestartAt)}`),
          terminated(old, 'OOMKilled', `${gap(ksmRestartAt)} ${hold(1, minutes - ksmRestartAt)}`, restarted),
          terminated(workerPod(c, 'wfrb-btc-2b6c3'), 'Completed', hold(1, minutes)),
          terminated(worker, 'OOMKilled', from(killAt, 1, minutes)),
        ],
        checks: [
          { at: (killAt - 1) * MINUTE, firing: [] },
          { at: (killAt + 1) * MINUTE, firing: [{ namespace: worker.namespace, pod: worker.pod, container: 'base' }] },
          { at: (ksmRestartAt + 1) * MINUTE, firing: [{ namespace: worker.namespace, pod: worker.pod, container: 'base' }] },
          { at: (killAt + w + 1) * MINUTE, firing: [] },
        ],
      },
      {
        name: `restartPolicy Always: a platform pod restarted after an OOM kill at minute ${restartAt}`,
        series: [
          { metric: 'kube_pod_container_status_restarts_total', labels: ksm(c, { ...platform, container: 'mlflow' }), values: `${hold(0, restartAt)} ${hold(1, minutes - restartAt)}` },
          { metric: 'kube_pod_container_status_last_terminated_reason', labels: ksm(c, { ...platform, container: 'mlflow', reason: 'OOMKilled' }), values: from(restartAt, 1, minutes) },
        ],
        checks: [
          { at: (restartAt - 1) * MINUTE, firing: [] },
          { at: (restartAt + 1) * MINUTE, firing: [{ namespace: platform.namespace, pod: platform.pod, container: 'mlflow' }] },
          { at: (restartAt + w + 1) * MINUTE, firing: [] },
        ],
      },
    ];
  },
  PodCrashLooping: (c) => {
    const { for: f } = c.monitoring.thresholds.PodCrashLooping!;
    const hold_ = secondsOf(f) / MINUTE;
    const minutes = hold_ + 10;
    // kube-state-metrics exports the waiting reason only while the container waits: the series
    // comes and goes as the back-off alternates with short runs.
    const flapping = (k: number) => Array.from({ length: k }, (_, i) => (i % 4 === 3 ? '_' : '1')).join(' ');
    const looping = { namespace: 'trading', pod: 'trading-api-5c8d7f6b9-p4k8s', uid: 'u-api' };
    const recovered = { namespace: 'platform', pod: 'zenml-7d6c5b4a3-r2t5y', uid: 'u-zenml' };
    const briefly = hold_ - 5;
    return [{
      name: 'one container crash loops for good (the reason comes and goes), one recovers before the limit',
      series: [
        { metric: 'kube_pod_container_status_waiting_reason', labels: ksm(c, { ...looping, container: 'api', reason: 'CrashLoopBackOff' }), values: flapping(minutes) },
        { metric: 'kube_pod_container_status_waiting_reason', labels: ksm(c, { ...recovered, container: 'zenml', reason: 'CrashLoopBackOff' }), values: `${flapping(briefly)} ${gap(minutes - briefly)}` },
      ],
      checks: holdChecks(0, f, [{ namespace: looping.namespace, pod: looping.pod, container: 'api' }]),
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
    const [name, pool] = workloadPool(c.compute!);
    const n = scaleUpStallMinutes(pool, c.monitoring.thresholds.ComputeScaleUpSlow!.scaleUpFactor);
    const platform = Object.keys(c.compute!.pools).find((p) => p !== name)!;
    const minutes = 3 * n + 5;
    const unplaced = (count: number, values = hold(1, minutes)) =>
      Array.from({ length: count }, (_, i) => pendingPod(c, workerPod(c, `ftf-normal-${i + 1}`), minutes)).flatMap((series) =>
        series.map((x) => (x.metric === 'kube_pod_status_unschedulable' ? { ...x, values } : x)));
    const nodes = (k: number, pool_: string | undefined = name, values: string | number = minutes) =>
      Array.from({ length: k }, (_, i) => nodeLabels(c, `scw-${name}-${i + 1}`, pool_, values));
    const permanent = (withLabel = true) => nodeLabels(c, `scw-${platform}-1`, withLabel ? platform : undefined, minutes);
    const quiet = (...at: number[]) => at.map((m) => ({ at: m * MINUTE, firing: [] }));
    // The doc's own scale-up: pods wait from minute 0; two nodes are Ready after the pool's
    // scale-up time, the third (requested then) about 6.5 min in, i.e. a node every
    // scale-up time or so, never N minutes without one.
    const s = pool.scaleUpMinutes!;
    const third = Math.ceil((s * 6.5) / 3);
    const cascade = [
      ...Array.from({ length: 10 }, (_, i) => pendingPod(c, workerPod(c, `ftf-normal-a${i}`), minutes).map((x) => (x.metric === 'kube_pod_status_unschedulable' ? { ...x, values: `${hold(1, s)} ${gap(minutes - s)}` } : x))).flat(),
      ...Array.from({ length: 5 }, (_, i) => pendingPod(c, workerPod(c, `ftf-normal-b${i}`), minutes).map((x) => (x.metric === 'kube_pod_status_unschedulable' ? { ...x, values: `${hold(1, third)} ${gap(minutes - third)}` } : x))).flat(),
      ...nodes(2, name, from(s, 1, minutes)),
      nodeLabels(c, `scw-${name}-3`, name, from(third, 1, minutes)),
      permanent(),
    ];
    return [
      // the node count is compared with the count N minutes earlier, so the condition starts once
      // the pool has been at that size for N minutes
      { name: `pods unschedulable, pool stuck at ${pool.max - 1} of ${pool.max} nodes`, series: [...unplaced(3), ...nodes(pool.max - 1), permanent()], checks: holdChecks(n * MINUTE, `${n}m`, [{}]) },
      {
        name: `the same during a kube-state-metrics rollout: every node exported twice, pool stuck at ${pool.max - 1}`,
        series: [...unplaced(3), ...nodes(pool.max - 1), ...nodes(pool.max - 1).map((x) => ({ ...x, labels: { ...x.labels, instance: '10.0.1.16:8080' } })), permanent()],
        checks: holdChecks(n * MINUTE, `${n}m`, [{}]),
      },
      { name: 'pods unschedulable, pool stuck at zero nodes', series: [...unplaced(3), permanent()], checks: holdChecks(0, `${n}m`, [{}]) },
      { name: `pods unschedulable, pool at its max ${pool.max} nodes (nothing to add)`, series: [...unplaced(3), ...nodes(pool.max), permanent()], checks: quiet(2 * n + 1, 3 * n) },
      {
        name: `a pod scheduled on a node but still Pending (pulling its image), pool at ${pool.max - 1} of ${pool.max} nodes`,
        series: [...pendingPod(c, workerPod(c, 'ftf-normal-pulling', `scw-${name}-1`), minutes), ...nodes(pool.max - 1), permanent()],
        checks: quiet(2 * n + 1, 3 * n),
      },
      { name: `the normal scale-up cascade: 15 pods wait, 2 nodes at ${s} min, the third at ${third} min`, series: cascade, checks: quiet(s, third, n + 1, 2 * n + 1, 3 * n) },
      {
        name: `allow-list missing: kube_node_labels without the pool label, pool really at ${pool.max} nodes`,
        series: [...unplaced(3), ...nodes(pool.max, undefined), permanent(false)],
        checks: quiet(2 * n + 1, 3 * n),
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
  ComputeBudgetBurn: (c) => {
    const { for: f } = c.monitoring.thresholds.ComputeBudgetBurn!;
    const [name] = workloadPool(c.compute!);
    const b = computeBudget(c);
    // The pool size that spends the budget exactly over a month; hourly samples.
    const even = b.variableEur / (HOURS_PER_MONTH * b.eurPerNodeHour);
    const hours = secondsOf(f) / 3600 + 10;
    const ksmUp = up(ksmTarget(c), hold(1, hours));
    const node = (i: number, values: string) => nodeLabels(c, `scw-${name}-${i}`, name, values);
    const nodesAll = Math.ceil(even * 2); // about twice what the budget allows, all the time
    // One node one hour in four: alone, all month, it would spend more than the budget.
    if (even >= 1) throw new Error('ComputeBudgetBurn case: one node no longer exceeds the budget; rethink the quiet case');
    const every = 4;
    const sometimes = Array.from({ length: hours }, (_, i) => (i % every === 0 ? '1' : '_')).join(' ');
    const onHour = Math.floor((hours - 1) / every) * every;
    return [
      {
        name: `${nodesAll} nodes all the time: over the EUR ${Math.round(b.variableEur)} the budget leaves for compute`,
        interval: 3600,
        series: [ksmUp, ...Array.from({ length: nodesAll }, (_, i) => node(i + 1, hold(1, hours)))],
        checks: holdChecks(0, f, [{}]),
      },
      {
        name: `one node one hour in ${every}: over the budget at the instant it runs, within it on average`,
        interval: 3600,
        series: [ksmUp, node(1, sometimes)],
        checks: [{ at: onHour * 3600 + MINUTE, firing: [] }],
      },
    ];
  },
  TaskRetried: (c) => {
    const { window } = c.monitoring.thresholds.TaskRetried!;
    const w = secondsOf(window) / MINUTE;
    const failAt = 10; // minute of the failed try
    const minutes = failAt + w + 10;
    const statsd = statsdTarget(c);
    const task = { dag_id: 'ftf_normal', task_id: 'train_btc' };
    const other = { dag_id: 'wfrb', task_id: 'backtest_eth' };
    // With InfluxDB-style tags a task's start creates its ti.finish counters at 0, one per state.
    const finish = (t: Labels, state: string, values: string): Series => ({ metric: 'airflow_ti_finish', labels: { ...statsd, ...t, state }, values });
    const failures = (t: Labels, values: string): Series => ({ metric: 'airflow_ti_failures', labels: { ...statsd, ...t }, values });
    const checks = (t: Labels): Check[] => [
      { at: (failAt - 1) * MINUTE, firing: [] },
      { at: (failAt + 1) * MINUTE, firing: [t] },
      // once the failure has left the window, the alert resolves
      { at: (failAt + w + 2) * MINUTE, firing: [] },
    ];
    const succeeding = (k = minutes) => [finish(other, 'success', `${hold(0, 3)} ${hold(1, k - 3)}`), finish(other, 'up_for_retry', hold(0, k))];
    return [
      {
        name: `the task's own report: ti.finish up_for_retry at minute ${failAt}, ti_failures first seen at 1 (StatsD creates a counter at its first event)`,
        series: [
          finish(task, 'up_for_retry', `${hold(0, failAt)} ${hold(1, minutes - failAt)}`),
          finish(task, 'success', hold(0, minutes)),
          failures(task, from(failAt, 1, minutes)),
          ...succeeding(),
        ],
        checks: checks(task),
      },
      {
        name: `a worker killed at minute ${failAt} (OOM kill, eviction): no ti.finish, only the scheduler's ti_failures, first seen at 1`,
        series: [
          finish(task, 'up_for_retry', hold(0, minutes)),
          finish(task, 'success', hold(0, minutes)),
          failures(task, from(failAt, 1, minutes)),
          ...succeeding(),
        ],
        checks: checks(task),
      },
      {
        name: `a second failure at minute ${w + failAt} of a task whose counter exists since minute 0 (increase)`,
        series: [failures(task, `${hold(1, w + failAt)} ${hold(2, w + 20)}`), ...succeeding(2 * w + 30)],
        checks: [
          { at: (w + failAt - 1) * MINUTE, firing: [] },
          { at: (w + failAt + 1) * MINUTE, firing: [task] },
          { at: (2 * w + failAt + 2) * MINUTE, firing: [] },
        ],
      },
    ];
  },
  DependencyDown: (c) => {
    const { for: f } = c.monitoring.thresholds.DependencyDown!;
    const targets = probeTargets(c);
    const [down, blip] = targets;
    const failAt = 2; // minute
    const minutes = span(secondsOf(f) + (failAt + 2) * MINUTE);
    return [
      {
        name: `${down.dependency} stays down, ${blip.dependency} fails one probe, the rest are up`,
        series: targets.flatMap((t) => [
          probe(c, t, 'probe_success', t === down ? `${hold(1, failAt)} ${hold(0, minutes - failAt)}` : t === blip ? `${hold(1, failAt)} 0 ${hold(1, minutes - failAt - 1)}` : hold(1, minutes)),
          probe(c, t, 'up', hold(1, minutes)),
        ]),
        checks: holdChecks(failAt * MINUTE, f, [{ dependency: down.dependency, instance: down.target }]),
      },
      {
        name: 'the blackbox exporter is down (or its module unknown): no probe_success at all, DependencyProbesDown speaks',
        series: targets.map((t) => probe(c, t, 'up', hold(0, minutes))),
        checks: [{ at: secondsOf(f) + 2 * MINUTE, firing: [] }],
      },
    ];
  },
  KedaScalerErrors: (c) => kedaCases(c, 'KedaScalerErrors'),
  KedaScaledObjectErrors: (c) => kedaCases(c, 'KedaScaledObjectErrors'),
  KedaFallbackActive: (c) => kedaCases(c, 'KedaFallbackActive'),
  BuildkitQueueBacklog: (c) => {
    const { above, for: f } = c.monitoring.thresholds.BuildkitQueueBacklog!;
    const [deep, ...others] = fleet(c.buildkit!);
    const minutes = span(secondsOf(f) + secondsOf(c.monitoring.rateWindow) + MINUTE);
    const queue = (proxy: string, values: string): Series => ({ metric: 'haproxy_backend_current_queue', labels: { ...haproxyTarget(c), proxy }, values });
    // A build leaving empties the queue for a moment: one scrape in four reads 0.
    const jumpy = Array.from({ length: minutes }, (_, i) => (i % 4 === 3 ? 0 : 2 * above)).join(' ');
    return [
      {
        name: `${deep.name} queues ${above + 1} builds, the others exactly ${above}`,
        series: [queue(deep.name, hold(above + 1, minutes)), ...others.map((a) => queue(a.name, hold(above, minutes))), queue('stats', hold(0, minutes))],
        checks: holdChecks(0, f, [{ proxy: deep.name }]),
      },
      {
        name: `a jumpy queue: ${deep.name} at ${2 * above} with a dip to 0 every fourth scrape`,
        series: [queue(deep.name, jumpy), ...others.map((a) => queue(a.name, hold(0, minutes)))],
        checks: holdChecks(0, f, [{ proxy: deep.name }]),
      },
    ];
  },
  BuildkitAtMaxReplicas: (c) => {
    const { for: f } = c.monitoring.thresholds.BuildkitAtMaxReplicas!;
    const [full, ...others] = fleet(c.buildkit!);
    const minutes = span(secondsOf(f) + MINUTE);
    const ns = c.buildkit!.namespaces.farm;
    const hpa = (name: string, max: number, current: number, desired = current): Series[] =>
      ([['spec_max_replicas', max], ['status_current_replicas', current], ['status_desired_replicas', desired]] as const).map(([m, v]) => ({
        metric: `kube_horizontalpodautoscaler_${m}`, labels: ksm(c, { namespace: ns, horizontalpodautoscaler: name }), values: hold(v, minutes),
      }));
    const scenarios: Scenario[] = [
      {
        name: `${full.arch} runs its max ${full.max} replicas, the others one less; a non-KEDA HPA at max is ignored`,
        series: [
          ...hpa(`keda-hpa-${full.name}`, full.max, full.max),
          ...others.flatMap((a) => hpa(`keda-hpa-${a.name}`, a.max, a.max - 1)),
          ...hpa('haproxy', 2, 2),
        ],
        checks: holdChecks(0, f, [{ namespace: ns, horizontalpodautoscaler: `keda-hpa-${full.name}` }]),
      },
      {
        name: `capped below desired: ${full.arch} wants its max ${full.max} but runs ${full.max - 2}; the others want and run one less than max`,
        series: [
          ...hpa(`keda-hpa-${full.name}`, full.max, full.max - 2, full.max),
          ...others.flatMap((a) => hpa(`keda-hpa-${a.name}`, a.max, a.max - 1)),
        ],
        checks: holdChecks(0, f, [{ namespace: ns, horizontalpodautoscaler: `keda-hpa-${full.name}` }]),
      },
    ];
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
  BuildkitLoadBalancerDown: (c) => {
    const { for: f } = c.monitoring.thresholds.BuildkitLoadBalancerDown!;
    const archs = fleet(c.buildkit!);
    const minutes = span(secondsOf(f) + 2 * MINUTE);
    const target = haproxyTarget(c);
    const active = (proxy: string, n: number): Series => ({ metric: 'haproxy_backend_active_servers', labels: { ...target, proxy }, values: hold(n, minutes) });
    const healthy = archs.map((a) => active(a.name, a.min));
    return [
      { name: 'the HAProxy replica fails its scrapes', series: [up(target, hold(0, minutes))], checks: holdChecks(0, f, [{ job: target.job, instance: target.instance }]) },
      { name: 'no HAProxy target at all (the ServiceMonitor finds nothing)', series: [], checks: holdChecks(0, f, [{ job: target.job, namespace: target.namespace }]) },
      {
        name: `${archs[0].name} has no active server, the others have their min`,
        series: [up(target, hold(1, minutes)), active(archs[0].name, 0), ...healthy.slice(1)],
        checks: holdChecks(0, f, [{ proxy: archs[0].name }]),
      },
      { name: 'HAProxy up, every backend with servers', series: [up(target, hold(1, minutes)), ...healthy], checks: [{ at: secondsOf(f) + 2 * MINUTE, firing: [] }] },
    ];
  },
  KarpenterNodeLaunchFailing: (c) => {
    const { window, for: f } = c.monitoring.thresholds.KarpenterNodeLaunchFailing!;
    const archs = fleet(c.buildkit!);
    const [a] = archs;
    const errorsAt = 5;
    const minutes = span(secondsOf(f) + secondsOf(window) + (errorsAt + 2) * MINUTE);
    const k = karpenterTarget(c);
    const errors = (values: string): Series => ({
      metric: 'karpenter_cloudprovider_errors_total',
      labels: { ...k, controller: 'nodeclaim.lifecycle', method: 'Create', provider: 'aws', error: 'InsufficientCapacityError' },
      values,
    });
    // karpenter_nodepools_usage / _limit per resource (cpu in cores, memory in bytes), as its metrics controller sets them
    const pool = (np: (typeof archs)[number], nodes: number): Series[] => ([['cpu', 1], ['memory', 1]] as const).flatMap(([resource]) => {
      const limit = np.limits[resource];
      return [
        { metric: 'karpenter_nodepools_limit', labels: { ...k, nodepool: np.nodePool, resource_type: resource }, values: hold(limit, minutes) },
        { metric: 'karpenter_nodepools_usage', labels: { ...k, nodepool: np.nodePool, resource_type: resource }, values: hold((limit / np.maxNodes) * nodes, minutes) },
      ];
    });
    const unavailable = (np: (typeof archs)[number], n: number): Series => ({
      metric: 'kube_deployment_status_replicas_unavailable', labels: ksm(c, { namespace: c.buildkit!.namespaces.farm, deployment: np.name }), values: hold(n, minutes),
    });
    const quietAll = [{ at: (errorsAt * MINUTE) + secondsOf(f) + MINUTE, firing: [] }, { at: minutes * MINUTE - MINUTE, firing: [] }];
    return [
      { name: `InsufficientCapacityError on every launch from minute ${errorsAt}`, series: [errors(`${hold(0, errorsAt)} ${counter(1, 1, minutes - errorsAt)}`)], checks: holdChecks(errorsAt * MINUTE, f, [{ error: 'InsufficientCapacityError' }]) },
      { name: `a single launch error at minute ${errorsAt}`, series: [errors(`${hold(0, errorsAt)} ${hold(1, minutes - errorsAt)}`)], checks: quietAll },
      {
        name: `${a.nodePool} at its limits (${a.maxNodes} nodes) while ${a.name} has unavailable pods`,
        series: [...pool(a, a.maxNodes), unavailable(a, 2), ...archs.slice(1).flatMap((x) => [...pool(x, x.maxNodes - 1), unavailable(x, 0)])],
        checks: holdChecks(0, f, [{ nodepool: a.nodePool }]),
      },
      {
        name: 'every NodePool at its limits with every pod available (the farm at its max: normal)',
        series: archs.flatMap((x) => [...pool(x, x.maxNodes), unavailable(x, 0)]),
        checks: [{ at: secondsOf(f) + MINUTE, firing: [] }],
      },
    ];
  },
  KubeStateMetricsDown: (c) => scrapeGuard(c, 'KubeStateMetricsDown', [ksmTarget(c)]),
  NodeExporterDown: (c) => scrapeGuard(c, 'NodeExporterDown', ['10.0.2.11:9100', '10.0.2.12:9100'].map((i) => nodeExporter(c, i))),
  CadvisorDown: (c) => scrapeGuard(c, 'CadvisorDown', ['10.0.2.11:10250', '10.0.2.12:10250'].map((instance) => ({ ...c.monitoring.jobs.cadvisor!, ...KUBELET, instance, namespace: 'kube-system', node: `scw-node-${instance.split('.')[3].split(':')[0]}` }))),
  AirflowStatsdDown: (c) => scrapeGuard(c, 'AirflowStatsdDown', [statsdTarget(c)]),
  DependencyProbesDown: (c) => scrapeGuard(c, 'DependencyProbesDown', probeTargets(c).map((t) => probe(c, t, 'up', '').labels)),
  KedaMetricsDown: (c) => scrapeGuard(c, 'KedaMetricsDown', [kedaTarget(c)]),
  KarpenterMetricsDown: (c) => scrapeGuard(c, 'KarpenterMetricsDown', [karpenterTarget(c)]),
  PoolLabelNotExported: (c) => {
    const { for: f } = c.monitoring.thresholds.PoolLabelNotExported!;
    const [name] = workloadPool(c.compute!);
    const minutes = span(secondsOf(f) + MINUTE);
    const nodes = (label: boolean) => [nodeLabels(c, 'scw-permanent-1', label ? 'permanent' : undefined, minutes), nodeLabels(c, `scw-${name}-1`, label ? name : undefined, minutes)];
    const ksmUp = (v: number) => up(ksmTarget(c), hold(v, minutes));
    return [
      { name: 'kube-state-metrics up, its nodes without the pool label (no allow-list)', series: [ksmUp(1), ...nodes(false)], checks: holdChecks(0, f, [c.monitoring.jobs.kubeStateMetrics!]) },
      { name: 'kube-state-metrics up, nodes with the pool label', series: [ksmUp(1), ...nodes(true)], checks: [{ at: secondsOf(f) + MINUTE, firing: [] }] },
      { name: 'kube-state-metrics down: KubeStateMetricsDown speaks, not this guard', series: [ksmUp(0)], checks: [{ at: secondsOf(f) + MINUTE, firing: [] }] },
    ];
  },
  AirflowMetricsMissing: (c) => {
    const { for: f } = c.monitoring.thresholds.AirflowMetricsMissing!;
    const minutes = span(secondsOf(f) + MINUTE);
    const statsd = statsdTarget(c);
    // the chart's mapping turns airflow.scheduler_heartbeat into this counter, labelled type="counter"
    const heartbeat: Series = { metric: 'airflow_scheduler_heartbeat', labels: { ...statsd, type: 'counter' }, values: counter(100, 12, minutes) };
    return [
      { name: 'the exporter is up and receives nothing from Airflow', series: [up(statsd, hold(1, minutes))], checks: holdChecks(0, f, [c.monitoring.jobs.airflowStatsd!]) },
      { name: 'the scheduler heartbeat arrives', series: [up(statsd, hold(1, minutes)), heartbeat], checks: [{ at: secondsOf(f) + MINUTE, firing: [] }] },
      { name: 'the exporter is down: AirflowStatsdDown speaks, not this guard', series: [up(statsd, hold(0, minutes))], checks: [{ at: secondsOf(f) + MINUTE, firing: [] }] },
    ];
  },
};

/**
 * A scrape guard: fires per target that is down (with the target's job and instance), and once
 * (labelled by the job selector's exact matchers, as absent() gives them) when the job has no
 * target at all; quiet when every target is up.
 */
function scrapeGuard(c: ClusterConfig, alert: AlertName, targets: Labels[]): Scenario[] {
  const f = (c.monitoring.thresholds[alert] as { for: string }).for;
  const minutes = span(secondsOf(f) + MINUTE);
  const [down, ...rest] = targets;
  const job = jobSelector(c, alert);
  return [
    {
      name: `${down.instance} fails its scrapes${rest.length ? ', the other targets are up' : ''}`,
      series: [up(down, hold(0, minutes)), ...rest.map((t) => up(t, hold(1, minutes)))],
      checks: holdChecks(0, f, [{ job: down.job, instance: down.instance }]),
    },
    { name: 'the job has no target at all', series: [], checks: holdChecks(0, f, [job]) },
    { name: 'every target is up', series: targets.map((t) => up(t, hold(1, minutes))), checks: [{ at: secondsOf(f) + MINUTE, firing: [] }] },
  ];
}

/** The exact matchers of a guard's job selector (what absent() turns into labels). */
function jobSelector(c: ClusterConfig, alert: AlertName): Labels {
  const j = c.monitoring.jobs;
  const map: Partial<Record<AlertName, Labels | undefined>> = {
    KubeStateMetricsDown: j.kubeStateMetrics, NodeExporterDown: j.nodeExporter, CadvisorDown: j.cadvisor, AirflowStatsdDown: j.airflowStatsd,
    KedaMetricsDown: j.keda, KarpenterMetricsDown: j.karpenter, DependencyProbesDown: c.monitoring.blackbox ? { job: c.monitoring.blackbox.jobName } : undefined,
  };
  return map[alert] ?? {};
}

/** HAProxy's exporter as the buildkit component's ServiceMonitor scrapes it, in the farm namespace. */
function haproxyTarget(c: ClusterConfig): Labels {
  return { ...haproxyJob(c.buildkit!.namespaces.farm), service: 'buildkit-lb-metrics', instance: '100.64.3.21:9404', pod: 'buildkit-lb-6c5b8d7f9-h4k2m', container: 'haproxy', endpoint: 'metrics' };
}

/** A blackbox Probe's series: job = the Probe's jobName, instance = the target, the Probe's namespace and static labels. */
function probe(c: ClusterConfig, t: ReturnType<typeof probeTargets>[number], metric: string, values: string): Series {
  return { metric, labels: { job: c.monitoring.blackbox!.jobName, instance: t.target, namespace: c.monitoring.namespace, dependency: t.dependency }, values };
}

/**
 * The three KEDA alerts on the same faults, so each shows it is the only one that pages: KEDA
 * counts a scaler error in both counters (RecordScalerError also records a ScaledObject error),
 * and starts both at 0.
 */
function kedaCases(c: ClusterConfig, alert: 'KedaScalerErrors' | 'KedaScaledObjectErrors' | 'KedaFallbackActive'): Scenario[] {
  const { window, for: f } = c.monitoring.thresholds[alert]!;
  const fallback = withFallback(buildkitInputs(c));
  const archs = fleet(c.buildkit!);
  // the arch whose fault this alert reports: one with a fallback for KedaFallbackActive, else one without
  const failing = archs.find((a) => (alert === 'KedaFallbackActive') === fallback.includes(a.name)) ?? archs[0];
  const others = archs.filter((a) => a !== failing);
  const errorsAt = 5; // minute
  const minutes = span(secondsOf(f) + secondsOf(window) + (errorsAt + 2) * MINUTE);
  const keda = kedaTarget(c);
  const scalerLabels = (so: string) => ({ ...keda, exported_namespace: c.buildkit!.namespaces.farm, scaledObject: so, scaler: 'metricsAPIScaler', triggerIndex: '0', metric: 's0-metric-api-haproxy_backend_current_sessions', type: 'scaledobject' });
  const objectLabels = (so: string) => ({ ...keda, exported_namespace: c.buildkit!.namespaces.farm, scaledObject: so });
  const series = (so: string, scalerValues: string, objectValues = scalerValues): Series[] => [
    { metric: 'keda_scaler_detail_errors_total', labels: scalerLabels(so), values: scalerValues },
    { metric: 'keda_scaled_object_errors_total', labels: objectLabels(so), values: objectValues },
  ];
  const persistent = `${hold(0, errorsAt)} ${counter(2, 2, minutes - errorsAt)}`;
  const once = `${hold(0, errorsAt)} ${hold(1, minutes - errorsAt)}`;
  const healthy = others.flatMap((a) => series(a.name, hold(0, minutes)));
  const expected: Labels = alert === 'KedaScaledObjectErrors' ? { scaledObject: failing.name } : { scaledObject: failing.name, scaler: 'metricsAPIScaler' };
  const quietAll = [{ at: (errorsAt * MINUTE) + secondsOf(f) + MINUTE, firing: [] }, { at: minutes * MINUTE - MINUTE, firing: [] }];
  const mine = alert !== 'KedaScaledObjectErrors' && fallback.includes(failing.name) === (alert === 'KedaFallbackActive');
  return [
    {
      name: `${failing.name}'s scaler fails every poll from minute ${errorsAt}${fallback.includes(failing.name) ? ' (it has a fallback)' : ''}, the others never`,
      series: [...series(failing.name, persistent), ...healthy],
      checks: mine ? holdChecks(errorsAt * MINUTE, f, [expected]) : quietAll,
    },
    {
      name: `a single transient scaler error on ${failing.name} at minute ${errorsAt}`,
      series: [...series(failing.name, once), ...healthy],
      checks: [{ at: (errorsAt + 1) * MINUTE, firing: [] }, ...quietAll],
    },
    {
      name: `${failing.name} fails as a ScaledObject (its scalers cannot be built) from minute ${errorsAt}; its scaler counts nothing`,
      series: [...series(failing.name, hold(0, minutes), persistent), ...healthy],
      checks: alert === 'KedaScaledObjectErrors' ? holdChecks(errorsAt * MINUTE, f, [expected]) : quietAll,
    },
  ];
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
  return prometheusGroups(ruleProps(c, []), alertsFor(c)).flatMap((g) => g.rules).map((r) => r.alert).filter((a) => !(a in CASES));
}

/** The promtool test file of a cluster, reading the rules file at `rulesFile` (relative to the test file). */
export function promtoolTests(c: ClusterConfig, rulesFile: string) {
  const rules = prometheusGroups(ruleProps(c, []), alertsFor(c)).flatMap((g) => g.rules);
  const test = (rule: PromRule, s: Scenario) => ({
    name: `${rule.alert}: ${s.name}`,
    interval: s.interval ? duration(s.interval) : SAMPLE_INTERVAL,
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
