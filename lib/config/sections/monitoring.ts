// Where alerts go and what they read (SPEC 4). Thresholds that are policy live here, keyed by the
// alert they tune; thresholds that exist elsewhere in the config (the compute pool's max size, the
// BuildKit slot counts) are derived by the alert catalogues, not repeated here.
import { z } from 'zod';

/** A Prometheus duration with one unit, as rules and Grafana take it: "30s", "5m", "1h". */
export const duration = z.string().regex(/^\d+[smhd]$/, 'must be a duration such as 30s, 5m or 1h');
const ratio = z.number().gt(0).lt(1);
const hold = z.strictObject({ for: duration });
const above = <T extends z.ZodType>(value: T) => z.strictObject({ above: value, for: duration });
const increase = z.strictObject({ window: duration, for: duration });

/** Label matchers selecting one exporter's series, e.g. { job: kubelet, metrics_path: /metrics/cadvisor }. */
const selector = z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name'), z.string()).refine(
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
    evaluationInterval: duration,
    datasources: z.strictObject({ prometheus: expanded, postgres: expanded.optional() }).describe('Grafana datasource UIDs the rules query.'),
  }),
  ruleSelectorLabels: z.record(z.string(), z.string()).default({}).describe('Labels the Prometheus instance selects PrometheusRules by (e.g. kube-prometheus-stack\'s release).'),
  probeSelectorLabels: z.record(z.string(), z.string()).default({}).describe('Labels the Prometheus instance selects Probes by (the DependencyDown targets).'),
  rateWindow: duration.describe('Range of rate() over counters such as container CPU seconds; also the Grafana query window.'),
  escapeForHelm: z.boolean().default(false).describe('Escape template braces so the files survive being fed through Helm (README, \'Template braces and Helm\').'),
  jobs: z
    .strictObject({
      kubeStateMetrics: selector.optional(),
      nodeExporter: selector.optional(),
      cadvisor: selector.optional().describe('Container metrics (cAdvisor through the kubelet).'),
      airflowStatsd: selector.optional().describe('Airflow\'s StatsD exporter (the official chart\'s `statsd`).'),
      keda: selector.optional().describe('The KEDA operator\'s metrics endpoint.'),
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
  runDurationSql: z.string().optional().describe('SQL of RunDurationHigh on the PostgreSQL datasource: text columns become labels, `elapsed_s` the value.'),
  thresholds: z
    .strictObject({
      PodCpuNearLimit: above(ratio).optional(),
      PodMemoryNearLimit: above(ratio).optional(),
      NodeCpuHigh: above(ratio).optional(),
      NodeMemoryHigh: above(ratio).optional(),
      PodsPendingTooLong: hold.optional(),
      ComputeScaleUpSlow: hold.optional(),
      ComputeNodesIdle: hold.optional(),
      TaskRetried: z.strictObject({ window: duration }).optional(),
      DependencyDown: hold.optional(),
      RunDurationHigh: z.strictObject({ aboveSeconds: z.number().positive() }).optional(),
      KedaScalerErrors: increase.optional(),
      KedaScaledObjectErrors: increase.optional(),
      BuildkitQueueBacklog: above(z.number().int().nonnegative()).optional(),
      BuildkitAtMaxReplicas: hold.optional(),
      BuildkitSlotsExhausted: hold.optional(),
    })
    .default({}).describe('Policy thresholds of SPEC 4, keyed by alert name; every alert a cluster gets needs its entry.'),
});

export type MonitoringConfig = z.infer<typeof monitoringSection>;
export type Thresholds = MonitoringConfig['thresholds'];
export type AlertName = keyof Thresholds;
