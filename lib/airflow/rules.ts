// Rules the Airflow outputs need from their props, checked before anything is built: by the
// construct (a broken guarantee never builds) and by the config entry (the same lines, placed in
// the cluster file). Paths are relative to the props; those under `compute.` name the compute
// section's fields. Unknown names are reported by the config loader (references, fit), and
// profiles that do not fit their pool too; these rules skip them.
import type { PropsProblem } from '../core/props';
import { memoryBytes } from '../core/quantity';
import { ephemeralStorage, imageParts, workerPools, worstQueuedWait } from './derived';
import { chartObjects, EXTERNAL_ENDPOINTS } from './names';
import type { AirflowWorkersProps } from './props';

/** gRPC fork safety (SPEC 2.4): without both, a library forking after MLflow's gRPC threads start hangs. */
export const FORK_SAFETY: Readonly<Record<string, string>> = { GRPC_ENABLE_FORK_SUPPORT: '1', GRPC_POLL_STRATEGY: 'poll' };

/** Major Airflow version the pod templates and Helm values are written for. */
export const SUPPORTED_AIRFLOW_MAJOR = '2';

/** Shortest CIDR prefix an egress entry may have: a wider range would defeat the allow-list. */
export const MIN_CIDR_PREFIX = 8;

/** Collects the problems of one props object, in the order the rules find them. */
class Findings {
  readonly list: PropsProblem[] = [];

  add(path: string, value: unknown, rule: string, fix?: string): void {
    this.list.push({ path, value, rule, ...(fix === undefined ? {} : { fix }) });
  }

  /** Records a problem unless `ok` holds. */
  check(ok: boolean, path: string, value: unknown, rule: string, fix?: string): void {
    if (!ok) this.add(path, value, rule, fix);
  }
}

const sameMap = (x: Record<string, string>, y: Record<string, string>): boolean =>
  Object.keys(x).length === Object.keys(y).length && Object.entries(y).every(([k, v]) => x[k] === v);

/** Every rule of the Airflow worker profiles; empty when the props can be built. */
export function validateAirflowWorkers(props: AirflowWorkersProps): PropsProblem[] {
  const findings = new Findings();
  checkFactors(findings, props);
  checkImage(findings, props);
  checkListedOnce(findings, props);
  checkForkSafety(findings, props);
  checkRetry(findings, props);
  checkEgress(findings, props);
  checkStatsd(findings, props);
  checkDelivery(findings, props);
  checkScheduling(findings, props);
  checkStorage(findings, props);
  findings.check(props.compute.platformPool !== undefined, 'compute.pools', Object.keys(props.compute.pools),
    'needs a pool with role platform: the scheduler, webserver and triggerer are pinned to it (values top-level nodeSelector)',
    'add role: platform to the permanent pool');
  return findings.list;
}

/** Heavy factors are known factors, none listed twice, and the heavy workload runs one DAG run at a time. */
function checkFactors(findings: Findings, props: AirflowWorkersProps): void {
  props.heavyFactors.forEach((factor, i) =>
    findings.check(props.factors.includes(factor), `heavyFactors[${i}]`, factor,
      `unknown factor: heavy factors must be among airflow.factors (${props.factors.join(', ')})`,
      `add ${factor} to airflow.factors or remove it from airflow.heavyFactors`),
  );

  const heavy = props.factorWorkloads.heavy;
  const heavyRuns = props.compute.workloads[heavy]?.maxActiveRuns;
  findings.check(heavyRuns === undefined || heavyRuns === 1, `compute.workloads.${heavy}.maxActiveRuns`, heavyRuns,
    `the heavy factor workload (airflow.factorWorkloads.heavy) must run one DAG run at a time (SPEC 1.1: heavy means max_active_runs 1)`,
    'set maxActiveRuns: 1');
}

/** The tag carries a supported Airflow version (the chart's airflowVersion comes from it). */
function checkImage(findings: Findings, props: AirflowWorkersProps): void {
  const version = imageParts(props.image).version;
  if (!version)
    findings.add('image', props.image,
      'the tag must start with the Airflow version (the chart\'s airflowVersion is derived from it)',
      'use a tag such as apache/airflow:2.10.5-python3.11');
  else
    findings.check(version.split('.')[0] === SUPPORTED_AIRFLOW_MAJOR, 'image', props.image,
      `Airflow ${version} is not supported: the worker templates and values target Airflow ${SUPPORTED_AIRFLOW_MAJOR}.x ` +
        '(Airflow 3 workers reach the API server instead of the metadata database, and need a chart release that supports them)',
      `use an Airflow ${SUPPORTED_AIRFLOW_MAJOR}.x image`);
}

/** A factor listed twice is a typo or a copy-paste: its routing would be read from the first. */
function checkListedOnce(findings: Findings, props: AirflowWorkersProps): void {
  for (const [list, names] of [['factors', props.factors], ['heavyFactors', props.heavyFactors]] as const)
    names.forEach((factor, i) =>
      findings.check(names.indexOf(factor) === i, `${list}[${i}]`, factor, `listed twice (first at airflow.${list}[${names.indexOf(factor)}])`,
        `remove airflow.${list}[${i}]`));
}

function checkForkSafety(findings: Findings, props: AirflowWorkersProps): void {
  for (const [name, value] of Object.entries(FORK_SAFETY)) {
    const got = props.forkSafetyEnv[name];
    findings.check(got === value, `forkSafetyEnv.${name}`, got,
      `must be "${value}": gRPC fork safety (SPEC 2.4) needs ${name}=${value} on every worker pod`,
      `set ${name}: "${value}"`);
  }
}

function checkRetry(findings: Findings, { retry }: AirflowWorkersProps): void {
  findings.check(retry.retryDelaySeconds <= retry.maxRetryDelaySeconds, 'retry.retryDelaySeconds', retry.retryDelaySeconds,
    `must be <= airflow.retry.maxRetryDelaySeconds (${retry.maxRetryDelaySeconds}): the cap would cut even the first retry's delay`,
    `lower retryDelaySeconds to ${retry.maxRetryDelaySeconds} or raise maxRetryDelaySeconds to ${retry.retryDelaySeconds}`);
}

/** External endpoints: by name or by address, never both, and no address range wide enough to defeat the allow-list. */
function checkEgress(findings: Findings, props: AirflowWorkersProps): void {
  for (const key of EXTERNAL_ENDPOINTS) {
    const endpoint = props.egress[key];
    if (endpoint.hosts.length > 0 && endpoint.cidrs.length > 0)
      findings.add(`egress.${key}.cidrs`, endpoint.cidrs,
        'an endpoint with a DNS name is allowed by name only (toFQDNs): an address range would open every host behind it',
        `remove airflow.egress.${key}.cidrs`);
    findings.check(endpoint.hosts.length + endpoint.cidrs.length > 0, `egress.${key}`, endpoint,
      'needs hosts (DNS names) or, for a peer without a name, cidrs', `add hosts: [<name of ${endpoint.host ?? key}>]`);
    endpoint.cidrs.forEach((cidr, i) => {
      const [address, bits] = cidr.split('/');
      const prefix = Number(bits);
      if (prefix > 32 || address.split('.').some((octet) => Number(octet) > 255))
        findings.add(`egress.${key}.cidrs[${i}]`, cidr, 'not an IPv4 CIDR: octets are 0-255 and the prefix at most /32');
      else
        findings.check(prefix >= MIN_CIDR_PREFIX, `egress.${key}.cidrs[${i}]`, cidr,
          `the prefix must be /${MIN_CIDR_PREFIX} or narrower: a wider range lets workers reach most of the internet and defeats the egress allow-list`,
          `list the provider's published ranges for ${endpoint.host ?? key}, each /${MIN_CIDR_PREFIX} or narrower`);
    });
  }
}

/** Task metrics reach the chart's own StatsD exporter of this release. */
function checkStatsd(findings: Findings, props: AirflowWorkersProps): void {
  const statsd = props.egress.statsd;
  const labels = chartObjects(props).statsdLabels;
  findings.check(statsd.namespace === props.namespace && statsd.protocol === 'UDP' && sameMap(statsd.podLabels ?? {}, labels),
    'egress.statsd', statsd,
    `must select the chart's StatsD exporter of release ${props.helm.release} in ${props.namespace} over UDP, else task metrics (TaskRetried) are dropped`,
    `namespace: ${props.namespace}, podLabels: ${JSON.stringify(labels)}, protocol: UDP`);
}

/** DAGs reach the workers one way or the other, and an image that carries them is pinned by digest. */
function checkDelivery(findings: Findings, props: AirflowWorkersProps): void {
  const gitSync = props.dags.gitSync;
  if (props.dags.delivery === 'gitSync') {
    findings.check(gitSync !== undefined, 'dags.gitSync', undefined,
      'delivery gitSync needs the repository to clone (repo, hosts, branch, subPath)',
      'add airflow.dags.gitSync: { repo: <https clone URL>, hosts: [<git host>] }');
    if (gitSync) {
      const host = /^https:\/\/([^/:]+)/.exec(gitSync.repo)?.[1];
      findings.check(host !== undefined && gitSync.hosts.includes(host), 'dags.gitSync.repo', gitSync.repo,
        `must be an https URL whose host is in airflow.dags.gitSync.hosts (${gitSync.hosts.join(', ')}): workers reach only those`,
        host ? `add ${host} to airflow.dags.gitSync.hosts` : 'use the https clone URL');
    }
  } else {
    findings.check(/@sha256:[0-9a-f]{64}$/.test(props.image), 'image', props.image,
      'with delivery image the DAGs live in the image, so it must be pinned by digest (a moved tag would change the DAGs of running workers)',
      'append @sha256:<digest> to airflow.image');
    findings.check(gitSync === undefined, 'dags.gitSync', gitSync,
      'is ignored with delivery image', 'remove airflow.dags.gitSync or set airflow.dags.delivery: gitSync');
  }
}

/** A queued task outlasts the worst scale-up of its pool (whose scale-up time must be known). */
function checkScheduling(findings: Findings, props: AirflowWorkersProps): void {
  const pools = props.compute.pools;
  for (const name of workerPools(props))
    findings.check(pools[name]?.scaleUpMinutes !== undefined || pools[name]?.min === pools[name]?.max,
      `compute.pools.${name}.scaleUpMinutes`, undefined,
      'the worker pool autoscales, so its scale-up time is needed to check airflow.scheduling.taskQueuedTimeoutSeconds',
      `set compute.pools.${name}.scaleUpMinutes (minutes per node)`);
  const worst = worstQueuedWait(props);
  if (!worst) return;
  const timeout = props.scheduling.taskQueuedTimeoutSeconds;
  const pool = pools[worst.pool];
  findings.check(timeout > worst.seconds, 'scheduling.taskQueuedTimeoutSeconds', timeout,
    `must exceed the worst wait of a queued task, ${worst.seconds} s: pool ${worst.pool} growing ${pool.min} -> ${pool.max} nodes at ` +
      `${pool.scaleUpMinutes} min each plus a ${props.scheduling.imagePullMinutes} min image pull (else Airflow fails tasks still waiting for a node)`,
    `set taskQueuedTimeoutSeconds to at least ${worst.seconds + 60}`);
}

/** The ephemeral-storage request fits in its limit; /dev/shm (memory) fits in every profile's memory limit. */
function checkStorage(findings: Findings, props: AirflowWorkersProps): void {
  const { storage } = props;
  findings.check(memoryBytes(storage.request) <= memoryBytes(ephemeralStorage(props)), 'storage.request', storage.request,
    `must be at most the ephemeral-storage limit, ${ephemeralStorage(props)} (the disk-backed emptyDirs + containerOverhead)`,
    `lower airflow.storage.request to ${ephemeralStorage(props)}`);

  const smallest = Object.entries(props.compute.profiles)
    .sort(([, x], [, y]) => memoryBytes(x.limits.memory) - memoryBytes(y.limits.memory))[0];
  if (smallest)
    findings.check(memoryBytes(storage.shm) < memoryBytes(smallest[1].limits.memory), 'storage.shm', storage.shm,
      `must be below every profile's memory limit (${smallest[0]}: ${smallest[1].limits.memory}): /dev/shm is memory and counts against it`,
      `lower airflow.storage.shm below ${smallest[1].limits.memory}`);
}
