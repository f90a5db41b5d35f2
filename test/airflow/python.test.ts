// The Python side, run for real: the pod templates read the way Airflow reads them, and the
// generated dag_profiles module imported and used the way DAG code uses it.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { FORK_SAFETY } from '../../lib/airflow/rules';
import { memoryBytes } from '../../lib/core/quantity';
import { tmpDir } from '../support/clusters';
import { python } from '../support/env';
import { airflowFiles, config, raw, runPython } from './support';

const py = python();
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
    expect(pod.requests).toMatchObject(p.requests);
    expect(pod.limits).toMatchObject(p.limits);
    expect(pod.env).toMatchObject(airflow.forkSafetyEnv);
    expect(pod.env).toMatchObject(FORK_SAFETY);
    expect(pod.nodeSelector).toEqual({ [compute.poolLabel]: p.pool });
    expect(pod.restartPolicy).toBe('Never');
  });

  it.each(profiles)('%s: the deserializer drops no field (every key is a real V1Pod field)', (profile) => {
    expect(pods[profile].roundTrip).toEqual(pods[profile].original);
  });
});

maybe('the generated dag_profiles module, imported by Python', () => {
  const { dir } = writeAll(['dag_profiles.py', 'profiles.json']);
  const unknown = 'no_such_name';
  const workloads = Object.keys(compute.workloads);
  const { normal, heavy } = airflow.factorWorkloads;
  const contract = JSON.parse(files.get('profiles.json')!);
  let out: any;
  beforeAll(() => {
    // the normal factor pool is busy, every other pool idle
    out = runPython(py!, 'use_module.py', [dir, JSON.stringify(airflow.factors), JSON.stringify(workloads), unknown, JSON.stringify([normal])]);
  });

  const resourcesOf = (profile: string) => {
    const p = compute.profiles[profile];
    return { requests: p.requests, limits: p.limits, nodeSelector: { [compute.poolLabel]: p.pool } };
  };

  it.each(airflow.factors)('%s: heavy or not, its workload and profile, and a real V1Pod override with that profile', (factor) => {
    const isHeavy = airflow.heavyFactors.includes(factor);
    const workload = airflow.factorWorkloads[isHeavy ? 'heavy' : 'normal'];
    const w = compute.workloads[workload];
    const node = compute.nodeTypes[compute.pools[compute.profiles[w.profile].pool].nodeType];
    const f = out.factors[factor];
    expect(f).toMatchObject({ heavy: isHeavy, workload, profile: w.profile, maxActiveRuns: w.maxActiveRuns });
    expect(f).toMatchObject({ isV1Pod: true, executorConfigIsV1Pod: true, container: 'base', ...resourcesOf(w.profile) });
    const limit = memoryBytes(compute.profiles[w.profile].limits.memory);
    expect(f.memoryLimitBytes).toBe(limit);
    expect(f.preflightBytes).toBe(Math.min(
      Math.floor(memoryBytes(node.memory) * airflow.preflightMemoryFraction), Math.floor(limit * airflow.preflightLimitFraction)));
    expect(f.preflightAtThreshold).toEqual({ value: f.preflightBytes });
    expect(f.preflightAboveThreshold.error.type).toBe('PreflightError');
  });

  it('refuses a 16 GiB estimate for a normal factor, whose pod is limited below it (the node\'s 70 % would let it through)', () => {
    const normalFactor = airflow.factors.find((f) => !airflow.heavyFactors.includes(f))!;
    const f = out.factors[normalFactor];
    const pf = contract.profiles[f.profile].preflight;
    expect(16 * 2 ** 30).toBeLessThan(pf.node_threshold_bytes);
    expect(16 * 2 ** 30).toBeGreaterThan(f.memoryLimitBytes);
    expect(f.preflight16GiB.error.type).toBe('PreflightError');
    expect(f.preflight16GiB.error.message).toContain(f.workload);
  });

  it('routes heavy factors to a different profile than normal ones', () => {
    const heavyFactor = airflow.heavyFactors[0];
    const normalFactor = airflow.factors.find((f) => !airflow.heavyFactors.includes(f))!;
    expect(out.factors[heavyFactor].profile).not.toBe(out.factors[normalFactor].profile);
  });

  it.each(workloads)('%s: max_active_runs, pool, and a real V1Pod override of its profile', (workload) => {
    const w = compute.workloads[workload];
    const got = out.workloads[workload];
    expect(got.maxActiveRuns).toBe(w.maxActiveRuns);
    expect(got.pool).toBe(contract.workloads[workload].pool);
    expect(Object.keys(contract.pools)).toContain(got.pool);
    expect(got).toMatchObject({ isV1Pod: true, executorConfigIsV1Pod: true, container: 'base', ...resourcesOf(w.profile) });
  });

  it.each(workloads)('%s: default_args has the retry policy (timedeltas) and draws every task from the pool, one slot each', (workload) => {
    const got = out.workloads[workload];
    expect(got.timedeltas).toBe(true);
    expect(got.defaultArgs).toEqual({
      retries: airflow.retry.retries,
      retry_delay: airflow.retry.retryDelaySeconds,
      retry_exponential_backoff: airflow.retry.exponentialBackoff,
      max_retry_delay: airflow.retry.maxRetryDelaySeconds,
      pool: got.pool,
      pool_slots: 1,
    });
  });

  it('exclusive_pools gives the pools that must be idle, both ways; busy_exclusive_pools and exclusive_pools_idle read them', () => {
    expect(out.workloads[heavy].exclusivePools).toEqual([contract.workloads[normal].pool]);
    expect(out.workloads[normal].exclusivePools).toEqual([contract.workloads[heavy].pool]);
    expect(out.workloads[heavy].busyExclusivePools).toEqual([contract.workloads[normal].pool]);
    expect(out.workloads[normal].busyExclusivePools).toEqual([]);
    expect(out.workloads[heavy].exclusivePoolsIdle).toBe(false);
    expect(out.workloads[normal].exclusivePoolsIdle).toBe(true);
    for (const w of workloads) expect(out.workloads[w].exclusivePools).toEqual(contract.workloads[w].exclusive_with.map((x: string) => contract.workloads[x].pool));
  });

  it('busy_exclusive_pools refuses a pool that was never imported, naming the import command', () => {
    expect(out.missingPool.type).toBe('PoolMissingError');
    expect(out.missingPool.message).toContain('airflow pools import');
  });

  it('an unlisted factor routes to the normal workload, as the sizing doc\'s `name in HEAVY_FACTORS` does', () => {
    expect(contract.unknown_factors).toBe('normal');
    const w = compute.workloads[normal];
    expect(out.unknownFactor).toMatchObject({
      is_heavy_factor: { value: false },
      workload_for: { value: normal },
      profile_for: { value: w.profile },
      max_active_runs: { value: w.maxActiveRuns },
      pod_override: { value: { isV1Pod: true, ...resourcesOf(w.profile) } },
      executor_config: { value: { isV1Pod: true } },
    });
  });

  it('an unknown workload raises UnknownWorkloadError naming it and the config field', () => {
    const errors = Object.values(out.unknownWorkload) as any[];
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error.type).toBe('UnknownWorkloadError');
      expect(error.message).toContain(`unknown workload '${unknown}'`);
      expect(error.message).toContain('compute.workloads');
    }
  });
});

maybe('with airflow.unknownFactors: refuse, an unlisted factor fails the DAG import with what to do', () => {
  const r = raw();
  r.airflow.unknownFactors = 'refuse';
  const refusing = airflowFiles(r);
  const dir = tmpDir('airflow-refuse');
  for (const name of ['dag_profiles.py', 'profiles.json']) fs.writeFileSync(path.join(dir, name), refusing.get(name)!);
  const unknown = 'n_feature'; // a typo of a heavy factor: routing it normal would OOM
  let out: any;
  beforeAll(() => {
    out = runPython(py!, 'use_module.py', [dir, JSON.stringify(airflow.factors), JSON.stringify(Object.keys(compute.workloads)), unknown, '[]']);
  });

  it('raises UnknownFactorError from every factor function, naming the factor, the known ones, the field and the steps', () => {
    const results = Object.values(out.unknownFactor) as any[];
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) {
      expect(r.error.type).toBe('UnknownFactorError');
      expect(r.error.message).toContain(`unknown factor '${unknown}'`);
      expect(r.error.message).toContain('n_features'); // the known list shows the right spelling
      expect(r.error.message).toContain('airflow.factors');
      expect(r.error.message).toContain('airflow.heavyFactors');
      expect(r.error.message).toContain('npm run synth');
    }
  });

  it('still routes every listed factor', () => {
    for (const f of airflow.factors) expect(out.factors[f].heavy).toBe(airflow.heavyFactors.includes(f));
  });
});

maybe('routing needs only the standard library (no kubernetes package)', () => {
  const { dir } = writeAll(['dag_profiles.py', 'profiles.json']);
  const route = (factors: string[]) => {
    const code = [
      'import json, sys',
      'sys.modules["kubernetes"] = None  # any import of it now fails',
      `sys.path.insert(0, ${JSON.stringify(dir)})`,
      'import dag_profiles',
      `print(json.dumps({f: [dag_profiles.is_heavy_factor(f), dag_profiles.workload_for(f), dag_profiles.profile_for(f),`,
      `  dag_profiles.preflight_memory_threshold_bytes(f)] for f in ${JSON.stringify(factors)}}))`,
    ].join('\n');
    const run = spawnSync(py!, ['-c', code], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(run.stderr);
    return JSON.parse(run.stdout);
  };

  it('imports and routes every factor, listed or not, with `kubernetes` unimportable', () => {
    const got = route([...airflow.factors, 'a_new_factor']);
    for (const f of airflow.factors) {
      const heavy = airflow.heavyFactors.includes(f);
      expect(got[f].slice(0, 2)).toEqual([heavy, airflow.factorWorkloads[heavy ? 'heavy' : 'normal']]);
    }
    expect(got.a_new_factor.slice(0, 2)).toEqual([false, airflow.factorWorkloads.normal]);
  });

  it('the same interpreter would fail on a V1Pod (so the import above really had no kubernetes)', () => {
    const run = spawnSync(py!, ['-c', `import sys; sys.modules["kubernetes"] = None; sys.path.insert(0, ${JSON.stringify(dir)}); import dag_profiles; dag_profiles.pod_override("calibration")`], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('ModuleNotFoundError');
  });
});
