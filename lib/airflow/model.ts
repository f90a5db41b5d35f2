// What the Airflow outputs derive from the cluster config, each in one function: the pod templates,
// the Helm values, profiles.json and the NetworkPolicies all read these instead of the raw numbers.
import type { AirflowConfig } from '../config/sections/airflow';
import type { Profile } from '../config/sections/compute';
import { poolsWithRole } from '../config/compute';
import { exclusive, podGroup } from '../capacity/model';
import { imageTag, memoryBytes } from '../config/quantity';
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
/** pools.json is mounted into the scheduler too, so `airflow pools import` needs no copying. */
export const POOLS_CONFIGMAP = 'airflow-pools';
export const POOLS_FILE = 'pools.json';
export const POOLS_DIR = `${AIRFLOW_HOME}/pools`;

/** Label every worker pod carries (pod templates and the chart's workers.labels); NetworkPolicies select it. */
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

export function resourcesOf(p: Profile) {
  return {
    requests: { cpu: p.requests.cpu, memory: p.requests.memory },
    limits: { cpu: p.limits.cpu, memory: p.limits.memory },
  };
}

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

/** The profile of the normal factor workload: the executor's default pod and the chart's workers.*. */
export const defaultProfile = (c: AirflowCluster): string => profileForWorkload(c, c.airflow.factorWorkloads.normal);

/** Pre-flight guardrail: a task refuses to train above this share of its node's memory. */
export function preflightFor(c: AirflowCluster, profile: string) {
  const nodeType = c.compute.pools[c.compute.profiles[profile].pool].nodeType;
  const nodeMemoryBytes = memoryBytes(c.compute.nodeTypes[nodeType].memory);
  return {
    node_type: nodeType,
    node_memory_bytes: nodeMemoryBytes,
    memory_fraction: c.airflow.preflightMemoryFraction,
    memory_threshold_bytes: Math.floor(nodeMemoryBytes * c.airflow.preflightMemoryFraction),
  };
}

/** The image split the way the chart's `images.airflow` wants it, and the Airflow version from its tag. */
export function imageParts(image: string): { repository: string; tag?: string; digest?: string; version?: string } {
  const [name, digest] = image.split('@');
  const tag = imageTag(image);
  const version = tag === undefined ? undefined : /^(\d+\.\d+\.\d+)/.exec(tag)?.[1];
  return { repository: tag === undefined ? name : name.slice(0, name.length - tag.length - 1), tag, digest, version };
}

export function forkSafetyEnv(a: AirflowConfig): { name: string; value: string }[] {
  return Object.entries(a.forkSafetyEnv).map(([name, value]) => ({ name, value }));
}
