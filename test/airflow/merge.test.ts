// Every worker pod as Airflow 2.10's KubernetesExecutor really builds it: the template read by the
// Kubernetes Python client, then the executor's dynamic pod, then pod_override, merged by
// construct_pod.py (which follows pod_generator.py step by step, truthiness rule included). Both
// ways a task can pick a profile are built: the default template plus the profile's pod_override,
// and the profile's own template through executor_config["pod_template_file"].
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { ephemeralStorage, poolTolerations, workerImageConfig } from '../../lib/airflow/derived';
import { workerServiceAccount } from '../../lib/airflow/names';
import { FORK_SAFETY } from '../../lib/airflow/rules';
import { tmpDir } from '../support/clusters';
import { python } from '../support/env';
import { airflowFiles, config, runPython, workersProps } from './support';

const py = python();
const maybe = py ? describe : describe.skip;

const c = config();
const compute = c.compute!;
const airflow = c.airflow!;
const props = workersProps();
const files = airflowFiles();
const contract = JSON.parse(files.get('profiles.json')!);
const values = parse(files.get('values-prod.yaml')!);
const profiles = Object.keys(compute.profiles);
const normalProfile = compute.workloads[airflow.factorWorkloads.normal].profile;
const serviceAccount = parse(files.get(`serviceaccount-${workerServiceAccount(airflow)}.yaml`)!);

/** merge_objects' rule for a base value: truthy (provider < 10.5, what Airflow 2.10 pins) or not None (>= 10.5). */
const RULES = ['truthy', 'not-none'] as const;

maybe.each(RULES)('worker pods built with Airflow\'s three-step merge (template -> executor pod -> pod_override), rule %s', (rule) => {
  const dir = tmpDir('airflow-merge');
  const templatePath = (p: string) => path.join(dir, `${p}.yaml`);
  for (const p of profiles) fs.writeFileSync(templatePath(p), files.get(`pod-templates/${p}.yaml`)!);
  // what the executor is configured with: the values' [kubernetes_executor] section
  const executor = values.config.kubernetes_executor;
  const kubeImage = `${executor.worker_container_repository}:${executor.worker_container_tag}`;
  const defaultTemplate = path.join(dir, path.basename(executor.pod_template_file));
  const jobs = profiles.flatMap((p) => [
    { template: defaultTemplate, override: contract.profiles[p].pod_override },
    { template: templatePath(p), override: null },
  ]);
  let built: { profile: string; how: string; pod: any; templateAutomountFalse: unknown }[] = [];
  beforeAll(() => {
    const out = runPython(py!, 'construct_pod.py', [rule, kubeImage, JSON.stringify(jobs)]);
    built = out.map((o: any, i: number) => ({ profile: profiles[Math.floor(i / 2)], how: i % 2 ? 'pod_template_file' : 'pod_override', ...o }));
  });
  const each = (name: string, check: (b: (typeof built)[number]) => void) =>
    it(name, () => {
      expect(built).toHaveLength(profiles.length * 2);
      for (const b of built) {
        try {
          check(b);
        } catch (e: any) {
          throw new Error(`${b.profile} via ${b.how}: ${e.message}`);
        }
      }
    });

  it('the default template is the normal profile\'s, and the image is the one the values pin for the executor', () => {
    expect(path.basename(executor.pod_template_file)).toBe(`${normalProfile}.yaml`);
    expect(kubeImage).toBe(`${workerImageConfig(airflow).worker_container_repository}:${workerImageConfig(airflow).worker_container_tag}`);
    expect(airflow.image.startsWith(kubeImage.split('@')[0])).toBe(true);
  });

  each('no service-account token: the ServiceAccount says so, and the merged pod names it and does not override it', (b) => {
    expect(b.pod.spec.serviceAccountName).toBe(workerServiceAccount(airflow));
    expect(b.pod.spec.automountServiceAccountToken).toBeUndefined();
    expect(serviceAccount.automountServiceAccountToken).toBe(false);
  });

  each('a template\'s automountServiceAccountToken: false is dropped under the truthy rule (why it lives on the ServiceAccount)', (b) => {
    expect(b.templateAutomountFalse).toBe(rule === 'truthy' ? null : false); // null: absent from the created pod
  });

  each('the profile\'s resources, ephemeral storage included', (b) => {
    const p = compute.profiles[b.profile];
    const [base] = b.pod.spec.containers;
    expect(base.name).toBe('base');
    expect(base.resources.requests).toMatchObject(p.requests);
    expect(base.resources.limits).toMatchObject(p.limits);
    expect(base.resources.requests['ephemeral-storage']).toBe(airflow.storage.request);
    expect(base.resources.limits['ephemeral-storage']).toBe(ephemeralStorage(airflow));
  });

  each('the fork-safety env exactly once, beside the executor\'s own variable, no name twice', (b) => {
    const env: { name: string; value?: string }[] = b.pod.spec.containers[0].env;
    for (const [name, value] of Object.entries({ ...FORK_SAFETY, ...airflow.forkSafetyEnv }))
      expect(env.filter((e) => e.name === name)).toEqual([{ name, value }]);
    expect(env.filter((e) => e.name === 'AIRFLOW_IS_K8S_EXECUTOR_POD')).toEqual([{ name: 'AIRFLOW_IS_K8S_EXECUTOR_POD', value: 'True' }]);
    expect(new Set(env.map((e) => e.name)).size).toBe(env.length);
  });

  each('the profile\'s pool: nodeSelector and exactly the pool\'s tolerations', (b) => {
    const pool = compute.profiles[b.profile].pool;
    expect(b.pod.spec.nodeSelector).toEqual({ [compute.poolLabel]: pool });
    expect(compute.pools[pool].taints.length).toBeGreaterThan(0);
    expect(b.pod.spec.tolerations).toEqual(poolTolerations(props, pool));
    expect(b.pod.spec.tolerations).toEqual(compute.pools[pool].taints.map((t) => ({ ...t, operator: 'Equal' })));
  });

  each('restricted security context, pod and every container, read-only root for the task', (b) => {
    expect(b.pod.spec.securityContext).toMatchObject({
      runAsNonRoot: true, runAsUser: airflow.user.uid, seccompProfile: { type: 'RuntimeDefault' },
    });
    for (const container of [...b.pod.spec.containers, ...(b.pod.spec.initContainers ?? [])])
      expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(b.pod.spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
  });

  each('volumes once each, every mount backed, writable scratch sized, /dev/shm in memory', (b) => {
    const volumes: any[] = b.pod.spec.volumes;
    const names = volumes.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    const mounts: any[] = [...b.pod.spec.containers, ...(b.pod.spec.initContainers ?? [])].flatMap((x) => x.volumeMounts ?? []);
    for (const m of mounts) expect(names).toContain(m.name);
    const base = b.pod.spec.containers[0];
    const volumeAt = (mountPath: string) => volumes.find((v) => v.name === base.volumeMounts.find((m: any) => m.mountPath === mountPath)?.name);
    expect(volumeAt('/tmp')).toEqual({ name: 'tmp', emptyDir: { sizeLimit: airflow.storage.tmp } });
    expect(volumeAt('/opt/airflow/logs')).toEqual({ name: 'logs', emptyDir: { sizeLimit: airflow.storage.logs } });
    expect(volumeAt('/dev/shm')).toEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: airflow.storage.shm } });
    expect(volumeAt('/opt/airflow/dag-profiles')?.configMap).toBeDefined();
    expect(base.env.find((e: any) => e.name === 'PYTHONPATH').value).toBe('/opt/airflow/dag-profiles');
  });

  each('git-sync clones the DAGs once, before the task, into the volume the task reads', (b) => {
    const init: any[] = b.pod.spec.initContainers;
    expect(init.map((x) => x.name)).toEqual(['git-sync-init']);
    const dagsVolume = init[0].volumeMounts[0].name;
    expect(b.pod.spec.containers[0].volumeMounts).toContainEqual({ name: dagsVolume, mountPath: '/opt/airflow/dags', readOnly: true });
  });

  each('the executor\'s image, name, labels and args, with the profile label on top', (b) => {
    const base = b.pod.spec.containers[0];
    expect(base.image).toBe(kubeImage);
    expect(base.args.slice(0, 3)).toEqual(['airflow', 'tasks', 'run']);
    expect(b.pod.metadata.labels).toMatchObject({ kubernetes_executor: 'True', 'cluster-manifests/airflow-profile': b.profile });
    expect(b.pod.spec.restartPolicy).toBe('Never');
    expect(b.pod.spec.priorityClassName).toBeDefined();
  });

  it('both ways give the same pod', () => {
    for (let i = 0; i < built.length; i += 2) expect(built[i].pod).toEqual(built[i + 1].pod);
  });
});
