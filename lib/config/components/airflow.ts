// Airflow worker profiles for the ML platform (SPEC 2). Enabled by the `airflow` section.
// Outputs under dist/<cluster>/airflow/: a pod template per profile and the ConfigMap bundling
// them, the chart's values-prod.yaml, profiles.json with dag_profiles.py for DAG code (and the
// ConfigMap that mounts both where DAG code imports them), the Airflow pools (pools.json and its
// ConfigMap), docker-compose.env, the workers' ServiceAccount and PriorityClass, and the worker
// NetworkPolicies and CiliumNetworkPolicy.
import * as fs from 'fs';
import * as path from 'path';
import { k8s } from 'cdk8s-plus-28';
import type { Component } from '../component';
import { ConfigError } from '../../core/errors';
import { generatedHeader, toYaml } from '../../core/yaml';
import { K8sObject, validateObject } from '../../pipeline/validate';
import { clusterMeta, ComponentChart, meta } from '../../core/chart';
import { renderContract, renderPools } from '../../airflow/contract';
import {
  AirflowCluster, airflowCluster, CONTRACT_FILE, DAG_MODULE_FILE, DAG_PROFILES_CONFIGMAP, forkSafetyEnv, COMPONENT,
  POOLS_CONFIGMAP, POOLS_FILE, TEMPLATES_CONFIGMAP, templateFile, VALUES_FILE, workerPriorityClass, workerServiceAccount,
} from '../../airflow/model';
import { addNetworkPolicies } from '../../airflow/network';
import { podTemplate } from '../../airflow/pod';
import { checkAirflow } from '../../airflow/rules';
import { helmValues, valuesHeader } from '../../airflow/values';

/** Static Python emitted next to the contract (CONTRACT_FILE); it reads that file at import time. */
const dagModule = (): string => fs.readFileSync(path.join(__dirname, '..', '..', 'airflow', DAG_MODULE_FILE), 'utf8');

/** Each profile's template, validated like every manifest (it is not applied, so render does not see it). */
function renderTemplates(chart: ComponentChart, c: AirflowCluster): Map<string, string> {
  const texts = new Map<string, string>();
  for (const profile of Object.keys(c.compute.profiles)) {
    const pod = podTemplate(chart, c, profile);
    const errors = validateObject(pod as K8sObject, { cache: true });
    if (errors.length > 0)
      throw new ConfigError(errors.map((rule) => ({ cluster: c.name, path: `airflow: pod template ${profile}`, value: 'v1 Pod', rule })));
    texts.set(templateFile(profile), generatedHeader(c.name) + toYaml(pod));
  }
  return texts;
}

export const airflow: Component = {
  name: COMPONENT,
  enabled: (c) => c.airflow !== undefined,
  check: checkAirflow,
  build: (chart: ComponentChart, config) => {
    const c = airflowCluster(config);
    const a = c.airflow;
    const templates = renderTemplates(chart, c);
    for (const [file, text] of templates) chart.file(`pod-templates/${file}`, text);
    new k8s.KubeConfigMap(chart, 'pod-templates', {
      metadata: meta(TEMPLATES_CONFIGMAP, TEMPLATES_CONFIGMAP, a.namespace),
      data: Object.fromEntries(templates),
    });
    chart.file(`${VALUES_FILE}`, generatedHeader(c.name) + valuesHeader(c) + toYaml(helmValues(c)));
    const contract = renderContract(c);
    const moduleText = generatedHeader(c.name) + dagModule();
    chart.file(`${CONTRACT_FILE}`, contract);
    chart.file(DAG_MODULE_FILE, moduleText);
    new k8s.KubeConfigMap(chart, 'dag-profiles', {
      metadata: meta(DAG_PROFILES_CONFIGMAP, DAG_PROFILES_CONFIGMAP, a.namespace),
      data: { [CONTRACT_FILE]: contract, [DAG_MODULE_FILE]: moduleText },
    });
    // No RoleBinding: a task needs nothing from the Kubernetes API, so its identity gets no rights,
    // and no token (set here because the executor's merge drops a pod template's `false`).
    new k8s.KubeServiceAccount(chart, 'worker-service-account', {
      metadata: meta('airflow-worker', workerServiceAccount(a), a.namespace),
      automountServiceAccountToken: false,
    });
    // Never preempts: a pending worker waits for the autoscaler instead of evicting a running
    // task; above the autoscaler's expendable cutoff (-10), so it still triggers a scale-up.
    new k8s.KubePriorityClass(chart, 'worker-priority', {
      metadata: clusterMeta('airflow-worker', workerPriorityClass(a)),
      value: a.scheduling.priorityClassValue,
      preemptionPolicy: 'Never',
      globalDefault: false,
      description: `Airflow worker pods of release ${a.helm.release} (clusters/${c.name}.yaml airflow.scheduling)`,
    });
    const pools = renderPools(c);
    chart.file(`${POOLS_FILE}`, pools);
    new k8s.KubeConfigMap(chart, 'pools', {
      metadata: meta(POOLS_CONFIGMAP, POOLS_CONFIGMAP, a.namespace),
      data: { [POOLS_FILE]: pools },
    });
    chart.file(`docker-compose.env`,
      generatedHeader(c.name) + forkSafetyEnv(a).map((e) => `${e.name}=${e.value}\n`).join(''));
    addNetworkPolicies(chart, c);
  },
};
