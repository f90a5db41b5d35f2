// Rules the Airflow outputs need from the config, checked before anything is built. Unknown names
// are reported by lib/config/references.ts and profiles that do not fit their pool by
// lib/config/fit.ts (both when loading); these rules skip them.
import { Problem, Problems } from '../core/errors';
import type { ClusterConfig } from '../config/schema';
import { memoryBytes } from '../core/quantity';
import { chartObjects, ephemeralStorage, EXTERNAL_ENDPOINTS, imageParts, platformPool } from './model';

/** gRPC fork safety (SPEC 2.4): without both, a library forking after MLflow's gRPC threads start hangs. */
export const FORK_SAFETY: Readonly<Record<string, string>> = { GRPC_ENABLE_FORK_SUPPORT: '1', GRPC_POLL_STRATEGY: 'poll' };

/** Major Airflow version the pod templates and Helm values are written for. */
export const SUPPORTED_AIRFLOW_MAJOR = '2';

/** Shortest CIDR prefix an egress entry may have: a wider range would defeat the allow-list. */
export const MIN_CIDR_PREFIX = 8;

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

  for (const k of EXTERNAL_ENDPOINTS) {
    const e = a.egress[k];
    if (e.hosts.length > 0 && e.cidrs.length > 0)
      problems.add(`airflow.egress.${k}.cidrs`, e.cidrs,
        'an endpoint with a DNS name is allowed by name only (toFQDNs): an address range would open every host behind it',
        `remove airflow.egress.${k}.cidrs`);
    problems.check(e.hosts.length + e.cidrs.length > 0, `airflow.egress.${k}`, e,
      'needs hosts (DNS names) or, for a peer without a name, cidrs', `add hosts: [<name of ${e.host ?? k}>]`);
    e.cidrs.forEach((cidr, i) => {
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

  checkDelivery(problems, c);
  checkScheduling(problems, c);

  problems.check(memoryBytes(a.storage.request) <= memoryBytes(ephemeralStorage(a)), 'airflow.storage.request', a.storage.request,
    `must be at most the ephemeral-storage limit, ${ephemeralStorage(a)} (the disk-backed emptyDirs + containerOverhead)`,
    `lower airflow.storage.request to ${ephemeralStorage(a)}`);

  const smallest = Object.entries(compute.profiles).sort(([, x], [, y]) => memoryBytes(x.limits.memory) - memoryBytes(y.limits.memory))[0];
  if (smallest)
    problems.check(memoryBytes(a.storage.shm) < memoryBytes(smallest[1].limits.memory), 'airflow.storage.shm', a.storage.shm,
      `must be below every profile's memory limit (${smallest[0]}: ${smallest[1].limits.memory}): /dev/shm is memory and counts against it`,
      `lower airflow.storage.shm below ${smallest[1].limits.memory}`);

  const platform = platformPool(compute);
  problems.check(platform !== undefined, 'compute.pools', Object.keys(compute.pools),
    'needs a pool with role platform: the scheduler, webserver and triggerer are pinned to it (values top-level nodeSelector)',
    'add role: platform to the permanent pool');

  return problems.list;
}

/** DAGs reach the workers one way or the other, and an image that carries them is pinned by digest. */
function checkDelivery(problems: Problems, c: ClusterConfig): void {
  const a = c.airflow!;
  if (a.dags.delivery === 'gitSync') {
    problems.check(a.dags.gitSync !== undefined, 'airflow.dags.gitSync', undefined,
      'delivery gitSync needs the repository to clone (repo, hosts, branch, subPath)',
      'add airflow.dags.gitSync: { repo: <https clone URL>, hosts: [<git host>] }');
    const g = a.dags.gitSync;
    if (g) {
      const host = /^https:\/\/([^/:]+)/.exec(g.repo)?.[1];
      problems.check(host !== undefined && g.hosts.includes(host), 'airflow.dags.gitSync.repo', g.repo,
        `must be an https URL whose host is in airflow.dags.gitSync.hosts (${g.hosts.join(', ')}): workers reach only those`,
        host ? `add ${host} to airflow.dags.gitSync.hosts` : 'use the https clone URL');
    }
  } else {
    problems.check(/@sha256:[0-9a-f]{64}$/.test(a.image), 'airflow.image', a.image,
      'with delivery image the DAGs live in the image, so it must be pinned by digest (a moved tag would change the DAGs of running workers)',
      'append @sha256:<digest> to airflow.image');
    problems.check(a.dags.gitSync === undefined, 'airflow.dags.gitSync', a.dags.gitSync,
      'is ignored with delivery image', 'remove airflow.dags.gitSync or set airflow.dags.delivery: gitSync');
  }
}

/**
 * The worst wait of a queued task: the worker pool growing from its min to its max one node at a
 * time, then the image pull. Airflow fails a task still queued after task_queued_timeout.
 */
export function worstQueuedSeconds(c: ClusterConfig): { seconds: number; pool: string } | undefined {
  const { airflow: a, compute } = c;
  let worst: { seconds: number; pool: string } | undefined;
  for (const pool of new Set(Object.values(compute!.profiles).map((p) => p.pool))) {
    const p = compute!.pools[pool];
    if (!p?.scaleUpMinutes) continue;
    const seconds = ((p.max - p.min) * p.scaleUpMinutes + a!.scheduling.imagePullMinutes) * 60;
    if (!worst || seconds > worst.seconds) worst = { seconds, pool };
  }
  return worst;
}

function checkScheduling(problems: Problems, c: ClusterConfig): void {
  const { airflow: a, compute } = c;
  for (const pool of new Set(Object.values(compute!.profiles).map((p) => p.pool)))
    problems.check(compute!.pools[pool]?.scaleUpMinutes !== undefined || compute!.pools[pool]?.min === compute!.pools[pool]?.max,
      `compute.pools.${pool}.scaleUpMinutes`, undefined,
      'the worker pool autoscales, so its scale-up time is needed to check airflow.scheduling.taskQueuedTimeoutSeconds',
      `set compute.pools.${pool}.scaleUpMinutes (minutes per node)`);
  const worst = worstQueuedSeconds(c);
  if (!worst) return;
  const t = a!.scheduling.taskQueuedTimeoutSeconds;
  const p = compute!.pools[worst.pool];
  problems.check(t > worst.seconds, 'airflow.scheduling.taskQueuedTimeoutSeconds', t,
    `must exceed the worst wait of a queued task, ${worst.seconds} s: pool ${worst.pool} growing ${p.min} -> ${p.max} nodes at ` +
      `${p.scaleUpMinutes} min each plus a ${a!.scheduling.imagePullMinutes} min image pull (else Airflow fails tasks still waiting for a node)`,
    `set taskQueuedTimeoutSeconds to at least ${worst.seconds + 60}`);
}
