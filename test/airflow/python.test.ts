// The Python side, run for real: the pod templates read the way Airflow reads them, and the
// generated dag_profiles module imported and used the way DAG code uses it.
import * as fs from 'fs';
import * as path from 'path';
import { memoryBytes } from '../../lib/config/quantity';
import { tmpDir } from '../support/clusters';
import { airflowFiles, config, findPython, required, runPython } from './support';

const py = required('python3 with the kubernetes and yaml modules', findPython());
const maybe = py ? describe : describe.skip;

const c = config();
const compute = c.compute!;
const airflow = c.airflow!;
const files = airflowFiles();

/** Writes rendered files to a temporary folder, returning their paths by name. */
function writeAll(names: string[]): { dir: string; paths: Record<string, string> } {
  const dir = tmpDir('airflow');
  const paths: Record<string, string> = {};
  for (const name of names) {
    paths[name] = path.join(dir, path.basename(name));
    fs.writeFileSync(paths[name], files.get(name)!);
  }
  return { dir, paths };
}

maybe('pod templates read as Airflow reads them (yaml.safe_load + V1Pod deserializer)', () => {
  const profiles = Object.keys(compute.profiles);
  const { paths } = writeAll(profiles.map((p) => `pod-templates/${p}.yaml`));
  let pods: Record<string, any> = {};
  beforeAll(() => {
    const out = runPython(py!, 'read_pods.py', Object.values(paths));
    pods = Object.fromEntries(profiles.map((p) => [p, out[paths[`pod-templates/${p}.yaml`]]]));
  });

  it.each(profiles)('%s: container base with the image, resources, env and nodeSelector survive', (profile) => {
    const pod = pods[profile];
    const p = compute.profiles[profile];
    expect(pod.isV1Pod).toBe(true);
    expect(pod.container).toBe('base');
    expect(pod.image).toBe(airflow.image);
    expect(pod.requests).toEqual(p.requests);
    expect(pod.limits).toEqual(p.limits);
    expect(pod.env).toMatchObject(airflow.forkSafetyEnv);
    expect(pod.nodeSelector).toEqual({ [compute.poolLabel]: p.pool });
    expect(pod.restartPolicy).toBe('Never');
  });

  it.each(profiles)('%s: the deserializer drops no field (every key is a real V1Pod field)', (profile) => {
    expect(pods[profile].roundTrip).toEqual(pods[profile].original);
  });
});

maybe('the generated dag_profiles module, imported by Python', () => {
  const { dir } = writeAll(['dag_profiles.py', 'profiles.json']);
  const unknown = 'no_such_factor';
  let out: any;
  beforeAll(() => {
    out = runPython(py!, 'use_module.py', [dir, JSON.stringify(airflow.factors), unknown]);
  });

  const expected = (factor: string) => {
    const heavy = airflow.heavyFactors.includes(factor);
    const workload = compute.workloads[airflow.factorWorkloads[heavy ? 'heavy' : 'normal']];
    const profile = compute.profiles[workload.profile];
    const node = compute.nodeTypes[compute.pools[profile.pool].nodeType];
    return { heavy, workload, profileName: workload.profile, profile, node };
  };

  it.each(airflow.factors)('%s: heavy or not, its profile, and a real V1Pod override with that profile', (factor) => {
    const e = expected(factor);
    const f = out.factors[factor];
    expect(f.heavy).toBe(e.heavy);
    expect(f.profile).toBe(e.profileName);
    expect(f.maxActiveRuns).toBe(e.workload.maxActiveRuns);
    expect(f.isV1Pod).toBe(true);
    expect(f.executorConfigIsV1Pod).toBe(true);
    expect(f.container).toBe('base');
    expect(f.requests).toEqual(e.profile.requests);
    expect(f.limits).toEqual(e.profile.limits);
    expect(f.nodeSelector).toEqual({ [compute.poolLabel]: e.profile.pool });
    expect(f.preflightBytes).toBe(Math.floor(memoryBytes(e.node.memory) * airflow.preflightMemoryFraction));
  });

  it('routes heavy factors to a different profile than normal ones', () => {
    const heavy = airflow.heavyFactors[0];
    const normal = airflow.factors.find((f) => !airflow.heavyFactors.includes(f))!;
    expect(out.factors[heavy].profile).not.toBe(out.factors[normal].profile);
  });

  it('default_args carries the retry policy, delays as timedelta', () => {
    expect(out.defaultArgs).toEqual({
      retries: airflow.retry.retries,
      retry_exponential_backoff: airflow.retry.exponentialBackoff,
      retry_delay: airflow.retry.retryDelaySeconds,
      max_retry_delay: airflow.retry.maxRetryDelaySeconds,
      timedeltas: true,
    });
  });

  it('an unknown factor raises UnknownFactorError naming it and the config field', () => {
    for (const error of Object.values(out.unknown) as any[]) {
      expect(error.type).toBe('UnknownFactorError');
      expect(error.message).toContain(`unknown factor '${unknown}'`);
      expect(error.message).toContain('airflow.factors');
    }
  });
});
