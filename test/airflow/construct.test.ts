// AirflowWorkers built from props (the hand-written fixture, no cluster file): its parts and their
// files, the derived values it exposes, and every rule refusing the props from the constructor with
// a path relative to them. The small snapshots lock each part's output; the whole scw-ml-prod output
// is locked by dist/ (test/pipeline).
import { Testing } from 'cdk8s';
import { ComponentChart } from '../../lib/core/chart';
import { validateObject } from '../../lib/pipeline/validate';
import { parse } from 'yaml';
import { AirflowWorkers, AirflowWorkersProps, validateAirflowWorkers } from '../../lib/airflow';
import { formatProblem } from '../../lib/core/errors';
import { memoryBytes } from '../../lib/core/quantity';
import { outputOf, refusalOf } from '../support/constructs';
import { compute, props } from './fixture';
import { workersProps } from './support';

const build = (p: AirflowWorkersProps = props()) => new AirflowWorkers(Testing.chart(), 'workers', p);

describe('AirflowWorkers, built from props', () => {
  const workers = build();

  it('writes each profile\'s template, the values, the DAG contract, the pools and docker-compose.env', () => {
    expect(Object.keys(outputOf(workers).files).sort()).toEqual([
      'dag_profiles.py', 'docker-compose.env', 'pod-templates/heavy.yaml', 'pod-templates/standard.yaml', 'pools.json',
      'profiles.json', 'values-prod.yaml',
    ]);
  });

  it('passes its own shape check (the section schema plus the cross-section inputs)', () => {
    expect(workers.node.validate()).toEqual([]);
  });

  it('reports a props field of the wrong shape when validated (what app.synth() runs)', () => {
    const p = props();
    (p.user as { uid: number }).uid = -1;
    expect(build(p).node.validate().join('\n')).toMatch(/^cluster test\/workers: user\.uid = -1: Too small/);
  });

  it('exposes each profile\'s resources: the profile\'s CPU and memory, and every disk-backed emptyDir in the ephemeral-storage limit', () => {
    const s = props().storage;
    const disk = memoryBytes(s.tmp) + memoryBytes(s.logs) + memoryBytes(s.dags) + memoryBytes(s.containerOverhead);
    for (const [name, profile] of Object.entries(compute.profiles)) {
      const r = workers.resources[name];
      expect(r.requests).toEqual({ ...profile.requests, 'ephemeral-storage': s.request });
      expect({ cpu: r.limits.cpu, memory: r.limits.memory }).toEqual(profile.limits);
      expect(memoryBytes(r.limits['ephemeral-storage'])).toBe(disk);
    }
  });

  it('exposes the pre-flight thresholds: the lower of 70 % of the node and 80 % of the profile\'s limit', () => {
    const node = memoryBytes(compute.nodeTypes['M-32'].memory);
    for (const [name, profile] of Object.entries(compute.profiles)) {
      const limit = memoryBytes(profile.limits.memory);
      expect(workers.preflight[name].memory_threshold_bytes).toBe(Math.min(Math.floor(node * 0.7), Math.floor(limit * 0.8)));
    }
  });

  it('exposes the worst wait of a queued task: 0 -> 3 nodes at 5 min each plus the 5 min image pull', () => {
    expect(workers.worstQueuedWait).toEqual({ seconds: (3 * 5 + 5) * 60, pool: 'workers' });
    expect(workers.defaultProfile).toBe('standard');
  });

  it('sizes each Airflow pool at the workload\'s pods, as given', () => {
    expect(workers.pools.pools).toEqual({
      'ftf-normal': { slots: 4, description: 'ftf-normal: 2 pods per run x max_active_runs 2 (clusters/example.yaml)' },
      'ftf-heavy': { slots: 1, description: 'ftf-heavy: 1 pods per run x max_active_runs 1 (clusters/example.yaml)' },
    });
  });

  it('bundles exactly the template files in the templates ConfigMap', () => {
    const { objects, files } = outputOf(workers.templates);
    expect(objects['ConfigMap/airflow-pod-templates'].data).toEqual({
      'heavy.yaml': files['pod-templates/heavy.yaml'], 'standard.yaml': files['pod-templates/standard.yaml'],
    });
    for (const file of workers.templates.files.values()) expect(parse(file.content)).toEqual(file.pod);
  });

  it('carries each template\'s pod for the pipeline, a valid v1 Pod with the chart\'s labels (and the check can fail)', () => {
    const chart = new ComponentChart(Testing.app(), { cluster: 'example', component: 'airflow', partOf: 'ml-platform' });
    const labelled = new AirflowWorkers(chart, 'workers', props());
    for (const file of labelled.templates.files.values()) {
      expect(validateObject(file.pod)).toEqual([]);
      expect(file.pod.metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'airflow', 'app.kubernetes.io/part-of': 'ml-platform' });
    }
    const broken = structuredClone(labelled.templates.files.get('standard')!.pod);
    broken.spec.restartPolicy = 'Sometimes';
    expect(validateObject(broken).join('\n')).toMatch(/restartPolicy/);
  });

  describe('snapshots, one per part', () => {
    it('pod templates (the ConfigMap holds the same text, see above)', () => expect(outputOf(workers.templates).files).toMatchSnapshot());
    it('Helm values', () => expect(workers.valuesFile.content).toMatchSnapshot());
    it('DAG contract (profiles.json; dag_profiles.py is static source)', () => {
      const { objects, files } = outputOf(workers.dagContract);
      expect(files['profiles.json']).toMatchSnapshot();
      expect(objects['ConfigMap/airflow-dag-profiles'].data).toEqual({
        'profiles.json': files['profiles.json'], 'dag_profiles.py': files['dag_profiles.py'],
      });
    });
    it('pools', () => expect(outputOf(workers.pools)).toMatchSnapshot());
    it('identity', () => expect(outputOf(workers.identity)).toMatchSnapshot());
    it('network policies', () => expect(outputOf(workers.network)).toMatchSnapshot());
    it('docker-compose.env', () => expect(outputOf(workers).files['docker-compose.env']).toMatchSnapshot());
  });
});

describe('AirflowWorkers, from the props the config mapping makes of scw-ml-prod', () => {
  it('satisfy the props schema too (the section plus the compute inputs the mapping resolves)', () => {
    const workers = new AirflowWorkers(Testing.chart(), 'workers', workersProps());
    expect(workers.node.validate()).toEqual([]);
  });
});

/** Each rule: a change of the props that breaks it alone, and the start of the one line it is reported with. */
const RULES: [string, (p: any) => void, string][] = [
  ['a heavy factor outside factors', (p) => p.heavyFactors.push('nope'), 'heavyFactors[1] = "nope": unknown factor'],
  ['a heavy workload running two DAG runs', (p) => { p.compute.workloads['ftf-heavy'].maxActiveRuns = 2; },
    'compute.workloads.ftf-heavy.maxActiveRuns = 2: the heavy factor workload'],
  ['an image tag without the Airflow version', (p) => { p.image = 'apache/airflow:slim-python3.11'; },
    'image = "apache/airflow:slim-python3.11": the tag must start with the Airflow version'],
  ['Airflow 3', (p) => { p.image = 'apache/airflow:3.0.2'; }, 'image = "apache/airflow:3.0.2": Airflow 3.0.2 is not supported'],
  ['a factor listed twice', (p) => p.factors.push('calibration'), 'factors[2] = "calibration": listed twice (first at airflow.factors[0])'],
  ['no GRPC_POLL_STRATEGY', (p) => { delete p.forkSafetyEnv.GRPC_POLL_STRATEGY; }, 'forkSafetyEnv.GRPC_POLL_STRATEGY = missing: must be "poll"'],
  ['a retry delay above its cap', (p) => { p.retry.retryDelaySeconds = 301; }, 'retry.retryDelaySeconds = 301: must be <= airflow.retry.maxRetryDelaySeconds (300)'],
  ['an address range for a named endpoint', (p) => { p.egress.s3.cidrs = ['10.0.0.0/16']; },
    'egress.s3.cidrs = ["10.0.0.0/16"]: an endpoint with a DNS name is allowed by name only'],
  ['an endpoint with neither hosts nor cidrs', (p) => { p.egress.exchangeApi.hosts = []; }, 'egress.exchangeApi = {"hosts":[],"cidrs":[],"port":443}: needs hosts'],
  ['a CIDR that is not IPv4', (p) => { p.egress.postgres.cidrs = ['10.0.0.0/33']; }, 'egress.postgres.cidrs[0] = "10.0.0.0/33": not an IPv4 CIDR'],
  ['a CIDR wider than /8', (p) => { p.egress.postgres.cidrs = ['0.0.0.0/7']; }, 'egress.postgres.cidrs[0] = "0.0.0.0/7": the prefix must be /8 or narrower'],
  ['StatsD over TCP', (p) => { p.egress.statsd.protocol = 'TCP'; }, 'egress.statsd = {'],
  ['git-sync delivery without a repository', (p) => { delete p.dags.gitSync; }, 'dags.gitSync = missing: delivery gitSync needs the repository'],
  ['a repository on a host the workers may not reach', (p) => { p.dags.gitSync.repo = 'https://gitlab.com/ml/dags.git'; },
    'dags.gitSync.repo = "https://gitlab.com/ml/dags.git": must be an https URL whose host is in airflow.dags.gitSync.hosts'],
  ['DAGs in an image pinned by tag only', (p) => { p.dags = { delivery: 'image' }; },
    'image = "apache/airflow:2.10.5-python3.11": with delivery image the DAGs live in the image'],
  ['git-sync settings with image delivery', (p) => { p.dags.delivery = 'image'; p.image += `@sha256:${'a'.repeat(64)}`; },
    'dags.gitSync = {"repo":"https://git.example.com/ml/dags.git"'],
  ['an autoscaled worker pool without its scale-up time', (p) => { delete p.compute.pools.workers.scaleUpMinutes; },
    'compute.pools.workers.scaleUpMinutes = missing: the worker pool autoscales'],
  ['a queued timeout a full scale-up outlasts', (p) => { p.scheduling.taskQueuedTimeoutSeconds = 1200; },
    'scheduling.taskQueuedTimeoutSeconds = 1200: must exceed the worst wait of a queued task, 1200 s'],
  ['an ephemeral-storage request above the limit', (p) => { p.storage.request = '14Gi'; },
    'storage.request = "14Gi": must be at most the ephemeral-storage limit, 13Gi'],
  ['a /dev/shm as large as the smallest memory limit', (p) => { p.storage.shm = '12Gi'; },
    'storage.shm = "12Gi": must be below every profile\'s memory limit (standard: 12Gi)'],
  ['no platform pool', (p) => { delete p.compute.platformPool; }, 'compute.pools = ["platform","workers"]: needs a pool with role platform'],
];

describe('AirflowWorkers rules, on the props', () => {
  it('the fixture breaks none', () => {
    expect(validateAirflowWorkers(props())).toEqual([]);
  });

  it.each(RULES)('refuses %s: exactly one problem, its path relative to the props', (_what, spoil, line) => {
    const p = props();
    spoil(p);
    const found = validateAirflowWorkers(p).map((x) => formatProblem({ ...x, cluster: 'c' }));
    expect(found).toHaveLength(1);
    expect(found[0].startsWith(`cluster c: ${line}`)).toBe(true);
  });

  it('props of another shape (a missing compute input) are refused with the shape\'s problem, not a TypeError from a rule', () => {
    const p: any = props();
    delete p.compute;
    expect(refusalOf(() => build(p))).toEqual([expect.stringMatching(/^cluster test\/workers: compute = missing: /)]);
  });

  it.each(RULES)('the constructor refuses %s with a ConfigError naming the construct', (_what, spoil, line) => {
    const p = props();
    spoil(p);
    expect(refusalOf(() => build(p)).join('\n')).toContain(`cluster test/workers: ${line}`);
  });
});
