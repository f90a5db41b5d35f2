// The worker pod of each profile, as Airflow's KubernetesExecutor reads it (SPEC 2): a full v1 Pod
// for `pod_template_file`, and the `pod_override` fragment that turns the default pod into it.
//
// The executor builds a worker as template -> its own dynamic pod (name, labels, annotations, args,
// image, one env var) -> pod_override, and its merge copies a template value only when it is truthy
// (pod_generator.merge_objects of the cncf.kubernetes provider that Airflow 2.10 pins). So nothing
// here relies on a `false` or an empty value surviving: the token is off through the ServiceAccount.
import { ComponentChart, LABEL } from '../core/chart';
import {
  AIRFLOW_HOME, AirflowCluster, chartObjects, DAG_PROFILES_CONFIGMAP, DAG_PROFILES_DIR, DAGS_MOUNT, DAGS_VOLUME,
  GIT_SYNC_LINK, GIT_SYNC_ROOT, poolSelector, poolTolerations, PROFILE_LABEL, resourcesOf, SCRATCH,
  WORKER_LABEL, workerEnv, workerPriorityClass, workerServiceAccount,
} from './model';
import type { AirflowConfig } from '../config/sections/airflow';

/** Restricted Pod Security at pod level; the numeric uid lets the kubelet verify runAsNonRoot. */
export function podSecurityContext(c: AirflowCluster) {
  const { uid, gid } = c.airflow.user;
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
export function scratchVolumes(a: AirflowConfig) {
  const s = a.storage;
  return {
    volumes: [
      { name: 'logs', emptyDir: { sizeLimit: s.logs } },
      { name: 'tmp', emptyDir: { sizeLimit: s.tmp } },
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: s.shm } },
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
export function gitSyncInitContainer(a: AirflowConfig) {
  const g = a.dags.gitSync!;
  const credentials = (v3: string, v4: string) => [
    secretEnv(v3, { name: g.credentialsSecret!, key: v3 }), secretEnv(v4, { name: g.credentialsSecret!, key: v4 }),
  ];
  return {
    name: GIT_SYNC_INIT,
    image: g.image,
    imagePullPolicy: 'IfNotPresent',
    securityContext: { runAsUser: g.uid, ...containerSecurityContext(false) },
    env: [
      ...(g.credentialsSecret
        ? [...credentials('GIT_SYNC_USERNAME', 'GITSYNC_USERNAME'), ...credentials('GIT_SYNC_PASSWORD', 'GITSYNC_PASSWORD')]
        : []),
      { name: 'GIT_SYNC_REV', value: g.rev },
      { name: 'GITSYNC_REF', value: gitRef(a) },
      { name: 'GIT_SYNC_BRANCH', value: g.branch },
      ...gitSyncVar('GIT_SYNC_REPO', 'GITSYNC_REPO', g.repo),
      ...gitSyncVar('GIT_SYNC_DEPTH', 'GITSYNC_DEPTH', String(g.depth)),
      ...gitSyncVar('GIT_SYNC_ROOT', 'GITSYNC_ROOT', GIT_SYNC_ROOT),
      { name: 'GIT_SYNC_DEST', value: GIT_SYNC_LINK },
      { name: 'GITSYNC_LINK', value: GIT_SYNC_LINK },
      ...gitSyncVar('GIT_SYNC_ADD_USER', 'GITSYNC_ADD_USER', 'true'),
      { name: 'GIT_SYNC_WAIT', value: String(g.wait) },
      { name: 'GITSYNC_PERIOD', value: `${g.wait}s` },
      { name: 'GIT_SYNC_MAX_SYNC_FAILURES', value: String(g.maxFailures) },
      { name: 'GITSYNC_MAX_FAILURES', value: String(g.maxFailures) },
      ...gitSyncVar('GIT_SYNC_ONE_TIME', 'GITSYNC_ONE_TIME', 'true'),
    ],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    volumeMounts: [{ name: DAGS_VOLUME, mountPath: GIT_SYNC_ROOT }],
  };
}

/** git-sync v4's single ref: the pinned revision, else the branch head. */
export const gitRef = (a: AirflowConfig): string => {
  const g = a.dags.gitSync!;
  return g.rev === 'HEAD' ? g.branch : g.rev;
};

/**
 * Labels every worker pod carries: the common labels of the component's cdk8s chart (templates are
 * files, so it does not stamp them), ours (NetworkPolicies select WORKER_LABEL) and the Helm chart's worker labels.
 */
export function workerLabels(chart: ComponentChart, c: AirflowCluster, profile: string): Record<string, string> {
  return {
    [LABEL.name]: 'airflow-worker',
    ...chart.labels,
    [WORKER_LABEL.key]: WORKER_LABEL.value,
    [PROFILE_LABEL]: profile,
    tier: 'airflow',
    component: 'worker',
    release: c.airflow.helm.release,
  };
}

/** The complete worker pod of a profile: what the chart's own pod template provides, made restricted. */
export function podTemplate(chart: ComponentChart, c: AirflowCluster, profile: string) {
  const a = c.airflow;
  const p = c.compute.profiles[profile];
  const objects = chartObjects(a);
  const scratch = scratchVolumes(a);
  const gitSync = a.dags.delivery === 'gitSync';
  const tolerations = poolTolerations(c, p.pool);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `airflow-worker-${profile}`, namespace: a.namespace, labels: workerLabels(chart, c, profile) },
    spec: {
      restartPolicy: 'Never',
      // its token is not mounted (automountServiceAccountToken: false on the ServiceAccount, where
      // the executor's merge cannot drop it) and it is bound to no role
      serviceAccountName: workerServiceAccount(a),
      priorityClassName: workerPriorityClass(a),
      securityContext: podSecurityContext(c),
      nodeSelector: poolSelector(c, p.pool),
      ...(tolerations.length > 0 ? { tolerations } : {}),
      ...(gitSync ? { initContainers: [gitSyncInitContainer(a)] } : {}),
      containers: [
        {
          name: BASE_CONTAINER,
          // replaced by the executor's [kubernetes_executor] worker_container_repository:tag (the values pin it to this)
          image: a.image,
          imagePullPolicy: 'IfNotPresent',
          env: [
            ...workerEnv(a),
            // as the chart's template: the task runs in-process, the worker is no executor
            { name: 'AIRFLOW__CORE__EXECUTOR', value: 'LocalExecutor' },
            secretEnv('AIRFLOW__CORE__FERNET_KEY', objects.fernetKeySecret),
            secretEnv('AIRFLOW__DATABASE__SQL_ALCHEMY_CONN', objects.metadataSecret),
            secretEnv('AIRFLOW_CONN_AIRFLOW_DB', objects.metadataSecret),
            secretEnv('AIRFLOW__WEBSERVER__SECRET_KEY', objects.webserverSecretKeySecret),
          ],
          resources: resourcesOf(p, a),
          securityContext: containerSecurityContext(true),
          volumeMounts: [
            { name: 'config', mountPath: `${AIRFLOW_HOME}/airflow.cfg`, subPath: 'airflow.cfg', readOnly: true },
            ...scratch.mounts,
            ...(gitSync ? [{ name: DAGS_VOLUME, mountPath: DAGS_MOUNT, readOnly: true }] : []),
            { name: DAG_PROFILES_CONFIGMAP, mountPath: DAG_PROFILES_DIR, readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: objects.configMap } },
        ...scratch.volumes,
        ...(gitSync ? [{ name: DAGS_VOLUME, emptyDir: { sizeLimit: a.storage.dags } }] : []),
        { name: DAG_PROFILES_CONFIGMAP, configMap: { name: DAG_PROFILES_CONFIGMAP } },
      ],
    },
  };
}

/**
 * The `pod_override` fragment of a profile (camelCase V1Pod dict). Airflow merges it onto the
 * default pod: the container `base` is matched by position, its `resources` are replaced whole, and
 * so are the pod's `nodeSelector` and `tolerations`, so all three are complete here; labels merge.
 * No env, volumes or mounts: lists are appended, and the default pod already has every one.
 */
export function podOverride(c: AirflowCluster, profile: string) {
  const p = c.compute.profiles[profile];
  const tolerations = poolTolerations(c, p.pool);
  return {
    metadata: { labels: { [PROFILE_LABEL]: profile } },
    spec: {
      containers: [{ name: BASE_CONTAINER, resources: resourcesOf(p, c.airflow) }],
      nodeSelector: poolSelector(c, p.pool),
      ...(tolerations.length > 0 ? { tolerations } : {}),
    },
  };
}
