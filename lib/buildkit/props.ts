// The props of the BuildKit farm (SPEC 1.2, 1.3 and 3), declared once as a zod schema: the
// cluster file's `buildkit` section is this schema, the TypeScript types are inferred from it, the
// editors' JSON Schema is generated from it and the BuildkitFarm construct validates its props with
// it. Architectures are a list: every per-arch object is generated from it, never copy-pasted.
// Loaded lazily (the construct and the YAML layer require it only when they validate): importing
// the farm does not load zod.
import { z } from 'zod';
import { cpuQuantity, nodeMemory, podMemory, resources } from '../core/fields';
import { GO_DURATION } from '../core/quantity';

/**
 * Where the EKS AMIs (nodeadm's setup-local-disks) mount the RAID0 array that the EC2NodeClass's
 * `instanceStorePolicy: RAID0` asks for. The cache must live below it: any other host path would
 * fill the root volume, or mount a system folder (/, /etc, /var/lib/kubelet) into privileged pods.
 */
export const INSTANCE_STORE_MOUNT = '/mnt/k8s-disks/0';

const cacheHostPathRule = `must be a folder below the instance-store mount ${INSTANCE_STORE_MOUNT}/ (e.g. ${INSTANCE_STORE_MOUNT}/buildkit), written without "..", "." or "//"`;
const cacheHostPath = z
  .string()
  .regex(new RegExp(`^${INSTANCE_STORE_MOUNT.replace(/[/.]/g, '\\$&')}(/[\\w.-]+)+$`), cacheHostPathRule)
  .refine((p) => !p.split('/').some((seg) => seg === '..' || seg === '.'), cacheHostPathRule);

const duration = z.string().regex(GO_DURATION, 'must be a duration such as 5m, 3h or 720h').refine((s) => s !== '', 'must not be empty');

/**
 * An image pinned by tag AND digest (`moby/buildkit:v0.29.0@sha256:<64 hex>`): the tag says what
 * it is in a review, the digest makes the node pull exactly that (a tag can be moved).
 */
const pinnedByDigest = z
  .string()
  .regex(/^[^\s@]+:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}@sha256:[0-9a-f]{64}$/,
    'must be pinned by tag and digest, e.g. moby/buildkit:v0.29.0@sha256:<64 hex digits> (`docker buildx imagetools inspect <image:tag>` prints the digest)')
  .refine((i) => !/:latest@/.test(i), 'must name a version tag, not latest');

/**
 * IP family of the farm's pods and Services: an EKS cluster is IPv4 or IPv6 (upstream's is IPv6),
 * dual for clusters whose pods have both. Drives HAProxy's binds and resolver preference, the
 * buildkitd and gate listeners, the Services' ipFamilies and the nodes' IMDS endpoint.
 */
export const ipFamily = z.enum(['ipv4', 'ipv6', 'dual']);

/** The CPU architectures the farm can run (Kubernetes' kubernetes.io/arch values of EC2). */
const cpuArch = z.enum(['amd64', 'arm64']);

export const awsInstanceType = z.strictObject({
  arch: cpuArch,
  vcpu: z.number().int().positive(),
  memory: nodeMemory,
  maxPods: z.number().int().positive().describe('Max pods the kubelet is configured with; feeds the EKS kubelet-reserved memory formula.'),
  nvme: z.strictObject({ disks: z.number().int().positive(), sizeGB: z.number().positive() }).describe('Local NVMe instance store used for the BuildKit cache.'),
});

export const architecture = z.strictObject({
  arch: cpuArch,
  instanceType: z.string(),
  podsPerNode: z.number().int().positive(),
  replicas: z.number().int().positive().optional().describe('Fixed fleet size without autoscaling; with autoscaling, the KEDA fallback when set.'),
  min: z.number().int().nonnegative().describe('Fewest pods; at least 1 (checked): with no pod HAProxy refuses builds instead of queueing them, so KEDA never sees demand.'),
  max: z.number().int().positive(),
  slots: z.number().int().positive().optional().describe('HAProxy server-template slots; derived (every pod the NodePool can hold: maxNodes x podsPerNode) unless pinned here.'),
  maxNodes: z.number().int().positive().optional().describe('NodePool node cap; derived (the most pods plus those that can drain at once, over pods per node) unless pinned here.'),
});

/** The farm's settings: the cluster file's `buildkit` section. */
export const buildkitSettingsSchema = z.strictObject({
  eksCluster: z.string(),
  nodeRole: z.string(),
  kedaVersion: z.string().regex(/^\d+\.\d+(\.\d+)?$/, 'must be a version such as 2.17 or 2.17.1').describe('KEDA version installed in the cluster; the generator refuses features it lacks.'),
  namespaces: z.strictObject({ farm: z.string(), runners: z.string(), keda: z.string() }).describe('Namespaces of the farm, of its build clients and of the KEDA operator; Prometheus is in monitoring.namespace.'),
  clusterDomain: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS domain such as cluster.local').describe('DNS domain of the cluster; HAProxy\'s resolvers need fully qualified Service names.'),
  images: z.strictObject({
    buildkit: pinnedByDigest,
    haproxy: pinnedByDigest.describe('HAProxy: the load balancer and each BuildKit pod\'s gate.'),
    kubectl: pinnedByDigest.describe('An image with sh, awk and kubectl (e.g. alpine/kubectl): the BuildKit pods\' deletion-cost sidecar.'),
  }),
  ipFamily: ipFamily.describe('ipv4, ipv6 (e.g. an IPv6 EKS cluster) or dual: the address family of pods, Services, binds and IMDS.'),
  amiAlias: z.string().regex(/^[a-z0-9]+@v\d+$/, 'must be a pinned alias such as al2023@v20251112, not @latest').describe('Pinned EKS AMI alias, e.g. al2023@v20251112 (never @latest).'),
  autoscaling: z.strictObject({
    enabled: z.boolean(),
    scaleDownHoldMinutes: z.number().int().positive().describe('How long idle pods are kept: the HPA scale-down stabilization window and policy period (at most 30: the HPA API caps periodSeconds at 1800).'),
    scaleDownPods: z.number().int().positive().describe('Most pods, and most percent of the fleet, removed per hold period (the larger wins).'),
    scaleDownPercent: z.number().int().positive().max(100),
    fallbackFailureThreshold: z.number().int().positive().describe('Failed metric reads in a row before KEDA switches to the fallback replicas.'),
  }),
  sizing: z.strictObject({
    daemonsetOverhead: z.strictObject({ cpu: cpuQuantity, memory: podMemory }).describe('Requests of the DaemonSets on every node (CNI, kube-proxy, log and metrics agents).'),
    safetyFactor: z.number().gt(0).max(1).describe('Fraction of what is left that BuildKit pods may take.'),
  }),
  kubelet: z.strictObject({
    evictionHard: z.strictObject({
      'memory.available': podMemory,
      'nodefs.available': z.string().regex(/^\d+%$/, 'must be a percentage such as 10%'),
      'nodefs.inodesFree': z.string().regex(/^\d+%$/, 'must be a percentage such as 5%'),
      'imagefs.available': z.string().regex(/^\d+%$/, 'must be a percentage such as 15%'),
    }).describe('Hard eviction thresholds (the whole map replaces the kubelet default, so list every signal).'),
  }).describe('Kubelet settings written to the EC2NodeClass; the pod sizing uses the same numbers.'),
  haproxy: z.strictObject({
    replicas: z.number().int().positive(),
    maxConnections: z.number().int().positive().describe('Global maxconn: builds in flight plus queued ones plus scrapes.'),
    resources,
    timeoutConnectSeconds: z.number().int().positive(),
    timeoutClientMinutes: z.number().int().positive(),
    timeoutServerMinutes: z.number().int().positive(),
    timeoutQueueSeconds: z.number().int().positive().describe('Longest wait of a build for a free pod; must stay below clientConnectTimeoutSeconds.'),
    clientConnectTimeoutSeconds: z.number().int().positive().describe('How long the BuildKit client (buildctl, buildx) waits for its connection before it gives up; timeout queue must be below it, so a build that gets no pod is refused by HAProxy rather than abandoned by the client.'),
  }),
  drain: z.strictObject({
    settleSeconds: z.number().int().positive().describe('Wait before watching connections, so HAProxy\'s DNS has dropped the pod and routes no new build to it.'),
    pollSeconds: z.number().int().positive().describe('Interval between two looks at the open build connections.'),
    slackSeconds: z.number().int().positive().describe('Time beyond `timeout server` the pod gets to drain.'),
  }).describe('preStop drain of a BuildKit pod; its grace period is HAProxy\'s `timeout server` + slackSeconds.'),
  cache: z.strictObject({
    hostPath: cacheHostPath.describe('Host directory on the RAID0 array; each pod uses its own sub-directory.'),
    freePercent: z.number().int().positive().lt(100).describe('Share of the array BuildKit GC keeps free for images, pod logs and emptyDirs.'),
    reservedPercent: z.number().int().nonnegative().lt(100).describe('Share of a pod\'s cache budget GC never collects (warm base layers).'),
  }).describe('BuildKit cache on the instance store (RAID0 of the NVMe disks, shared by the pods of a node).'),
  karpenter: z.strictObject({
    nodeLabel: z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9_.-]+$/, 'must be a label key such as example.com/pool').describe('Node label and NoSchedule taint key of the BuildKit NodePools (value: the NodePool name).'),
    expireAfter: z.union([z.literal('Never'), duration]).describe('Forced node expiry, or Never (nodes then rotate through drift, e.g. an amiAlias bump). Expiry ignores disruption budgets: every node of a fleet launched together expires at once, so a duration needs limits for twice the nodes (checked).'),
    terminationGracePeriod: duration.describe('Upper bound of a node drain; must cover the pods\' grace period.'),
    consolidateAfter: duration,
    disruptionBudgetNodes: z.number().int().positive().describe('Nodes Karpenter may disrupt at once; also the NodePool\'s headroom for replacements.'),
    rootVolume: z.string().regex(/^[1-9]\d*Gi$/, 'must be whole GiB such as 100Gi')
      .refine((v) => parseInt(v, 10) <= 59000, 'must be at most 59000Gi (the EC2NodeClass CRD\'s bound on ebs.volumeSize in Gi)'),
    vmMemoryOverheadPercent: z.number().gte(0).lt(1).describe('The Karpenter controller\'s VM_MEMORY_OVERHEAD_PERCENT (Helm settings.vmMemoryOverheadPercent, default 0.075): the share of an instance\'s memory Karpenter assumes the hypervisor keeps. Must match the controller: the pods are sized on the memory Karpenter plans with.'),
  }),
  serviceMonitorLabels: z.record(z.string(), z.string()).describe('Labels Prometheus selects ServiceMonitors by (e.g. kube-prometheus-stack\'s release).'),
  instanceTypes: z.record(z.string(), awsInstanceType),
  architectures: z.array(architecture).min(1),
});

/**
 * BuildkitFarm's props: the settings plus the inputs that come from elsewhere in a cluster, each a
 * named field (the YAML layer fills them from the cluster's name and its monitoring section).
 */
export const buildkitFarmPropsSchema = buildkitSettingsSchema.extend({
  cluster: z.string().min(1).describe('Cluster name, written in the header of the generated files (haproxy.cfg, gate.cfg, buildkitd.toml).'),
  monitoringNamespace: z.string().min(1).describe('Namespace of Prometheus: the ServiceMonitors go there and the NetworkPolicies let it scrape.'),
});

/** The farm's settings (the cluster file's `buildkit` section), as the rules and fleet() read them. */
export type BuildkitSettings = z.infer<typeof buildkitSettingsSchema>;
/**
 * Props of BuildkitFarm: its settings (every field documented in the schema's `.describe()`, no
 * field has a default) plus `cluster` and `monitoringNamespace`.
 */
export type BuildkitFarmProps = z.input<typeof buildkitFarmPropsSchema>;
export type Architecture = z.infer<typeof architecture>;
export type AwsInstanceType = z.infer<typeof awsInstanceType>;
export type IpFamily = z.infer<typeof ipFamily>;
