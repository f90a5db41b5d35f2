// The BuildKit build farm on EKS (SPEC 1.2, 1.3 and 3). Architectures are a list: every
// per-arch object is generated from it, never copy-pasted.
import { z } from 'zod';
import { cpuQuantity, memoryQuantity } from '../quantity';

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
});

export const buildkitSection = z.strictObject({
  eksCluster: z.string(),
  nodeRole: z.string(),
  /** KEDA version installed in the cluster; the generator refuses features it lacks. */
  kedaVersion: z.string().regex(/^\d+\.\d+(\.\d+)?$/, 'must be a version such as 2.17 or 2.17.1'),
  namespaces: z.strictObject({ farm: z.string(), runners: z.string(), monitoring: z.string() }),
  images: z.strictObject({ buildkit: z.string(), haproxy: z.string() }),
  /** Pinned EKS AMI alias, e.g. al2023@v20251112 (never @latest). */
  amiAlias: z.string().regex(/^[a-z0-9]+@v\d+$/, 'must be a pinned alias such as al2023@v20251112, not @latest'),
  autoscaling: z.strictObject({ enabled: z.boolean() }),
  sizing: z.strictObject({
    /** Requests of the DaemonSets on every node (CNI, kube-proxy, log and metrics agents). */
    daemonsetOverhead: z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity }),
    /** Fraction of what is left that BuildKit pods may take. */
    safetyFactor: z.number().gt(0).max(1),
  }),
  haproxy: z.strictObject({
    replicas: z.number().int().positive(),
    timeoutConnectSeconds: z.number().int().positive(),
    timeoutClientMinutes: z.number().int().positive(),
    timeoutServerMinutes: z.number().int().positive(),
    timeoutQueueSeconds: z.number().int().positive(),
  }),
  /** Extra time a draining BuildKit pod gets beyond HAProxy's `timeout server`. */
  drainSlackSeconds: z.number().int().positive(),
  instanceTypes: z.record(z.string(), awsInstanceType),
  architectures: z.array(architecture).min(1),
});

export type BuildkitConfig = z.infer<typeof buildkitSection>;
export type Architecture = z.infer<typeof architecture>;
export type AwsInstanceType = z.infer<typeof awsInstanceType>;
