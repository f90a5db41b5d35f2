// The rules of the build farm (SPEC 3): what the props must satisfy beyond their shape, checked by
// the BuildkitFarm constructor (a broken guarantee never builds) and by the YAML layer before
// anything is built. Each finding names the field (relative to the props), its value, the rule
// and, when one can be computed, the fix.
import type { PropsProblem } from '../core/props';
import { GiB, formatCpu } from '../core/quantity';
import { durationSeconds } from './duration';
import { archFleet, drainingPods, peakPodsOf, podGraceSeconds, scaleDownStep, slotNeedOf, slotsOf } from './fleet';
import { gateDownSeconds } from './haproxy/config';
import { KEDA_FEATURES, kedaFeatures, versionAtLeast } from './keda';
import type { Architecture, BuildkitSettings } from './props';

/** A kubelet eviction threshold such as "10%", as a number. */
const evictionPercent = (s: string): number => Number(s.replace('%', ''));

/** Upper bounds of the HPA API on scaling behavior (k8s.io/kubernetes pkg/apis/autoscaling/validation). */
export const HPA_MAX_PERIOD_SECONDS = 1800;
export const HPA_MAX_STABILIZATION_SECONDS = 3600;

/** Collects the findings of the rules in the order they run. */
class Findings {
  readonly list: PropsProblem[] = [];
  add(path: string, value: unknown, rule: string, fix?: string): void {
    this.list.push(fix === undefined ? { path, value, rule } : { path, value, rule, fix });
  }
  check(ok: boolean, path: string, value: unknown, rule: string, fix?: string): void {
    if (!ok) this.add(path, value, rule, fix);
  }
}

/**
 * Every rule of the farm's settings (BuildkitFarmProps qualifies); empty when the farm can be
 * built. Paths are relative to the props (`architectures[0].max`).
 */
export function validateBuildkitFarm(farm: BuildkitSettings): PropsProblem[] {
  const found = new Findings();
  haproxyRules(farm, found);
  drainRules(farm, found);
  scalingAndDiskRules(farm, found);
  const seen = new Map<string, number>();
  farm.architectures.forEach((arch, i) => {
    found.check(!seen.has(arch.arch), `architectures[${i}].arch`, arch.arch, `each arch appears once (also at architectures[${seen.get(arch.arch)}])`);
    seen.set(arch.arch, i);
    archRules(farm, arch, i, found);
  });
  maxConnectionsRule(farm, found);
  kedaVersionRules(farm, found);
  return found.list;
}

function haproxyRules(farm: BuildkitSettings, found: Findings): void {
  const haproxy = farm.haproxy;
  found.check(haproxy.timeoutQueueSeconds < haproxy.clientConnectTimeoutSeconds, 'haproxy.timeoutQueueSeconds', haproxy.timeoutQueueSeconds,
    `must be below the BuildKit client's connect give-up (haproxy.clientConnectTimeoutSeconds = ${haproxy.clientConnectTimeoutSeconds} s): ` +
      'a build that waits longer in the queue is abandoned by the client instead of refused by HAProxy, which its retry relies on',
    `timeoutQueueSeconds: ${haproxy.clientConnectTimeoutSeconds - 1} or less`);
  found.check(haproxy.replicas === 1, 'haproxy.replicas', haproxy.replicas,
    'must be 1: maxconn 1 per BuildKit pod only holds within one HAProxy, and KEDA reads the metrics of one replica', 'replicas: 1');
}

/** A terminating pod's drain must outlast HAProxy's routing to it and fit the node's drain. */
function drainRules(farm: BuildkitSettings, found: Findings): void {
  const { drain } = farm;
  const grace = podGraceSeconds(farm);
  found.check(drain.slackSeconds >= drain.settleSeconds + drain.pollSeconds, 'drain.slackSeconds', drain.slackSeconds,
    `the pod grace period (timeout server + slack = ${grace} s) must hold a build routed to the pod during the settle wait ` +
      `(${drain.settleSeconds} s) for a whole timeout server, plus one poll (${drain.pollSeconds} s)`,
    `slackSeconds: ${drain.settleSeconds + drain.pollSeconds}`);
  found.check(drain.settleSeconds >= gateDownSeconds, 'drain.settleSeconds', drain.settleSeconds,
    `must cover the time HAProxy may still route new builds to a terminating pod (its health check marks the pod down ` +
      `${gateDownSeconds} s after the gate closes)`,
    `settleSeconds: ${gateDownSeconds}`);
  const nodeGrace = durationSeconds(farm.karpenter.terminationGracePeriod);
  found.check(nodeGrace >= grace, 'karpenter.terminationGracePeriod', farm.karpenter.terminationGracePeriod,
    `must be >= the BuildKit pods' grace period (${grace} s = timeout server ${farm.haproxy.timeoutServerMinutes}m + drain slack ` +
      `${drain.slackSeconds} s), or Karpenter cuts draining builds`,
    `terminationGracePeriod: ${Math.ceil(grace / 60)}m`);
}

function scalingAndDiskRules(farm: BuildkitSettings, found: Findings): void {
  // Kubernetes' HPA API bounds (k8s.io/kubernetes pkg/apis/autoscaling/validation: MaxPeriodSeconds
  // 1800, MaxStabilizationWindowSeconds 3600); the hold is emitted as both. Checked with autoscaling
  // off too: turning it on must stay a one-line change.
  const holdMinutes = farm.autoscaling.scaleDownHoldMinutes;
  const hold = holdMinutes * 60;
  found.check(hold <= HPA_MAX_PERIOD_SECONDS && hold <= HPA_MAX_STABILIZATION_SECONDS, 'autoscaling.scaleDownHoldMinutes', holdMinutes,
    `emits scale-down periodSeconds and stabilizationWindowSeconds of ${holdMinutes} x 60 = ${hold} s; ` +
      `the HPA API refuses periodSeconds > ${HPA_MAX_PERIOD_SECONDS} (and stabilizationWindowSeconds > ${HPA_MAX_STABILIZATION_SECONDS})`,
    `scaleDownHoldMinutes: ${HPA_MAX_PERIOD_SECONDS / 60} or less`);

  const eviction = farm.kubelet.evictionHard;
  const diskEviction = Math.max(evictionPercent(eviction['nodefs.available']), evictionPercent(eviction['imagefs.available']));
  found.check(farm.cache.freePercent > diskEviction, 'cache.freePercent', farm.cache.freePercent,
    `must be above the kubelet's disk eviction thresholds (${diskEviction} %): the cache shares the instance store with ` +
      'the kubelet and containerd, so the kubelet would evict build pods before BuildKit collects',
    `freePercent: ${diskEviction + 5}`);
}

/** The rules of architectures[i]. */
function archRules(farm: BuildkitSettings, arch: Architecture, i: number, found: Findings): void {
  replicaRules(farm, arch, i, found);
  slotRules(farm, arch, i, found);
  const pool = archFleet(farm, i);
  if (!pool) {
    found.add(`architectures[${i}].instanceType`, arch.instanceType, `unknown instance type (known: ${Object.keys(farm.instanceTypes).join(', ')})`);
    return;
  }
  instanceRules(farm, arch, i, found);
  nodeLimitRules(farm, arch, i, found);
}

function replicaRules(farm: BuildkitSettings, arch: Architecture, i: number, found: Findings): void {
  const at = (field: string) => `architectures[${i}].${field}`;
  found.check(arch.min >= 1, at('min'), arch.min,
    'must be >= 1: with no pod HAProxy refuses a build instead of queueing it, so the session gauge KEDA scales on stays 0 ' +
      'and the arch never scales up', 'min: 1');
  found.check(arch.min <= arch.max, at('min'), arch.min, `must be <= max (${arch.max})`);
  if (!farm.autoscaling.enabled)
    found.check(arch.replicas !== undefined, at('replicas'), arch.replicas, 'is required without autoscaling (the fixed fleet size)');
  if (arch.replicas !== undefined)
    found.check(arch.min <= arch.replicas && arch.replicas <= arch.max, at('replicas'), arch.replicas,
      `must lie between min (${arch.min}) and max (${arch.max}): it is the KEDA fallback when autoscaling is on`,
      `replicas: ${Math.min(Math.max(arch.replicas, arch.min), arch.max)}`);
}

/** Pinned server-template slots must hold every address DNS can list (see slotNeedOf in fleet.ts). */
function slotRules(farm: BuildkitSettings, arch: Architecture, i: number, found: Findings): void {
  if (arch.slots === undefined) return;
  const at = `architectures[${i}].slots`;
  const peak = peakPodsOf(arch);
  const need = slotNeedOf(farm, arch);
  found.check(arch.slots >= peak, at, arch.slots,
    `server-template slots must be >= the most pods this arch can have (${peak}); fewer slots leave pods without builds`,
    `slots: ${need} (or remove it to derive it)`);
  if (arch.slots >= peak)
    found.check(arch.slots >= need, at, arch.slots,
      `server-template slots must be >= the ${peak} pods + ${drainingPods(farm, arch)} draining = ${need} addresses DNS can list at once ` +
        `(draining = max(rolling update 1, PDB 1, disruptionBudgetNodes ${farm.karpenter.disruptionBudgetNodes} x podsPerNode ${arch.podsPerNode}, ` +
        `scale-down step ${scaleDownStep(farm, arch)})): ` +
        'a draining pod keeps its slot and its build, so its replacement needs a free slot, or builds are refused during every rollout and node drain',
      `slots: ${need} (or remove it to derive it)`);
}

/** The instance type must be of the arch and hold podsPerNode pods of at least 1 CPU and 1 GiB. */
function instanceRules(farm: BuildkitSettings, arch: Architecture, i: number, found: Findings): void {
  const at = (field: string) => `architectures[${i}].${field}`;
  const { instance, node, pod } = archFleet(farm, i)!;
  found.check(instance.arch === arch.arch, at('instanceType'), arch.instanceType, `is ${instance.arch}, not ${arch.arch}`);
  found.check(arch.podsPerNode <= instance.maxPods, at('podsPerNode'), arch.podsPerNode, `must be <= the kubelet's maxPods (${instance.maxPods})`);
  if (pod.cpu >= 1 && pod.memoryGiB >= 1) return;
  const fit = Math.floor(Math.min(node.free.cpu, node.free.memory / GiB) * farm.sizing.safetyFactor);
  found.add(at('podsPerNode'), arch.podsPerNode,
    `${arch.podsPerNode} pods of at least 1 CPU and 1 GiB do not fit ${arch.instanceType}: allocatable minus DaemonSets is ` +
      `${formatCpu(node.free.cpu)} CPU / ${(node.free.memory / GiB).toFixed(1)} GiB (memory as Karpenter plans it, less ` +
      `vmMemoryOverheadPercent ${farm.karpenter.vmMemoryOverheadPercent}), x safety factor ${farm.sizing.safetyFactor}`,
    fit >= 1 ? `podsPerNode: ${fit} or fewer` : 'a larger instance type or a smaller daemonset overhead');
}

/** The NodePool must hold the peak, the pods draining beside their replacements and, with forced expiry, a whole second fleet. */
function nodeLimitRules(farm: BuildkitSettings, arch: Architecture, i: number, found: Findings): void {
  const { maxNodes: nodes } = archFleet(farm, i)!;
  const peak = peakPodsOf(arch);
  const draining = drainingPods(farm, arch);
  const need = slotNeedOf(farm, arch);
  found.check(nodes * arch.podsPerNode >= need, `architectures[${i}].maxNodes`, nodes,
    `NodePool limits must hold the most pods and those draining beside their replacements: ${nodes} nodes x ${arch.podsPerNode} pods = ` +
      `${nodes * arch.podsPerNode} < ${peak} pods + ${draining} draining = ${need}`,
    `maxNodes: ${Math.ceil(need / arch.podsPerNode)} (or remove it to derive it)`);

  // Forced expiry ignores disruption budgets: nodes launched together (a fixed fleet, a scale-up)
  // expire together, and every pod on them needs a replacement node while the old ones drain.
  const expiry = farm.karpenter.expireAfter;
  if (expiry === 'Never') return;
  const fleetNodes = Math.ceil(peak / arch.podsPerNode);
  found.check(nodes >= 2 * fleetNodes, 'karpenter.expireAfter', expiry,
    `is forceful (Karpenter expires nodes whatever the disruption budget): the ${fleetNodes} nodes of ${arch.arch} ` +
      `(ceil(${peak} pods / ${arch.podsPerNode})) launched together expire together and their pods need ${fleetNodes} replacement nodes ` +
      `while the old ones drain, ${2 * fleetNodes} in all, but the NodePool allows ${nodes}; the pods left over stay Pending, and ` +
      `terminationGracePeriod ${farm.karpenter.terminationGracePeriod} - pod grace ${podGraceSeconds(farm)} s after expiry Karpenter deletes ` +
      'the remaining build pods, bypassing the PDB',
    `expireAfter: Never (rotate nodes through drift, e.g. an amiAlias bump: it honours the budget and starts replacements first), ` +
      `or pin architectures[${i}].maxNodes: ${2 * fleetNodes}`);
}

function maxConnectionsRule(farm: BuildkitSettings, found: Findings): void {
  const slotsTotal = farm.architectures.reduce((n, arch) => n + slotsOf(farm, arch), 0);
  found.check(farm.haproxy.maxConnections > slotsTotal, 'haproxy.maxConnections', farm.haproxy.maxConnections,
    `must exceed the builds all slots can run at once (${slotsTotal}, from the architectures' max) so queued builds and scrapes still connect`,
    // the slots are derived from max: whichever of the two the user just changed is the one to look at
    `if max was raised on purpose, set maxConnections: ${slotsTotal * 2}; otherwise lower buildkit.architectures[].max (${farm.architectures.map((arch) => `${arch.arch} ${arch.max}`).join(', ')})`);
}

/** Every KEDA feature the ScaledObjects use must exist in the installed KEDA. */
function kedaVersionRules(farm: BuildkitSettings, found: Findings): void {
  const needs = new Map<string, string[]>();
  for (const arch of farm.architectures) for (const feature of kedaFeatures(farm, arch)) needs.set(feature, [...(needs.get(feature) ?? []), arch.arch]);
  for (const [feature, archs] of needs) {
    const min = KEDA_FEATURES[feature as keyof typeof KEDA_FEATURES];
    found.check(versionAtLeast(farm.kedaVersion, min), 'kedaVersion', farm.kedaVersion,
      `KEDA ${farm.kedaVersion} lacks ${feature} (needs >= ${min}), which the ScaledObjects of ${archs.join(', ')} use`,
      `upgrade KEDA to >= ${min} and set kedaVersion, or turn the feature off (fallback: remove replicas)`);
  }
}
