// The worker pod of each profile, as Airflow's KubernetesExecutor reads it (SPEC 2): a full v1 Pod
// for `pod_template_file`, and the `pod_override` fragment that turns the default pod into it.
import { ComponentChart, LABEL } from '../platform/chart';
import {
  AIRFLOW_HOME, AirflowCluster, chartObjects, forkSafetyEnv, poolSelector, PROFILE_LABEL, resourcesOf, WORKER_LABEL,
} from './model';

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

/** Writable scratch space: the root filesystem is read-only, Python's tempfile and MLflow write to /tmp. */
export const TMP = { volume: { name: 'tmp', emptyDir: {} }, mount: { name: 'tmp', mountPath: '/tmp' } };

const secretEnv = (name: string, ref: { name: string; key: string }) => ({ name, valueFrom: { secretKeyRef: ref } });

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
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `airflow-worker-${profile}`, namespace: a.namespace, labels: workerLabels(chart, c, profile) },
    spec: {
      restartPolicy: 'Never',
      // tasks never call the Kubernetes API (their egress does not even allow it)
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(c),
      nodeSelector: poolSelector(c, p.pool),
      containers: [
        {
          name: BASE_CONTAINER,
          image: a.image,
          imagePullPolicy: 'IfNotPresent',
          env: [
            ...forkSafetyEnv(a),
            // as the chart's template: the task runs in-process, the worker is no executor
            { name: 'AIRFLOW__CORE__EXECUTOR', value: 'LocalExecutor' },
            secretEnv('AIRFLOW__CORE__FERNET_KEY', objects.fernetKeySecret),
            secretEnv('AIRFLOW__DATABASE__SQL_ALCHEMY_CONN', objects.metadataSecret),
            secretEnv('AIRFLOW_CONN_AIRFLOW_DB', objects.metadataSecret),
            secretEnv('AIRFLOW__WEBSERVER__SECRET_KEY', objects.webserverSecretKeySecret),
          ],
          resources: resourcesOf(p),
          securityContext: containerSecurityContext(true),
          volumeMounts: [
            { name: 'config', mountPath: `${AIRFLOW_HOME}/airflow.cfg`, subPath: 'airflow.cfg', readOnly: true },
            { name: 'logs', mountPath: `${AIRFLOW_HOME}/logs` },
            TMP.mount,
          ],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: objects.configMap } },
        { name: 'logs', emptyDir: {} },
        TMP.volume,
      ],
    },
  };
}

/**
 * The `pod_override` fragment of a profile (camelCase V1Pod dict). Airflow merges it onto the base
 * pod: the container `base` is matched by position, its `resources` are replaced whole, and so is
 * the pod's `nodeSelector`, so both are complete here; labels merge. No env: lists are appended,
 * and the base pod already carries every variable.
 */
export function podOverride(c: AirflowCluster, profile: string) {
  const p = c.compute.profiles[profile];
  return {
    metadata: { labels: { [PROFILE_LABEL]: profile } },
    spec: {
      containers: [{ name: BASE_CONTAINER, resources: resourcesOf(p) }],
      nodeSelector: poolSelector(c, p.pool),
    },
  };
}
