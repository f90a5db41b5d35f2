// Helm values for the official Apache Airflow chart (SPEC 2.2). Validated in the tests against the
// chart's values.schema.json after Helm's merge with the chart's values.yaml.
import {
  AIRFLOW_HOME, AirflowCluster, defaultProfile, forkSafetyEnv, imageParts, platformPool, POOLS_CONFIGMAP, POOLS_DIR,
  COMPONENT, poolSelector, PROFILE_LABEL, resourcesOf, TEMPLATES_CONFIGMAP, TEMPLATES_DIR, TEMPLATES_VOLUME, templateFile,
  VALUES_FILE, WORKER_LABEL,
} from './model';
import { containerSecurityContext, podSecurityContext, TMP } from './pod';

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

export function helmValues(c: AirflowCluster) {
  const a = c.airflow;
  const image = imageParts(a.image);
  const profile = defaultProfile(c);
  const p = c.compute.profiles[profile];
  const podSecurity = podSecurityContext(c);
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
    ports: { workerLogs: a.workerLogServerPort },
    workers: {
      nodeSelector: poolSelector(c, p.pool),
      resources: resourcesOf(p),
      env: forkSafetyEnv(a),
      labels: { [WORKER_LABEL.key]: WORKER_LABEL.value, [PROFILE_LABEL]: profile },
      securityContexts: { pod: podSecurity, container: containerSecurityContext(true) },
      extraVolumes: [TMP.volume],
      extraVolumeMounts: [TMP.mount],
    },
    scheduler: {
      extraVolumes: [
        { name: TEMPLATES_VOLUME, configMap: { name: TEMPLATES_CONFIGMAP } },
        { name: POOLS_CONFIGMAP, configMap: { name: POOLS_CONFIGMAP } },
      ],
      // whole-directory mounts (no subPath), so an updated ConfigMap reaches the running scheduler
      extraVolumeMounts: [
        { name: TEMPLATES_VOLUME, mountPath: TEMPLATES_DIR, readOnly: true },
        { name: POOLS_CONFIGMAP, mountPath: POOLS_DIR, readOnly: true },
      ],
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
      logging: { worker_log_server_port: a.workerLogServerPort },
      // InfluxDB-style tags on every metric (Airflow >= 2.6), which the StatsD exporter turns into
      // labels: ti.finish then carries dag_id, task_id and state, ti_failures dag_id and task_id
      // (the TaskRetried alert reads both).
      metrics: { statsd_influxdb_enabled: 'True' },
      // the default worker pod is the generated template of the normal factor profile; both section
      // names, since the chart's defaults set both and Airflow < 2.5 reads [kubernetes]
      kubernetes_executor: { pod_template_file: defaultTemplatePath(c) },
      kubernetes: { pod_template_file: defaultTemplatePath(c) },
    },
  };
}
