// Rules the Airflow outputs need from the config, checked before anything is built. Unknown names
// are reported by lib/config/references.ts and profiles that do not fit their pool by
// lib/config/fit.ts (both when loading); these rules skip them.
import { Problem, Problems } from '../config/errors';
import type { ClusterConfig } from '../config/schema';
import { chartObjects, imageParts, platformPool } from './model';

/** gRPC fork safety (SPEC 2.4): without both, a library forking after MLflow's gRPC threads start hangs. */
export const FORK_SAFETY: Readonly<Record<string, string>> = { GRPC_ENABLE_FORK_SUPPORT: '1', GRPC_POLL_STRATEGY: 'poll' };

/** Major Airflow version the pod templates and Helm values are written for. */
export const SUPPORTED_AIRFLOW_MAJOR = '2';

/** Shortest CIDR prefix an egress entry may have: a wider range would defeat the allow-list. */
export const MIN_CIDR_PREFIX = 8;

const EXTERNAL = ['postgres', 's3', 'exchangeApi'] as const;

const sameMap = (x: Record<string, string>, y: Record<string, string>): boolean =>
  Object.keys(x).length === Object.keys(y).length && Object.entries(y).every(([k, v]) => x[k] === v);

export function checkAirflow(c: ClusterConfig): Problem[] {
  const problems = new Problems(c.name);
  const { airflow: a, compute } = c;
  if (!a || !compute) return [];

  a.heavyFactors.forEach((f, i) =>
    problems.check(a.factors.includes(f), `airflow.heavyFactors[${i}]`, f,
      `unknown factor: heavy factors must be among airflow.factors (${a.factors.join(', ')})`,
      `add ${f} to airflow.factors or remove it from airflow.heavyFactors`),
  );

  const heavy = a.factorWorkloads.heavy;
  const heavyRuns = compute.workloads[heavy]?.maxActiveRuns;
  problems.check(heavyRuns === undefined || heavyRuns === 1, `compute.workloads.${heavy}.maxActiveRuns`, heavyRuns,
    `the heavy factor workload (airflow.factorWorkloads.heavy) must run one DAG run at a time (SPEC 1.1: heavy means max_active_runs 1)`,
    'set maxActiveRuns: 1');

  const version = imageParts(a.image).version;
  if (!version)
    problems.add('airflow.image', a.image,
      'the tag must start with the Airflow version (the chart\'s airflowVersion is derived from it)',
      'use a tag such as apache/airflow:2.10.5-python3.11');
  else
    problems.check(version.split('.')[0] === SUPPORTED_AIRFLOW_MAJOR, 'airflow.image', a.image,
      `Airflow ${version} is not supported: the worker templates and values target Airflow ${SUPPORTED_AIRFLOW_MAJOR}.x ` +
        '(Airflow 3 workers reach the API server instead of the metadata database, and need a chart release that supports them)',
      `use an Airflow ${SUPPORTED_AIRFLOW_MAJOR}.x image`);

  for (const [list, names] of [['factors', a.factors], ['heavyFactors', a.heavyFactors]] as const)
    names.forEach((f, i) =>
      problems.check(names.indexOf(f) === i, `airflow.${list}[${i}]`, f, `listed twice (first at airflow.${list}[${names.indexOf(f)}])`,
        `remove airflow.${list}[${i}]`));

  for (const [name, value] of Object.entries(FORK_SAFETY)) {
    const got = a.forkSafetyEnv[name];
    problems.check(got === value, `airflow.forkSafetyEnv.${name}`, got,
      `must be "${value}": gRPC fork safety (SPEC 2.4) needs ${name}=${value} on every worker pod`,
      `set ${name}: "${value}"`);
  }

  const r = a.retry;
  problems.check(r.retryDelaySeconds <= r.maxRetryDelaySeconds, 'airflow.retry.retryDelaySeconds', r.retryDelaySeconds,
    `must be <= airflow.retry.maxRetryDelaySeconds (${r.maxRetryDelaySeconds}): the cap would cut even the first retry's delay`,
    `lower retryDelaySeconds to ${r.maxRetryDelaySeconds} or raise maxRetryDelaySeconds to ${r.retryDelaySeconds}`);

  for (const k of EXTERNAL) {
    a.egress[k].cidrs.forEach((cidr, i) => {
      const [address, bits] = cidr.split('/');
      const prefix = Number(bits);
      if (prefix > 32 || address.split('.').some((o) => Number(o) > 255))
        problems.add(`airflow.egress.${k}.cidrs[${i}]`, cidr, 'not an IPv4 CIDR: octets are 0-255 and the prefix at most /32');
      else
        problems.check(prefix >= MIN_CIDR_PREFIX, `airflow.egress.${k}.cidrs[${i}]`, cidr,
          `the prefix must be /${MIN_CIDR_PREFIX} or narrower: a wider range lets workers reach most of the internet and defeats the egress allow-list`,
          `list the provider's published ranges for ${a.egress[k].host ?? k}, each /${MIN_CIDR_PREFIX} or narrower`);
    });
  }

  const statsd = a.egress.statsd;
  const labels = chartObjects(a).statsdLabels;
  problems.check(statsd.namespace === a.namespace && statsd.protocol === 'UDP' && sameMap(statsd.podLabels ?? {}, labels),
    'airflow.egress.statsd', statsd,
    `must select the chart's StatsD exporter of release ${a.helm.release} in ${a.namespace} over UDP, else task metrics (TaskRetried) are dropped`,
    `namespace: ${a.namespace}, podLabels: ${JSON.stringify(labels)}, protocol: UDP`);

  const platform = platformPool(compute);
  problems.check(platform !== undefined, 'compute.pools', Object.keys(compute.pools),
    'needs a pool with role platform: the scheduler, webserver and triggerer are pinned to it (values top-level nodeSelector)',
    'add role: platform to the permanent pool');

  return problems.list;
}
