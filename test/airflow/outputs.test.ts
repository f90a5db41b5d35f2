// The Airflow outputs of scw-ml-prod: the chart values against the chart's own schema, the
// selectors, env and mounts that tie the outputs together, the pools and the NetworkPolicies. The
// per-construct snapshots are in construct.test.ts; the whole output is locked by dist/.
import Ajv from 'ajv';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { FORK_SAFETY } from '../../lib/airflow/rules';
import { poolsWithRole } from '../../lib/compute/pools';
import { memoryBytes } from '../../lib/core/quantity';
import { shared } from '../support/env';
import { airflowFiles, config, raw } from './support';

const c = config();
const compute = c.compute!;
const airflow = c.airflow!;
const files = airflowFiles();
const yamlOf = (name: string): any => parse(files.get(name)!);

const profiles = Object.keys(compute.profiles);
const normalProfile = compute.workloads[airflow.factorWorkloads.normal].profile;
const [platformPool] = poolsWithRole(compute, 'platform');
const forkEnv = Object.entries(airflow.forkSafetyEnv).map(([name, value]) => ({ name, value }));
/** The variables the fork-safety rule requires (never empty, unlike a config map could be). */
const requiredForkEnv = Object.entries(FORK_SAFETY).map(([name, value]) => ({ name, value }));
const values = yamlOf('values-prod.yaml');
const contract = JSON.parse(files.get('profiles.json')!);
const configMap = yamlOf('configmap-airflow-pod-templates.yaml');
const poolsConfigMap = yamlOf('configmap-airflow-pools.yaml');
const pools = JSON.parse(files.get('pools.json')!);
const policies = [...files].filter(([f]) => f.startsWith('networkpolicy-')).map(([, text]) => parse(text));
const template = (profile: string): any => yamlOf(`pod-templates/${profile}.yaml`);

/** Helm's merge of user values over the chart defaults: maps merge, anything else replaces, null deletes. */
function helmMerge(base: any, over: any): any {
  const isMap = (x: any) => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (!isMap(base) || !isMap(over)) return over;
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = helmMerge(base[k], v);
  }
  return out;
}

describe('outputs', () => {
  it('are the six outputs of the issue, plus the ConfigMap and NetworkPolicies', () => {
    expect([...files.keys()]).toEqual(expect.arrayContaining([
      ...profiles.map((p) => `pod-templates/${p}.yaml`),
      'values-prod.yaml', 'profiles.json', 'dag_profiles.py', 'docker-compose.env', 'pools.json',
      'configmap-airflow-pod-templates.yaml', 'configmap-airflow-pools.yaml', 'configmap-airflow-dag-profiles.yaml',
      'serviceaccount-airflow-worker-task.yaml', 'priorityclass-airflow-worker.yaml', 'ciliumnetworkpolicy-airflow-worker-fqdn-egress.yaml',
    ]));
    expect(policies.length).toBeGreaterThan(0);
  });
});

describe('pod templates', () => {
  it.each(profiles)('%s: base container with requests and limits, compute pool, restricted, writable /tmp', (profile) => {
    const pod = template(profile);
    const p = compute.profiles[profile];
    const [base] = pod.spec.containers;
    expect(base.name).toBe('base');
    expect(base.image).toBe(airflow.image);
    expect(base.resources.requests).toMatchObject(p.requests);
    expect(base.resources.limits).toMatchObject(p.limits);
    expect(requiredForkEnv.map((e) => e.name)).toEqual(['GRPC_ENABLE_FORK_SUPPORT', 'GRPC_POLL_STRATEGY']);
    expect(base.env).toEqual(expect.arrayContaining(requiredForkEnv));
    expect(base.env).toEqual(expect.arrayContaining(forkEnv));
    expect(pod.spec.nodeSelector).toEqual({ [compute.poolLabel]: p.pool });
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.securityContext).toMatchObject({
      runAsNonRoot: true, runAsUser: airflow.user.uid, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(base.securityContext).toEqual({
      allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true,
    });
    const tmp = base.volumeMounts.find((m: any) => m.mountPath === '/tmp');
    expect(pod.spec.volumes).toContainEqual({ name: tmp.name, emptyDir: { sizeLimit: airflow.storage.tmp } });
    expect(pod.spec.automountServiceAccountToken).toBeUndefined(); // the merge would drop it: see merge.test.ts
  });

  it.each(profiles)('%s: ephemeral-storage limit = the disk-backed emptyDirs at their sizeLimit + the container overhead', (profile) => {
    const pod = template(profile);
    const disk = pod.spec.volumes.filter((v: any) => v.emptyDir && v.emptyDir.medium !== 'Memory').map((v: any) => memoryBytes(v.emptyDir.sizeLimit));
    const expected = disk.reduce((x: number, y: number) => x + y, 0) + memoryBytes(airflow.storage.containerOverhead);
    const { requests, limits } = pod.spec.containers[0].resources;
    expect(memoryBytes(limits['ephemeral-storage'])).toBe(expected);
    expect(requests['ephemeral-storage']).toBe(airflow.storage.request);
    expect(memoryBytes(requests['ephemeral-storage'])).toBeLessThanOrEqual(expected);
  });

  it('the worker ServiceAccount mounts no token and is bound to nothing; the PriorityClass never preempts', () => {
    const sa = yamlOf('serviceaccount-airflow-worker-task.yaml');
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(sa.metadata.namespace).toBe(airflow.namespace);
    expect([...files.keys()].filter((f) => /^(role|rolebinding|clusterrole)/.test(f))).toEqual([]);
    for (const profile of profiles) expect(template(profile).spec.serviceAccountName).toBe(sa.metadata.name);
    const pc = yamlOf('priorityclass-airflow-worker.yaml');
    expect(pc).toMatchObject({ value: airflow.scheduling.priorityClassValue, preemptionPolicy: 'Never', globalDefault: false });
    expect(pc.value).toBeGreaterThan(-10); // the cluster autoscaler ignores pods below -10 for scale-up
    expect(pc.metadata.namespace).toBeUndefined();
    for (const profile of profiles) expect(template(profile).spec.priorityClassName).toBe(pc.metadata.name);
  });

  it.each(profiles)('%s: the ConfigMap bundles exactly the rendered file, in the airflow namespace', (profile) => {
    expect(configMap.metadata.namespace).toBe(airflow.namespace);
    expect(configMap.data[`${profile}.yaml`]).toBe(files.get(`pod-templates/${profile}.yaml`));
  });

});

describe('values-prod.yaml', () => {
  it('pins platform pods to the platform pool, and sets no workers.* (the generated templates build every worker)', () => {
    expect(values.nodeSelector).toEqual({ [compute.poolLabel]: platformPool });
    expect(values.workers).toBeUndefined();
  });

  it('ships task logs to S3 with Airflow 2.10\'s [logging] keys', () => {
    const log = airflow.remoteLogging;
    expect(values.config.logging).toEqual({
      remote_logging: 'True', remote_base_log_folder: `s3://${log.bucket}/${log.prefix}`, remote_log_conn_id: log.connId,
    });
  });

  it('gives queued tasks the scale-up time: [scheduler] task_queued_timeout', () => {
    expect(values.config.scheduler.task_queued_timeout).toBe(airflow.scheduling.taskQueuedTimeoutSeconds);
  });

  it('mounts dag_profiles.py and profiles.json into the scheduler on its PYTHONPATH, from the ConfigMap', () => {
    const cm = yamlOf('configmap-airflow-dag-profiles.yaml');
    expect(cm.data).toEqual({ 'profiles.json': files.get('profiles.json'), 'dag_profiles.py': files.get('dag_profiles.py') });
    const volume = values.scheduler.extraVolumes.find((v: any) => v.configMap?.name === cm.metadata.name);
    const mount = values.scheduler.extraVolumeMounts.find((m: any) => m.name === volume.name);
    expect(mount.subPath).toBeUndefined();
    expect(values.scheduler.env).toContainEqual({ name: 'PYTHONPATH', value: mount.mountPath });
  });

  it('pins the chart version in its header, with the install command that uses it', () => {
    const header = files.get('values-prod.yaml')!.split('\n').filter((l) => l.startsWith('#')).join('\n');
    expect(header).toContain(`apache-airflow/airflow ${airflow.helm.chartVersion}`);
    expect(header).toContain(
      `helm upgrade --install ${airflow.helm.release} apache-airflow/airflow --namespace ${airflow.namespace} --version ${airflow.helm.chartVersion} -f dist/${c.name}/airflow/values-prod.yaml`);
  });

  it('mounts pools.json into the scheduler, as a directory so ConfigMap updates reach it', () => {
    const volume = values.scheduler.extraVolumes.find((v: any) => v.configMap?.name === poolsConfigMap.metadata.name);
    const mount = values.scheduler.extraVolumeMounts.find((m: any) => m.name === volume.name);
    expect(mount.subPath).toBeUndefined();
    expect(poolsConfigMap.metadata.namespace).toBe(airflow.namespace);
    expect(poolsConfigMap.data['pools.json']).toBe(files.get('pools.json'));
  });

  it('carries the retry defaults the chart can carry', () => {
    expect(values.config.core).toEqual({
      default_task_retries: airflow.retry.retries,
      default_task_retry_delay: airflow.retry.retryDelaySeconds,
      max_task_retry_delay: airflow.retry.maxRetryDelaySeconds,
    });
  });

  it('mounts the templates ConfigMap into the scheduler and makes the normal profile the default pod', () => {
    const volume = values.scheduler.extraVolumes.find((v: any) => v.configMap?.name === configMap.metadata.name);
    const mount = values.scheduler.extraVolumeMounts.find((m: any) => m.name === volume.name);
    const file = `${mount.mountPath}/${normalProfile}.yaml`;
    expect(values.config.kubernetes_executor.pod_template_file).toBe(file);
    expect(contract.profiles[normalProfile].pod_template_file).toBe(file);
    expect(Object.keys(configMap.data)).toContain(path.basename(file));
  });

  const chart = shared('reference', 'airflow-chart');
  (chart ? describe : describe.skip)('against the chart', () => {
    const read = (f: string) => fs.readFileSync(path.join(chart!, f), 'utf8');
    const defaults = chart ? parse(read('values.yaml')) : {};
    const validate = chart
      ? new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(JSON.parse(read('values.schema.json')))
      : () => false;

    it('passes values.schema.json after Helm\'s merge with the chart\'s values.yaml', () => {
      const ok = validate(helmMerge(defaults, values));
      expect((validate as any).errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    });

    it('the schema check fails on a wrong value (so it can catch a mistake)', () => {
      expect(validate(helmMerge(defaults, { nodeSelector: { [compute.poolLabel]: 1 } }))).toBe(false);
      expect(validate(helmMerge(defaults, { workers: { nodeSelectors: {} } }))).toBe(false);
    });

    it('gives the chart\'s statsd its own uid under the restricted namespace', () => {
      expect(values.statsd.securityContexts.pod.runAsUser).toBe(defaults.statsd.uid);
    });

    it('pins the chart version of the reference Chart.yaml the values are validated against', () => {
      expect(airflow.helm.chartVersion).toBe(parse(read('Chart.yaml')).version);
    });

    it('lets workers reach statsd on the port the chart\'s exporter listens on and Airflow sends to', () => {
      expect(defaults.statsd.enabled).toBe(true);
      expect(airflow.egress.statsd.port).toBe(defaults.ports.statsdIngest);
      expect(airflow.egress.statsd.port).toBe(defaults.config.metrics.statsd_port);
    });
  });
});

describe('profiles.json', () => {
  it('lists the heavy factors and a profile for every factor', () => {
    expect(contract.heavy_factors).toEqual(airflow.heavyFactors);
    expect(Object.keys(contract.factors)).toEqual(airflow.factors);
    for (const f of airflow.factors) {
      const workload = airflow.factorWorkloads[airflow.heavyFactors.includes(f) ? 'heavy' : 'normal'];
      expect(contract.factors[f]).toEqual({
        heavy: airflow.heavyFactors.includes(f), workload, profile: compute.workloads[workload].profile,
      });
    }
  });

  it('has a pod_override per profile whose first container is base with the profile\'s resources', () => {
    for (const profile of profiles) {
      const { pod_override: o } = contract.profiles[profile];
      expect(o.spec.containers[0]).toEqual({ name: 'base', resources: template(profile).spec.containers[0].resources });
      expect(o.spec.containers[0]).not.toHaveProperty('env'); // env is appended: the base pod has it
    }
  });

  it('has the retry policy and max_active_runs per workload', () => {
    expect(contract.retry).toEqual({
      retries: airflow.retry.retries,
      retry_delay_seconds: airflow.retry.retryDelaySeconds,
      retry_exponential_backoff: airflow.retry.exponentialBackoff,
      max_retry_delay_seconds: airflow.retry.maxRetryDelaySeconds,
    });
    for (const [w, workload] of Object.entries(compute.workloads)) {
      expect(contract.workloads[w].max_active_runs).toBe(workload.maxActiveRuns);
    }
  });

  it('has the pools of pools.json and each workload\'s pool, one slot per task', () => {
    expect(contract.pools).toEqual(pools);
    for (const w of Object.keys(compute.workloads)) {
      expect(Object.keys(pools)).toContain(contract.workloads[w].pool);
      expect(contract.workloads[w].pool_slots).toBe(1);
    }
  });

  it('has exclusive_with per workload: compute.workloads.*.exclusiveWith read both ways', () => {
    const ws = compute.workloads;
    for (const [w, x] of Object.entries(ws)) {
      const both = Object.keys(ws).filter((o) => x.exclusiveWith.includes(o) || ws[o].exclusiveWith.includes(w));
      expect(contract.workloads[w].exclusive_with).toEqual(both.sort());
    }
    const { normal, heavy } = airflow.factorWorkloads;
    expect(contract.workloads[heavy].exclusive_with).toContain(normal);
    expect(contract.workloads[normal].exclusive_with).toContain(heavy);
  });

  it('gives the pre-flight threshold: the lower of a share of the node\'s memory and a share of the profile\'s limit', () => {
    for (const profile of profiles) {
      const pf = contract.profiles[profile].preflight;
      const p = compute.profiles[profile];
      expect(pf.memory_fraction).toBe(airflow.preflightMemoryFraction);
      expect(pf.node_type).toBe(compute.pools[p.pool].nodeType);
      expect(pf.node_memory_bytes).toBe(memoryBytes(compute.nodeTypes[pf.node_type].memory));
      expect(pf.node_threshold_bytes).toBe(Math.floor(pf.node_memory_bytes * pf.memory_fraction));
      expect(pf.memory_limit_bytes).toBe(memoryBytes(p.limits.memory));
      expect(pf.limit_threshold_bytes).toBe(Math.floor(pf.memory_limit_bytes * airflow.preflightLimitFraction));
      expect(pf.memory_threshold_bytes).toBe(Math.min(pf.node_threshold_bytes, pf.limit_threshold_bytes));
      // the guard must fire before the OOM killer: below the pod's limit
      expect(pf.memory_threshold_bytes).toBeLessThan(pf.memory_limit_bytes);
    }
  });
});

describe('pools.json', () => {
  it('has one pool per workload, in the format `airflow pools import` reads', () => {
    expect(Object.keys(pools).sort()).toEqual(Object.keys(compute.workloads).map((w) => contract.workloads[w].pool).sort());
    for (const pool of Object.values<any>(pools)) {
      expect(Object.keys(pool).sort()).toEqual(['description', 'slots']);
      expect(Number.isInteger(pool.slots) && pool.slots > 0).toBe(true);
      expect(typeof pool.description).toBe('string');
    }
  });

  it.each(Object.entries(compute.workloads))('%s: slots = podsPerRun x maxActiveRuns, the pods the capacity plan assumes', (w, x) => {
    expect(pools[contract.workloads[w].pool].slots).toBe(x.podsPerRun * x.maxActiveRuns);
  });

  it('caps FTF normal below what max_active_runs alone allows once every normal factor has its own DAG', () => {
    const w = compute.workloads[airflow.factorWorkloads.normal];
    const normalFactors = airflow.factors.filter((f) => !airflow.heavyFactors.includes(f));
    expect(normalFactors.length).toBeGreaterThan(1);
    expect(pools[airflow.factorWorkloads.normal].slots).toBeLessThan(normalFactors.length * w.podsPerRun * w.maxActiveRuns);
  });
});

describe('docker-compose.env', () => {
  it('holds the fork-safety variables as KEY=value lines', () => {
    const lines = files.get('docker-compose.env')!.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines).toEqual(forkEnv.map((e) => `${e.name}=${e.value}`));
    expect(lines).toEqual(expect.arrayContaining(requiredForkEnv.map((e) => `${e.name}=${e.value}`)));
  });
});

describe('NetworkPolicies', () => {
  const workerSelector = (p: any) => p.spec.podSelector.matchLabels ?? {};
  const workerPolicies = policies.filter((p) => p.metadata.namespace === airflow.namespace);
  const cnp = yamlOf('ciliumnetworkpolicy-airflow-worker-fqdn-egress.yaml');

  it('select only worker pods: labels every template carries and the chart\'s platform pods lack', () => {
    expect(workerPolicies.length).toBeGreaterThan(0);
    for (const p of [...workerPolicies.map(workerSelector), cnp.spec.endpointSelector.matchLabels]) {
      expect(Object.keys(p).length).toBeGreaterThan(0);
      for (const profile of profiles) expect(template(profile).metadata.labels).toMatchObject(p);
      // the chart labels its scheduler, webserver and triggerer tier/component/release only
      expect(Object.keys(p)).not.toContain('tier');
    }
  });

  it('deny all worker ingress and egress by default, and allow no ingress at all (no log server on workers)', () => {
    expect(workerPolicies).toContainEqual(expect.objectContaining({
      spec: { podSelector: expect.anything(), policyTypes: ['Ingress', 'Egress'] },
    }));
    expect(workerPolicies.flatMap((p) => p.spec.ingress ?? [])).toEqual([]);
    expect(cnp.spec.ingress).toBeUndefined();
  });

  it('allow in-cluster peers by namespace and labels, and by CIDR only the peers without a DNS name', () => {
    const egress = workerPolicies.flatMap((p) => p.spec.egress ?? []);
    const e = airflow.egress;
    const tcp = (port: number) => [{ port, protocol: 'TCP' }];
    const peer = (x: { namespace: string; podLabels?: Record<string, string> }) => ({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': x.namespace } },
      ...(x.podLabels ? { podSelector: { matchLabels: x.podLabels } } : {}),
    });
    const unnamed = [e.postgres, e.s3, e.exchangeApi].filter((x) => x.hosts.length === 0);
    expect(unnamed).toEqual([e.postgres]);
    expect(egress).toEqual([
      { to: [peer(e.mlflow)], ports: tcp(e.mlflow.port) },
      { to: [peer(e.redis)], ports: tcp(e.redis.port) },
      { to: [peer(e.statsd)], ports: [{ port: e.statsd.port, protocol: e.statsd.protocol }] },
      ...unnamed.map((x) => ({ to: x.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(x.port) })),
    ]);
    expect(JSON.stringify(egress)).not.toMatch(/51\.159|52\.84/);
  });

  it('allow S3, the exchange API and the git host by name (toFQDNs), after DNS through Cilium\'s proxy', () => {
    const e = airflow.egress;
    const byName = (hosts: string[]) => hosts.map((h) => (h.startsWith('*.') ? { matchPattern: h } : { matchName: h }));
    const https = (port: number) => [{ ports: [{ port: String(port), protocol: 'TCP' }] }];
    expect(cnp.spec.egress).toEqual([
      {
        toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': e.dns.namespace, ...e.dns.podLabels } }],
        toPorts: [{
          ports: [{ port: String(e.dns.port), protocol: 'UDP' }, { port: String(e.dns.port), protocol: 'TCP' }],
          rules: { dns: [{ matchPattern: '*' }] },
        }],
      },
      { toFQDNs: byName(e.s3.hosts), toPorts: https(e.s3.port) },
      { toFQDNs: byName(e.exchangeApi.hosts), toPorts: https(e.exchangeApi.port) },
      { toFQDNs: byName(airflow.dags.gitSync!.hosts), toPorts: https(443) },
    ]);
  });

  it('let task pods send StatsD over UDP to the chart\'s statsd exporter (TaskRetried reads it)', () => {
    const egress = workerPolicies.flatMap((p) => p.spec.egress ?? []);
    const e = airflow.egress.statsd;
    expect(e.protocol).toBe('UDP');
    expect(egress).toContainEqual({
      to: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': airflow.namespace } },
        podSelector: { matchLabels: { tier: 'airflow', component: 'statsd', release: airflow.helm.release } },
      }],
      ports: [{ port: e.port, protocol: 'UDP' }],
    });
  });

  it.each(['mlflow', 'redis'] as const)('on the %s side, admit every pod on the endpoint port only, the monitoring namespace on any', (k) => {
    const e = airflow.egress[k];
    const policy = policies.find((p) => p.metadata.namespace === e.namespace)!;
    expect(policy.spec.podSelector).toEqual(e.podLabels ? { matchLabels: e.podLabels } : {});
    expect(policy.spec.ingress).toEqual([
      { from: [{ namespaceSelector: {} }], ports: [{ port: e.port, protocol: 'TCP' }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': c.monitoring.namespace } } }] },
    ]);
  });
});

describe('DAGs delivered in the image', () => {
  const digest = `sha256:${'b'.repeat(64)}`;
  const r = raw();
  r.airflow.image = `${r.airflow.image}@${digest}`;
  r.airflow.dags = { delivery: 'image' };
  const out = airflowFiles(r);
  const v = parse(out.get('values-prod.yaml')!);
  const pods = profiles.map((p) => parse(out.get(`pod-templates/${p}.yaml`)!));

  it('has no git-sync anywhere: no init container, no dags volume, no dags.gitSync values, no git egress', () => {
    for (const pod of pods) {
      expect(pod.spec.initContainers).toBeUndefined();
      expect(pod.spec.volumes.map((x: any) => x.name)).not.toContain('dags');
    }
    expect(v.dags).toBeUndefined();
    expect(v.images).toBeUndefined();
    const cnp = parse(out.get('ciliumnetworkpolicy-airflow-worker-fqdn-egress.yaml')!);
    expect(JSON.stringify(cnp)).not.toContain('github.com');
  });

  it('pins the executor\'s worker image to the digest (the dynamic pod replaces the template\'s image)', () => {
    const [repository, tag] = raw().airflow.image.split(':');
    for (const section of ['kubernetes_executor', 'kubernetes'])
      expect(v.config[section]).toMatchObject({ worker_container_repository: repository, worker_container_tag: `${tag}@${digest}` });
    expect(v.defaultAirflowDigest).toBe(digest);
  });

  it('sizes ephemeral storage without the dags emptyDir', () => {
    const s = airflow.storage;
    const expected = memoryBytes(s.tmp) + memoryBytes(s.logs) + memoryBytes(s.containerOverhead);
    for (const pod of pods) expect(memoryBytes(pod.spec.containers[0].resources.limits['ephemeral-storage'])).toBe(expected);
  });
});
