// Helm values for the official Apache Airflow chart (SPEC 2.2). Validated in the tests against the
// chart's values.schema.json after Helm's merge with the chart's values.yaml.
//
// `config.kubernetes_executor.pod_template_file` points at the generated templates, so the chart's
// own worker pod template (templates/pod-template-file.kubernetes-helm-yaml, the only reader of
// `workers.*`) never builds a worker: the values set no `workers.*`, and every key they do set has
// a reader in VALUE_CONSUMERS. Workers are protected by the generated templates alone.
import { defaultProfile, forkSafetyEnv, imageParts, poolSelector, workerImageConfig } from './derived';
import {
  AIRFLOW_HOME, COMPONENT, DAG_PROFILES_CONFIGMAP, DAG_PROFILES_DIR, POOLS_CONFIGMAP, POOLS_DIR, TEMPLATES_CONFIGMAP, TEMPLATES_DIR,
  TEMPLATES_VOLUME, templateFile, VALUES_FILE,
} from './names';
import { containerSecurityContext, gitRef, gitSyncOf, podSecurityContext } from './pod';
import type { AirflowWorkersProps } from './props';

/** The chart's statsd.uid default (the exporter image's user is the non-numeric `nobody`). */
export const CHART_STATSD_UID = 65534;

export const defaultTemplatePath = (props: AirflowWorkersProps): string => `${TEMPLATES_DIR}/${templateFile(defaultProfile(props))}`;

/** The chart these values were validated against, and the install command (from the repository root) that pins it. */
export const CHART = 'apache-airflow/airflow';
export function helmInstallCommand({ helm, namespace, cluster }: Pick<AirflowWorkersProps, 'helm' | 'namespace' | 'cluster'>): string {
  return `helm upgrade --install ${helm.release} ${CHART} --namespace ${namespace} --version ${helm.chartVersion} `
    + `-f dist/${cluster}/${COMPONENT}/${VALUES_FILE}`;
}

export const valuesHeader = (props: Pick<AirflowWorkersProps, 'helm' | 'namespace' | 'cluster'>): string =>
  `# Values for ${CHART} ${props.helm.chartVersion} (airflow.helm.chartVersion); install from the repository root with\n`
  + `#   ${helmInstallCommand(props)}\n`;

/**
 * Which chart templates read each top-level key the values set (chart/templates/ of apache/airflow).
 * None of them is the worker pod template: a key only that template read would look effective and
 * be ignored. The chart-consumption test checks the emitted keys against this and that template.
 */
export const VALUE_CONSUMERS: Record<string, string[]> = {
  executor: ['configmaps/configmap.yaml ([core] executor)', 'rbac/pod-launcher-role.yaml'],
  airflowHome: ['_helpers.yaml (mount paths of every Airflow container)'],
  airflowVersion: ['_helpers.yaml (version-dependent commands and env)'],
  defaultAirflowRepository: ['_helpers.yaml airflow_image (scheduler, webserver, triggerer, jobs)'],
  defaultAirflowTag: ['_helpers.yaml airflow_image'],
  defaultAirflowDigest: ['_helpers.yaml airflow_image'],
  uid: ['_helpers.yaml airflowPodSecurityContext (every Airflow pod)'],
  gid: ['_helpers.yaml airflowPodSecurityContext'],
  securityContexts: ['_helpers.yaml airflowPodSecurityContext / containerSecurityContext (scheduler, webserver, triggerer, jobs)'],
  nodeSelector: ['scheduler, webserver, triggerer, statsd deployments and the jobs (or <component>.nodeSelector .Values.nodeSelector)'],
  postgresql: ['Chart.yaml dependency condition postgresql.enabled'],
  data: ['_helpers.yaml airflow_metadata_secret (every Airflow container)'],
  env: ['_helpers.yaml custom_airflow_environment (scheduler, webserver, triggerer, jobs)'],
  images: ['_helpers.yaml git_sync_image (the scheduler\'s and triggerer\'s git-sync containers)'],
  dags: ['_helpers.yaml git_sync_container, airflow_dags (scheduler, triggerer, [core] dags_folder)'],
  scheduler: ['scheduler/scheduler-deployment.yaml'],
  statsd: ['statsd/statsd-deployment.yaml'],
  config: ['configmaps/configmap.yaml (airflow.cfg, mounted by every Airflow pod and the generated worker templates)'],
};

/** The chart's git-sync (scheduler and triggerer sidecars) for the same repository the workers clone. */
function gitSyncValues(props: AirflowWorkersProps) {
  const gitSync = gitSyncOf(props);
  if (!gitSync) return {};
  const colon = gitSync.image.lastIndexOf(':');
  return {
    images: { gitSync: { repository: gitSync.image.slice(0, colon), tag: gitSync.image.slice(colon + 1) } },
    dags: {
      gitSync: {
        enabled: true,
        repo: gitSync.repo,
        branch: gitSync.branch,
        rev: gitSync.rev,
        ref: gitRef(gitSync),
        depth: gitSync.depth,
        subPath: gitSync.subPath,
        wait: gitSync.wait,
        period: `${gitSync.wait}s`,
        maxFailures: gitSync.maxFailures,
        uid: gitSync.uid,
        ...(gitSync.credentialsSecret ? { credentialsSecret: gitSync.credentialsSecret } : {}),
        // the sidecars of the scheduler and triggerer, admitted by the restricted namespace
        securityContexts: { container: { runAsUser: gitSync.uid, ...containerSecurityContext(false) } },
      },
    },
  };
}

/** The chart's own pods: the Airflow image and version, the user, restricted security, the platform pool. */
function platformValues(props: AirflowWorkersProps) {
  const image = imageParts(props.image);
  return {
    executor: 'KubernetesExecutor',
    airflowHome: AIRFLOW_HOME,
    airflowVersion: image.version,
    defaultAirflowRepository: image.repository,
    ...(image.tag ? { defaultAirflowTag: image.tag } : {}),
    ...(image.digest ? { defaultAirflowDigest: image.digest } : {}),
    uid: props.user.uid,
    gid: props.user.gid,
    // the airflow namespace enforces the restricted Pod Security Standard on every chart pod
    securityContexts: { pod: podSecurityContext(props), containers: containerSecurityContext(false) },
    nodeSelector: poolSelector(props, props.compute.platformPool!),
    // managed PostgreSQL: the connection comes from a secret created out of band
    postgresql: { enabled: false },
    data: { metadataSecretName: props.helm.metadataSecret },
    // gRPC fork safety for the chart's own pods (the scheduler's DAG processor forks); workers get it
    // from their templates
    env: forkSafetyEnv(props),
  };
}

/** The scheduler mounts the templates, pools.json and dag_profiles, and imports dag_profiles. */
const schedulerValues = () => ({
  extraVolumes: [
    { name: TEMPLATES_VOLUME, configMap: { name: TEMPLATES_CONFIGMAP } },
    { name: POOLS_CONFIGMAP, configMap: { name: POOLS_CONFIGMAP } },
    { name: DAG_PROFILES_CONFIGMAP, configMap: { name: DAG_PROFILES_CONFIGMAP } },
  ],
  // whole-directory mounts (no subPath), so an updated ConfigMap reaches the running scheduler
  extraVolumeMounts: [
    { name: TEMPLATES_VOLUME, mountPath: TEMPLATES_DIR, readOnly: true },
    { name: POOLS_CONFIGMAP, mountPath: POOLS_DIR, readOnly: true },
    { name: DAG_PROFILES_CONFIGMAP, mountPath: DAG_PROFILES_DIR, readOnly: true },
  ],
  // the scheduler parses the DAG files, which `import dag_profiles`
  env: [{ name: 'PYTHONPATH', value: DAG_PROFILES_DIR }],
});

/** airflow.cfg: retries, remote logging, the queued timeout, tagged metrics and the worker pod templates. */
function airflowCfg(props: AirflowWorkersProps) {
  const templates = { pod_template_file: defaultTemplatePath(props), ...workerImageConfig(props) };
  const log = props.remoteLogging;
  return {
    core: {
      default_task_retries: props.retry.retries,
      default_task_retry_delay: props.retry.retryDelaySeconds,
      max_task_retry_delay: props.retry.maxRetryDelaySeconds,
    },
    // Airflow 2.10's S3 task handler (amazon provider, in the official image): the log is uploaded
    // when the task ends, before the executor deletes the pod and its emptyDir
    logging: {
      remote_logging: 'True',
      remote_base_log_folder: `s3://${log.bucket}${log.prefix ? `/${log.prefix}` : ''}`,
      remote_log_conn_id: log.connId,
    },
    // a queued task's pod may wait for a 0 -> max scale-up and an image pull (rules.ts checks it)
    scheduler: { task_queued_timeout: props.scheduling.taskQueuedTimeoutSeconds },
    // InfluxDB-style tags on every metric (Airflow >= 2.6), which the StatsD exporter turns into
    // labels: ti.finish then carries dag_id, task_id and state, ti_failures dag_id and task_id
    // (the TaskRetried alert reads both).
    metrics: { statsd_influxdb_enabled: 'True' },
    // the default worker pod is the generated template of the normal factor profile; both section
    // names, since the chart's defaults set both and Airflow < 2.5 reads [kubernetes]
    kubernetes_executor: templates,
    kubernetes: templates,
  };
}

/** The values file of the official chart: its pods, the git-sync, the scheduler, statsd and airflow.cfg. */
export function helmValues(props: AirflowWorkersProps) {
  return {
    ...platformValues(props),
    ...gitSyncValues(props),
    scheduler: schedulerValues(),
    statsd: {
      securityContexts: {
        pod: { runAsNonRoot: true, runAsUser: CHART_STATSD_UID, seccompProfile: podSecurityContext(props).seccompProfile },
      },
    },
    config: airflowCfg(props),
  };
}
