// The monitoring section of a cluster file (SPEC 4): where alerts go and what they read.
// Thresholds that are policy live here, keyed by the alert they tune; thresholds that exist
// elsewhere in the config (the compute pool's max size, the BuildKit slot counts) are derived by
// the components' alert sets, not repeated here. The alert model's own types (names, severities,
// threshold shapes) are lib/core/alerts.ts; this schema is checked against them below.
import { z } from 'zod';
import { SEVERITIES } from '../core/alerts';
import type { AlertName, AlertThresholds, Severity } from '../core/alerts';

/** A Prometheus duration with one unit, as rules and Grafana take it: "30s", "5m", "1h". */
export const promDuration = z.string().regex(/^\d+[smhd]$/, 'must be a duration such as 30s, 5m or 1h');
const ratio = z.number().gt(0).lt(1);
const hold = z.strictObject({ for: promDuration });
const above = <T extends z.ZodType>(value: T) => z.strictObject({ above: value, for: promDuration });
const increase = z.strictObject({ window: promDuration, for: promDuration });
const within = z.strictObject({ window: promDuration });

/** Label matchers selecting one exporter's series, e.g. { job: kubelet, metrics_path: /metrics/cadvisor }. */
const scrapeJob = z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name'), z.string()).refine(
  (s) => Object.keys(s).length > 0,
  'must name at least one label (usually job)',
);

/**
 * A string Grafana's file provisioning passes through os.ExpandEnv ($VAR, ${VAR}; $$ for a
 * literal $): a `$` would be replaced by an environment variable, or by nothing.
 */
const expanded = z.string().regex(/^[^$]*$/, 'must not contain $: Grafana\'s file provisioning replaces $VAR and ${VAR} here by its environment variables');

export const monitoringSection = z.strictObject({
  namespace: z.string(),
  grafana: z.strictObject({
    folder: expanded.describe('Grafana folder (title) of the alert rules.'),
    orgId: z.number().int().positive().default(1),
    evaluationInterval: promDuration,
    datasources: z.strictObject({ prometheus: expanded, postgres: expanded.optional() }).describe('Grafana datasource UIDs the rules query.'),
  }),
  dashboards: z.strictObject({
    folder: expanded.optional().describe('Grafana folder of the dashboards (default: grafana.folder, beside the alert rules).'),
    folderAnnotation: z.string().default('grafana_folder').describe('Annotation the Grafana dashboard sidecar reads the folder from (the grafana chart\'s sidecar.dashboards.folderAnnotation).'),
    refresh: promDuration.describe('Auto-refresh interval of every dashboard.'),
    grafanaVersion: z.string().regex(/^\d+\.\d+$/, 'must be a Grafana major.minor such as 13.2').describe('Grafana the dashboards are written for: the tests validate them against the @grafana/schema of this version.'),
  }).optional().describe('Dashboards generated beside the alerts (README, "Dashboards"); none when absent.'),
  ruleSelectorLabels: z.record(z.string(), z.string()).default({}).describe('Labels the Prometheus instance selects PrometheusRules by (e.g. kube-prometheus-stack\'s release).'),
  probeSelectorLabels: z.record(z.string(), z.string()).default({}).describe('Labels the Prometheus instance selects Probes by (the DependencyDown targets).'),
  serviceMonitorSelectorLabels: z.record(z.string(), z.string()).default({}).describe('Labels the Prometheus instance selects ServiceMonitors by (the Airflow StatsD exporter\'s).'),
  routing: z.strictObject({
    notifier: z.enum(['prometheus', 'grafana']).default('prometheus').describe('Who notifies for alerts both can evaluate: Prometheus (Alertmanager) or Grafana. The other keeps the rule without notifying (README, "Routing").'),
    team: expanded.describe('`team` routing label of every alert.'),
    teams: z.record(z.string(), expanded).default({}).describe('`team` per alert name, overriding `team`.'),
    severities: z.record(z.string(), z.enum(SEVERITIES)).default({}).describe('`severity` per alert name, overriding the catalogue\'s.'),
    runbookBaseUrl: z.string().regex(/^https?:\/\/[^\s$]+[^/]$/, 'must be an http(s) URL without a trailing slash (and no $)').describe('Where dist/ is browsable: runbook_url = <this>/<cluster>/monitoring/runbooks.md#<alert name in lower case>.'),
  }).optional().describe('Routing labels and runbooks of every alert (needed by every cluster that gets alerts).'),
  rateWindow: promDuration.describe('Range of rate() over counters such as container CPU seconds; also the Grafana query window.'),
  escapeForHelm: z.boolean().default(false).describe('Escape template braces so the files survive being fed through Helm (README, \'Template braces and Helm\').'),
  jobs: z
    .strictObject({
      kubeStateMetrics: scrapeJob.optional(),
      nodeExporter: scrapeJob.optional(),
      cadvisor: scrapeJob.optional().describe('Container metrics (cAdvisor through the kubelet).'),
      airflowStatsd: scrapeJob.optional().describe('Airflow\'s StatsD exporter (the official chart\'s `statsd`).'),
      keda: scrapeJob.optional().describe('The KEDA operator\'s metrics endpoint.'),
      karpenter: scrapeJob.optional().describe('The Karpenter controller\'s metrics endpoint (its chart\'s serviceMonitor).'),
    })
    .default({}).describe('Series selectors of the exporters the alerts read; each alert names the ones it needs.'),
  blackbox: z
    .strictObject({
      prober: z.string().describe('host:port of the blackbox exporter Service.'),
      module: z.string().describe('Module of the exporter\'s config that opens a TCP connection.'),
      jobName: z.string().describe('`job` label of the probe series.'),
    })
    .optional().describe('Blackbox exporter that probes the dependencies of DependencyDown (one Probe per dependency).'),
  dependencies: z
    .strictObject({
      mlflow: z.strictObject({ host: z.string().optional() }),
      postgres: z.strictObject({ host: z.string().optional() }),
      redis: z.strictObject({ host: z.string().optional() }),
      s3: z.strictObject({ host: z.string().optional() }),
    })
    .optional().describe('Probe targets of DependencyDown. Ports always come from `airflow.egress`; a host is needed unless the egress entry names a DNS host (in-cluster hosts must be in the egress namespace).'),
  runDurationDags: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be an Airflow dag_id'), z.string()).optional().describe('RunDurationHigh on dag_run: the workload (compute.workloads) each DAG runs; a run is late past the workload\'s durationHours x thresholds.RunDurationHigh.factor.'),
  runDurationSources: z.record(
    z.string().regex(/^[a-z0-9]{1,10}$/, 'must be 1 to 10 lower-case letters or digits (part of a Grafana uid)'),
    z.strictObject({
      sql: z.string().describe('Query on the PostgreSQL datasource: text columns become labels, one numeric column (elapsed seconds) the value.'),
      aboveSeconds: z.number().positive(),
    }),
  ).default({}).describe('Further RunDurationHigh sources (e.g. the platform\'s per-trial table), each with its own query and limit: one Grafana rule each.'),
  thresholds: z
    .strictObject({
      PodCpuNearLimit: above(ratio).optional(),
      PodMemoryNearLimit: above(ratio).optional(),
      NodeCpuHigh: above(ratio).optional(),
      PodOOMKilled: within.optional(),
      PodCrashLooping: hold.optional(),
      NodeMemoryHigh: above(ratio).optional(),
      PodsPendingTooLong: hold.optional(),
      ComputeScaleUpSlow: z.strictObject({ scaleUpFactor: z.number().gt(1) }).optional().describe('N = the pool\'s scaleUpMinutes x scaleUpFactor: pods unschedulable and no node added for N minutes.'),
      ComputeNodesIdle: hold.optional(),
      ComputeBudgetBurn: z.strictObject({ window: promDuration, for: promDuration }).optional().describe('Compute spend at the rate of the last `window`, over a month, against the budget left after fixed costs.'),
      TaskRetried: within.optional(),
      DependencyDown: hold.optional(),
      RunDurationHigh: z.strictObject({ factor: z.number().gt(1) }).optional().describe('A dag_run is late past its workload\'s durationHours x factor.'),
      KedaScalerErrors: increase.optional(),
      KedaScaledObjectErrors: increase.optional(),
      KedaFallbackActive: increase.optional(),
      BuildkitQueueBacklog: above(z.number().int().nonnegative()).optional(),
      BuildkitAtMaxReplicas: hold.optional(),
      BuildkitSlotsExhausted: hold.optional(),
      BuildkitLoadBalancerDown: hold.optional(),
      KarpenterNodeLaunchFailing: increase.optional(),
      // Guards: each fires when an input other alerts need is missing.
      KubeStateMetricsDown: hold.optional(),
      NodeExporterDown: hold.optional(),
      CadvisorDown: hold.optional(),
      PoolLabelNotExported: hold.optional(),
      AirflowStatsdDown: hold.optional(),
      AirflowMetricsMissing: hold.optional(),
      DependencyProbesDown: hold.optional(),
      KedaMetricsDown: hold.optional(),
      KarpenterMetricsDown: hold.optional(),
    })
    .default({}).describe('Policy thresholds of SPEC 4, keyed by alert name; every alert a cluster gets needs its entry.'),
});

export type MonitoringConfig = z.infer<typeof monitoringSection>;
export type Thresholds = MonitoringConfig['thresholds'];
export type { AlertName, Severity };

// The schema's thresholds are exactly the alert model's (a compile error when they drift apart).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const thresholdsMatch: Same<Required<Thresholds>, AlertThresholds> & Same<keyof Thresholds, AlertName> = true;
void thresholdsMatch;
