// Helm values for the official Apache Airflow chart (SPEC 2.2). Validated in the tests against the
// chart's values.schema.json after Helm's merge with the chart's values.yaml.
//
// `config.kubernetes_executor.pod_template_file` points at the generated templates, so the chart's
// own worker pod template (templates/pod-template-file.kubernetes-helm-yaml, the only reader of
// `workers.*`) never builds a worker: the values set no `workers.*`, and every key they do set has
// a reader in VALUE_CONSUMERS. Workers are protected by the generated templates alone.
import {
  AIRFLOW_HOME, AirflowCluster, COMPONENT, DAG_PROFILES_CONFIGMAP, DAG_PROFILES_DIR, defaultProfile, forkSafetyEnv, imageParts,
  platformPool, POOLS_CONFIGMAP, POOLS_DIR, poolSelector, TEMPLATES_CONFIGMAP, TEMPLATES_DIR, TEMPLATES_VOLUME, templateFile,
  VALUES_FILE, workerImageConfig,
} from './model';
import { containerSecurityContext, gitRef, podSecurityContext } from './pod';

/** The chart's statsd.uid default (the exporter image's user is the non-numeric `nobody`). */
export const CHART_STATSD_UID = 65534;

export const defaultTemplatePath = (c: AirflowCluster): string => `${TEMPLATES_DIR}/${templateFile(defaultProfile(c))}`;

/** The chart these values were validated against, and the install command (from the repository root) that pins it. */
export const CHART = 'apache-airflow/airflow';
export function helmInstallCommand(c: AirflowCluster): string {
  const { helm, namespace } = c.airflow;
  return `helm upgrade --install ${helm.release} ${CHART} --namespace ${namespace} --version ${helm.chartVersion} `
    + `-f dist/${c.name}/${COMPONENT}/${VALUES_FILE}`;
}

export const valuesHeader = (c: AirflowCluster): string =>
  `# Values for ${CHART} ${c.airflow.helm.chartVersion} (airflow.helm.chartVersion); install from the repository root with\n`
  + `#   ${helmInstallCommand(c)}\n`;

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

function gitSyncValues(c: AirflowCluster) {
  const a = c.airflow;
  const g = a.dags.gitSync;
  if (a.dags.delivery !== 'gitSync' || !g) return {};
  const [repository, tag] = [g.image.slice(0, g.image.lastIndexOf(':')), g.image.slice(g.image.lastIndexOf(':') + 1)];
  return {
    images: { gitSync: { repository, tag } },
    dags: {
      gitSync: {
        enabled: true,
        repo: g.repo,
        branch: g.branch,
        rev: g.rev,
        ref: gitRef(a),
        depth: g.depth,
        subPath: g.subPath,
        wait: g.wait,
        period: `${g.wait}s`,
        maxFailures: g.maxFailures,
        uid: g.uid,
        ...(g.credentialsSecret ? { credentialsSecret: g.credentialsSecret } : {}),
        // the sidecars of the scheduler and triggerer, admitted by the restricted namespace
        securityContexts: { container: { runAsUser: g.uid, ...containerSecurityContext(false) } },
      },
    },
  };
}

export function helmValues(c: AirflowCluster) {
  const a = c.airflow;
  const image = imageParts(a.image);
  const podSecurity = podSecurityContext(c);
  const workerImage = workerImageConfig(a);
  const templates = { pod_template_file: defaultTemplatePath(c), ...workerImage };
  const log = a.remoteLogging;
  return {
    executor: 'KubernetesExecutor',
    airflowHome: AIRFLOW_HOME,
    airflowVersion: image.version,
    defaultAirflowRepository: image.repository,
    ...(image.tag ? { defaultAirflowTag: image.tag } : {}),
    ...(image.digest ? { defaultAirflowDigest: image.digest } : {}),
    uid: a.user.uid,
    gid: a.user.gid,
    // the airflow namespace enforces the restricted Pod Security Standard on every chart pod
    securityContexts: { pod: podSecurity, containers: containerSecurityContext(false) },
    nodeSelector: poolSelector(c, platformPool(c.compute)!),
    // managed PostgreSQL: the connection comes from a secret created out of band
    postgresql: { enabled: false },
    data: { metadataSecretName: a.helm.metadataSecret },
    // gRPC fork safety for the chart's own pods (the scheduler's DAG processor forks); workers get it
    // from their templates
    env: forkSafetyEnv(a),
    ...gitSyncValues(c),
    scheduler: {
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
    },
    statsd: {
      securityContexts: {
        pod: { runAsNonRoot: true, runAsUser: CHART_STATSD_UID, seccompProfile: podSecurity.seccompProfile },
      },
    },
    config: {
      core: {
        default_task_retries: a.retry.retries,
        default_task_retry_delay: a.retry.retryDelaySeconds,
        max_task_retry_delay: a.retry.maxRetryDelaySeconds,
      },
      // Airflow 2.10's S3 task handler (amazon provider, in the official image): the log is uploaded
      // when the task ends, before the executor deletes the pod and its emptyDir
      logging: {
        remote_logging: 'True',
        remote_base_log_folder: `s3://${log.bucket}${log.prefix ? `/${log.prefix}` : ''}`,
        remote_log_conn_id: log.connId,
      },
      // a queued task's pod may wait for a 0 -> max scale-up and an image pull (rules.ts checks it)
      scheduler: { task_queued_timeout: a.scheduling.taskQueuedTimeoutSeconds },
      // InfluxDB-style tags on every metric (Airflow >= 2.6), which the StatsD exporter turns into
      // labels: ti.finish then carries dag_id, task_id and state, ti_failures dag_id and task_id
      // (the TaskRetried alert reads both).
      metrics: { statsd_influxdb_enabled: 'True' },
      // the default worker pod is the generated template of the normal factor profile; both section
      // names, since the chart's defaults set both and Airflow < 2.5 reads [kubernetes]
      kubernetes_executor: templates,
      kubernetes: templates,
    },
  };
}
