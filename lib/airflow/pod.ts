// The worker pod of each profile, as Airflow's KubernetesExecutor reads it (SPEC 2): a full v1 Pod
// for `pod_template_file`, and the `pod_override` fragment that turns the default pod into it.
//
// The executor builds a worker as template -> its own dynamic pod (name, labels, annotations, args,
// image, one env var) -> pod_override, and its merge copies a template value only when it is truthy
// (pod_generator.merge_objects of the cncf.kubernetes provider that Airflow 2.10 pins). So nothing
// here relies on a `false` or an empty value surviving: the token is off through the ServiceAccount.
import { LABEL } from '../core/chart';
import { poolSelector, poolTolerations, resourcesOf, workerEnv } from './derived';
import {
  AIRFLOW_HOME, chartObjects, DAG_PROFILES_CONFIGMAP, DAG_PROFILES_DIR, DAGS_MOUNT, DAGS_VOLUME, GIT_SYNC_LINK, GIT_SYNC_ROOT,
  PROFILE_LABEL, SCRATCH, WORKER_LABEL, workerPriorityClass, workerServiceAccount,
} from './names';
import type { AirflowSection, AirflowWorkersProps } from './props';

/** Restricted Pod Security at pod level; the numeric uid lets the kubelet verify runAsNonRoot. */
export function podSecurityContext({ user }: Pick<AirflowSection, 'user'>) {
  const { uid, gid } = user;
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, fsGroup: gid, seccompProfile: { type: 'RuntimeDefault' } };
}

/** Restricted Pod Security per container; workers also get a read-only root filesystem. */
export function containerSecurityContext(readOnlyRoot: boolean) {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    ...(readOnlyRoot ? { readOnlyRootFilesystem: true } : {}),
  };
}

/** The container Airflow runs the task in: the executor and pod_override find it by this name. */
export const BASE_CONTAINER = 'base';

/** The chart's name for the git-sync init container (dags.gitSync.containerName + "-init"). */
export const GIT_SYNC_INIT = 'git-sync-init';

/**
 * Writable space under the read-only root, each an emptyDir with a sizeLimit (the kubelet evicts a
 * pod past it instead of letting it fill the node): /tmp (scratch, HOME, caches), the task logs
 * (until the S3 handler uploads them), and /dev/shm in memory for joblib/loky's shared arrays (the
 * runtime's default is 64 MiB; memory-backed, so it counts against the memory limit).
 */
export function scratchVolumes({ storage }: Pick<AirflowSection, 'storage'>) {
  return {
    volumes: [
      { name: 'logs', emptyDir: { sizeLimit: storage.logs } },
      { name: 'tmp', emptyDir: { sizeLimit: storage.tmp } },
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: storage.shm } },
    ],
    mounts: [
      { name: 'logs', mountPath: `${AIRFLOW_HOME}/logs` },
      { name: 'tmp', mountPath: SCRATCH },
      { name: 'dshm', mountPath: '/dev/shm' },
    ],
  };
}

const secretEnv = (name: string, ref: { name: string; key: string }) => ({ name, valueFrom: { secretKeyRef: ref } });

/** Both spellings, as the chart sets them: git-sync v4 reads GITSYNC_*, v3 GIT_SYNC_*. */
const gitSyncVar = (v3: string, v4: string, value: string) => [{ name: v3, value }, { name: v4, value }];

/**
 * The chart's git-sync init container (chart/templates/_helpers.yaml, git_sync_container with
 * is_init) for the same dags.gitSync values: one clone into the dags volume before the task starts.
 */
type GitSync = NonNullable<AirflowSection['dags']['gitSync']>;

export function gitSyncInitContainer(gitSync: GitSync) {
  const credentials = (v3: string, v4: string) => [
    secretEnv(v3, { name: gitSync.credentialsSecret!, key: v3 }), secretEnv(v4, { name: gitSync.credentialsSecret!, key: v4 }),
  ];
  return {
    name: GIT_SYNC_INIT,
    image: gitSync.image,
    imagePullPolicy: 'IfNotPresent',
    securityContext: { runAsUser: gitSync.uid, ...containerSecurityContext(false) },
    env: [
      ...(gitSync.credentialsSecret
        ? [...credentials('GIT_SYNC_USERNAME', 'GITSYNC_USERNAME'), ...credentials('GIT_SYNC_PASSWORD', 'GITSYNC_PASSWORD')]
        : []),
      { name: 'GIT_SYNC_REV', value: gitSync.rev },
      { name: 'GITSYNC_REF', value: gitRef(gitSync) },
      { name: 'GIT_SYNC_BRANCH', value: gitSync.branch },
      ...gitSyncVar('GIT_SYNC_REPO', 'GITSYNC_REPO', gitSync.repo),
      ...gitSyncVar('GIT_SYNC_DEPTH', 'GITSYNC_DEPTH', String(gitSync.depth)),
      ...gitSyncVar('GIT_SYNC_ROOT', 'GITSYNC_ROOT', GIT_SYNC_ROOT),
      { name: 'GIT_SYNC_DEST', value: GIT_SYNC_LINK },
      { name: 'GITSYNC_LINK', value: GIT_SYNC_LINK },
      ...gitSyncVar('GIT_SYNC_ADD_USER', 'GITSYNC_ADD_USER', 'true'),
      { name: 'GIT_SYNC_WAIT', value: String(gitSync.wait) },
      { name: 'GITSYNC_PERIOD', value: `${gitSync.wait}s` },
      { name: 'GIT_SYNC_MAX_SYNC_FAILURES', value: String(gitSync.maxFailures) },
      { name: 'GITSYNC_MAX_FAILURES', value: String(gitSync.maxFailures) },
      ...gitSyncVar('GIT_SYNC_ONE_TIME', 'GITSYNC_ONE_TIME', 'true'),
    ],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    volumeMounts: [{ name: DAGS_VOLUME, mountPath: GIT_SYNC_ROOT }],
  };
}

/** git-sync v4's single ref: the pinned revision, else the branch head. */
export const gitRef = (gitSync: Pick<GitSync, 'rev' | 'branch'>): string => (gitSync.rev === 'HEAD' ? gitSync.branch : gitSync.rev);

/** The DAG repository the workers clone, when the DAGs come by git-sync. */
export const gitSyncOf = ({ dags }: Pick<AirflowSection, 'dags'>): GitSync | undefined =>
  (dags.delivery === 'gitSync' ? dags.gitSync : undefined);

/**
 * Labels every worker pod carries: the common labels of the component's cdk8s chart (templates are
 * files, so it does not stamp them), ours (NetworkPolicies select WORKER_LABEL) and the Helm chart's worker labels.
 */
export function workerLabels(chartLabels: Record<string, string>, props: Pick<AirflowSection, 'helm'>, profile: string): Record<string, string> {
  return {
    [LABEL.name]: 'airflow-worker',
    ...chartLabels,
    [WORKER_LABEL.key]: WORKER_LABEL.value,
    [PROFILE_LABEL]: profile,
    tier: 'airflow',
    component: 'worker',
    release: props.helm.release,
  };
}

/** The task's container: the image, the chart's Airflow env and secrets, the profile's resources, read-only root. */
function baseContainer(props: AirflowWorkersProps, profileName: string) {
  const objects = chartObjects(props);
  const gitSync = gitSyncOf(props);
  return {
    name: BASE_CONTAINER,
    // replaced by the executor's [kubernetes_executor] worker_container_repository:tag (the values pin it to this)
    image: props.image,
    imagePullPolicy: 'IfNotPresent',
    env: [
      ...workerEnv(props),
      // as the chart's template: the task runs in-process, the worker is no executor
      { name: 'AIRFLOW__CORE__EXECUTOR', value: 'LocalExecutor' },
      secretEnv('AIRFLOW__CORE__FERNET_KEY', objects.fernetKeySecret),
      secretEnv('AIRFLOW__DATABASE__SQL_ALCHEMY_CONN', objects.metadataSecret),
      secretEnv('AIRFLOW_CONN_AIRFLOW_DB', objects.metadataSecret),
      secretEnv('AIRFLOW__WEBSERVER__SECRET_KEY', objects.webserverSecretKeySecret),
    ],
    resources: resourcesOf(props.compute.profiles[profileName], props),
    securityContext: containerSecurityContext(true),
    volumeMounts: [
      { name: 'config', mountPath: `${AIRFLOW_HOME}/airflow.cfg`, subPath: 'airflow.cfg', readOnly: true },
      ...scratchVolumes(props).mounts,
      ...(gitSync ? [{ name: DAGS_VOLUME, mountPath: DAGS_MOUNT, readOnly: true }] : []),
      { name: DAG_PROFILES_CONFIGMAP, mountPath: DAG_PROFILES_DIR, readOnly: true },
    ],
  };
}

/** The pod's volumes: airflow.cfg from the chart's ConfigMap, the scratch space, the DAGs, dag_profiles. */
function podVolumes(props: AirflowWorkersProps) {
  const gitSync = gitSyncOf(props);
  return [
    { name: 'config', configMap: { name: chartObjects(props).configMap } },
    ...scratchVolumes(props).volumes,
    ...(gitSync ? [{ name: DAGS_VOLUME, emptyDir: { sizeLimit: props.storage.dags } }] : []),
    { name: DAG_PROFILES_CONFIGMAP, configMap: { name: DAG_PROFILES_CONFIGMAP } },
  ];
}

/** A worker pod as the executor reads a template file: a v1 Pod. */
export type WorkerPod = {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
};

/** The complete worker pod of a profile: what the chart's own pod template provides, made restricted. */
export function podTemplate(props: AirflowWorkersProps, profileName: string, chartLabels: Record<string, string>): WorkerPod {
  const pool = props.compute.profiles[profileName].pool;
  const tolerations = poolTolerations(props, pool);
  const gitSync = gitSyncOf(props);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `airflow-worker-${profileName}`, namespace: props.namespace, labels: workerLabels(chartLabels, props, profileName) },
    spec: {
      restartPolicy: 'Never',
      // its token is not mounted (automountServiceAccountToken: false on the ServiceAccount, where
      // the executor's merge cannot drop it) and it is bound to no role
      serviceAccountName: workerServiceAccount(props),
      priorityClassName: workerPriorityClass(props),
      securityContext: podSecurityContext(props),
      nodeSelector: poolSelector(props, pool),
      ...(tolerations.length > 0 ? { tolerations } : {}),
      ...(gitSync ? { initContainers: [gitSyncInitContainer(gitSync)] } : {}),
      containers: [baseContainer(props, profileName)],
      volumes: podVolumes(props),
    },
  };
}

/**
 * The `pod_override` fragment of a profile (camelCase V1Pod dict). Airflow merges it onto the
 * default pod: the container `base` is matched by position, its `resources` are replaced whole, and
 * so are the pod's `nodeSelector` and `tolerations`, so all three are complete here; labels merge.
 * No env, volumes or mounts: lists are appended, and the default pod already has every one.
 */
export function podOverride(props: AirflowWorkersProps, profileName: string) {
  const profile = props.compute.profiles[profileName];
  const tolerations = poolTolerations(props, profile.pool);
  return {
    metadata: { labels: { [PROFILE_LABEL]: profileName } },
    spec: {
      containers: [{ name: BASE_CONTAINER, resources: resourcesOf(profile, props) }],
      nodeSelector: poolSelector(props, profile.pool),
      ...(tolerations.length > 0 ? { tolerations } : {}),
    },
  };
}
