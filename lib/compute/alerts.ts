// Pods, nodes and the autoscaled compute pool of the ML platform (SPEC 4, scw-ml-prod). Workload
// pods are the ones in the Airflow namespace; the compute pool is the pool with role `workload`.
import type { Problem } from '../core/errors';
import type { ClusterConfig, ComputeConfig } from '../config/schema';
import { poolsWithRole } from './pools';
import type { Pool } from './props';
import { HOURS_PER_MONTH, planCluster, pool as planPool } from '../capacity';
import { plan } from '../capacity';
import { structuralProblems } from '../capacity';
import type { Catalogue } from '../monitoring';
import { ksmLabel, Need, percent, secondsOf, selector } from '../core/alerts';

/** The one pool that runs workload pods: [name, pool]. */
export function workloadPool(compute: ComputeConfig): [string, Pool] {
  const pools = poolsWithRole(compute, 'workload');
  if (pools.length !== 1) throw new Error(`expected one workload pool, found ${pools.length}`);
  return [pools[0], compute.pools[pools[0]]];
}

const jobs = (c: ClusterConfig) => c.monitoring.jobs;
const t = (c: ClusterConfig) => c.monitoring.thresholds;
const window = (c: ClusterConfig) => c.monitoring.rateWindow;

/** Selector of the compute pool's nodes in kube_node_labels (kube-state-metrics must allowlist the label). */
export function poolNodes(c: ClusterConfig, offset = ''): string {
  const [name] = workloadPool(c.compute!);
  return `kube_node_labels${selector({ ...jobs(c).kubeStateMetrics!, [ksmLabel(c.compute!.poolLabel)]: name })}${offset ? ` offset ${offset}` : ''}`;
}

/** Nodes carrying the pool label at all: none means kube-state-metrics does not export it. */
export const labelledNodes = (c: ClusterConfig): string =>
  `kube_node_labels${selector(jobs(c).kubeStateMetrics!, `${ksmLabel(c.compute!.poolLabel)}=~".+"`)}`;

/** Nodes of the compute pool, 0 when it has none; each node once, even while two kube-state-metrics pods export it. */
export const poolCount = (c: ClusterConfig, offset = ''): string => `(count(count by (node) (${poolNodes(c, offset)})) or vector(0))`;

/**
 * Average pool size over `window`: node samples per kube-state-metrics scrape (each scrape exports
 * one kube_node_labels sample per node), whatever the scrape interval.
 */
export function averagePoolNodes(c: ClusterConfig, window: string): string {
  return `sum(count_over_time(${poolNodes(c)}[${window}]))\n  /\nsum(count_over_time(up${selector(jobs(c).kubeStateMetrics!)}[${window}]))`;
}

/** The minutes ComputeScaleUpSlow waits for a node: the pool's scale-up time x scaleUpFactor. */
export function scaleUpStallMinutes(c: ClusterConfig): number {
  const [, pool] = workloadPool(c.compute!);
  return Math.ceil(pool.scaleUpMinutes! * t(c).ComputeScaleUpSlow!.scaleUpFactor);
}

/**
 * ComputeBudgetBurn's numbers, from the capacity plan's own functions: the compute pool's hourly
 * price, and the budget left once the plan's permanent and fixed lines are paid.
 */
export interface ComputeBudget {
  eurPerNodeHour: number;
  variableEur: number;
  fixedEur: number;
  /** The plan's months: their compute (scenario) spend and total, as plan.json has them. */
  months: { id: string; computeEur: number; totalEur: number }[];
}
const budgets = new WeakMap<ClusterConfig, ComputeBudget>();
export function computeBudget(c: ClusterConfig): ComputeBudget {
  const known = budgets.get(c);
  if (known) return known;
  const pc = planCluster(c);
  const [name] = workloadPool(c.compute!);
  const months = plan(pc).months;
  const month = months[0];
  const fixedEur = month ? month.lines.filter((l) => l.kind !== 'scenario').reduce((s, l) => s + l.eur, 0) : 0;
  const budget = { eurPerNodeHour: planPool(pc.compute, name).eurPerHour, fixedEur, variableEur: pc.capacity.budgetEurPerMonth - fixedEur,
    months: months.map((m) => ({ id: m.id, computeEur: m.lines.filter((l) => l.kind === 'scenario').reduce((s, l) => s + l.eur, 0), totalEur: m.totalEur })) };
  budgets.set(c, budget); // the plan is not cheap, and the guards ask for the alerts again
  return budget;
}

const KSM: Need = { input: 'kube-state-metrics (monitoring.jobs.kubeStateMetrics)', guard: 'KubeStateMetricsDown' };
const CADVISOR: Need = { input: 'the kubelets\' cAdvisor endpoints (monitoring.jobs.cadvisor)', guard: 'CadvisorDown' };
const NODE_EXPORTER: Need = { input: 'node-exporter on every node (monitoring.jobs.nodeExporter)', guard: 'NodeExporterDown' };
const POOL_LABEL = (c: ClusterConfig): Need => ({
  input: `kube-state-metrics exporting the node label ${c.compute!.poolLabel} (--metric-labels-allowlist=nodes=[${c.compute!.poolLabel}])`,
  guard: 'PoolLabelNotExported',
});

/**
 * usage / limit per container, for one resource. A container has one limit per resource: `max`,
 * not `sum`, so the two kube-state-metrics pods of a rollout, exporting it twice, do not halve
 * the ratio.
 */
function nearLimit(c: ClusterConfig, usage: string, resource: 'cpu' | 'memory'): string {
  const limits = `kube_pod_container_resource_limits${selector({ ...jobs(c).kubeStateMetrics!, resource })}`;
  return `sum by (namespace, pod, container) (${usage})\n/\nmax by (namespace, pod, container) (${limits})`;
}

const CONTAINER_READS = ['monitoring.jobs.cadvisor', 'monitoring.jobs.kubeStateMetrics'];
const POOL_READS = ['compute.pools', 'compute.poolLabel', 'airflow.namespace', 'monitoring.jobs.kubeStateMetrics'];
const OOM = 'OOMKilled';


export const computeAlerts: Catalogue = {
  group: 'compute',
  enabled: (c) => c.compute !== undefined && c.airflow !== undefined,
  check: checkCompute,
  alerts: {
    PodCpuNearLimit: {
      reads: [...CONTAINER_READS, 'monitoring.rateWindow'],
      build: (c) => {
        const { above, for: hold } = t(c).PodCpuNearLimit!;
        const usage = `rate(container_cpu_usage_seconds_total${selector(jobs(c).cadvisor!, 'container!=""')}[${window(c)}])`;
        return {
          severity: 'warning',
          summary: `Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} uses more than ${percent(above)} of its CPU limit`,
          description:
            `For ${hold} the container has used more than ${percent(above)} of its CPU limit: the kernel throttles it, so the task slows down. ` +
            'First check: its real need (kubectl top pod -n {{ $labels.namespace }} {{ $labels.pod }} --containers) against the limit of its profile; ' +
            'if the need is real, raise the profile limits in compute.profiles.',
          signal: { kind: 'promql', expr: nearLimit(c, usage, 'cpu') },
          comparison: '>',
          threshold: above,
          for: hold,
          noData: 'OK',
          needs: [CADVISOR, KSM],
        };
      },
    },
    PodMemoryNearLimit: {
      reads: CONTAINER_READS,
      build: (c) => {
        const { above, for: hold } = t(c).PodMemoryNearLimit!;
        const usage = `container_memory_working_set_bytes${selector(jobs(c).cadvisor!, 'container!=""')}`;
        return {
          severity: 'warning',
          summary: `Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} uses more than ${percent(above)} of its memory limit`,
          description:
            `For ${hold} the container's working set has been above ${percent(above)} of its memory limit: at the limit the kernel OOM-kills it and the task fails (and is retried). ` +
            'First check: the workload\'s measured peak (compute.workloads.*.peakMemory) against its profile limit, and whether this factor belongs to airflow.heavyFactors.',
          signal: { kind: 'promql', expr: nearLimit(c, usage, 'memory') },
          comparison: '>',
          threshold: above,
          for: hold,
          noData: 'OK',
          needs: [CADVISOR, KSM],
        };
      },
    },
    NodeCpuHigh: {
      reads: ['monitoring.jobs.nodeExporter', 'monitoring.rateWindow'],
      build: (c) => {
        const { above, for: hold } = t(c).NodeCpuHigh!;
        // instance:node_cpu_utilisation as node-mixin records it: idle, iowait and steal are not busy.
        const notBusy = `node_cpu_seconds_total${selector(jobs(c).nodeExporter!, 'mode=~"idle|iowait|steal"')}`;
        return {
          severity: 'warning',
          summary: `Node {{ $labels.instance }} CPU above ${percent(above)}`,
          description:
            `For ${hold} the node's CPUs have been busy (not idle, iowait or steal) more than ${percent(above)} of the time: pods on it compete for CPU beyond their requests and slow each other down. ` +
            'First check: which pods use the CPU (kubectl top pod -A --sort-by=cpu on that node) and whether their limits sum to more than the node has.',
          signal: { kind: 'promql', expr: `1 - avg by (instance) (\n  sum without (mode) (rate(${notBusy}[${window(c)}]))\n)` },
          comparison: '>',
          threshold: above,
          for: hold,
          noData: 'OK',
          needs: [NODE_EXPORTER],
        };
      },
    },
    NodeMemoryHigh: {
      reads: ['monitoring.jobs.nodeExporter'],
      build: (c) => {
        const { above, for: hold } = t(c).NodeMemoryHigh!;
        const ne = selector(jobs(c).nodeExporter!);
        return {
          severity: 'warning',
          summary: `Node {{ $labels.instance }} memory above ${percent(above)}`,
          description:
            `For ${hold} less than ${percent(1 - above)} of the node's memory has been available: one more peak and the kubelet evicts pods or the kernel OOM-kills one. ` +
            'First check: the biggest pods on the node (kubectl top pod -A --sort-by=memory) against their requests; requests far below use mean the profiles are too small.',
          signal: {
            kind: 'promql',
            expr: `1 - sum by (instance) (node_memory_MemAvailable_bytes${ne})\n/\nsum by (instance) (node_memory_MemTotal_bytes${ne})`,
          },
          comparison: '>',
          threshold: above,
          for: hold,
          noData: 'OK',
          needs: [NODE_EXPORTER],
        };
      },
    },
    PodsPendingTooLong: {
      reads: ['monitoring.jobs.kubeStateMetrics'],
      build: (c) => {
        const { for: hold } = t(c).PodsPendingTooLong!;
        return {
          severity: 'warning',
          summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} Pending',
          description:
            `The pod has been Pending for ${hold}: no node fits its requests, a nodeSelector or taint rules every node out, or its image cannot be pulled. ` +
            'First check: its events (kubectl describe pod -n {{ $labels.namespace }} {{ $labels.pod }}: FailedScheduling, ErrImagePull); for workload pods, also ComputeScaleUpSlow.',
          signal: { kind: 'promql', expr: `max by (namespace, pod) (kube_pod_status_phase${selector({ ...jobs(c).kubeStateMetrics!, phase: 'Pending' })})` },
          comparison: '>',
          threshold: 0,
          for: hold,
          noData: 'OK',
          needs: [KSM],
        };
      },
    },
    PodOOMKilled: {
      reads: ['monitoring.jobs.kubeStateMetrics'],
      build: (c) => {
        const { window: w } = t(c).PodOOMKilled!;
        const ksm = jobs(c).kubeStateMetrics!;
        const by = 'max by (namespace, pod, container)';
        // restartPolicy Never (the workers): the container stays terminated with the reason, so a
        // kill is new when the series did not exist `w` ago. Kept by namespace/pod/container, not
        // by kube-state-metrics' own instance, so a restart of kube-state-metrics is no new kill.
        const terminated = `kube_pod_container_status_terminated_reason${selector({ ...ksm, reason: OOM })}`;
        // restartPolicy Always (platform pods): restarted within `w`, last time for OOM.
        const last = `kube_pod_container_status_last_terminated_reason${selector({ ...ksm, reason: OOM })}`;
        const restarts = `kube_pod_container_status_restarts_total${selector(ksm)}`;
        return {
          severity: 'warning',
          summary: 'Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} was OOM-killed',
          description:
            `Within the last ${w} the kernel killed the container at its memory limit (OOMKilled): a worker's try failed (Airflow retries it once), a platform pod restarted. ` +
            'First check: the container\'s memory limit against its real peak (PodMemoryNearLimit fires before the kill), and for a worker whether its factor belongs to airflow.heavyFactors.',
          signal: {
            kind: 'promql',
            expr:
              `(\n  ${by} (${terminated})\n    unless\n  ${by} (${terminated} offset ${w})\n)\n  or\n` +
              `(\n  ${by} (${last})\n    and on (namespace, pod, container)\n  (${by} (increase(${restarts}[${w}])) > 0)\n)`,
          },
          comparison: '>',
          threshold: 0,
          for: '0s',
          noData: 'OK',
          needs: [KSM],
        };
      },
    },
    PodCrashLooping: {
      reads: ['monitoring.jobs.kubeStateMetrics'],
      build: (c) => {
        const { for: hold } = t(c).PodCrashLooping!;
        // kubernetes-mixin's KubePodCrashLooping: the reason flips between CrashLoopBackOff and
        // running, so look at the last 5 minutes.
        const waiting = `kube_pod_container_status_waiting_reason${selector({ ...jobs(c).kubeStateMetrics!, reason: 'CrashLoopBackOff' })}`;
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
          needs: [KSM],
        };
      },
    },
    ComputeScaleUpSlow: {
      reads: POOL_READS,
      build: (c) => {
        const [name, pool] = workloadPool(c.compute!);
        const n = scaleUpStallMinutes(c);
        // Only pods the scheduler could not place (PodScheduled=False): a pod already on a node
        // and still Pending (pulling its image) is no reason for a new node.
        const unschedulable = `kube_pod_status_unschedulable${selector({ ...jobs(c).kubeStateMetrics!, namespace: c.airflow!.namespace })}`;
        return {
          severity: 'warning',
          summary: `Workload pods unschedulable and no ${name} node added for ${n} min`,
          description:
            `For ${n} min some ${c.airflow!.namespace} pods have found no node, the ${name} pool is below its max ${pool.max} nodes, and no node has joined it: ` +
            `a scale-up normally brings a node in about ${pool.scaleUpMinutes} min (compute.pools.${name}.scaleUpMinutes; ${n} min = that x scaleUpFactor), so the autoscaler is not adding nodes. ` +
            'First check: the cluster autoscaler status and events of the pool (provider quota, node type out of stock), then whether the pods\' requests fit one node at all.',
          signal: {
            kind: 'promql',
            expr:
              `count(${unschedulable} == 1)\n  and on ()\n${poolCount(c)} < ${pool.max}\n  and on ()\n` +
              // no node added: as many nodes now as N minutes ago (or fewer)
              `${poolCount(c)} <= ${poolCount(c, `${n}m`)}\n  and on ()\n` +
              // without the pool label every count is 0: PoolLabelNotExported speaks instead
              `count(${labelledNodes(c)}) > 0`,
          },
          comparison: '>',
          threshold: 0,
          for: `${n}m`,
          noData: 'OK',
          needs: [KSM, POOL_LABEL(c)],
        };
      },
    },
    ComputeNodesIdle: {
      reads: POOL_READS,
      build: (c) => {
        const { for: hold } = t(c).ComputeNodesIdle!;
        const [name, pool] = workloadPool(c.compute!);
        const ns = c.airflow!.namespace;
        const ksm = jobs(c).kubeStateMetrics!;
        const running = `kube_pod_info${selector({ ...ksm, namespace: ns })}\n  and on (namespace, pod)\n  (kube_pod_status_phase${selector({ ...ksm, namespace: ns }, 'phase=~"Pending|Running"')} == 1)`;
        return {
          severity: 'warning',
          summary: `${name} node {{ $labels.node }} idle`,
          description:
            `The ${name} node has run no ${ns} pod for ${hold}, yet it is billed by the hour` +
            `${pool.scaleDownIdleMinutes ? ` and the autoscaler should have removed it after ${pool.scaleDownIdleMinutes} min idle` : ''}. ` +
            'First check: what keeps it (kubectl describe node {{ $labels.node }}: pods of other namespaces that are not DaemonSets, PodDisruptionBudgets, local storage) and the autoscaler\'s scale-down status.',
          signal: {
            kind: 'promql',
            expr: `count by (node) (${poolNodes(c)})\n  unless on (node)\ncount by (node) (\n  ${running}\n)`,
          },
          comparison: '>',
          threshold: 0,
          for: hold,
          noData: 'OK',
          needs: [KSM, POOL_LABEL(c)],
        };
      },
    },
    ComputeBudgetBurn: {
      reads: [...POOL_READS, 'capacity.budgetEurPerMonth', 'capacity.fixedCosts'],
      // A capacity section the planner refuses is reported by the capacity component.
      enabled: (c) => c.capacity !== undefined && structuralProblems(planCluster(c)).length === 0,
      build: (c) => {
        const { window: w, for: hold } = t(c).ComputeBudgetBurn!;
        const [name] = workloadPool(c.compute!);
        const b = computeBudget(c);
        const avgNodes = averagePoolNodes(c, w);
        return {
          severity: 'warning',
          summary: `The ${name} pool's spend is heading past the month's compute budget`,
          description:
            `At the rate of the last ${w}, the ${name} pool's node-hours x EUR ${b.eurPerNodeHour} per node-hour over a month (${HOURS_PER_MONTH} h) exceed the budget left for compute: ` +
            `EUR ${round2(b.variableEur)} = capacity.budgetEurPerMonth ${c.capacity!.budgetEurPerMonth} - the plan's permanent and fixed costs ${round2(b.fixedEur)} (dist/${c.name}/capacity/plan.md). ` +
            'First check: ComputeNodesIdle (nodes kept without work), then the month\'s sessions against the plan\'s months; more work than planned needs a bigger budget or fewer runs.',
          signal: { kind: 'promql', expr: `(\n  ${avgNodes.split('\n').join('\n  ')}\n) * ${HOURS_PER_MONTH} * ${b.eurPerNodeHour}` },
          comparison: '>',
          threshold: round2(b.variableEur),
          for: hold,
          noData: 'OK',
          needs: [KSM, POOL_LABEL(c)],
        };
      },
    },
  },
};

/** The pool alerts need one workload pool, and their `for` must outlast the pool's normal scaling. */
function checkCompute(c: ClusterConfig): Problem[] {
  const problems: Problem[] = [];
  const pools = poolsWithRole(c.compute!, 'workload');
  if (pools.length !== 1) {
    return [{ cluster: c.name, path: 'compute.pools', value: pools, rule: 'ComputeScaleUpSlow and ComputeNodesIdle need exactly one pool with role workload' }];
  }
  const [name, pool] = workloadPool(c.compute!);
  const outlast = (alert: 'ComputeNodesIdle', minutes: number | undefined, field: string) => {
    const hold = c.monitoring.thresholds[alert]?.for;
    if (hold !== undefined && minutes !== undefined && secondsOf(hold) <= minutes * 60)
      problems.push({
        cluster: c.name, path: `monitoring.thresholds.${alert}.for`, value: hold,
        rule: `must be longer than compute.pools.${name}.${field} (${minutes} min), or the alert fires on every normal scale-down`,
        fix: `for: ${minutes + 1}m or more`,
      });
  };
  if (c.monitoring.thresholds.ComputeScaleUpSlow && pool.scaleUpMinutes === undefined)
    problems.push({ cluster: c.name, path: `compute.pools.${name}.scaleUpMinutes`, value: undefined, rule: 'ComputeScaleUpSlow waits the pool\'s scale-up time x scaleUpFactor for a node', fix: 'set the minutes a scale-up normally takes' });
  outlast('ComputeNodesIdle', pool.scaleDownIdleMinutes, 'scaleDownIdleMinutes');
  return problems;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
