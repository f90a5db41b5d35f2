// Airflow worker profiles for the ML platform (SPEC 2): a pod template per profile and the
// ConfigMap bundling them, the chart's values-prod.yaml, profiles.json with dag_profiles.py for DAG
// code (and the ConfigMap that mounts both where DAG code imports them), the Airflow pools
// (pools.json and its ConfigMap), docker-compose.env, the workers' ServiceAccount and
// PriorityClass, and the worker NetworkPolicies and CiliumNetworkPolicy.
import { Construct } from 'constructs';
import { addFile, FileArtifact } from '../core/chart';
import { checkProps } from '../core/props';
import { generatedFrom, generatedHeader, toYaml } from '../core/yaml';
import { DagContract } from './contract';
import {
  defaultProfile, forkSafetyEnv, Preflight, preflightFor, QueuedWait, resourcesOf, WorkerResources, worstQueuedWait,
} from './derived';
import { WorkerIdentity } from './identity';
import { COMPOSE_ENV_FILE, VALUES_FILE } from './names';
import { WorkerNetworkPolicies } from './network';
import { WorkerPodTemplates } from './pod-templates';
import { AirflowPools } from './pools';
import type { AirflowWorkersProps } from './props';
import { validateAirflowWorkers } from './rules';
import { helmValues, valuesHeader } from './values';

const perProfile = <T>(props: AirflowWorkersProps, value: (profile: string) => T): Record<string, T> =>
  Object.fromEntries(Object.keys(props.compute.profiles).map((profile) => [profile, value(profile)]));

/**
 * The Airflow worker profiles of one cluster: everything the official chart's KubernetesExecutor
 * needs to run each task in a pod of its profile, and what DAG code reads to pick one. Refuses
 * props that break a rule (`validateAirflowWorkers`); the props' shape is checked on synth.
 */
export class AirflowWorkers extends Construct {
  /** Each profile's worker container resources (CPU, memory, ephemeral storage), by profile. */
  readonly resources: Readonly<Record<string, WorkerResources>>;
  /** Each profile's pre-flight memory guardrail, by profile. */
  readonly preflight: Readonly<Record<string, Preflight>>;
  /** The longest a queued task may wait for a node (task_queued_timeout must exceed it); none without an autoscaled pool. */
  readonly worstQueuedWait: QueuedWait | undefined;
  /** The profile whose template is the executor's default pod_template_file. */
  readonly defaultProfile: string;
  readonly templates: WorkerPodTemplates;
  /** values-prod.yaml, for the official chart (its header holds the install command). */
  readonly valuesFile: FileArtifact;
  readonly dagContract: DagContract;
  readonly pools: AirflowPools;
  readonly identity: WorkerIdentity;
  readonly network: WorkerNetworkPolicies;

  constructor(scope: Construct, id: string, props: AirflowWorkersProps) {
    super(scope, id);
    checkProps(this, () => (require('./props') as typeof import('./props')).airflowWorkersSchema, props, validateAirflowWorkers);
    this.resources = perProfile(props, (profile) => resourcesOf(props.compute.profiles[profile], props));
    this.preflight = perProfile(props, (profile) => preflightFor(props, profile));
    this.worstQueuedWait = worstQueuedWait(props);
    this.defaultProfile = defaultProfile(props);

    const header = generatedHeader(generatedFrom(this));
    this.templates = new WorkerPodTemplates(this, 'pod-templates', props);
    this.valuesFile = addFile(this, VALUES_FILE, header + valuesHeader(props) + toYaml(helmValues(props)));
    this.dagContract = new DagContract(this, 'dag-contract', props);
    this.identity = new WorkerIdentity(this, 'identity', props);
    this.pools = new AirflowPools(this, 'pools', props);
    addFile(this, COMPOSE_ENV_FILE, header + forkSafetyEnv(props).map((e) => `${e.name}=${e.value}\n`).join(''));
    this.network = new WorkerNetworkPolicies(this, 'network', props);
  }
}
