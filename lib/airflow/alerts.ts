// Airflow tasks and the services they depend on (SPEC 4, scw-ml-prod).
import type { Problem } from '../core/errors';
import type { ClusterConfig } from '../config/schema';
import type { AirflowConfig } from '../config/sections/airflow';
import type { Catalogue } from '../monitoring';
import { eventsWithin, Need, selector } from '../core/alerts';

/** The services DependencyDown probes; each is an `airflow.egress` entry (its port comes from there). */
export const DEPENDENCIES = ['mlflow', 'postgres', 'redis', 's3'] as const;
export type Dependency = (typeof DEPENDENCIES)[number];

export interface ProbeTarget {
  dependency: Dependency;
  /** host:port as the blackbox exporter dials it. */
  target: string;
}

const DNS_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function ipInCidr(ip: string, cidr: string): boolean {
  const num = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(num(ip) / size) === Math.floor(num(base) / size);
}

/** Where a dependency's host comes from: the monitoring config, else the egress entry's DNS host. */
function hostOf(c: ClusterConfig, d: Dependency): string | undefined {
  const egress = c.airflow!.egress[d];
  const fromEgress = 'host' in egress && egress.host && DNS_NAME.test(egress.host) ? egress.host : undefined;
  return c.monitoring.dependencies?.[d].host ?? fromEgress;
}

export function probeTargets(c: ClusterConfig): ProbeTarget[] {
  return DEPENDENCIES.map((d) => ({ dependency: d, target: `${hostOf(c, d)}:${c.airflow!.egress[d].port}` }));
}

/** The chart's StatsD Service, which the generated ServiceMonitor scrapes (its name is the `job` label). */
export const statsdService = (c: ClusterConfig): string => `${c.airflow!.helm.release}-statsd`;

const STATSD: Need = { input: 'the Airflow StatsD exporter scraped by the generated ServiceMonitor (monitoring.jobs.airflowStatsd)', guard: 'AirflowStatsdDown' };
const AIRFLOW_METRICS: Need = { input: 'Airflow sending its metrics to the exporter ([metrics] statsd_on, with InfluxDB-style tags)', guard: 'AirflowMetricsMissing' };

/** Late factor of each DAG's runs: its workload's duration (hours) x the configured factor, in seconds. */
export function runLimits(c: ClusterConfig): [dag: string, workload: string, seconds: number][] {
  const { factor } = c.monitoring.thresholds.RunDurationHigh!;
  return Object.entries(c.monitoring.runDurationDags ?? {}).map(([dag, w]) => [dag, w, Math.round(c.compute!.workloads[w].durationHours * 3600 * factor)]);
}

const sqlText = (v: string): string => `'${v.replace(/'/g, "''")}'`;

/** The dag_run form of RunDurationHigh: elapsed time over the DAG's own limit, late above 1. */
export function dagRunSql(c: ClusterConfig): string {
  const limits = runLimits(c).map(([dag, , s]) => `(${sqlText(dag)}, ${s})`).join(', ');
  return [
    'SELECT r.dag_id, r.run_id, EXTRACT(EPOCH FROM now() - r.start_date) / l.limit_s AS elapsed_over_limit',
    'FROM dag_run r',
    `JOIN (VALUES ${limits}) AS l(dag_id, limit_s) ON l.dag_id = r.dag_id`,
    "WHERE r.state = 'running'",
  ].join('\n');
}

/** Each probe target must exist and lie where the workers' egress allows them to go. */
function checkDependencies(c: ClusterConfig): Problem[] {
  const problems: Problem[] = [];
  const job = c.monitoring.jobs.airflowStatsd?.job;
  if (c.monitoring.thresholds.TaskRetried && job !== undefined && job !== statsdService(c))
    problems.push({ cluster: c.name, path: 'monitoring.jobs.airflowStatsd.job', value: job, rule: `the generated ServiceMonitor scrapes the chart's Service ${statsdService(c)}, whose name becomes the job label`, fix: `job: ${statsdService(c)}` });
  for (const [dag, w] of Object.entries(c.monitoring.runDurationDags ?? {}))
    if (!c.compute?.workloads[w])
      problems.push({ cluster: c.name, path: `monitoring.runDurationDags.${dag}`, value: w, rule: 'must name a workload of compute.workloads', fix: `one of ${Object.keys(c.compute?.workloads ?? {}).join(', ')}` });
  if (!c.monitoring.dependencies) return problems;
  const egress: AirflowConfig['egress'] = c.airflow!.egress;
  for (const d of DEPENDENCIES) {
    const path = `monitoring.dependencies.${d}.host`;
    const host = hostOf(c, d);
    const e = egress[d];
    if (host === undefined) {
      problems.push({ cluster: c.name, path, value: undefined, rule: `DependencyDown needs a host to probe; airflow.egress.${d} names none` });
    } else if ('namespace' in e) {
      if (!new RegExp(`\\.${e.namespace}\\.svc(\\.|$)`).test(host))
        problems.push({ cluster: c.name, path, value: host, rule: `must be a Service in airflow.egress.${d}.namespace (${e.namespace})`, fix: `<service>.${e.namespace}.svc` });
    } else if (IPV4.test(host) && !e.cidrs.some((cidr) => ipInCidr(host, cidr))) {
      problems.push({ cluster: c.name, path, value: host, rule: `must lie in airflow.egress.${d}.cidrs (${e.cidrs.join(', ')}), where the workers may connect` });
    }
  }
  return problems;
}

export const airflowAlerts: Catalogue = {
  group: 'airflow',
  enabled: (c) => c.airflow !== undefined,
  check: checkDependencies,
  alerts: {
    TaskRetried: {
      reads: ['monitoring.jobs.airflowStatsd', 'airflow.retry'],
      build: (c) => {
        const { window } = c.monitoring.thresholds.TaskRetried!;
        const r = c.airflow!.retry;
        const job = c.monitoring.jobs.airflowStatsd!;
        // ti_failures counts every failed try; handle_failure emits it in the task process, and in
        // the scheduler for a worker killed without a word (OOM kill, eviction: SIGKILL), which
        // never reaches ti.finish. ti.finish (state up_for_retry) is the task's own report.
        const failures = eventsWithin(`airflow_ti_failures${selector(job)}`, 'dag_id, task_id', window);
        const retries = eventsWithin(`airflow_ti_finish${selector({ ...job, state: 'up_for_retry' })}`, 'dag_id, task_id', window);
        return {
          severity: 'warning',
          summary: 'A try of task {{ $labels.dag_id }}.{{ $labels.task_id }} failed',
          description:
            `In the last ${window} a try of the task failed: Airflow put it up for retry (${r.retries} retr${r.retries === 1 ? 'y' : 'ies'}, first after ${r.retryDelaySeconds} s) or, with no retry left, failed it. ` +
            'A retry that succeeds still hides a failure. A worker killed by the kernel or evicted is counted too (the scheduler reports it once it finds the task gone). ' +
            'First check: the failed try\'s log in the Airflow UI, and PodOOMKilled for the worker pod (OOMKilled: the profile\'s memory; a hang in fork(): the gRPC fork-safety env).',
          signal: { kind: 'promql', expr: `${failures}\n  or\n${retries}` },
          comparison: '>',
          threshold: 0,
          for: '0s',
          noData: 'OK',
          needs: [STATSD, AIRFLOW_METRICS],
        };
      },
    },
    DependencyDown: {
      reads: ['monitoring.blackbox', 'monitoring.dependencies', 'airflow.egress'],
      build: (c) => {
        const { for: hold } = c.monitoring.thresholds.DependencyDown!;
        return {
          severity: 'critical',
          summary: 'Dependency {{ $labels.dependency }} unreachable',
          description:
            `For ${hold} the blackbox exporter has not been able to connect to {{ $labels.dependency }} at {{ $labels.instance }}: tasks that need it fail or hang. ` +
            'First check: the service itself (its pods, or the managed service\'s status), then, if only workers are affected, the worker NetworkPolicy (airflow.egress).',
          signal: { kind: 'promql', expr: `min by (dependency, instance) (probe_success${selector({ job: c.monitoring.blackbox!.jobName })})` },
          comparison: '<',
          threshold: 1,
          for: hold,
          // No series at all means the probes themselves are gone: DependencyProbesDown says so.
          noData: 'OK',
          needs: [{ input: `the blackbox exporter at ${c.monitoring.blackbox!.prober} with module ${c.monitoring.blackbox!.module}, and the generated Probes`, guard: 'DependencyProbesDown' }],
        };
      },
    },
    RunDurationHigh: {
      reads: ['monitoring.grafana.datasources.postgres', 'monitoring.runDurationDags', 'compute.workloads'],
      keys: (c) => [undefined, ...Object.keys(c.monitoring.runDurationSources)],
      build: (c) => {
        const { factor } = c.monitoring.thresholds.RunDurationHigh!;
        const postgres = c.monitoring.grafana.datasources.postgres!;
        const limits = runLimits(c).map(([dag, w, s]) => `${dag} ${Math.round(s / 60)} min (${w})`).join(', ');
        const common = {
          severity: 'warning' as const,
          comparison: '>' as const,
          for: '0s',
          noData: 'OK' as const,
          needs: [{ input: `the Airflow metadata database on the Grafana datasource ${postgres}`, guard: 'DependencyDown' as const }],
        };
        const firstCheck = 'First check: the run\'s running tasks in the Airflow UI (Pending pods: PodsPendingTooLong; throttled: PodCpuNearLimit; retried: TaskRetried).';
        return [
          {
            ...common,
            summary: 'Run {{ $labels.run_id }} of {{ $labels.dag_id }} is late',
            description:
              `The DAG run has been running longer than its workload's duration x ${factor} (${limits}; compute.workloads.*.durationHours): it is stuck or much slower than planned. ${firstCheck}`,
            signal: { kind: 'sql' as const, sql: dagRunSql(c), datasource: postgres },
            threshold: 1,
          },
          ...Object.entries(c.monitoring.runDurationSources).map(([key, src]) => ({
            ...common,
            key,
            summary: `A ${key} run has been going for more than ${src.aboveSeconds} s`,
            description: `A run of monitoring.runDurationSources.${key} has been going for more than ${src.aboveSeconds} s: it is stuck or much slower than planned. ${firstCheck}`,
            signal: { kind: 'sql' as const, sql: src.sql, datasource: postgres },
            threshold: src.aboveSeconds,
          })),
        ];
      },
    },
  },
};
