// Airflow tasks and the services they depend on (SPEC 4, scw-ml-prod).
import type { Problem } from '../../config/errors';
import type { ClusterConfig } from '../../config/schema';
import type { AirflowConfig } from '../../config/sections/airflow';
import type { Catalogue } from '../catalogue';
import { selector } from '../model';

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

/** Each probe target must exist and lie where the workers' egress allows them to go. */
function checkDependencies(c: ClusterConfig): Problem[] {
  if (!c.monitoring.dependencies) return [];
  const problems: Problem[] = [];
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
        const finished = `airflow_ti_finish${selector({ ...c.monitoring.jobs.airflowStatsd!, state: 'up_for_retry' })}`;
        return {
          severity: 'info',
          summary: 'Task {{ $labels.dag_id }}.{{ $labels.task_id }} was retried',
          description:
            `In the last ${window} a try of the task failed and Airflow put it up for retry (${r.retries} retr${r.retries === 1 ? 'y' : 'ies'}, first after ${r.retryDelaySeconds} s): ` +
            'the run still succeeds if the retry does, but a failure is hiding. ' +
            'First check: the log of the failed try in the Airflow UI (OOMKilled: the profile\'s memory; a hang in fork(): the gRPC fork-safety env).',
          signal: { kind: 'promql', expr: `sum by (dag_id, task_id) (increase(${finished}[${window}]))` },
          comparison: '>',
          threshold: 0,
          for: '0s',
          noData: 'OK',
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
          // No series at all means the probes themselves are gone: worth a look, unlike other absent signals.
          noData: 'NoData',
        };
      },
    },
    RunDurationHigh: {
      reads: ['monitoring.grafana.datasources.postgres', 'monitoring.runDurationSql'],
      build: (c) => {
        const { aboveSeconds } = c.monitoring.thresholds.RunDurationHigh!;
        return {
          severity: 'warning',
          summary: `A run has been going for more than ${aboveSeconds} s`,
          description:
            `The run's elapsed_s (monitoring.runDurationSql on the PostgreSQL datasource) is above ${aboveSeconds} s: it is stuck or much slower than planned. ` +
            'First check: the run\'s running tasks in the Airflow UI (Pending pods: PodsPendingTooLong; throttled: PodCpuNearLimit).',
          signal: { kind: 'sql', sql: c.monitoring.runDurationSql!, datasource: c.monitoring.grafana.datasources.postgres! },
          comparison: '>',
          threshold: aboveSeconds,
          for: '0s',
          noData: 'OK',
        };
      },
    },
  },
};
