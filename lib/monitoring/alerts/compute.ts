// Pods, nodes and the autoscaled compute pool of the ML platform (SPEC 4, scw-ml-prod). Workload
// pods are the ones in the Airflow namespace; the compute pool is the pool with role `workload`.
import type { Problem } from '../../config/errors';
import type { ClusterConfig, ComputeConfig } from '../../config/schema';
import { poolsWithRole } from '../../config/compute';
import type { Pool } from '../../config/sections/compute';
import type { Catalogue } from '../catalogue';
import { ksmLabel, percent, secondsOf, selector } from '../model';

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
function poolNodes(c: ClusterConfig): string {
  const [name] = workloadPool(c.compute!);
  return `kube_node_labels${selector({ ...jobs(c).kubeStateMetrics!, [ksmLabel(c.compute!.poolLabel)]: name })}`;
}

/** usage / limit per container, for one resource. */
function nearLimit(c: ClusterConfig, usage: string, resource: 'cpu' | 'memory'): string {
  const by = 'sum by (namespace, pod, container)';
  const limits = `kube_pod_container_resource_limits${selector({ ...jobs(c).kubeStateMetrics!, resource })}`;
  return `${by} (${usage})\n/\n${by} (${limits})`;
}

const CONTAINER_READS = ['monitoring.jobs.cadvisor', 'monitoring.jobs.kubeStateMetrics'];
const POOL_READS = ['compute.pools', 'compute.poolLabel', 'airflow.namespace', 'monitoring.jobs.kubeStateMetrics'];

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
        };
      },
    },
    NodeCpuHigh: {
      reads: ['monitoring.jobs.nodeExporter', 'monitoring.rateWindow'],
      build: (c) => {
        const { above, for: hold } = t(c).NodeCpuHigh!;
        const idle = `node_cpu_seconds_total${selector({ ...jobs(c).nodeExporter!, mode: 'idle' })}`;
        return {
          severity: 'warning',
          summary: `Node {{ $labels.instance }} CPU above ${percent(above)}`,
          description:
            `For ${hold} the node's CPUs have been busy more than ${percent(above)} of the time: pods on it compete for CPU beyond their requests and slow each other down. ` +
            'First check: which pods use the CPU (kubectl top pod -A --sort-by=cpu on that node) and whether their limits sum to more than the node has.',
          signal: { kind: 'promql', expr: `1 - avg by (instance) (rate(${idle}[${window(c)}]))` },
          comparison: '>',
          threshold: above,
          for: hold,
          noData: 'OK',
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
          signal: { kind: 'promql', expr: `sum by (namespace, pod) (kube_pod_status_phase${selector({ ...jobs(c).kubeStateMetrics!, phase: 'Pending' })})` },
          comparison: '>',
          threshold: 0,
          for: hold,
          noData: 'OK',
        };
      },
    },
    ComputeScaleUpSlow: {
      reads: POOL_READS,
      build: (c) => {
        const { for: hold } = t(c).ComputeScaleUpSlow!;
        const [name, pool] = workloadPool(c.compute!);
        // Only pods the scheduler could not place (PodScheduled=False): a pod already on a node
        // and still Pending (pulling its image) is no reason for a new node.
        const unschedulable = `kube_pod_status_unschedulable${selector({ ...jobs(c).kubeStateMetrics!, namespace: c.airflow!.namespace })}`;
        return {
          severity: 'warning',
          summary: `Workload pods unschedulable while the ${name} pool is below its ${pool.max} nodes`,
          description:
            `For ${hold} the scheduler has found no node for some ${c.airflow!.namespace} pods although the ${name} pool has fewer than its max ${pool.max} nodes` +
            `${pool.scaleUpMinutes ? ` (a scale-up normally takes about ${pool.scaleUpMinutes} min)` : ''}: the autoscaler is not adding nodes. ` +
            'First check: the cluster autoscaler status and events of the pool (provider quota, node type out of stock), then whether the pods\' requests fit one node at all.',
          signal: {
            kind: 'promql',
            expr: `count(${unschedulable} == 1)\n  and on ()\n(count(${poolNodes(c)}) or vector(0)) < ${pool.max}`,
          },
          comparison: '>',
          threshold: 0,
          for: hold,
          noData: 'OK',
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
  const outlast = (alert: 'ComputeScaleUpSlow' | 'ComputeNodesIdle', minutes: number | undefined, field: string) => {
    const hold = c.monitoring.thresholds[alert]?.for;
    if (hold !== undefined && minutes !== undefined && secondsOf(hold) <= minutes * 60)
      problems.push({
        cluster: c.name, path: `monitoring.thresholds.${alert}.for`, value: hold,
        rule: `must be longer than compute.pools.${name}.${field} (${minutes} min), or the alert fires on every normal ${field === 'scaleUpMinutes' ? 'scale-up' : 'scale-down'}`,
        fix: `for: ${minutes + 1}m or more`,
      });
  };
  outlast('ComputeScaleUpSlow', pool.scaleUpMinutes, 'scaleUpMinutes');
  outlast('ComputeNodesIdle', pool.scaleDownIdleMinutes, 'scaleDownIdleMinutes');
  return problems;
}
