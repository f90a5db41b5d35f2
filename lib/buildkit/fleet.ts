// Per-architecture values derived once from the buildkit section and shared with every consumer
// (manifests, haproxy.cfg, KEDA, Karpenter, alerts, rules). Nothing else recomputes them.
import type { Architecture, AwsInstanceType, BuildkitConfig } from '../config/sections/buildkit';
import { GiB, cpuCores, memoryBytes } from '../config/quantity';
import { BUILDKITD, NODE_POOL } from './common';

const MiB = 2 ** 20;

/** One build per BuildKit pod: HAProxy's maxconn per server and KEDA's target per pod. */
export const BUILDS_PER_POD = 1;

/** buildkitd's conventional gRPC port; each arch's HAProxy frontend listens on it + the arch's index. */
export const BUILDKIT_PORT = 1234;

export interface NodeSizing {
  /** What EC2 sells: vCPU and memory of the instance type. */
  capacity: { cpu: number; memory: number };
  /** Memory Karpenter plans a node with (bytes): see plannedMemory. */
  planned: number;
  /** kube-reserved by the EKS formula (cores, bytes). */
  kubeReserved: { cpu: number; memory: number };
  /** Kubelet hard eviction threshold on memory (bytes). */
  eviction: number;
  /** What Karpenter and the scheduler agree on: vCPU and planned memory, less kube-reserved and (memory) eviction. */
  allocatable: { cpu: number; memory: number };
  /** Allocatable minus the DaemonSets' requests: what BuildKit pods may share. */
  free: { cpu: number; memory: number };
}

export interface CacheBudget {
  /** Size of the RAID0 array of the instance store (bytes). */
  disk: number;
  /** GC limits of one pod, whole GiB. */
  maxUsedGiB: number;
  reservedGiB: number;
  /** Free space every pod's GC defends on the shared array. */
  minFreeGiB: number;
}

export interface ArchFleet {
  arch: string;
  /**
   * Name of this arch's Deployment, Services, ConfigMap, ScaledObject and HAProxy frontend and
   * backend: the `proxy` label KEDA and the alerts select on.
   */
  name: string;
  /** server-template slots: never fewer than the most pods this arch can have. */
  slots: number;
  min: number;
  max: number;
  /** Fixed replicas without autoscaling; KEDA fallback with it (when set). */
  replicas?: number;
  /** Position in buildkit.architectures (for field paths in problems). */
  index: number;
  /** The most pods this arch can run: max, or the fixed replicas when higher. */
  peakPods: number;
  /** Name of the Karpenter NodePool and EC2NodeClass. */
  nodePool: string;
  instanceType: string;
  instance: AwsInstanceType;
  podsPerNode: number;
  node: NodeSizing;
  /** Guaranteed pod resources: whole cores and whole GiB. */
  pod: { cpu: number; memoryGiB: number };
  /** NodePool node cap and the cpu / memory limits it gives. */
  maxNodes: number;
  limits: { cpu: number; memory: number };
  cache: CacheBudget;
  /** HAProxy port of this arch's frontend. */
  lbPort: number;
}

/**
 * EKS kube-reserved for an instance (the formula of the EKS AMIs and Karpenter):
 * memory 255 MiB + 11 MiB per pod the kubelet allows; CPU 6 % of the first core, 1 % of the
 * second, 0.5 % of cores 3 and 4, 0.25 % of every core above 4.
 */
export function kubeReserved(vcpu: number, maxPods: number): { cpu: number; memory: number } {
  const tiers: [cores: number, share: number][] = [[1, 0.06], [1, 0.01], [2, 0.005], [Infinity, 0.0025]];
  let left = vcpu;
  let milli = 0;
  for (const [cores, share] of tiers) {
    const n = Math.min(left, cores);
    milli += n * share * 1000;
    left -= n;
  }
  return { cpu: Math.round(milli) / 1000, memory: (255 + 11 * maxPods) * MiB };
}

/** Memory of a Graviton instance Karpenter leaves out (the kernel's CMA reservation), MiB. */
const GRAVITON_CMA_MIB = 64;

/**
 * The memory Karpenter plans an instance with (karpenter-provider-aws, instancetype memory()):
 * EC2's MiB, less 64 MiB CMA on Graviton, less ceil(that x vmMemoryOverheadPercent) MiB for the
 * hypervisor. Karpenter packs pods, and launches nodes, on this number; the kubelet reports at
 * least as much while the setting covers the real VM overhead, so pods sized on it fit both.
 */
export function plannedMemory(b: BuildkitConfig, instance: AwsInstanceType): number {
  const mib = Math.floor(memoryBytes(instance.memory) / MiB) - (instance.arch === 'arm64' ? GRAVITON_CMA_MIB : 0);
  return (mib - Math.ceil(mib * b.karpenter.vmMemoryOverheadPercent)) * MiB;
}

export function nodeSizing(b: BuildkitConfig, instance: AwsInstanceType): NodeSizing {
  const capacity = { cpu: instance.vcpu, memory: memoryBytes(instance.memory) };
  const planned = plannedMemory(b, instance);
  const reserved = kubeReserved(instance.vcpu, instance.maxPods);
  const eviction = memoryBytes(b.kubelet.evictionHard['memory.available']);
  const allocatable = { cpu: capacity.cpu - reserved.cpu, memory: planned - reserved.memory - eviction };
  const overhead = b.sizing.daemonsetOverhead;
  const free = { cpu: allocatable.cpu - cpuCores(overhead.cpu), memory: allocatable.memory - memoryBytes(overhead.memory) };
  return { capacity, planned, kubeReserved: reserved, eviction, allocatable, free };
}

/** One pod's share of the node: free resources x safety factor / pods per node, rounded down to whole cores and GiB. */
export function podSize(b: BuildkitConfig, node: NodeSizing, podsPerNode: number): { cpu: number; memoryGiB: number } {
  const share = (x: number) => (x * b.sizing.safetyFactor) / podsPerNode;
  // the epsilon keeps 44.9999999 (float noise) from losing a whole core
  return { cpu: Math.floor(share(node.free.cpu) + 1e-9), memoryGiB: Math.floor(share(node.free.memory) / GiB + 1e-9) };
}

/**
 * BuildKit GC limits of one pod. The instance store is one RAID0 array shared by the node's pods,
 * containerd and the kubelet: `freePercent` of it stays free, the rest is split between the pods.
 */
export function cacheBudget(b: BuildkitConfig, instance: AwsInstanceType, podsPerNode: number): CacheBudget {
  const disk = instance.nvme.disks * instance.nvme.sizeGB * 1e9;
  const minFree = (disk * b.cache.freePercent) / 100;
  const maxUsedGiB = Math.floor((disk - minFree) / podsPerNode / GiB);
  return {
    disk,
    maxUsedGiB,
    reservedGiB: Math.floor((maxUsedGiB * b.cache.reservedPercent) / 100),
    minFreeGiB: Math.ceil(minFree / GiB),
  };
}

/**
 * Nodes the NodePool may run: enough for the most pods this arch can have, plus the disruption
 * budget's nodes so Karpenter can start replacements while it drains (drift, expiry):
 * maxNodes = ceil(peakPods / podsPerNode) + disruptionBudgetNodes, unless pinned in the config.
 */
export function nodesFor(b: BuildkitConfig, a: Architecture, peakPods: number): number {
  return a.maxNodes ?? Math.ceil(peakPods / a.podsPerNode) + b.karpenter.disruptionBudgetNodes;
}

export const peakPodsOf = (a: Architecture): number => Math.max(a.max, a.replicas ?? 0);

/** server-template slots of an arch; known without its instance type, so the rules can sum them for every arch. */
export const slotsOf = (a: Architecture): number => a.slots ?? peakPodsOf(a);

/**
 * Everything derived for buildkit.architectures[index], or undefined when its instance type is
 * not in buildkit.instanceTypes (the rules report that; fleet() refuses it).
 */
export function archFleet(b: BuildkitConfig, index: number): ArchFleet | undefined {
  const a = b.architectures[index];
  if (!Object.hasOwn(b.instanceTypes, a.instanceType)) return undefined;
  const instance = b.instanceTypes[a.instanceType];
  const node = nodeSizing(b, instance);
  const peakPods = peakPodsOf(a);
  const maxNodes = nodesFor(b, a, peakPods);
  return {
    arch: a.arch,
    name: `${BUILDKITD}-${a.arch}`,
    slots: slotsOf(a),
    min: a.min,
    max: a.max,
    replicas: a.replicas,
    index,
    peakPods,
    nodePool: `${NODE_POOL}-${a.arch}`,
    instanceType: a.instanceType,
    instance,
    podsPerNode: a.podsPerNode,
    node,
    pod: podSize(b, node, a.podsPerNode),
    maxNodes,
    limits: { cpu: maxNodes * node.capacity.cpu, memory: maxNodes * node.capacity.memory },
    cache: cacheBudget(b, instance, a.podsPerNode),
    lbPort: BUILDKIT_PORT + index,
  };
}

export function fleet(b: BuildkitConfig): ArchFleet[] {
  return b.architectures.map((a, index) => {
    const f = archFleet(b, index);
    if (!f) throw new Error(`buildkit.architectures[${index}].instanceType: unknown instance type ${a.instanceType}`);
    return f;
  });
}

/** Seconds a BuildKit pod may take to stop: a build may run up to `timeout server`, plus the drain slack. */
export const podGraceSeconds = (b: BuildkitConfig): number => b.haproxy.timeoutServerMinutes * 60 + b.drain.slackSeconds;
