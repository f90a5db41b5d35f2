// The Airflow platform's alerts (SPEC 4, scw-ml-prod): failed task tries, the services tasks depend
// on, and runs that take longer than their workload should. Built from typed inputs alone; the
// config mapping fills them from the airflow, compute and monitoring sections.
import {
  alertsOf, AirflowAlertName, AlertBody, AlertSet, AlertThresholds, eventsWithin, Need, ScrapeJob, selector,
} from '../core/alerts';

/** The services DependencyDown probes; each is an `airflow.egress` entry (its port comes from there). */
export const DEPENDENCIES = ['mlflow', 'postgres', 'redis', 's3'] as const;
export type Dependency = (typeof DEPENDENCIES)[number];

export interface ProbeTarget {
  dependency: Dependency;
  /** host:port as the blackbox exporter dials it. */
  target: string;
}

/** The blackbox exporter that probes the dependencies (one Probe per dependency). */
export interface Blackbox {
  /** host:port of the blackbox exporter Service. */
  prober: string;
  /** Module of the exporter's config that opens a TCP connection. */
  module: string;
  /** `job` label of the probe series. */
  jobName: string;
}

/** A DAG watched by RunDurationHigh on dag_run: the workload it runs and that workload's duration. */
export interface WatchedDag {
  workload: string;
  durationHours: number;
}

export interface AirflowAlertInputs {
  /** The workers' retry policy (airflow.retry), named in TaskRetried's runbook. */
  retry: { retries: number; retryDelaySeconds: number };
  /** Airflow's StatsD exporter, scraped by the generated ServiceMonitor. */
  statsdJob: ScrapeJob;
  blackbox: Blackbox;
  /** Grafana datasource UID of the Airflow metadata database (PostgreSQL). */
  postgresDatasource: string;
  /** RunDurationHigh on dag_run, by dag_id. */
  runDurationDags: Record<string, WatchedDag>;
  /** Further RunDurationHigh sources, each its own Grafana rule (the key is part of its uid). */
  runDurationSources: Record<string, { sql: string; aboveSeconds: number }>;
  thresholds: Pick<AlertThresholds, AirflowAlertName>;
}

/** The chart's StatsD Service, which the generated ServiceMonitor scrapes (its name is the `job` label). */
export const statsdService = (release: string): string => `${release}-statsd`;

/** Late limit of each DAG's runs: its workload's duration (hours) x the factor, in seconds. */
export function runLimits(inputs: Pick<AirflowAlertInputs, 'runDurationDags' | 'thresholds'>): [dag: string, workload: string, seconds: number][] {
  const { factor } = inputs.thresholds.RunDurationHigh;
  return Object.entries(inputs.runDurationDags).map(([dag, w]) => [dag, w.workload, Math.round(w.durationHours * 3600 * factor)]);
}

const sqlText = (v: string): string => `'${v.replace(/'/g, "''")}'`;

/** The dag_run form of RunDurationHigh: elapsed time over the DAG's own limit, late above 1. */
export function dagRunSql(inputs: Pick<AirflowAlertInputs, 'runDurationDags' | 'thresholds'>): string {
  const limits = runLimits(inputs).map(([dag, , s]) => `(${sqlText(dag)}, ${s})`).join(', ');
  return [
    'SELECT r.dag_id, r.run_id, EXTRACT(EPOCH FROM now() - r.start_date) / l.limit_s AS elapsed_over_limit',
    'FROM dag_run r',
    `JOIN (VALUES ${limits}) AS l(dag_id, limit_s) ON l.dag_id = r.dag_id`,
    "WHERE r.state = 'running'",
  ].join('\n');
}

function taskRetried(inputs: AirflowAlertInputs): AlertBody {
  const { window } = inputs.thresholds.TaskRetried;
  const { retries, retryDelaySeconds } = inputs.retry;
  const job = inputs.statsdJob;
  // ti_failures counts every failed try; handle_failure emits it in the task process, and in
  // the scheduler for a worker killed without a word (OOM kill, eviction: SIGKILL), which
  // never reaches ti.finish. ti.finish (state up_for_retry) is the task's own report.
  const failures = eventsWithin(`airflow_ti_failures${selector(job)}`, 'dag_id, task_id', window);
  const retried = eventsWithin(`airflow_ti_finish${selector({ ...job, state: 'up_for_retry' })}`, 'dag_id, task_id', window);
  const statsd: Need = { input: 'the Airflow StatsD exporter scraped by the generated ServiceMonitor (monitoring.jobs.airflowStatsd)', guard: 'AirflowStatsdDown', watch: { kind: 'scrape', job } };
  const metrics: Need = {
    input: 'Airflow sending its metrics to the exporter ([metrics] statsd_on, with InfluxDB-style tags)', guard: 'AirflowMetricsMissing',
    watch: { kind: 'series', series: `airflow_scheduler_heartbeat${selector(job)}`, whileUp: job },
  };
  return {
    severity: 'warning',
    summary: 'A try of task {{ $labels.dag_id }}.{{ $labels.task_id }} failed',
    description:
      `In the last ${window} a try of the task failed: Airflow put it up for retry (${retries} retr${retries === 1 ? 'y' : 'ies'}, first after ${retryDelaySeconds} s) or, with no retry left, failed it. ` +
      'A retry that succeeds still hides a failure. A worker killed by the kernel or evicted is counted too (the scheduler reports it once it finds the task gone). ' +
      'First check: the failed try\'s log in the Airflow UI, and PodOOMKilled for the worker pod (OOMKilled: the profile\'s memory; a hang in fork(): the gRPC fork-safety env).',
    signal: { kind: 'promql', expr: `${failures}\n  or\n${retried}` },
    comparison: '>',
    threshold: 0,
    for: '0s',
    noData: 'OK',
    needs: [statsd, metrics],
  };
}

function dependencyDown(inputs: AirflowAlertInputs): AlertBody {
  const { for: hold } = inputs.thresholds.DependencyDown;
  const { prober, module, jobName } = inputs.blackbox;
  return {
    severity: 'critical',
    summary: 'Dependency {{ $labels.dependency }} unreachable',
    description:
      `For ${hold} the blackbox exporter has not been able to connect to {{ $labels.dependency }} at {{ $labels.instance }}: tasks that need it fail or hang. ` +
      'First check: the service itself (its pods, or the managed service\'s status), then, if only workers are affected, the worker NetworkPolicy (airflow.egress).',
    signal: { kind: 'promql', expr: `min by (dependency, instance) (probe_success${selector({ job: jobName })})` },
    comparison: '<',
    threshold: 1,
    for: hold,
    // No series at all means the probes themselves are gone: DependencyProbesDown says so.
    noData: 'OK',
    needs: [{ input: `the blackbox exporter at ${prober} with module ${module}, and the generated Probes`, guard: 'DependencyProbesDown', watch: { kind: 'scrape', job: { job: jobName } } }],
  };
}

function runDurationHigh(inputs: AirflowAlertInputs): AlertBody[] {
  const { factor } = inputs.thresholds.RunDurationHigh;
  const postgres = inputs.postgresDatasource;
  const limits = runLimits(inputs).map(([dag, w, s]) => `${dag} ${Math.round(s / 60)} min (${w})`).join(', ');
  // The metadata database is itself a probed dependency (postgres): DependencyDown says when it is unreachable.
  const database: Need = { input: `the Airflow metadata database on the Grafana datasource ${postgres}`, guard: 'DependencyDown' };
  const common = { severity: 'warning' as const, comparison: '>' as const, for: '0s', noData: 'OK' as const, needs: [database] };
  const firstCheck = 'First check: the run\'s running tasks in the Airflow UI (Pending pods: PodsPendingTooLong; throttled: PodCpuNearLimit; retried: TaskRetried).';
  return [
    {
      ...common,
      summary: 'Run {{ $labels.run_id }} of {{ $labels.dag_id }} is late',
      description:
        `The DAG run has been running longer than its workload's duration x ${factor} (${limits}; compute.workloads.*.durationHours): it is stuck or much slower than planned. ${firstCheck}`,
      signal: { kind: 'sql', sql: dagRunSql(inputs), datasource: postgres },
      threshold: 1,
    },
    ...Object.entries(inputs.runDurationSources).map(([key, src]) => ({
      ...common,
      key,
      summary: `A ${key} run has been going for more than ${src.aboveSeconds} s`,
      description: `A run of monitoring.runDurationSources.${key} has been going for more than ${src.aboveSeconds} s: it is stuck or much slower than planned. ${firstCheck}`,
      signal: { kind: 'sql' as const, sql: src.sql, datasource: postgres },
      threshold: src.aboveSeconds,
    })),
  ];
}

/** The platform's alerts, in rule order. */
export const AIRFLOW_ALERT_NAMES: readonly AirflowAlertName[] = ['TaskRetried', 'DependencyDown', 'RunDurationHigh'];

export const AIRFLOW_ALERTS: AlertSet<AirflowAlertInputs, AirflowAlertName> = {
  group: 'airflow',
  names: () => [...AIRFLOW_ALERT_NAMES],
  build: { TaskRetried: taskRetried, DependencyDown: dependencyDown, RunDurationHigh: runDurationHigh },
};

/** Every alert of the Airflow platform (hand them to AlertRules). */
export const airflowAlerts = (inputs: AirflowAlertInputs) => alertsOf(AIRFLOW_ALERTS, inputs);
