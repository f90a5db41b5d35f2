// Per-architecture values derived once from the farm's settings and shared with every consumer
// (manifests, haproxy.cfg, KEDA, Karpenter, alerts, rules, the capacity plan). Nothing else
// recomputes them.
import { GiB, cpuCores, memoryBytes } from '../core/quantity';
import { BUILDKITD, NODE_POOL } from './labels';
import type { Architecture, AwsInstanceType, BuildkitSettings } from './props';

const MiB = 2 ** 20;

/** One build per BuildKit pod: HAProxy's maxconn per server and KEDA's target per pod. */
export const BUILDS_PER_POD = 1;

/** buildkitd's conventional gRPC port; each arch's HAProxy frontend listens on it + the arch's index. */
export const BUILDKIT_PORT = 1234;

/**
 * Port of a BuildKit pod's gate: a listener that closes the moment the pod starts terminating, so
 * HAProxy's health check stops sending it builds while the pod keeps its address (and its slot).
 */
export const GATE_PORT = 1240;

/** buildkitd's debug address (pprof and Prometheus /metrics). */
export const DEBUG_PORT = 6060;

/** Pods a Deployment rollout may take down at once (maxSurge 0, maxUnavailable 1) and the PDB allows to evict. */
export const ROLLING_MAX_UNAVAILABLE = 1;
export const PDB_MAX_UNAVAILABLE = 1;

/**
 * Resources of a BuildKit pod's sidecars (requests = limits, for Guaranteed QoS): the gate and the
 * deletion-cost annotator. Small, and taken from the pod's share of the node.
 */
export const SIDECAR_RESOURCES = {
  gate: { cpu: 0.05, memoryMiB: 32 },
  'deletion-cost': { cpu: 0.05, memoryMiB: 96 },
};
const sidecars = Object.values(SIDECAR_RESOURCES);
export const sidecarTotal = {
  cpu: sidecars.reduce((n, r) => n + r.cpu, 0),
  memoryMiB: sidecars.reduce((n, r) => n + r.memoryMiB, 0),
};

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
  /** server-template slots: every pod the NodePool can hold (maxNodes x podsPerNode), >= slotNeed. */
  slots: number;
  /** Pods that can be draining at once (see drainingPods). */
  draining: number;
  /** Slots this arch needs: peakPods + draining, each with its own address in DNS. */
  slotNeed: number;
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
export function plannedMemory(farm: BuildkitSettings, instance: AwsInstanceType): number {
  const mib = Math.floor(memoryBytes(instance.memory) / MiB) - (instance.arch === 'arm64' ? GRAVITON_CMA_MIB : 0);
  return (mib - Math.ceil(mib * farm.karpenter.vmMemoryOverheadPercent)) * MiB;
}

export function nodeSizing(farm: BuildkitSettings, instance: AwsInstanceType): NodeSizing {
  const capacity = { cpu: instance.vcpu, memory: memoryBytes(instance.memory) };
  const planned = plannedMemory(farm, instance);
  const reserved = kubeReserved(instance.vcpu, instance.maxPods);
  const eviction = memoryBytes(farm.kubelet.evictionHard['memory.available']);
  const allocatable = { cpu: capacity.cpu - reserved.cpu, memory: planned - reserved.memory - eviction };
  const overhead = farm.sizing.daemonsetOverhead;
  const free = { cpu: allocatable.cpu - cpuCores(overhead.cpu), memory: allocatable.memory - memoryBytes(overhead.memory) };
  return { capacity, planned, kubeReserved: reserved, eviction, allocatable, free };
}

/**
 * buildkitd's share of the node: free resources x safety factor / pods per node, less the pod's
 * sidecars, rounded down to whole cores and GiB.
 */
export function podSize(farm: BuildkitSettings, node: NodeSizing, podsPerNode: number): { cpu: number; memoryGiB: number } {
  const share = (x: number) => (x * farm.sizing.safetyFactor) / podsPerNode;
  // the epsilon keeps 44.9999999 (float noise) from losing a whole core
  return {
    cpu: Math.floor(share(node.free.cpu) - sidecarTotal.cpu + 1e-9),
    memoryGiB: Math.floor((share(node.free.memory) - sidecarTotal.memoryMiB * MiB) / GiB + 1e-9),
  };
}

/**
 * BuildKit GC limits of one pod. The instance store is one RAID0 array shared by the node's pods,
 * containerd and the kubelet: `freePercent` of it stays free, the rest is split between the pods.
 */
export function cacheBudget(farm: BuildkitSettings, instance: AwsInstanceType, podsPerNode: number): CacheBudget {
  const disk = instance.nvme.disks * instance.nvme.sizeGB * 1e9;
  const minFree = (disk * farm.cache.freePercent) / 100;
  const maxUsedGiB = Math.floor((disk - minFree) / podsPerNode / GiB);
  return {
    disk,
    maxUsedGiB,
    reservedGiB: Math.floor((maxUsedGiB * farm.cache.reservedPercent) / 100),
    minFreeGiB: Math.ceil(minFree / GiB),
  };
}

export const peakPodsOf = (arch: Architecture): number => Math.max(arch.max, arch.replicas ?? 0);

/**
 * Pods the HPA may remove in one scale-down period (KEDA's behavior, keda.ts): the larger of
 * scaleDownPods and scaleDownPercent of the fleet at its max (selectPolicy Max), never below min.
 * 0 without autoscaling.
 */
export function scaleDownStep(farm: BuildkitSettings, arch: Architecture): number {
  if (!farm.autoscaling.enabled) return 0;
  const scaling = farm.autoscaling;
  return Math.min(Math.max(scaling.scaleDownPods, Math.ceil((arch.max * scaling.scaleDownPercent) / 100)), arch.max - arch.min);
}

/**
 * Pods of an arch that can be draining at once, each still holding a build, its node share and its
 * address in DNS while its replacement runs beside it:
 *   draining = max(rolling update maxUnavailable (1), PDB maxUnavailable (1),
 *                  disruptionBudgetNodes x podsPerNode, scale-down step)
 * A node drain (drift; Karpenter starts the replacement node first) drains every pod of the
 * budget's nodes at once. A scale-down removes idle pods first (the deletion-cost sidecar), but
 * its step may exceed the idle pods, and an annotation lags a poll: busy pods removed then drain
 * and can outlast a load that comes back to max. Anything beyond this (a rollout racing ahead of long
 * drains) is held back by the NodePool limits: it waits for room (Pending, no address), never for
 * a slot.
 */
export const drainingPods = (farm: BuildkitSettings, arch: Architecture): number =>
  Math.max(ROLLING_MAX_UNAVAILABLE, PDB_MAX_UNAVAILABLE, farm.karpenter.disruptionBudgetNodes * arch.podsPerNode, scaleDownStep(farm, arch));

/** Addresses an arch can have in DNS at once, each needing its own server-template slot: peakPods + draining. */
export const slotNeedOf = (farm: BuildkitSettings, arch: Architecture): number => peakPodsOf(arch) + drainingPods(farm, arch);

/**
 * Nodes the NodePool may run: room for the most pods plus the pods that can be draining beside
 * their replacements: maxNodes = ceil((peakPods + draining) / podsPerNode), unless pinned.
 */
export const nodesFor = (farm: BuildkitSettings, arch: Architecture): number => arch.maxNodes ?? Math.ceil(slotNeedOf(farm, arch) / arch.podsPerNode);

/**
 * server-template slots: one for every pod the NodePool can hold (maxNodes x podsPerNode), so every
 * address DNS can list, a draining pod's included, has its own slot; unused slots cost nothing.
 * Known without the instance type, so the rules can sum them for every arch.
 */
export const slotsOf = (farm: BuildkitSettings, arch: Architecture): number => arch.slots ?? nodesFor(farm, arch) * arch.podsPerNode;

/**
 * Everything derived for buildkit.architectures[index], or undefined when its instance type is
 * not in buildkit.instanceTypes (the rules report that; fleet() refuses it).
 */
export function archFleet(farm: BuildkitSettings, index: number): ArchFleet | undefined {
  const arch = farm.architectures[index];
  if (!Object.hasOwn(farm.instanceTypes, arch.instanceType)) return undefined;
  const instance = farm.instanceTypes[arch.instanceType];
  const node = nodeSizing(farm, instance);
  const peakPods = peakPodsOf(arch);
  const maxNodes = nodesFor(farm, arch);
  return {
    arch: arch.arch,
    name: `${BUILDKITD}-${arch.arch}`,
    slots: slotsOf(farm, arch),
    draining: drainingPods(farm, arch),
    slotNeed: slotNeedOf(farm, arch),
    min: arch.min,
    max: arch.max,
    replicas: arch.replicas,
    index,
    peakPods,
    nodePool: `${NODE_POOL}-${arch.arch}`,
    instanceType: arch.instanceType,
    instance,
    podsPerNode: arch.podsPerNode,
    node,
    pod: podSize(farm, node, arch.podsPerNode),
    maxNodes,
    limits: { cpu: maxNodes * node.capacity.cpu, memory: maxNodes * node.capacity.memory },
    cache: cacheBudget(farm, instance, arch.podsPerNode),
    lbPort: BUILDKIT_PORT + index,
  };
}

export function fleet(farm: BuildkitSettings): ArchFleet[] {
  return farm.architectures.map((arch, index) => {
    const pool = archFleet(farm, index);
    if (!pool) throw new Error(`buildkit.architectures[${index}].instanceType: unknown instance type ${arch.instanceType}`);
    return pool;
  });
}

/** Seconds a BuildKit pod may take to stop: a build may run up to `timeout server`, plus the drain slack. */
export const podGraceSeconds = (farm: BuildkitSettings): number => farm.haproxy.timeoutServerMinutes * 60 + farm.drain.slackSeconds;
