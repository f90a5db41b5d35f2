// profiles.json: the single source of truth DAG code reads (SPEC 2.3), through dag_profiles.py,
// and the ConfigMap that mounts both where the scheduler and the workers import them.
// snake_case for Python readers, except pod_override, which is a camelCase V1Pod dict.
import * as fs from 'fs';
import * as path from 'path';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { addFile, meta } from '../core/chart';
import { generatedFrom, generatedHeader } from '../core/yaml';
import { airflowPools, poolFor, preflightFor, profileForWorkload, TASK_POOL_SLOTS, workloadFor } from './derived';
import { CONTRACT_FILE, DAG_MODULE_FILE, DAG_PROFILES_CONFIGMAP, TEMPLATES_DIR, templateFile } from './names';
import { podOverride } from './pod';
import type { AirflowWorkersProps } from './props';

/** Each factor: heavy or not, the workload it runs as and that workload's profile. */
function factorRoutes(props: AirflowWorkersProps) {
  return Object.fromEntries(
    props.factors.map((factor) => {
      const workload = workloadFor(props, factor);
      return [factor, { heavy: props.heavyFactors.includes(factor), workload, profile: profileForWorkload(props, workload) }];
    }),
  );
}

/** Each profile: its template file, the pod_override that turns the default pod into it, its pre-flight threshold. */
function profileEntries(props: AirflowWorkersProps) {
  return Object.fromEntries(
    Object.keys(props.compute.profiles).map((profile) => [
      profile,
      {
        pod_template_file: `${TEMPLATES_DIR}/${templateFile(profile)}`,
        pod_override: podOverride(props, profile),
        preflight: preflightFor(props, profile),
      },
    ]),
  );
}

/** Each workload: its profile, max_active_runs, Airflow pool and the workloads it must not overlap. */
function workloadEntries(props: AirflowWorkersProps) {
  return Object.fromEntries(
    Object.entries(props.compute.workloads).map(([name, workload]) => [name, {
      profile: workload.profile,
      max_active_runs: workload.maxActiveRuns,
      pool: poolFor(name),
      pool_slots: TASK_POOL_SLOTS,
      exclusive_with: [...workload.exclusiveWith],
    }]),
  );
}

export function profilesContract(props: AirflowWorkersProps) {
  return {
    generated_from: `clusters/${props.cluster}.yaml`,
    heavy_factors: props.heavyFactors,
    // a factor outside `factors`: "normal" routes it like the sizing doc (`name in HEAVY_FACTORS`)
    unknown_factors: props.unknownFactors,
    factor_workloads: { normal: props.factorWorkloads.normal, heavy: props.factorWorkloads.heavy },
    factors: factorRoutes(props),
    profiles: profileEntries(props),
    workloads: workloadEntries(props),
    pools: airflowPools(props),
    retry: {
      retries: props.retry.retries,
      retry_delay_seconds: props.retry.retryDelaySeconds,
      retry_exponential_backoff: props.retry.exponentialBackoff,
      max_retry_delay_seconds: props.retry.maxRetryDelaySeconds,
    },
  };
}

export const renderContract = (props: AirflowWorkersProps): string => `${JSON.stringify(profilesContract(props), null, 2)}\n`;

/** The static Python DAG code imports; read at build time from beside this module (the package ships it). */
export const dagModuleSource = (): string => fs.readFileSync(path.join(__dirname, DAG_MODULE_FILE), 'utf8');

/** profiles.json and dag_profiles.py, as files and as the ConfigMap mounted on the scheduler's and workers' PYTHONPATH. */
export class DagContract extends Construct {
  /** profiles.json, as written. */
  readonly contract: string;
  readonly configMap: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: AirflowWorkersProps) {
    super(scope, id);
    this.contract = renderContract(props);
    const moduleText = generatedHeader(generatedFrom(this)) + dagModuleSource();
    addFile(this, CONTRACT_FILE, this.contract);
    addFile(this, DAG_MODULE_FILE, moduleText);
    this.configMap = new k8s.KubeConfigMap(this, 'configmap', {
      metadata: meta(DAG_PROFILES_CONFIGMAP, DAG_PROFILES_CONFIGMAP, props.namespace),
      data: { [CONTRACT_FILE]: this.contract, [DAG_MODULE_FILE]: moduleText },
    });
  }
}
