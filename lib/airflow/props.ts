// The props of the Airflow worker profiles (SPEC 2): the cluster file's `airflow` section (one zod
// schema gives the TypeScript type, the JSON Schema for editors and the shape check), plus the
// inputs the component reads from other sections, as narrow named types. Loaded lazily by the
// construct (only its types are imported eagerly): a warm synth never loads zod.
import { z } from 'zod';
import { dnsLabel, memoryQuantity, pinnedImage } from '../core/fields';

const port = z.number().int().min(1).max(65535);
const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 CIDR such as 10.0.0.0/16');
/** A DNS name, or a Cilium toFQDNs pattern whose `*` stands for one label (e.g. *.s3.fr-par.scw.cloud). */
const fqdn = z.string().regex(/^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/,
  'must be a DNS name such as s3.fr-par.scw.cloud, optionally starting with "*." (one label)');

/** A destination inside the cluster, selected by namespace (and optionally pod labels). */
const inClusterEndpoint = z.strictObject({
  namespace: z.string(),
  podLabels: z.record(z.string(), z.string()).optional(),
  port,
  protocol: z.enum(['TCP', 'UDP']).default('TCP'),
});
/**
 * A destination outside the cluster: by name (`hosts`, a CiliumNetworkPolicy toFQDNs rule) when it
 * has one, else by address (`cidrs`, a plain NetworkPolicy ipBlock), never both.
 */
const externalEndpoint = z.strictObject({
  hosts: z.array(fqdn).default([]).describe('DNS names (Cilium toFQDNs); a leading "*." matches one label.'),
  cidrs: z.array(cidr).default([]).describe('Addresses, only for a peer without a DNS name (e.g. a private network).'),
  port,
  host: z.string().optional().describe('What the endpoint is (or its DNS name, which DependencyDown probes).'),
});

const gitSync = z.strictObject({
  repo: z.string().min(1).describe('Clone URL of the DAG repository (https; the git host must be in `hosts`).'),
  hosts: z.array(fqdn).min(1).describe('DNS names git-sync connects to (HTTPS), for the workers\' egress.'),
  branch: z.string().default('main'),
  rev: z.string().default('HEAD').describe('Commit, tag or HEAD of the branch.'),
  depth: z.number().int().positive().default(1),
  subPath: z.string().default('').describe('Folder of the DAGs inside the repository ("" = its root).'),
  wait: z.number().int().positive().default(60).describe('Seconds between syncs of the scheduler\'s sidecar.'),
  maxFailures: z.number().int().nonnegative().default(0),
  credentialsSecret: z.string().optional().describe('Secret with GIT_SYNC_USERNAME / GIT_SYNC_PASSWORD (and GITSYNC_*), created out of band.'),
  image: pinnedImage.default('registry.k8s.io/git-sync/git-sync:v4.1.0').describe('git-sync image (chart 1.15 default v4.1.0).'),
  uid: z.number().int().positive().default(65533).describe('User git-sync runs as (the chart\'s dags.gitSync.uid default).'),
});

export const airflowSection = z.strictObject({
  namespace: z.string(),
  image: pinnedImage.describe('Image of the worker `base` container and the chart\'s Airflow image. With `dags.delivery: image` it holds the DAGs and must be pinned by digest.'),
  user: z.strictObject({ uid: z.number().int().positive(), gid: z.number().int().nonnegative() }).describe('Numeric user and group the image runs as (the official image: 50000 and group 0).'),
  helm: z.strictObject({
    release: dnsLabel,
    metadataSecret: z.string().describe('Secret holding the managed PostgreSQL connection URI under the key `connection`, created out of band.'),
    chartVersion: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be an exact chart version such as 1.15.0')
      .describe('Version of the official chart (apache-airflow/airflow) the values were validated against; the install command pins it.'),
  }).describe('The official chart\'s release: the chart names its secrets and airflow.cfg ConfigMap after it.'),
  factors: z.array(z.string()).min(1).describe('The FTF factors the source documents name; heavy factors must be among them.'),
  heavyFactors: z.array(z.string()),
  unknownFactors: z.enum(['normal', 'refuse']).default('normal')
    .describe('A factor outside `factors`: "normal" routes it to the normal workload (the sizing doc\'s `name in HEAVY_FACTORS`); "refuse" raises UnknownFactorError at DAG import (a typo guard).'),
  factorWorkloads: z.strictObject({ normal: z.string(), heavy: z.string() }).describe('Workload a normal / heavy factor runs as (its profile and max_active_runs follow).'),
  retry: z.strictObject({
    retries: z.number().int().nonnegative(),
    retryDelaySeconds: z.number().int().positive(),
    exponentialBackoff: z.boolean(),
    maxRetryDelaySeconds: z.number().int().positive(),
  }),
  preflightMemoryFraction: z.number().gt(0).lt(1).describe('A task refuses to train when its estimate exceeds this fraction of a compute node\'s memory.'),
  preflightLimitFraction: z.number().gt(0).lte(1).default(0.8)
    .describe('... or this fraction of its profile\'s memory limit, whichever is lower (default 0.8: room for the interpreter and libraries beside the estimate).'),
  forkSafetyEnv: z.record(z.string(), z.string()).describe('gRPC fork safety (SPEC 2.4): must hold GRPC_ENABLE_FORK_SUPPORT "1" and GRPC_POLL_STRATEGY "poll"; set on every worker pod and for docker-compose.'),
  remoteLogging: z.strictObject({
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
    prefix: z.string().regex(/^[^/].*[^/]$|^$/, 'must not start or end with "/"').default('airflow/logs'),
    connId: z.string().min(1).default('s3_logs').describe('Airflow connection (type aws, `endpoint_url` in extra) the S3 task handler uses, created out of band.'),
  }).describe('Task logs to S3 ([logging] remote_logging): the worker pod and its emptyDir are deleted when the task ends.'),
  dags: z.strictObject({
    delivery: z.enum(['gitSync', 'image']).describe('gitSync: a git-sync init container fills the dags volume of every worker; image: the DAGs are baked into `airflow.image`, pinned by digest.'),
    gitSync: gitSync.optional().describe('Required with delivery gitSync.'),
  }),
  scheduling: z.strictObject({
    taskQueuedTimeoutSeconds: z.number().int().positive()
      .describe('[scheduler] task_queued_timeout: must exceed the worst 0 -> max scale-up of the worker pool plus an image pull.'),
    imagePullMinutes: z.number().positive().default(5).describe('Time to pull the worker image on a fresh node.'),
    priorityClassValue: z.number().int().min(-9).max(1_000_000_000).default(1000)
      .describe('Priority of worker pods (PriorityClass, preemptionPolicy Never). Above -10: the cluster autoscaler ignores lower pods for scale-up.'),
  }),
  storage: z.strictObject({
    tmp: memoryQuantity.default('10Gi').describe('sizeLimit of the /tmp emptyDir (scratch, caches: HOME and XDG dirs live there).'),
    logs: memoryQuantity.default('1Gi').describe('sizeLimit of the task log emptyDir (shipped to S3 at the end).'),
    dags: memoryQuantity.default('1Gi').describe('sizeLimit of the git-sync dags emptyDir.'),
    shm: memoryQuantity.default('2Gi').describe('sizeLimit of the memory-backed /dev/shm (joblib/loky); counts against the memory limit.'),
    containerOverhead: memoryQuantity.default('1Gi').describe('Container logs and writable layer, on top of the emptyDirs, in the ephemeral-storage limit.'),
    request: memoryQuantity.default('1Gi').describe('ephemeral-storage request: the disk the scheduler reserves per pod. The limit (the disk-backed emptyDirs at their sizeLimit + containerOverhead) is what evicts a pod; requesting all of it would keep pods off a node whose disk is smaller than pods x limit.'),
  }).prefault({}).describe('Ephemeral storage of worker pods.'),
  egress: z.strictObject({
    dns: z.strictObject({ namespace: z.string(), podLabels: z.record(z.string(), z.string()), port }),
    postgres: externalEndpoint,
    mlflow: inClusterEndpoint,
    redis: inClusterEndpoint,
    statsd: inClusterEndpoint.describe('The chart\'s StatsD exporter (pods tier=airflow, component=statsd, release=<release>; UDP): task pods send task metrics such as ti.finish to it.'),
    s3: externalEndpoint,
    exchangeApi: externalEndpoint,
  }),
});

/** The `airflow` section as parsed: every documented default applied. */
export type AirflowSection = z.output<typeof airflowSection>;
/** The `airflow` section as a user writes it (defaults optional). */
export type AirflowSectionInput = z.input<typeof airflowSection>;

/** A node taint, as Kubernetes spells it. */
export interface WorkerTaint {
  readonly key: string;
  readonly value: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** CPU and memory quantities, e.g. { cpu: "2", memory: "8Gi" }. */
export interface CpuMemory {
  readonly cpu: string;
  readonly memory: string;
}

/**
 * What the worker profiles read of the compute section (its pools, profiles and workloads), with
 * the two figures the capacity planner owns already resolved per workload. Its paths are the
 * compute section's: a rule on `compute.pools.x` names that field of the cluster file.
 */
export interface AirflowComputeInputs {
  /** Node label that selects a pool (the workers' nodeSelector key). */
  readonly poolLabel: string;
  /** Node types by name: the node memory the pre-flight threshold is a share of. */
  readonly nodeTypes: Readonly<Record<string, { readonly memory: string }>>;
  readonly pools: Readonly<Record<string, {
    readonly nodeType: string;
    /** Nodes always on, and the autoscaler's ceiling: the worst scale-up a queued task waits for. */
    readonly min: number;
    readonly max: number;
    /** Minutes per node added; required for a pool that autoscales (min < max). @default none */
    readonly scaleUpMinutes?: number;
    /** The pool's taints: its pods get exactly the matching tolerations. */
    readonly taints: readonly WorkerTaint[];
  }>>;
  /** Worker profiles by name: one pod template each. */
  readonly profiles: Readonly<Record<string, { readonly pool: string; readonly requests: CpuMemory; readonly limits: CpuMemory }>>;
  /** Workloads by name: one Airflow pool each. */
  readonly workloads: Readonly<Record<string, {
    readonly profile: string;
    readonly podsPerRun: number;
    readonly maxActiveRuns: number;
    /** Pods the workload may run at once, as the capacity plan counts them (its Airflow pool's slots). */
    readonly pods: number;
    /** Workloads that must not run while this one runs, declared on either side, sorted. */
    readonly exclusiveWith: readonly string[];
  }>>;
  /** The pool the scheduler, webserver and triggerer run on (the first pool with role platform). @default none: refused */
  readonly platformPool?: string;
}

/**
 * Props of `AirflowWorkers`: the `airflow` section (as parsed, defaults applied: run a
 * hand-written object through `airflowSection.parse` first) and what it needs from elsewhere.
 */
export interface AirflowWorkersProps extends AirflowSection {
  /** Cluster name: the generated-file headers, `clusters/<name>.yaml` in descriptions and `dist/<name>/` in the install command. */
  readonly cluster: string;
  /** The compute inputs (pools, profiles, workloads). */
  readonly compute: AirflowComputeInputs;
  /** Namespace of the monitoring stack: it may reach MLflow and Redis on any port (exporters, scrapes). */
  readonly monitoringNamespace: string;
}

const taint = z.strictObject({ key: z.string(), value: z.string(), effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']) });
const cpuMemory = z.strictObject({ cpu: z.string(), memory: z.string() });
const computeInputs = z.strictObject({
  poolLabel: z.string(),
  nodeTypes: z.record(z.string(), z.looseObject({ memory: memoryQuantity })),
  pools: z.record(z.string(), z.looseObject({
    nodeType: z.string(), min: z.number().int().nonnegative(), max: z.number().int().positive(),
    scaleUpMinutes: z.number().positive().optional(), taints: z.array(taint),
  })),
  profiles: z.record(z.string(), z.looseObject({ pool: z.string(), requests: cpuMemory, limits: cpuMemory })),
  workloads: z.record(z.string(), z.looseObject({
    profile: z.string(), podsPerRun: z.number().int().positive(), maxActiveRuns: z.number().int().positive(),
    pods: z.number().int().positive(), exclusiveWith: z.array(z.string()),
  })),
  platformPool: z.string().optional(),
});

/** The shape of `AirflowWorkersProps`: the section plus the cross-section inputs. */
export const airflowWorkersSchema = airflowSection.extend({
  cluster: dnsLabel,
  compute: computeInputs,
  monitoringNamespace: z.string(),
});
