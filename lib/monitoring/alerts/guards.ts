// Guards: an alert whose input is missing (an exporter down, a scrape job that does not exist, a
// label kube-state-metrics does not export) finds no series and stays quiet, which looks exactly
// like health. Every such input is named in the `needs` of the alerts that read it, and the guard
// named there fires when it is missing. A cluster gets the guards its alerts need, no others.
import type { ClusterConfig } from '../../config/schema';
import type { AlertBody, AlertSpec, Catalogue } from '../catalogue';
import type { AlertName } from '../../core/alerts';
import { jobUp, selector, targetsDown } from '../../core/alerts';
import { labelledNodes } from '../../compute';

type Needed = (c: ClusterConfig) => Set<AlertName>;
type ScrapeGuard = 'KubeStateMetricsDown' | 'NodeExporterDown' | 'CadvisorDown' | 'AirflowStatsdDown' | 'DependencyProbesDown' | 'KedaMetricsDown' | 'KarpenterMetricsDown';

const t = (c: ClusterConfig) => c.monitoring.thresholds;
const jobs = (c: ClusterConfig) => c.monitoring.jobs;

function guard(summary: string, consequence: string, firstCheck: string, expr: (c: ClusterConfig) => string, hold: (c: ClusterConfig) => string) {
  return (c: ClusterConfig): AlertBody => ({
    severity: 'warning',
    summary,
    description: `For ${hold(c)} ${consequence} First check: ${firstCheck}`,
    signal: { kind: 'promql', expr: expr(c) },
    comparison: '>',
    threshold: 0,
    for: hold(c),
    noData: 'OK',
    needs: [],
  });
}

/** A guard for a scrape job: fires per target that is down, and when the job has no target at all. */
function scrapeGuard(name: ScrapeGuard, job: (c: ClusterConfig) => Record<string, string>, field: string, what: string, alerts: string, firstCheck: string): AlertSpec {
  return {
    reads: [field],
    build: guard(
      `No successful scrape of ${what} (target "{{ $labels.instance }}")`,
      `Prometheus has had no successful scrape of ${what} ({{ $labels.job }} {{ $labels.instance }}; no target at all when the instance is empty): ${alerts} cannot see their signal and stay quiet whatever happens.`,
      firstCheck,
      (c) => targetsDown(job(c)),
      (c) => t(c)[name]!.for,
    ),
  };
}

export function guardAlerts(needed: Needed): Catalogue {
  const spec = (name: AlertName, s: AlertSpec): AlertSpec => ({ ...s, enabled: (c) => needed(c).has(name) });
  return {
    group: 'guards',
    enabled: () => true,
    alerts: {
      KubeStateMetricsDown: spec('KubeStateMetricsDown', scrapeGuard(
        'KubeStateMetricsDown', (c) => jobs(c).kubeStateMetrics!, 'monitoring.jobs.kubeStateMetrics', 'kube-state-metrics',
        'the pod, node-pool and HPA alerts',
        'kubectl get pods -A -l app.kubernetes.io/name=kube-state-metrics, and that Prometheus\' targets page lists the job of monitoring.jobs.kubeStateMetrics.',
      )),
      NodeExporterDown: spec('NodeExporterDown', scrapeGuard(
        'NodeExporterDown', (c) => jobs(c).nodeExporter!, 'monitoring.jobs.nodeExporter', 'node-exporter',
        'NodeCpuHigh and NodeMemoryHigh (on that node)',
        'the node-exporter DaemonSet pod on that node (kubectl get pods -A -o wide -l app.kubernetes.io/name=prometheus-node-exporter).',
      )),
      CadvisorDown: spec('CadvisorDown', scrapeGuard(
        'CadvisorDown', (c) => jobs(c).cadvisor!, 'monitoring.jobs.cadvisor', 'the kubelet\'s cAdvisor endpoint',
        'PodCpuNearLimit and PodMemoryNearLimit (for pods of that node)',
        'the node\'s kubelet (kubectl get nodes), and that the kubelet ServiceMonitor scrapes /metrics/cadvisor (kube-prometheus-stack: kubelet.serviceMonitor.cAdvisor).',
      )),
      AirflowStatsdDown: spec('AirflowStatsdDown', scrapeGuard(
        'AirflowStatsdDown', (c) => jobs(c).airflowStatsd!, 'monitoring.jobs.airflowStatsd', 'Airflow\'s StatsD exporter',
        'TaskRetried',
        'the chart\'s statsd pod (kubectl get pods -l component=statsd in the Airflow namespace) and the generated ServiceMonitor airflow-statsd (its selector labels must match the Prometheus\' serviceMonitorSelector).',
      )),
      DependencyProbesDown: spec('DependencyProbesDown', scrapeGuard(
        'DependencyProbesDown', (c) => ({ job: c.monitoring.blackbox!.jobName }), 'monitoring.blackbox', 'the blackbox probes',
        'DependencyDown',
        'the blackbox exporter at monitoring.blackbox.prober (running? does its config have the module monitoring.blackbox.module? an unknown module fails every probe scrape), and that Prometheus selects the generated Probes (monitoring.probeSelectorLabels).',
      )),
      KedaMetricsDown: spec('KedaMetricsDown', scrapeGuard(
        'KedaMetricsDown', (c) => jobs(c).keda!, 'monitoring.jobs.keda', 'the KEDA operator\'s metrics',
        'the KEDA alerts',
        'the KEDA operator pod, and that its chart was installed with prometheus.operator.enabled=true (the Service port the ServiceMonitor reads).',
      )),
      KarpenterMetricsDown: spec('KarpenterMetricsDown', scrapeGuard(
        'KarpenterMetricsDown', (c) => jobs(c).karpenter!, 'monitoring.jobs.karpenter', 'the Karpenter controller\'s metrics',
        'KarpenterNodeLaunchFailing',
        'the Karpenter controller pods, and that its chart was installed with serviceMonitor.enabled=true (and the labels the Prometheus selects).',
      )),
      PoolLabelNotExported: spec('PoolLabelNotExported', {
        reads: ['monitoring.jobs.kubeStateMetrics', 'compute.poolLabel'],
        build: guard(
          'kube-state-metrics does not export the node pool label',
          'kube-state-metrics has been up but no node of kube_node_labels carries the pool label: it is not in the allow-list, so ComputeScaleUpSlow, ComputeNodesIdle and ComputeBudgetBurn see no pool (by default they would wrongly count zero nodes).',
          'kube-state-metrics\' --metric-labels-allowlist must include nodes=[<compute.poolLabel>] (kube-prometheus-stack: kube-state-metrics.metricLabelsAllowlist).',
          (c) => `absent(${labelledNodes(c)})\n  and on ()\n${jobUp(jobs(c).kubeStateMetrics!)}`,
          (c) => t(c).PoolLabelNotExported!.for,
        ),
      }),
      AirflowMetricsMissing: spec('AirflowMetricsMissing', {
        reads: ['monitoring.jobs.airflowStatsd'],
        build: guard(
          'Airflow sends no metrics to its StatsD exporter',
          'Airflow\'s StatsD exporter has been up but has received no scheduler heartbeat: Airflow sends it no metrics, so TaskRetried cannot see a failed try.',
          'the scheduler\'s [metrics] settings (statsd_on, statsd_host: the chart\'s statsd Service; statsd_influxdb_enabled), then the scheduler itself.',
          (c) => `absent(airflow_scheduler_heartbeat${selector(jobs(c).airflowStatsd!)})\n  and on ()\n${jobUp(jobs(c).airflowStatsd!)}`,
          (c) => t(c).AirflowMetricsMissing!.for,
        ),
      }),
    },
  };
}
