// Pods, nodes and the autoscaled compute pool of the ML platform (SPEC 4, scw-ml-prod). Workload
// pods are the ones in the workload namespace (Airflow's); the compute pool is the pool with role
// `workload`. Built from typed inputs alone; the config mapping fills them from the compute,
// airflow, capacity and monitoring sections.
import {
  alertsOf, AlertBody, AlertSet, AlertThresholds, ComputeAlertName, ksmLabel, Need, ratioText, ScrapeJob, selector,
} from '../core/alerts';
import { HOURS_PER_MONTH } from './pools';

/** One pool that runs workload pods, as its alerts and dashboards see it. */
export interface WorkloadPool {
  /** Pool name: the value of the pool label on its nodes. */
  name: string;
  max: number;
  /** Minutes a scale-up normally takes (ComputeScaleUpSlow waits this x scaleUpFactor). */
  scaleUpMinutes?: number;
  /** Minutes the autoscaler waits before removing an idle node (named in ComputeNodesIdle). */
  scaleDownIdleMinutes?: number;
}

/** The series that tell a pool's nodes apart: the node label kube-state-metrics exports. */
export interface PoolSeries {
  /** Pool name (the label's value). */
  name: string;
  /** Node label carrying the pool name (compute.poolLabel); kube-state-metrics must allow-list it. */
  label: string;
  kubeStateMetrics: ScrapeJob;
}

/**
 * ComputeBudgetBurn's numbers, from the capacity plan's own functions: the compute pool's hourly
 * price, and the budget left once the plan's permanent and fixed lines are paid.
 */
export interface ComputeBudget {
  eurPerNodeHour: number;
  variableEur: number;
  fixedEur: number;
  /** capacity.budgetEurPerMonth. */
  budgetEurPerMonth: number;
  /** Folder the capacity plan is published in (plan.md, plan.json; named in the runbook), e.g. dist/<cluster>/capacity. */
  planDir: string;
  /** The plan's months: their compute (scenario) spend and total, as plan.json has them. */
  months: { id: string; computeEur: number; totalEur: number }[];
}

export interface ComputeAlertInputs {
  pool: WorkloadPool;
  /** compute.poolLabel: the node label naming each node's pool. */
  poolLabel: string;
  /** Namespace of the workload pods (airflow.namespace). */
  workloadNamespace: string;
  /** Range of rate() over counters (monitoring.rateWindow). */
  rateWindow: string;
  /** ComputeBudgetBurn is built when a budget is given. */
  budget?: ComputeBudget;
  thresholds: Pick<AlertThresholds, Exclude<ComputeAlertName, 'ComputeBudgetBurn'>> & Partial<Pick<AlertThresholds, 'ComputeBudgetBurn'>>;
  jobs: { kubeStateMetrics: ScrapeJob; cadvisor: ScrapeJob; nodeExporter: ScrapeJob };
}

/** The one pool that runs workload pods: [name, pool]. */
export function workloadPool<P extends { role: string }>(compute: { pools: Record<string, P> }): [string, P] {
  const pools = Object.keys(compute.pools).filter((name) => compute.pools[name].role === 'workload');
  if (pools.length !== 1) throw new Error(`expected one workload pool, found ${pools.length}`);
  return [pools[0], compute.pools[pools[0]]];
}

/** Selector of the compute pool's nodes in kube_node_labels (kube-state-metrics must allowlist the label). */
export function poolNodes(p: PoolSeries, offset = ''): string {
  return `kube_node_labels${selector({ ...p.kubeStateMetrics, [ksmLabel(p.label)]: p.name })}${offset ? ` offset ${offset}` : ''}`;
}

/** Nodes carrying the pool label at all: none means kube-state-metrics does not export it. */
export const labelledNodes = (p: Omit<PoolSeries, 'name'>): string =>
  `kube_node_labels${selector(p.kubeStateMetrics, `${ksmLabel(p.label)}=~".+"`)}`;

/** Nodes of the compute pool, 0 when it has none; each node once, even while two kube-state-metrics pods export it. */
export const poolCount = (p: PoolSeries, offset = ''): string => `(count(count by (node) (${poolNodes(p, offset)})) or vector(0))`;

/**
 * Average pool size over `window`: node samples per kube-state-metrics scrape (each scrape exports
 * one kube_node_labels sample per node), whatever the scrape interval.
 */
export function averagePoolNodes(p: PoolSeries, window: string): string {
  return `sum(count_over_time(${poolNodes(p)}[${window}]))\n  /\nsum(count_over_time(up${selector(p.kubeStateMetrics)}[${window}]))`;
}

/** The minutes ComputeScaleUpSlow waits for a node: the pool's scale-up time x scaleUpFactor. */
export const scaleUpStallMinutes = (pool: Pick<WorkloadPool, 'scaleUpMinutes'>, scaleUpFactor: number): number => Math.ceil(pool.scaleUpMinutes! * scaleUpFactor);

const poolSeries = (inputs: ComputeAlertInputs): PoolSeries => ({ name: inputs.pool.name, label: inputs.poolLabel, kubeStateMetrics: inputs.jobs.kubeStateMetrics });

const scrape = (input: string, guard: Need['guard'], job: ScrapeJob): Need => ({ input, guard, watch: { kind: 'scrape', job } });
const ksmNeed = (inputs: ComputeAlertInputs) => scrape('kube-state-metrics (monitoring.jobs.kubeStateMetrics)', 'KubeStateMetricsDown', inputs.jobs.kubeStateMetrics);
const cadvisorNeed = (inputs: ComputeAlertInputs) => scrape('the kubelets\' cAdvisor endpoints (monitoring.jobs.cadvisor)', 'CadvisorDown', inputs.jobs.cadvisor);
const nodeExporterNeed = (inputs: ComputeAlertInputs) => scrape('node-exporter on every node (monitoring.jobs.nodeExporter)', 'NodeExporterDown', inputs.jobs.nodeExporter);
const poolLabelNeed = (inputs: ComputeAlertInputs): Need => ({
  input: `kube-state-metrics exporting the node label ${inputs.poolLabel} (--metric-labels-allowlist=nodes=[${inputs.poolLabel}])`,
  guard: 'PoolLabelNotExported',
  watch: { kind: 'series', series: labelledNodes(poolSeries(inputs)), whileUp: inputs.jobs.kubeStateMetrics },
});

/**
 * usage / limit per container, for one resource. A container has one limit per resource: `max`,
 * not `sum`, so the two kube-state-metrics pods of a rollout, exporting it twice, do not halve
 * the ratio.
 */
function nearLimit(inputs: ComputeAlertInputs, usage: string, resource: 'cpu' | 'memory'): string {
  const limits = `kube_pod_container_resource_limits${selector({ ...inputs.jobs.kubeStateMetrics, resource })}`;
  return `sum by (namespace, pod, container) (${usage})\n/\nmax by (namespace, pod, container) (${limits})`;
}

const OOM = 'OOMKilled';
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The fields every "above a ratio for a while" alert shares. */
const aboveFor = (inputs: ComputeAlertInputs, name: 'PodCpuNearLimit' | 'PodMemoryNearLimit' | 'NodeCpuHigh' | 'NodeMemoryHigh') => {
  const { above, for: hold } = inputs.thresholds[name];
  return { above, hold, common: { severity: 'warning' as const, comparison: '>' as const, threshold: above, for: hold, noData: 'OK' as const } };
};

function podCpuNearLimit(inputs: ComputeAlertInputs): AlertBody {
  const { above, hold, common } = aboveFor(inputs, 'PodCpuNearLimit');
  const usage = `rate(container_cpu_usage_seconds_total${selector(inputs.jobs.cadvisor, 'container!=""')}[${inputs.rateWindow}])`;
  return {
    ...common,
    summary: `Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} uses more than ${ratioText(above)} of its CPU limit`,
    description:
      `For ${hold} the container has used more than ${ratioText(above)} of its CPU limit: the kernel throttles it, so the task slows down. ` +
      'First check: its real need (kubectl top pod -n {{ $labels.namespace }} {{ $labels.pod }} --containers) against the limit of its profile; ' +
      'if the need is real, raise the profile limits in compute.profiles.',
    signal: { kind: 'promql', expr: nearLimit(inputs, usage, 'cpu') },
    needs: [cadvisorNeed(inputs), ksmNeed(inputs)],
  };
}

function podMemoryNearLimit(inputs: ComputeAlertInputs): AlertBody {
  const { above, hold, common } = aboveFor(inputs, 'PodMemoryNearLimit');
  const usage = `container_memory_working_set_bytes${selector(inputs.jobs.cadvisor, 'container!=""')}`;
  return {
    ...common,
    summary: `Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} uses more than ${ratioText(above)} of its memory limit`,
    description:
      `For ${hold} the container's working set has been above ${ratioText(above)} of its memory limit: at the limit the kernel OOM-kills it and the task fails (and is retried). ` +
      'First check: the workload\'s measured peak (compute.workloads.*.peakMemory) against its profile limit, and whether this factor belongs to airflow.heavyFactors.',
    signal: { kind: 'promql', expr: nearLimit(inputs, usage, 'memory') },
    needs: [cadvisorNeed(inputs), ksmNeed(inputs)],
  };
}

function nodeCpuHigh(inputs: ComputeAlertInputs): AlertBody {
  const { above, hold, common } = aboveFor(inputs, 'NodeCpuHigh');
  // instance:node_cpu_utilisation as node-mixin records it: idle, iowait and steal are not busy.
  const notBusy = `node_cpu_seconds_total${selector(inputs.jobs.nodeExporter, 'mode=~"idle|iowait|steal"')}`;
  return {
    ...common,
    summary: `Node {{ $labels.instance }} CPU above ${ratioText(above)}`,
    description:
      `For ${hold} the node's CPUs have been busy (not idle, iowait or steal) more than ${ratioText(above)} of the time: pods on it compete for CPU beyond their requests and slow each other down. ` +
      'First check: which pods use the CPU (kubectl top pod -A --sort-by=cpu on that node) and whether their limits sum to more than the node has.',
    signal: { kind: 'promql', expr: `1 - avg by (instance) (\n  sum without (mode) (rate(${notBusy}[${inputs.rateWindow}]))\n)` },
    needs: [nodeExporterNeed(inputs)],
  };
}

function nodeMemoryHigh(inputs: ComputeAlertInputs): AlertBody {
  const { above, hold, common } = aboveFor(inputs, 'NodeMemoryHigh');
  const nodeExporter = selector(inputs.jobs.nodeExporter);
  return {
    ...common,
    summary: `Node {{ $labels.instance }} memory above ${ratioText(above)}`,
    description:
      `For ${hold} less than ${ratioText(1 - above)} of the node's memory has been available: one more peak and the kubelet evicts pods or the kernel OOM-kills one. ` +
      'First check: the biggest pods on the node (kubectl top pod -A --sort-by=memory) against their requests; requests far below use mean the profiles are too small.',
    signal: {
      kind: 'promql',
      expr: `1 - sum by (instance) (node_memory_MemAvailable_bytes${nodeExporter})\n/\nsum by (instance) (node_memory_MemTotal_bytes${nodeExporter})`,
    },
    needs: [nodeExporterNeed(inputs)],
  };
}

function podsPendingTooLong(inputs: ComputeAlertInputs): AlertBody {
  const { for: hold } = inputs.thresholds.PodsPendingTooLong;
  return {
    severity: 'warning',
    summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} Pending',
    description:
      `The pod has been Pending for ${hold}: no node fits its requests, a nodeSelector or taint rules every node out, or its image cannot be pulled. ` +
      'First check: its events (kubectl describe pod -n {{ $labels.namespace }} {{ $labels.pod }}: FailedScheduling, ErrImagePull); for workload pods, also ComputeScaleUpSlow.',
    signal: { kind: 'promql', expr: `max by (namespace, pod) (kube_pod_status_phase${selector({ ...inputs.jobs.kubeStateMetrics, phase: 'Pending' })})` },
    comparison: '>',
    threshold: 0,
    for: hold,
    noData: 'OK',
    needs: [ksmNeed(inputs)],
  };
}

function podOOMKilled(inputs: ComputeAlertInputs): AlertBody {
  const { window } = inputs.thresholds.PodOOMKilled;
  const ksm = inputs.jobs.kubeStateMetrics;
  const by = 'max by (namespace, pod, container)';
  // restartPolicy Never (the workers): the container stays terminated with the reason, so a
  // kill is new when the series did not exist `window` ago. Kept by namespace/pod/container, not
  // by kube-state-metrics' own instance, so a restart of kube-state-metrics is no new kill.
  const terminated = `kube_pod_container_status_terminated_reason${selector({ ...ksm, reason: OOM })}`;
  // restartPolicy Always (platform pods): restarted within `window`, last time for OOM.
  const last = `kube_pod_container_status_last_terminated_reason${selector({ ...ksm, reason: OOM })}`;
  const restarts = `kube_pod_container_status_restarts_total${selector(ksm)}`;
  return {
    severity: 'warning',
    summary: 'Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} was OOM-killed',
    description:
      `Within the last ${window} the kernel killed the container at its memory limit (OOMKilled): a worker's try failed (Airflow retries it once), a platform pod restarted. ` +
      'First check: the container\'s memory limit against its real peak (PodMemoryNearLimit fires before the kill), and for a worker whether its factor belongs to airflow.heavyFactors.',
    signal: {
      kind: 'promql',
      expr:
        `(\n  ${by} (${terminated})\n    unless\n  ${by} (${terminated} offset ${window})\n)\n  or\n` +
        `(\n  ${by} (${last})\n    and on (namespace, pod, container)\n  (${by} (increase(${restarts}[${window}])) > 0)\n)`,
    },
    comparison: '>',
    threshold: 0,
    for: '0s',
    noData: 'OK',
    needs: [ksmNeed(inputs)],
  };
}

function podCrashLooping(inputs: ComputeAlertInputs): AlertBody {
  const { for: hold } = inputs.thresholds.PodCrashLooping;
  // kubernetes-mixin's KubePodCrashLooping: the reason flips between CrashLoopBackOff and
  // running, so look at the last 5 minutes.
  const waiting = `kube_pod_container_status_waiting_reason${selector({ ...inputs.jobs.kubeStateMetrics, reason: 'CrashLoopBackOff' })}`;
  return {
    severity: 'warning',
    summary: 'Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} is crash looping',
    description:
      `For ${hold} the container has kept failing and Kubernetes keeps restarting it with a growing back-off. ` +
      'First check: the previous run\'s log (kubectl logs -n {{ $labels.namespace }} {{ $labels.pod }} -c {{ $labels.container }} --previous) and its last termination reason (OOMKilled: PodOOMKilled).',
    signal: { kind: 'promql', expr: `max by (namespace, pod, container) (max_over_time(${waiting}[5m]))` },
    comparison: '>',
    threshold: 0,
    for: hold,
    noData: 'OK',
    needs: [ksmNeed(inputs)],
  };
}

function scaleUpSlow(inputs: ComputeAlertInputs): AlertBody {
  const { pool, workloadNamespace: ns } = inputs;
  const series = poolSeries(inputs);
  const n = scaleUpStallMinutes(pool, inputs.thresholds.ComputeScaleUpSlow.scaleUpFactor);
  // Only pods the scheduler could not place (PodScheduled=False): a pod already on a node
  // and still Pending (pulling its image) is no reason for a new node.
  const unschedulable = `kube_pod_status_unschedulable${selector({ ...inputs.jobs.kubeStateMetrics, namespace: ns })}`;
  return {
    severity: 'warning',
    summary: `Workload pods unschedulable and no ${pool.name} node added for ${n} min`,
    description:
      `For ${n} min some ${ns} pods have found no node, the ${pool.name} pool is below its max ${pool.max} nodes, and no node has joined it: ` +
      `a scale-up normally brings a node in about ${pool.scaleUpMinutes} min (compute.pools.${pool.name}.scaleUpMinutes; ${n} min = that x scaleUpFactor), so the autoscaler is not adding nodes. ` +
      'First check: the cluster autoscaler status and events of the pool (provider quota, node type out of stock), then whether the pods\' requests fit one node at all.',
    signal: {
      kind: 'promql',
      expr:
        `count(${unschedulable} == 1)\n  and on ()\n${poolCount(series)} < ${pool.max}\n  and on ()\n` +
        // no node added: as many nodes now as N minutes ago (or fewer)
        `${poolCount(series)} <= ${poolCount(series, `${n}m`)}\n  and on ()\n` +
        // without the pool label every count is 0: PoolLabelNotExported speaks instead
        `count(${labelledNodes(series)}) > 0`,
    },
    comparison: '>',
    threshold: 0,
    for: `${n}m`,
    noData: 'OK',
    needs: [ksmNeed(inputs), poolLabelNeed(inputs)],
  };
}

function nodesIdle(inputs: ComputeAlertInputs): AlertBody {
  const { for: hold } = inputs.thresholds.ComputeNodesIdle;
  const { pool, workloadNamespace: ns } = inputs;
  const ksm = inputs.jobs.kubeStateMetrics;
  const running = `kube_pod_info${selector({ ...ksm, namespace: ns })}\n  and on (namespace, pod)\n  (kube_pod_status_phase${selector({ ...ksm, namespace: ns }, 'phase=~"Pending|Running"')} == 1)`;
  return {
    severity: 'warning',
    summary: `${pool.name} node {{ $labels.node }} idle`,
    description:
      `The ${pool.name} node has run no ${ns} pod for ${hold}, yet it is billed by the hour` +
      `${pool.scaleDownIdleMinutes ? ` and the autoscaler should have removed it after ${pool.scaleDownIdleMinutes} min idle` : ''}. ` +
      'First check: what keeps it (kubectl describe node {{ $labels.node }}: pods of other namespaces that are not DaemonSets, PodDisruptionBudgets, local storage) and the autoscaler\'s scale-down status.',
    signal: { kind: 'promql', expr: `count by (node) (${poolNodes(poolSeries(inputs))})\n  unless on (node)\ncount by (node) (\n  ${running}\n)` },
    comparison: '>',
    threshold: 0,
    for: hold,
    noData: 'OK',
    needs: [ksmNeed(inputs), poolLabelNeed(inputs)],
  };
}

function budgetBurn(inputs: ComputeAlertInputs): AlertBody {
  const { window, for: hold } = inputs.thresholds.ComputeBudgetBurn!;
  const name = inputs.pool.name;
  const budget = inputs.budget!;
  const avgNodes = averagePoolNodes(poolSeries(inputs), window);
  return {
    severity: 'warning',
    summary: `The ${name} pool's spend is heading past the month's compute budget`,
    description:
      `At the rate of the last ${window}, the ${name} pool's node-hours x EUR ${budget.eurPerNodeHour} per node-hour over a month (${HOURS_PER_MONTH} h) exceed the budget left for compute: ` +
      `EUR ${round2(budget.variableEur)} = capacity.budgetEurPerMonth ${budget.budgetEurPerMonth} - the plan's permanent and fixed costs ${round2(budget.fixedEur)} (${budget.planDir}/plan.md). ` +
      'First check: ComputeNodesIdle (nodes kept without work), then the month\'s sessions against the plan\'s months; more work than planned needs a bigger budget or fewer runs.',
    signal: { kind: 'promql', expr: `(\n  ${avgNodes.split('\n').join('\n  ')}\n) * ${HOURS_PER_MONTH} * ${budget.eurPerNodeHour}` },
    comparison: '>',
    threshold: round2(budget.variableEur),
    for: hold,
    noData: 'OK',
    needs: [ksmNeed(inputs), poolLabelNeed(inputs)],
  };
}

/** The compute pool's alerts, in rule order: ComputeBudgetBurn only with a budget. */
export const computeAlertNames = (pool: { budget: boolean }): ComputeAlertName[] => [
  'PodCpuNearLimit', 'PodMemoryNearLimit', 'NodeCpuHigh', 'NodeMemoryHigh', 'PodsPendingTooLong', 'PodOOMKilled', 'PodCrashLooping',
  'ComputeScaleUpSlow', 'ComputeNodesIdle', ...(pool.budget ? ['ComputeBudgetBurn' as const] : []),
];

export const COMPUTE_ALERTS: AlertSet<ComputeAlertInputs, ComputeAlertName> = {
  group: 'compute',
  names: (inputs) => computeAlertNames({ budget: inputs.budget !== undefined }),
  build: {
    PodCpuNearLimit: podCpuNearLimit,
    PodMemoryNearLimit: podMemoryNearLimit,
    NodeCpuHigh: nodeCpuHigh,
    NodeMemoryHigh: nodeMemoryHigh,
    PodsPendingTooLong: podsPendingTooLong,
    PodOOMKilled: podOOMKilled,
    PodCrashLooping: podCrashLooping,
    ComputeScaleUpSlow: scaleUpSlow,
    ComputeNodesIdle: nodesIdle,
    ComputeBudgetBurn: budgetBurn,
  },
};

/** Every alert of the compute pool and its pods (hand them to AlertRules). */
export const computeAlerts = (inputs: ComputeAlertInputs) => alertsOf(COMPUTE_ALERTS, inputs);
