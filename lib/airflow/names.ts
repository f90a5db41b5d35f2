// Names and paths the Airflow outputs agree on: the files of the component's folder, where the
// scheduler and the workers mount them, the labels the NetworkPolicies select, and the objects the
// official chart names after its release.
import type { AirflowSection } from './props';

/** The component (its folder under dist/<cluster>/ and its label), and the chart values file in it. */
export const COMPONENT = 'airflow';
export const VALUES_FILE = 'values-prod.yaml';
/** The DAG contract; dag_profiles.py reads it from its own folder by this name. */
export const CONTRACT_FILE = 'profiles.json';
/** The fork-safety variables for docker-compose (local runs of the same DAGs). */
export const COMPOSE_ENV_FILE = 'docker-compose.env';

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

/** The chart's release and the Secret it cannot create (the managed database's). */
type HelmRelease = { readonly helm: Pick<AirflowSection['helm'], 'release' | 'metadataSecret'> };

/**
 * Objects the official chart names after its release (chart/templates/_helpers.yaml): the worker
 * pod needs them to reach the metadata DB, decrypt connections and serve its logs.
 */
export function chartObjects({ helm }: HelmRelease) {
  const release = helm.release;
  return {
    fernetKeySecret: { name: `${release}-fernet-key`, key: 'fernet-key' },
    webserverSecretKeySecret: { name: `${release}-webserver-secret-key`, key: 'webserver-secret-key' },
    metadataSecret: { name: helm.metadataSecret, key: 'connection' },
    configMap: `${release}-airflow-config`,
    // the statsd Deployment's pod labels (chart/templates/statsd/statsd-deployment.yaml)
    statsdLabels: { tier: 'airflow', component: 'statsd', release },
  };
}

/** The worker's ServiceAccount: no token is mounted (the executor's merge drops a pod-level `false`). */
export const workerServiceAccount = ({ helm }: Pick<AirflowSection, 'helm'>): string => `${helm.release}-worker-task`;
/** Cluster-scoped: named after the release so two releases never collide. */
export const workerPriorityClass = ({ helm }: Pick<AirflowSection, 'helm'>): string => `${helm.release}-worker`;

/** The folder Airflow parses DAGs from ([core] dags_folder), where the delivery puts them. */
export function dagsFolder({ dags }: Pick<AirflowSection, 'dags'>): string | undefined {
  const gitSync = dags.gitSync;
  // the chart's "airflow_dags": <mount>/repo/<subPath>; an image carries them in its own AIRFLOW_HOME/dags
  return dags.delivery === 'gitSync' && gitSync ? `${DAGS_MOUNT}/${GIT_SYNC_LINK}/${gitSync.subPath}` : undefined;
}

/** The read-only root leaves /tmp writable: HOME and the XDG caches (pip, matplotlib, HF) go there. */
export const SCRATCH = '/tmp';
