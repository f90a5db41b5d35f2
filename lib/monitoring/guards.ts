// Guards: an alert whose input is missing (an exporter down, a scrape job that does not exist, a
// label kube-state-metrics does not export) finds no series and stays quiet, which looks exactly
// like health. Every such input is named in the `needs` of the alerts that read it, with what its
// guard watches; the guards are built from those needs, so an alert set gets the guards it needs
// and no others.
import type { Alert, AlertBody, GuardName, GuardWatch, HoldFor } from '../core/alerts';
import { jobUp, targetsDown } from '../core/alerts';

/** A guard's words: what is missing, what goes blind without it, and what to check first. */
interface GuardText {
  summary: string;
  consequence: string;
  firstCheck: string;
}

/** A guard for a scrape job: fires per target that is down, and when the job has no target at all. */
const scrapeText = (what: string, alerts: string, firstCheck: string): GuardText => ({
  summary: `No successful scrape of ${what} (target "{{ $labels.instance }}")`,
  consequence: `Prometheus has had no successful scrape of ${what} ({{ $labels.job }} {{ $labels.instance }}; no target at all when the instance is empty): ${alerts} cannot see their signal and stay quiet whatever happens.`,
  firstCheck,
});

/** Every guard, in rule order. */
const GUARDS: Record<GuardName, GuardText> = {
  KubeStateMetricsDown: scrapeText('kube-state-metrics', 'the pod, node-pool and HPA alerts',
    'kubectl get pods -A -l app.kubernetes.io/name=kube-state-metrics, and that Prometheus\' targets page lists the job of monitoring.jobs.kubeStateMetrics.'),
  NodeExporterDown: scrapeText('node-exporter', 'NodeCpuHigh and NodeMemoryHigh (on that node)',
    'the node-exporter DaemonSet pod on that node (kubectl get pods -A -o wide -l app.kubernetes.io/name=prometheus-node-exporter).'),
  CadvisorDown: scrapeText('the kubelet\'s cAdvisor endpoint', 'PodCpuNearLimit and PodMemoryNearLimit (for pods of that node)',
    'the node\'s kubelet (kubectl get nodes), and that the kubelet ServiceMonitor scrapes /metrics/cadvisor (kube-prometheus-stack: kubelet.serviceMonitor.cAdvisor).'),
  AirflowStatsdDown: scrapeText('Airflow\'s StatsD exporter', 'TaskRetried',
    'the chart\'s statsd pod (kubectl get pods -l component=statsd in the Airflow namespace) and the generated ServiceMonitor airflow-statsd (its selector labels must match the Prometheus\' serviceMonitorSelector).'),
  DependencyProbesDown: scrapeText('the blackbox probes', 'DependencyDown',
    'the blackbox exporter at monitoring.blackbox.prober (running? does its config have the module monitoring.blackbox.module? an unknown module fails every probe scrape), and that Prometheus selects the generated Probes (monitoring.probeSelectorLabels).'),
  KedaMetricsDown: scrapeText('the KEDA operator\'s metrics', 'the KEDA alerts',
    'the KEDA operator pod, and that its chart was installed with prometheus.operator.enabled=true (the Service port the ServiceMonitor reads).'),
  KarpenterMetricsDown: scrapeText('the Karpenter controller\'s metrics', 'KarpenterNodeLaunchFailing',
    'the Karpenter controller pods, and that its chart was installed with serviceMonitor.enabled=true (and the labels the Prometheus selects).'),
  PoolLabelNotExported: {
    summary: 'kube-state-metrics does not export the node pool label',
    consequence: 'kube-state-metrics has been up but no node of kube_node_labels carries the pool label: it is not in the allow-list, so ComputeScaleUpSlow, ComputeNodesIdle and ComputeBudgetBurn see no pool (by default they would wrongly count zero nodes).',
    firstCheck: 'kube-state-metrics\' --metric-labels-allowlist must include nodes=[<compute.poolLabel>] (kube-prometheus-stack: kube-state-metrics.metricLabelsAllowlist).',
  },
  AirflowMetricsMissing: {
    summary: 'Airflow sends no metrics to its StatsD exporter',
    consequence: 'Airflow\'s StatsD exporter has been up but has received no scheduler heartbeat: Airflow sends it no metrics, so TaskRetried cannot see a failed try.',
    firstCheck: 'the scheduler\'s [metrics] settings (statsd_on, statsd_host: the chart\'s statsd Service; statsd_influxdb_enabled), then the scheduler itself.',
  },
};

export const GUARD_GROUP = 'guards';

const isGuard = (name: string): name is GuardName => Object.hasOwn(GUARDS, name);

const watchExpr = (w: GuardWatch): string =>
  w.kind === 'scrape' ? targetsDown(w.job) : `absent(${w.series})\n  and on ()\n${jobUp(w.whileUp)}`;

function guardBody(text: GuardText, watch: GuardWatch, hold: string): AlertBody {
  return {
    severity: 'warning',
    summary: text.summary,
    description: `For ${hold} ${text.consequence} First check: ${text.firstCheck}`,
    signal: { kind: 'promql', expr: watchExpr(watch) },
    comparison: '>',
    threshold: 0,
    for: hold,
    noData: 'OK',
    needs: [],
  };
}

/** The guards `alerts` name in their needs (each watching what the first need naming it says), in rule order. */
export function neededGuards(alerts: Alert[]): Map<GuardName, GuardWatch> {
  const watches = new Map<GuardName, GuardWatch>();
  for (const need of alerts.flatMap((a) => a.needs))
    if (need.watch && isGuard(need.guard) && !watches.has(need.guard)) watches.set(need.guard, need.watch);
  return new Map((Object.keys(GUARDS) as GuardName[]).filter((g) => watches.has(g)).map((g) => [g, watches.get(g)!]));
}

/** The guard alerts of `alerts` (call after validateAlertRules found every guard's threshold). */
export function guardAlerts(alerts: Alert[], thresholds: Partial<Record<GuardName, HoldFor>>): Alert[] {
  return [...neededGuards(alerts)].map(([name, watch]) => ({ name, group: GUARD_GROUP, ...guardBody(GUARDS[name], watch, thresholds[name]!.for) }));
}
