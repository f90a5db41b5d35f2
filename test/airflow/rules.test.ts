// Each rule of the Airflow component: a bad config fails with a message naming the cluster, the
// field and the value. Expected values are read from the built-in config, never retyped.
import { ConfigError, formatProblem } from '../../lib/core/errors';
import { cpuCores, formatCpu, formatMemory, GiB, memoryBytes } from '../../lib/core/quantity';
import { render } from '../../lib/pipeline/render';
import { parseCluster } from '../../lib/config/load';
import { stringify } from 'yaml';
import { FORK_SAFETY, MIN_CIDR_PREFIX } from '../../lib/airflow/rules';
import { airflow } from '../../lib/config/components/airflow';
import { poolsWithRole } from '../../lib/compute/pools';
import { CLUSTER, config, raw } from './support';

/** The Airflow rules' messages for a modified raw config, as the config entry places them in the file. */
const problems = (r: any): string[] => airflow.check!(config(r)).map(formatProblem);

/** Messages of the ConfigError a modified config raises while loading (reference checks). */
function loadProblems(r: any): string[] {
  try {
    parseCluster(stringify(r), `clusters/${CLUSTER}.yaml`);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map(formatProblem);
    throw e;
  }
  return [];
}

const workerProfile = (r: any, name: string) => r.compute.profiles[name];
const nodeOf = (r: any, profile: string) => r.compute.nodeTypes[r.compute.pools[workerProfile(r, profile).pool].nodeType];
const plusGiB = (q: string) => formatMemory(memoryBytes(q) + GiB);

describe('airflow rules', () => {
  it('the built-in config passes', () => {
    expect(problems(raw())).toEqual([]);
  });

  it('refuses a heavy factor that airflow.factors does not list', () => {
    const r = raw();
    r.airflow.heavyFactors.push('not_a_factor');
    const i = r.airflow.heavyFactors.length - 1;
    expect(problems(r)).toContainEqual(expect.stringMatching(
      new RegExp(`cluster ${CLUSTER}: airflow\\.heavyFactors\\[${i}\\] = "not_a_factor": unknown factor`)));
  });

  it.each(['cpu', 'memory'] as const)('refuses a profile whose %s request exceeds its limit', (key) => {
    const r = raw();
    const p = workerProfile(r, 'light');
    p.requests[key] = key === 'cpu' ? formatCpu(cpuCores(p.limits[key]) + 0.5) : plusGiB(p.limits[key]);
    expect(loadProblems(r)).toContainEqual(expect.stringContaining(
      `cluster ${CLUSTER}: compute.profiles.light.requests.${key} = "${p.requests[key]}": the request exceeds the limit (${p.limits[key]})`));
  });

  it.each(['cpu', 'memory'] as const)('refuses a %s request above the pool node\'s allocatable', (key) => {
    const r = raw();
    const p = workerProfile(r, 'heavy');
    const allocatable = nodeOf(r, 'heavy').allocatable[key];
    p.requests[key] = key === 'cpu' ? formatCpu(cpuCores(allocatable) + 0.1) : plusGiB(allocatable);
    p.limits[key] = p.requests[key];
    expect(loadProblems(r)).toContainEqual(expect.stringContaining(
      `cluster ${CLUSTER}: compute.profiles.heavy.requests.${key} = "${p.requests[key]}": the request exceeds the allocatable`));
    expect(loadProblems(r).join('\n')).toContain(`at most ${allocatable}`);
  });

  it.each(['cpu', 'memory'] as const)('refuses a %s limit above the node\'s capacity', (key) => {
    const r = raw();
    const p = workerProfile(r, 'standard');
    const node = nodeOf(r, 'standard');
    const capacity = key === 'cpu' ? String(node.vcpu) : node.memory;
    p.limits[key] = key === 'cpu' ? formatCpu(node.vcpu + 1) : plusGiB(node.memory);
    expect(loadProblems(r)).toContainEqual(expect.stringContaining(
      `cluster ${CLUSTER}: compute.profiles.standard.limits.${key} = "${p.limits[key]}": the limit exceeds the ${key === 'cpu' ? 'CPU' : 'memory'} capacity`));
    expect(loadProblems(r).join('\n')).toContain(`(${capacity})`);
  });

  it('refuses a pool of profiles whose node type has no measured allocatable', () => {
    const r = raw();
    const pool = workerProfile(r, 'standard').pool;
    const type = r.compute.pools[pool].nodeType;
    delete r.compute.nodeTypes[type].allocatable;
    expect(loadProblems(r)).toContainEqual(expect.stringMatching(
      new RegExp(`cluster ${CLUSTER}: compute\\.pools\\.${pool}\\.nodeType = "${type}": node type ${type} has no measured allocatable`)));
  });

  it('refuses a cluster without a platform pool for the scheduler', () => {
    const r = raw();
    for (const pool of Object.values<any>(r.compute.pools)) pool.role = 'workload';
    expect(problems(r)).toContainEqual(expect.stringContaining(`cluster ${CLUSTER}: compute.pools = `));
    expect(problems(r).join('\n')).toContain('needs a pool with role platform');
  });

  it('refuses a worker profile on the platform pool', () => {
    const r = raw();
    const [platform] = poolsWithRole(r.compute, 'platform');
    workerProfile(r, 'light').pool = platform;
    expect(loadProblems(r)).toContainEqual(expect.stringContaining(
      `cluster ${CLUSTER}: compute.profiles.light.pool = "${platform}": pool ${platform} has role platform`));
  });

  it('refuses an image tag that does not carry the Airflow version', () => {
    const r = raw();
    r.airflow.image = 'apache/airflow:latest-python3.11';
    expect(problems(r)).toContainEqual(expect.stringContaining(
      `cluster ${CLUSTER}: airflow.image = "apache/airflow:latest-python3.11": the tag must start with the Airflow version`));
  });

  it('surfaces unknown pools and node types from the reference checks when loading', () => {
    const r = raw();
    workerProfile(r, 'heavy').pool = 'gpu';
    r.compute.pools.permanent.nodeType = 'NO-SUCH-TYPE';
    const found = loadProblems(r);
    expect(found).toContainEqual(expect.stringContaining(`cluster ${CLUSTER}: compute.profiles.heavy.pool = "gpu": unknown pool`));
    expect(found).toContainEqual(expect.stringContaining(`cluster ${CLUSTER}: compute.pools.permanent.nodeType = "NO-SUCH-TYPE": unknown node type`));
  });

  describe('fork safety (SPEC 2.4)', () => {
    const names = Object.keys(FORK_SAFETY);

    it('requires both gRPC variables', () => {
      expect(names).toEqual(['GRPC_ENABLE_FORK_SUPPORT', 'GRPC_POLL_STRATEGY']);
    });

    it.each(names)('refuses a config without %s', (name) => {
      const r = raw();
      delete r.airflow.forkSafetyEnv[name];
      expect(problems(r)).toContainEqual(expect.stringContaining(
        `cluster ${CLUSTER}: airflow.forkSafetyEnv.${name} = missing: must be "${FORK_SAFETY[name]}"`));
    });

    it.each(names)('refuses a wrong value of %s, naming the key and the value', (name) => {
      const r = raw();
      r.airflow.forkSafetyEnv[name] = 'epoll1';
      expect(problems(r)).toContainEqual(expect.stringContaining(
        `cluster ${CLUSTER}: airflow.forkSafetyEnv.${name} = "epoll1": must be "${FORK_SAFETY[name]}"`));
    });

    it('refuses an empty map with one problem per missing variable', () => {
      const r = raw();
      r.airflow.forkSafetyEnv = {};
      const found = problems(r).filter((p) => p.includes('airflow.forkSafetyEnv.'));
      expect(found).toHaveLength(names.length);
    });
  });

  it('refuses a retry delay above the maximum retry delay', () => {
    const r = raw();
    const max = r.airflow.retry.maxRetryDelaySeconds;
    r.airflow.retry.retryDelaySeconds = max + 1;
    expect(problems(r)).toContainEqual(expect.stringContaining(
      `cluster ${CLUSTER}: airflow.retry.retryDelaySeconds = ${max + 1}: must be <= airflow.retry.maxRetryDelaySeconds (${max})`));
  });

  it.each([0, MIN_CIDR_PREFIX - 1])('refuses an egress CIDR of /%i: it would defeat the allow-list', (prefix) => {
    const r = raw();
    const cidr = `0.0.0.0/${prefix}`;
    r.airflow.egress.postgres.cidrs.push(cidr);
    const i = r.airflow.egress.postgres.cidrs.length - 1;
    expect(problems(r)).toContainEqual(expect.stringContaining(
      `cluster ${CLUSTER}: airflow.egress.postgres.cidrs[${i}] = "${cidr}": the prefix must be /${MIN_CIDR_PREFIX} or narrower`));
  });

  it.each(['51.159.0.0/33', '51.300.0.0/16'])('refuses %s as not an IPv4 CIDR', (cidr) => {
    const r = raw();
    r.airflow.egress.postgres.cidrs.push(cidr);
    const i = r.airflow.egress.postgres.cidrs.length - 1;
    expect(problems(r)).toContainEqual(`cluster ${CLUSTER}: airflow.egress.postgres.cidrs[${i}] = "${cidr}": not an IPv4 CIDR: octets are 0-255 and the prefix at most /32`);
  });

  it('refuses Airflow 3: the templates and values are written for Airflow 2', () => {
    const r = raw();
    r.airflow.image = r.airflow.image.replace(/:\d+\./, ':3.');
    expect(problems(r)).toContainEqual(expect.stringMatching(
      new RegExp(`cluster ${CLUSTER}: airflow\\.image = "${r.airflow.image.replace(/[.]/g, '\\.')}": Airflow 3\\.[\\d.]+ is not supported`)));
  });

  it('refuses a factor listed twice', () => {
    const r = raw();
    r.airflow.heavyFactors.push(r.airflow.heavyFactors[0]);
    const i = r.airflow.heavyFactors.length - 1;
    expect(problems(r)).toContainEqual(expect.stringContaining(
      `cluster ${CLUSTER}: airflow.heavyFactors[${i}] = "${r.airflow.heavyFactors[0]}": listed twice (first at airflow.heavyFactors[0])`));
  });

  it(`accepts an egress CIDR of exactly /${MIN_CIDR_PREFIX}`, () => {
    const r = raw();
    r.airflow.egress.postgres.cidrs = [`10.0.0.0/${MIN_CIDR_PREFIX}`];
    expect(problems(r)).toEqual([]);
  });

  it('refuses an address range for an endpoint that has a name (it would open every host behind it)', () => {
    const r = raw();
    r.airflow.egress.s3.cidrs = ['51.159.0.0/16'];
    expect(problems(r)).toContainEqual(expect.stringContaining(
      `cluster ${CLUSTER}: airflow.egress.s3.cidrs = ["51.159.0.0/16"]: an endpoint with a DNS name is allowed by name only`));
  });

  it('refuses an external endpoint with neither hosts nor cidrs', () => {
    const r = raw();
    r.airflow.egress.exchangeApi.hosts = [];
    expect(problems(r)).toContainEqual(expect.stringMatching(
      new RegExp(`cluster ${CLUSTER}: airflow\\.egress\\.exchangeApi = .*: needs hosts \\(DNS names\\) or, for a peer without a name, cidrs`)));
  });

  it.each(['s3..example', 'https://s3.fr-par.scw.cloud', '*'])('refuses %s as an egress host name (schema)', (host) => {
    const r = raw();
    r.airflow.egress.s3.hosts = [host];
    expect(loadProblems(r)).toContainEqual(expect.stringContaining(`airflow.egress.s3.hosts[0] = "${host}": must be a DNS name`));
  });

  describe('DAG delivery', () => {
    it('refuses a git repository whose host the workers may not reach', () => {
      const r = raw();
      r.airflow.dags.gitSync.repo = 'https://gitlab.com/ml-platform/dags.git';
      expect(problems(r)).toContainEqual(expect.stringContaining(
        'airflow.dags.gitSync.repo = "https://gitlab.com/ml-platform/dags.git": must be an https URL whose host is in airflow.dags.gitSync.hosts'));
      expect(problems(r).join('\n')).toContain('fix: add gitlab.com to airflow.dags.gitSync.hosts');
    });

    it('refuses delivery gitSync without a repository', () => {
      const r = raw();
      delete r.airflow.dags.gitSync;
      expect(problems(r)).toContainEqual(expect.stringContaining('airflow.dags.gitSync = missing: delivery gitSync needs the repository'));
    });

    it('refuses DAGs in an image that is not pinned by digest, and accepts it pinned', () => {
      const r = raw();
      r.airflow.dags = { delivery: 'image' };
      expect(problems(r)).toEqual([expect.stringContaining(
        `airflow.image = "${r.airflow.image}": with delivery image the DAGs live in the image, so it must be pinned by digest`)]);
      r.airflow.image = `${r.airflow.image}@sha256:${'a'.repeat(64)}`;
      expect(problems(r)).toEqual([]);
    });
  });

  describe('scheduling', () => {
    const worst = (r: any) => {
      const pool = r.compute.pools[r.compute.profiles.standard.pool];
      return ((pool.max - pool.min) * pool.scaleUpMinutes + r.airflow.scheduling.imagePullMinutes) * 60;
    };

    it('the built-in task_queued_timeout outlasts a 0 -> max scale-up plus an image pull', () => {
      const r = raw();
      expect(r.airflow.scheduling.taskQueuedTimeoutSeconds).toBeGreaterThan(worst(r));
    });

    it('refuses a task_queued_timeout that a full scale-up outlasts, naming the derived figure', () => {
      const r = raw();
      r.airflow.scheduling.taskQueuedTimeoutSeconds = worst(r);
      expect(problems(r)).toContainEqual(expect.stringContaining(
        `airflow.scheduling.taskQueuedTimeoutSeconds = ${worst(r)}: must exceed the worst wait of a queued task, ${worst(r)} s`));
      expect(problems(r).join('\n')).toContain(`fix: set taskQueuedTimeoutSeconds to at least ${worst(r) + 60}`);
    });

    it('follows the pool: a larger max needs a longer timeout', () => {
      const r = raw();
      r.compute.pools.compute.max = 20;
      expect(problems(r)).toContainEqual(expect.stringContaining(`must exceed the worst wait of a queued task, ${worst(r)} s`));
    });

    it('refuses a priority below the autoscaler\'s expendable cutoff (schema)', () => {
      const r = raw();
      r.airflow.scheduling.priorityClassValue = -10;
      expect(loadProblems(r)).toContainEqual(expect.stringContaining('airflow.scheduling.priorityClassValue = -10'));
    });

    it('refuses an ephemeral-storage request above the limit the emptyDirs add up to', () => {
      const r = raw();
      const s = r.airflow.storage;
      const limit = memoryBytes(s.tmp) + memoryBytes(s.logs) + memoryBytes(s.dags) + memoryBytes(s.containerOverhead);
      s.request = formatMemory(limit + GiB);
      expect(problems(r)).toContainEqual(expect.stringContaining(
        `airflow.storage.request = "${s.request}": must be at most the ephemeral-storage limit, ${formatMemory(limit)}`));
    });

    it('refuses a /dev/shm as large as a profile\'s memory limit (it is memory)', () => {
      const r = raw();
      r.airflow.storage.shm = r.compute.profiles.light.limits.memory;
      expect(problems(r)).toContainEqual(expect.stringContaining(
        `airflow.storage.shm = "${r.airflow.storage.shm}": must be below every profile's memory limit (light: ${r.compute.profiles.light.limits.memory})`));
    });
  });

  it('refuses a heavy factor workload with max_active_runs above 1', () => {
    const r = raw();
    const heavy = r.airflow.factorWorkloads.heavy;
    r.compute.workloads[heavy].maxActiveRuns = 2;
    expect(problems(r)).toContainEqual(expect.stringContaining(
      `cluster ${CLUSTER}: compute.workloads.${heavy}.maxActiveRuns = 2: the heavy factor workload`));
  });

  it('refuses a statsd endpoint that does not select the chart\'s statsd pods of this release', () => {
    const r = raw();
    r.airflow.helm.release = 'other';
    const found = problems(r).join('\n');
    expect(found).toContain(`cluster ${CLUSTER}: airflow.egress.statsd = `);
    expect(found).toContain('release other');
    expect(found).toContain('"release":"other"');
  });

  it('refuses a statsd endpoint over TCP (StatsD is UDP)', () => {
    const r = raw();
    delete r.airflow.egress.statsd.protocol;
    expect(problems(r).join('\n')).toContain(`cluster ${CLUSTER}: airflow.egress.statsd = `);
  });

  it('accepts the statsd labels in any order', () => {
    const r = raw();
    const labels = r.airflow.egress.statsd.podLabels;
    r.airflow.egress.statsd.podLabels = Object.fromEntries(Object.entries(labels).reverse());
    expect(problems(r)).toEqual([]);
  });

  it('refuses a chart version that is not exact', () => {
    const r = raw();
    r.airflow.helm.chartVersion = '1.x';
    expect(loadProblems(r)).toContainEqual(expect.stringContaining(
      `cluster ${CLUSTER}: airflow.helm.chartVersion = "1.x": must be an exact chart version`));
  });

  it('refuses an airflow section without the compute section it reads, in one line (build refuses it the same way)', () => {
    const c = { ...config(), compute: undefined };
    const line = `cluster ${CLUSTER}: compute = missing: is required with an airflow section: the worker profiles, their pools and workloads are defined there`;
    expect(airflow.check!(c).map(formatProblem)).toEqual([line]);
    expect(() => airflow.build(undefined as any, c)).toThrow(ConfigError);
    expect(() => airflow.build(undefined as any, c)).toThrow(line);
  });

  it('fails synthesis as a whole: render refuses and names the field', () => {
    const r = raw();
    r.airflow.heavyFactors.push('not_a_factor');
    expect(() => render([parseCluster(stringify(r), `clusters/${CLUSTER}.yaml`)])).toThrow(/airflow\.heavyFactors\[\d+\] = "not_a_factor"/);
  });
});
