// What the Airflow outputs derive from the cluster config, each in one function: the pod templates,
// the Helm values, profiles.json and the NetworkPolicies all read these instead of the raw numbers.
import type { AirflowConfig } from '../config/sections/airflow';
import type { Profile, Taint } from '../compute';
import { poolsWithRole } from '../compute';
import { exclusive, podGroup } from '../capacity';
import { formatMemory, imageTag, memoryBytes } from '../core/quantity';
import type { ClusterConfig, ComputeConfig } from '../config/schema';

/** A cluster that has both sections (the component is only enabled then). */
export interface AirflowCluster extends ClusterConfig {
  compute: ComputeConfig;
  airflow: AirflowConfig;
}

export function airflowCluster(c: ClusterConfig): AirflowCluster {
  if (!c.compute || !c.airflow) throw new Error(`cluster ${c.name}: airflow needs the compute and airflow sections`);
  return c as AirflowCluster;
}

/** The component (its folder under dist/<cluster>/ and its label), and the chart values file in it. */
export const COMPONENT = 'airflow';
export const VALUES_FILE = 'values-prod.yaml';
/** The DAG contract; dag_profiles.py reads it from its own folder by this name. */
export const CONTRACT_FILE = 'profiles.json';

/** AIRFLOW_HOME of the official image (the chart's `airflowHome` default); the values pin it. */
export const AIRFLOW_HOME = '/opt/airflow';
/** The scheduler's volume of the profile templates ConfigMap, mounted as a sibling of the chart's own pod_templates. */
export const TEMPLATES_VOLUME = 'profile-pod-templates';
export const TEMPLATES_DIR = `${AIRFLOW_HOME}/${TEMPLATES_VOLUME}`;
export const TEMPLATES_CONFIGMAP = 'airflow-pod-templates';
export const templateFile = (profile: string): string => `${profile}.yaml`;
/** profiles.json + dag_profiles.py, mounted into the scheduler and every worker and put on PYTHONPATH. */
export const DAG_PROFILES_CONFIGMAP = 'airflow-dag-profiles';
export const DAG_PROFILES_DIR = `${AIRFLOW_HOME}/dag-profiles`;
export const DAG_MODULE_FILE = 'dag_profiles.py';
/** The chart's dags volume and its mount (chart/templates/_helpers.yaml: airflow_dags_mount, airflow_dags). */
export const DAGS_VOLUME = 'dags';
export const DAGS_MOUNT = `${AIRFLOW_HOME}/dags`;
/** git-sync's root and link name in the dags volume, as the chart's git_sync_container sets them. */
export const GIT_SYNC_ROOT = '/git';
export const GIT_SYNC_LINK = 'repo';
/** pools.json is mounted into the scheduler too, so `airflow pools import` needs no copying. */
export const POOLS_CONFIGMAP = 'airflow-pools';
export const POOLS_FILE = 'pools.json';
export const POOLS_DIR = `${AIRFLOW_HOME}/pools`;

/** The egress endpoints outside the cluster: allowed by name (toFQDNs) or, without one, by CIDR. */
export const EXTERNAL_ENDPOINTS = ['postgres', 's3', 'exchangeApi'] as const;

/** Label every worker pod carries (the pod templates); the NetworkPolicies and the CiliumNetworkPolicy select it. */
export const WORKER_LABEL = { key: 'cluster-manifests/pod-role', value: 'airflow-worker' } as const;
export const PROFILE_LABEL = 'cluster-manifests/airflow-profile';

/**
 * Objects the official chart names after its release (chart/templates/_helpers.yaml): the worker
 * pod needs them to reach the metadata DB, decrypt connections and serve its logs.
 */
export function chartObjects(a: AirflowConfig) {
  const r = a.helm.release;
  return {
    fernetKeySecret: { name: `${r}-fernet-key`, key: 'fernet-key' },
    webserverSecretKeySecret: { name: `${r}-webserver-secret-key`, key: 'webserver-secret-key' },
    metadataSecret: { name: a.helm.metadataSecret, key: 'connection' },
    configMap: `${r}-airflow-config`,
    // the statsd Deployment's pod labels (chart/templates/statsd/statsd-deployment.yaml)
    statsdLabels: { tier: 'airflow', component: 'statsd', release: r },
  };
}

/** The worker's ServiceAccount: no token is mounted (the executor's merge drops a pod-level `false`). */
export const workerServiceAccount = (a: AirflowConfig): string => `${a.helm.release}-worker-task`;
/** Cluster-scoped: named after the release so two releases never collide. */
export const workerPriorityClass = (a: AirflowConfig): string => `${a.helm.release}-worker`;

/** The folder Airflow parses DAGs from ([core] dags_folder), where the delivery puts them. */
export function dagsFolder(a: AirflowConfig): string | undefined {
  const g = a.dags.gitSync;
  // the chart's "airflow_dags": <mount>/repo/<subPath>; an image carries them in its own AIRFLOW_HOME/dags
  return a.dags.delivery === 'gitSync' && g ? `${DAGS_MOUNT}/${GIT_SYNC_LINK}/${g.subPath}` : undefined;
}

/** Disk the pod writes: every disk-backed emptyDir at its sizeLimit, plus container logs and layer. */
export function ephemeralStorage(a: AirflowConfig): string {
  const s = a.storage;
  const dags = a.dags.delivery === 'gitSync' ? memoryBytes(s.dags) : 0;
  return formatMemory(memoryBytes(s.tmp) + memoryBytes(s.logs) + dags + memoryBytes(s.containerOverhead));
}

/**
 * A worker's resources: the profile's CPU and memory as written, and ephemeral storage: the limit
 * covers everything the pod may write (the kubelet evicts it past that, before it fills the node's
 * disk); the request is the smaller share the scheduler reserves (the planner packs by CPU and
 * memory, and a request of the whole limit would make the node's disk the binding constraint).
 */
export function resourcesOf(p: Profile, a: AirflowConfig) {
  return {
    requests: { cpu: p.requests.cpu, memory: p.requests.memory, 'ephemeral-storage': a.storage.request },
    limits: { cpu: p.limits.cpu, memory: p.limits.memory, 'ephemeral-storage': ephemeralStorage(a) },
  };
}

/** One toleration per taint of the pool: exactly what lets the pods on, nothing wider. */
export const tolerationsFor = (taints: Taint[]) =>
  taints.map((t) => ({ key: t.key, operator: 'Equal', value: t.value, effect: t.effect }));

export const poolTolerations = (c: AirflowCluster, pool: string) => tolerationsFor(c.compute.pools[pool].taints);

export const poolSelector = (c: AirflowCluster, pool: string): Record<string, string> => ({ [c.compute.poolLabel]: pool });

/** The pool platform pods (scheduler, webserver, triggerer) run on: the first pool with role platform. */
export const platformPool = (compute: ComputeConfig): string | undefined => poolsWithRole(compute, 'platform')[0];

/** Workload a factor runs as: heavy factors route whole to the heavy workload. */
export function workloadFor(c: AirflowCluster, factor: string): string {
  const kind = c.airflow.heavyFactors.includes(factor) ? 'heavy' : 'normal';
  return c.airflow.factorWorkloads[kind];
}

export const profileForWorkload = (c: AirflowCluster, workload: string): string => c.compute.workloads[workload].profile;

/** The Airflow pool a workload's tasks draw from: one pool per workload, named after it. */
export const poolFor = (workload: string): string => workload;

/** Slots each task takes: one task is one worker pod, so a pool's slots count pods. */
export const TASK_POOL_SLOTS = 1;

/**
 * Airflow pools, in the format `airflow pools import` reads. max_active_runs is per DAG; a pool caps
 * the workload's pods however many DAGs run it, at the figure the capacity plan assumes.
 */
export function airflowPools(c: AirflowCluster): Record<string, { slots: number; description: string }> {
  return Object.fromEntries(
    Object.entries(c.compute.workloads).map(([w, x]) => [
      poolFor(w),
      {
        slots: podGroup(c.compute, w).count * TASK_POOL_SLOTS,
        description: `${w}: ${x.podsPerRun} pods per run x max_active_runs ${x.maxActiveRuns} (clusters/${c.name}.yaml)`,
      },
    ]),
  );
}

/** Workloads that must not run while `workload` runs (exclusiveWith, read both ways as the planner reads it). */
export function exclusiveWith(c: AirflowCluster, workload: string): string[] {
  const group = podGroup(c.compute, workload);
  return Object.keys(c.compute.workloads).filter((w) => w !== workload && exclusive(group, podGroup(c.compute, w))).sort();
}

/** The profile of the normal factor workload: its template is the executor's default pod_template_file. */
export const defaultProfile = (c: AirflowCluster): string => profileForWorkload(c, c.airflow.factorWorkloads.normal);

/**
 * Pre-flight guardrail: a task refuses to train when its estimate exceeds the lower of a share of
 * its node's memory (SPEC 1.1) and a share of its profile's memory limit, the line the OOM killer
 * draws first (every limit is below the node's share, so the node's figure alone never fires).
 */
export function preflightFor(c: AirflowCluster, profile: string) {
  const p = c.compute.profiles[profile];
  const nodeType = c.compute.pools[p.pool].nodeType;
  const nodeMemoryBytes = memoryBytes(c.compute.nodeTypes[nodeType].memory);
  const limitBytes = memoryBytes(p.limits.memory);
  const nodeThreshold = Math.floor(nodeMemoryBytes * c.airflow.preflightMemoryFraction);
  const limitThreshold = Math.floor(limitBytes * c.airflow.preflightLimitFraction);
  return {
    node_type: nodeType,
    node_memory_bytes: nodeMemoryBytes,
    memory_fraction: c.airflow.preflightMemoryFraction,
    node_threshold_bytes: nodeThreshold,
    memory_limit_bytes: limitBytes,
    limit_fraction: c.airflow.preflightLimitFraction,
    limit_threshold_bytes: limitThreshold,
    memory_threshold_bytes: Math.min(nodeThreshold, limitThreshold),
  };
}

/** The image split the way the chart's `images.airflow` wants it, and the Airflow version from its tag. */
export function imageParts(image: string): { repository: string; tag?: string; digest?: string; version?: string } {
  const [name, digest] = image.split('@');
  const tag = imageTag(image);
  const version = tag === undefined ? undefined : /^(\d+\.\d+\.\d+)/.exec(tag)?.[1];
  return { repository: tag === undefined ? name : name.slice(0, name.length - tag.length - 1), tag, digest, version };
}

/**
 * `[kubernetes_executor] worker_container_repository` and `worker_container_tag`: the executor's
 * dynamic pod sets the `base` image to `<repository>:<tag>`, replacing the template's, so a digest
 * has to ride in the tag (the chart's own default drops it).
 */
export function workerImageConfig(a: AirflowConfig): { worker_container_repository: string; worker_container_tag: string } {
  const { repository, tag, digest } = imageParts(a.image);
  return { worker_container_repository: repository, worker_container_tag: digest ? `${tag}@${digest}` : tag! };
}

export function forkSafetyEnv(a: AirflowConfig): { name: string; value: string }[] {
  return Object.entries(a.forkSafetyEnv).map(([name, value]) => ({ name, value }));
}

/** The read-only root leaves /tmp writable: HOME and the XDG caches (pip, matplotlib, HF) go there. */
export const SCRATCH = '/tmp';
export const HOME_ENV = [
  { name: 'HOME', value: `${SCRATCH}/home` },
  { name: 'XDG_CACHE_HOME', value: `${SCRATCH}/.cache` },
  { name: 'XDG_CONFIG_HOME', value: `${SCRATCH}/.config` },
  { name: 'XDG_DATA_HOME', value: `${SCRATCH}/.local/share` },
];

/** Every variable a worker adds to the chart's: fork safety, scratch paths, the dag_profiles folder. */
export function workerEnv(a: AirflowConfig): { name: string; value: string }[] {
  return [...forkSafetyEnv(a), ...HOME_ENV, { name: 'PYTHONPATH', value: DAG_PROFILES_DIR }];
}
