// What the Airflow outputs derive from the props, each in one function: the pod templates, the Helm
// values, profiles.json, the rules and the construct's readonly members all read these instead of
// the raw numbers.
import { formatMemory, imageTag, memoryBytes } from '../core/quantity';
import { DAG_PROFILES_DIR, SCRATCH } from './names';
import type { AirflowSection, AirflowWorkersProps, CpuMemory, WorkerTaint } from './props';

/** Disk the pod writes: every disk-backed emptyDir at its sizeLimit, plus container logs and layer. */
export function ephemeralStorage({ storage, dags }: Pick<AirflowSection, 'storage' | 'dags'>): string {
  const dagsVolume = dags.delivery === 'gitSync' ? memoryBytes(storage.dags) : 0;
  return formatMemory(memoryBytes(storage.tmp) + memoryBytes(storage.logs) + dagsVolume + memoryBytes(storage.containerOverhead));
}

/** A worker container's resources: requests and limits of CPU, memory and ephemeral storage. */
export interface WorkerResources {
  readonly requests: { cpu: string; memory: string; 'ephemeral-storage': string };
  readonly limits: { cpu: string; memory: string; 'ephemeral-storage': string };
}

/**
 * A worker's resources: the profile's CPU and memory as written, and ephemeral storage: the limit
 * covers everything the pod may write (the kubelet evicts it past that, before it fills the node's
 * disk); the request is the smaller share the scheduler reserves (the planner packs by CPU and
 * memory, and a request of the whole limit would make the node's disk the binding constraint).
 */
export function resourcesOf(profile: { requests: CpuMemory; limits: CpuMemory }, section: Pick<AirflowSection, 'storage' | 'dags'>): WorkerResources {
  return {
    requests: { cpu: profile.requests.cpu, memory: profile.requests.memory, 'ephemeral-storage': section.storage.request },
    limits: { cpu: profile.limits.cpu, memory: profile.limits.memory, 'ephemeral-storage': ephemeralStorage(section) },
  };
}

/** One toleration per taint of the pool: exactly what lets the pods on, nothing wider. */
export const tolerationsFor = (taints: readonly WorkerTaint[]) =>
  taints.map((t) => ({ key: t.key, operator: 'Equal', value: t.value, effect: t.effect }));

export const poolTolerations = (props: Pick<AirflowWorkersProps, 'compute'>, pool: string) => tolerationsFor(props.compute.pools[pool].taints);

export const poolSelector = (props: Pick<AirflowWorkersProps, 'compute'>, pool: string): Record<string, string> =>
  ({ [props.compute.poolLabel]: pool });

/** Workload a factor runs as: heavy factors route whole to the heavy workload. */
export function workloadFor(props: Pick<AirflowWorkersProps, 'heavyFactors' | 'factorWorkloads'>, factor: string): string {
  const kind = props.heavyFactors.includes(factor) ? 'heavy' : 'normal';
  return props.factorWorkloads[kind];
}

export const profileForWorkload = (props: Pick<AirflowWorkersProps, 'compute'>, workload: string): string =>
  props.compute.workloads[workload].profile;

/** The profile of the normal factor workload: its template is the executor's default pod_template_file. */
export const defaultProfile = (props: AirflowWorkersProps): string => profileForWorkload(props, props.factorWorkloads.normal);

/** The Airflow pool a workload's tasks draw from: one pool per workload, named after it. */
export const poolFor = (workload: string): string => workload;

/** Slots each task takes: one task is one worker pod, so a pool's slots count pods. */
export const TASK_POOL_SLOTS = 1;

/** An Airflow pool, in the format `airflow pools import` reads. */
export interface AirflowPool {
  readonly slots: number;
  readonly description: string;
}

/**
 * Airflow pools, by name. max_active_runs is per DAG; a pool caps the workload's pods however many
 * DAGs run it, at the figure the capacity plan assumes.
 */
export function airflowPools(props: Pick<AirflowWorkersProps, 'compute' | 'cluster'>): Record<string, AirflowPool> {
  return Object.fromEntries(
    Object.entries(props.compute.workloads).map(([name, workload]) => [
      poolFor(name),
      {
        slots: workload.pods * TASK_POOL_SLOTS,
        description: `${name}: ${workload.podsPerRun} pods per run x max_active_runs ${workload.maxActiveRuns} (clusters/${props.cluster}.yaml)`,
      },
    ]),
  );
}

/** The pre-flight guardrail of a profile, as profiles.json gives it to dag_profiles.py. */
export interface Preflight {
  readonly node_type: string;
  readonly node_memory_bytes: number;
  readonly memory_fraction: number;
  readonly node_threshold_bytes: number;
  readonly memory_limit_bytes: number;
  readonly limit_fraction: number;
  readonly limit_threshold_bytes: number;
  /** The estimate above which a task refuses to train. */
  readonly memory_threshold_bytes: number;
}

/**
 * Pre-flight guardrail: a task refuses to train when its estimate exceeds the lower of a share of
 * its node's memory (SPEC 1.1) and a share of its profile's memory limit, the line the OOM killer
 * draws first (every limit is below the node's share, so the node's figure alone never fires).
 */
export function preflightFor(props: AirflowWorkersProps, profileName: string): Preflight {
  const profile = props.compute.profiles[profileName];
  const nodeType = props.compute.pools[profile.pool].nodeType;
  const nodeMemoryBytes = memoryBytes(props.compute.nodeTypes[nodeType].memory);
  const limitBytes = memoryBytes(profile.limits.memory);
  const nodeThreshold = Math.floor(nodeMemoryBytes * props.preflightMemoryFraction);
  const limitThreshold = Math.floor(limitBytes * props.preflightLimitFraction);
  return {
    node_type: nodeType,
    node_memory_bytes: nodeMemoryBytes,
    memory_fraction: props.preflightMemoryFraction,
    node_threshold_bytes: nodeThreshold,
    memory_limit_bytes: limitBytes,
    limit_fraction: props.preflightLimitFraction,
    limit_threshold_bytes: limitThreshold,
    memory_threshold_bytes: Math.min(nodeThreshold, limitThreshold),
  };
}

/** The longest a queued task may wait for a node, and the pool that makes it so. */
export interface QueuedWait {
  readonly seconds: number;
  readonly pool: string;
}

/**
 * The worst wait of a queued task: the worker pool growing from its min to its max one node at a
 * time, then the image pull. Airflow fails a task still queued after task_queued_timeout.
 */
export function worstQueuedWait(props: Pick<AirflowWorkersProps, 'compute' | 'scheduling'>): QueuedWait | undefined {
  let worst: QueuedWait | undefined;
  for (const name of workerPools(props)) {
    const pool = props.compute.pools[name];
    if (!pool?.scaleUpMinutes) continue;
    const seconds = ((pool.max - pool.min) * pool.scaleUpMinutes + props.scheduling.imagePullMinutes) * 60;
    if (!worst || seconds > worst.seconds) worst = { seconds, pool: name };
  }
  return worst;
}

/** The pools the worker profiles run on, each once. */
export const workerPools = (props: Pick<AirflowWorkersProps, 'compute'>): Set<string> =>
  new Set(Object.values(props.compute.profiles).map((p) => p.pool));

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
export function workerImageConfig({ image }: Pick<AirflowSection, 'image'>): { worker_container_repository: string; worker_container_tag: string } {
  const { repository, tag, digest } = imageParts(image);
  return { worker_container_repository: repository, worker_container_tag: digest ? `${tag}@${digest}` : tag! };
}

export function forkSafetyEnv({ forkSafetyEnv: env }: Pick<AirflowSection, 'forkSafetyEnv'>): { name: string; value: string }[] {
  return Object.entries(env).map(([name, value]) => ({ name, value }));
}

export const HOME_ENV = [
  { name: 'HOME', value: `${SCRATCH}/home` },
  { name: 'XDG_CACHE_HOME', value: `${SCRATCH}/.cache` },
  { name: 'XDG_CONFIG_HOME', value: `${SCRATCH}/.config` },
  { name: 'XDG_DATA_HOME', value: `${SCRATCH}/.local/share` },
];

/** Every variable a worker adds to the chart's: fork safety, scratch paths, the dag_profiles folder. */
export function workerEnv(section: Pick<AirflowSection, 'forkSafetyEnv'>): { name: string; value: string }[] {
  return [...forkSafetyEnv(section), ...HOME_ENV, { name: 'PYTHONPATH', value: DAG_PROFILES_DIR }];
}
