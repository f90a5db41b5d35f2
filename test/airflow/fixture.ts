// A small AirflowWorkers props object written by hand, as a library user would (the section through
// its schema for the defaults, the compute inputs directly): two profiles on one tainted, autoscaled
// pool, a normal and a heavy workload. Small on purpose: the per-construct snapshots stay readable.
import type { AirflowComputeInputs, AirflowSectionInput, AirflowWorkersProps } from '../../lib/airflow';
import { airflowSection } from '../../lib/airflow/props';

export const section: AirflowSectionInput = {
  namespace: 'airflow',
  image: 'apache/airflow:2.10.5-python3.11',
  user: { uid: 50000, gid: 0 },
  helm: { release: 'airflow', metadataSecret: 'airflow-metadata', chartVersion: '1.15.0' },
  factors: ['calibration', 'n_features'],
  heavyFactors: ['n_features'],
  factorWorkloads: { normal: 'ftf-normal', heavy: 'ftf-heavy' },
  retry: { retries: 1, retryDelaySeconds: 60, exponentialBackoff: true, maxRetryDelaySeconds: 300 },
  preflightMemoryFraction: 0.7,
  forkSafetyEnv: { GRPC_ENABLE_FORK_SUPPORT: '1', GRPC_POLL_STRATEGY: 'poll' },
  remoteLogging: { bucket: 'ml-logs' },
  dags: { delivery: 'gitSync', gitSync: { repo: 'https://git.example.com/ml/dags.git', hosts: ['git.example.com'], subPath: 'dags' } },
  scheduling: { taskQueuedTimeoutSeconds: 1800 },
  egress: {
    dns: { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' }, port: 53 },
    postgres: { cidrs: ['172.16.4.0/24'], port: 5432 },
    mlflow: { namespace: 'mlflow', podLabels: { app: 'mlflow' }, port: 5000 },
    redis: { namespace: 'redis', port: 6379 },
    statsd: { namespace: 'airflow', podLabels: { tier: 'airflow', component: 'statsd', release: 'airflow' }, port: 9125, protocol: 'UDP' },
    s3: { hosts: ['s3.fr-par.scw.cloud'], port: 443 },
    exchangeApi: { hosts: ['*.exchange.example.com'], port: 443 },
  },
};

export const compute: AirflowComputeInputs = {
  poolLabel: 'example.com/pool',
  nodeTypes: { 'M-32': { memory: '32Gi' } },
  pools: {
    platform: { nodeType: 'M-32', min: 1, max: 1, taints: [] },
    workers: { nodeType: 'M-32', min: 0, max: 3, scaleUpMinutes: 5, taints: [{ key: 'example.com/workers', value: 'true', effect: 'NoSchedule' }] },
  },
  profiles: {
    standard: { pool: 'workers', requests: { cpu: '2', memory: '8Gi' }, limits: { cpu: '4', memory: '12Gi' } },
    heavy: { pool: 'workers', requests: { cpu: '6', memory: '24Gi' }, limits: { cpu: '8', memory: '28Gi' } },
  },
  workloads: {
    'ftf-normal': { profile: 'standard', podsPerRun: 2, maxActiveRuns: 2, pods: 4, exclusiveWith: ['ftf-heavy'] },
    'ftf-heavy': { profile: 'heavy', podsPerRun: 1, maxActiveRuns: 1, pods: 1, exclusiveWith: ['ftf-normal'] },
  },
  platformPool: 'platform',
};

/** Fresh props (a deep copy, free to modify). */
export const props = (): AirflowWorkersProps =>
  structuredClone({ ...airflowSection.parse(section), cluster: 'example', compute, monitoringNamespace: 'monitoring' });
