// The BuildKit build farm on EKS (SPEC 1.2, 1.3 and 3). Architectures are a list: every
// per-arch object is generated from it, never copy-pasted.
import { z } from 'zod';
import { cpuQuantity, memoryQuantity, resources } from '../quantity';

/** Go-style duration as Karpenter takes it: "5m", "3h", "720h", "1h30m". */
const duration = z.string().regex(/^(\d+h)?(\d+m)?(\d+s)?$/, 'must be a duration such as 5m, 3h or 720h').refine((s) => s !== '', 'must not be empty');

export const awsInstanceType = z.strictObject({
  arch: z.enum(['amd64', 'arm64']),
  vcpu: z.number().int().positive(),
  memory: memoryQuantity,
  /** Max pods the kubelet is configured with; feeds the EKS kubelet-reserved memory formula. */
  maxPods: z.number().int().positive(),
  /** Local NVMe instance store used for the BuildKit cache. */
  nvme: z.strictObject({ disks: z.number().int().positive(), sizeGB: z.number().positive() }),
});

export const architecture = z.strictObject({
  arch: z.enum(['amd64', 'arm64']),
  instanceType: z.string(),
  podsPerNode: z.number().int().positive(),
  /** Fixed fleet size without autoscaling; with autoscaling, the KEDA fallback when set. */
  replicas: z.number().int().positive().optional(),
  min: z.number().int().nonnegative(),
  max: z.number().int().positive(),
  /** HAProxy server-template slots; derived (the most pods this arch can have) unless pinned here. */
  slots: z.number().int().positive().optional(),
  /** NodePool node cap; derived from max replicas and pods per node unless pinned here. */
  maxNodes: z.number().int().positive().optional(),
});

export const buildkitSection = z.strictObject({
  eksCluster: z.string(),
  nodeRole: z.string(),
  /** KEDA version installed in the cluster; the generator refuses features it lacks. */
  kedaVersion: z.string().regex(/^\d+\.\d+(\.\d+)?$/, 'must be a version such as 2.17 or 2.17.1'),
  namespaces: z.strictObject({ farm: z.string(), runners: z.string(), monitoring: z.string(), keda: z.string() }),
  /** DNS domain of the cluster; HAProxy's resolvers need fully qualified Service names. */
  clusterDomain: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS domain such as cluster.local'),
  images: z.strictObject({ buildkit: z.string(), haproxy: z.string() }),
  /** Pinned EKS AMI alias, e.g. al2023@v20251112 (never @latest). */
  amiAlias: z.string().regex(/^[a-z0-9]+@v\d+$/, 'must be a pinned alias such as al2023@v20251112, not @latest'),
  autoscaling: z.strictObject({
    enabled: z.boolean(),
    /** How long idle pods are kept: the HPA scale-down stabilization window and policy period. */
    scaleDownHoldMinutes: z.number().int().positive(),
    /** Most pods, and most percent of the fleet, removed per hold period (the larger wins). */
    scaleDownPods: z.number().int().positive(),
    scaleDownPercent: z.number().int().positive().max(100),
    /** Failed metric reads in a row before KEDA switches to the fallback replicas. */
    fallbackFailureThreshold: z.number().int().positive(),
  }),
  sizing: z.strictObject({
    /** Requests of the DaemonSets on every node (CNI, kube-proxy, log and metrics agents). */
    daemonsetOverhead: z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity }),
    /** Fraction of what is left that BuildKit pods may take. */
    safetyFactor: z.number().gt(0).max(1),
  }),
  /** Kubelet settings written to the EC2NodeClass; the pod sizing uses the same numbers. */
  kubelet: z.strictObject({
    /** Hard eviction thresholds (the whole map replaces the kubelet default, so list every signal). */
    evictionHard: z.strictObject({
      'memory.available': memoryQuantity,
      'nodefs.available': z.string().regex(/^\d+%$/, 'must be a percentage such as 10%'),
      'nodefs.inodesFree': z.string().regex(/^\d+%$/, 'must be a percentage such as 5%'),
      'imagefs.available': z.string().regex(/^\d+%$/, 'must be a percentage such as 15%'),
    }),
  }),
  haproxy: z.strictObject({
    replicas: z.number().int().positive(),
    /** Global maxconn: builds in flight plus queued ones plus scrapes. */
    maxConnections: z.number().int().positive(),
    resources,
    timeoutConnectSeconds: z.number().int().positive(),
    timeoutClientMinutes: z.number().int().positive(),
    timeoutServerMinutes: z.number().int().positive(),
    timeoutQueueSeconds: z.number().int().positive(),
  }),
  /** preStop drain of a BuildKit pod; its grace period is HAProxy's `timeout server` + slackSeconds. */
  drain: z.strictObject({
    /** Wait before watching connections, so HAProxy's DNS has dropped the pod and routes no new build to it. */
    settleSeconds: z.number().int().positive(),
    /** Interval between two looks at the open build connections. */
    pollSeconds: z.number().int().positive(),
    /** Time beyond `timeout server` the pod gets to drain. */
    slackSeconds: z.number().int().positive(),
  }),
  /** BuildKit cache on the instance store (RAID0 of the NVMe disks, shared by the pods of a node). */
  cache: z.strictObject({
    /** Host directory on the RAID0 array; each pod uses its own sub-directory. */
    hostPath: z.string().regex(/^\/[^\s]*$/, 'must be an absolute path'),
    /** Share of the array BuildKit GC keeps free for images, pod logs and emptyDirs. */
    freePercent: z.number().int().positive().lt(100),
    /** Share of a pod's cache budget GC never collects (warm base layers). */
    reservedPercent: z.number().int().nonnegative().lt(100),
  }),
  karpenter: z.strictObject({
    /** Node label and NoSchedule taint key of the BuildKit NodePools (value: the NodePool name). */
    nodeLabel: z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9_.-]+$/, 'must be a label key such as example.com/pool'),
    expireAfter: duration,
    /** Upper bound of a node drain; must cover the pods' grace period. */
    terminationGracePeriod: duration,
    consolidateAfter: duration,
    /** Nodes Karpenter may disrupt at once; also the NodePool's headroom for replacements. */
    disruptionBudgetNodes: z.number().int().positive(),
    rootVolume: memoryQuantity,
  }),
  /** Labels Prometheus selects ServiceMonitors by (e.g. kube-prometheus-stack's release). */
  serviceMonitorLabels: z.record(z.string(), z.string()),
  instanceTypes: z.record(z.string(), awsInstanceType),
  architectures: z.array(architecture).min(1),
});

export type BuildkitConfig = z.infer<typeof buildkitSection>;
export type Architecture = z.infer<typeof architecture>;
export type AwsInstanceType = z.infer<typeof awsInstanceType>;
