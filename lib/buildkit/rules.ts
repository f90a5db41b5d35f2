// The rules of the build farm (SPEC 3), checked before anything is built. Each names the field,
// its value, the rule and, when one can be computed, the fix.
import { Problem, Problems } from '../core/errors';
import { GiB, formatCpu } from '../core/quantity';
import type { ClusterConfig } from '../config/schema';
import { durationSeconds } from './duration';
import { archFleet, drainingPods, peakPodsOf, podGraceSeconds, scaleDownStep, slotNeedOf, slotsOf } from './fleet';
import { gateDownSeconds } from './haproxy/config';
import { KEDA_FEATURES, kedaFeatures, versionAtLeast } from './keda';

const percent = (s: string): number => Number(s.replace('%', ''));

/** Upper bounds of the HPA API on scaling behavior (k8s.io/kubernetes pkg/apis/autoscaling/validation). */
export const HPA_MAX_PERIOD_SECONDS = 1800;
export const HPA_MAX_STABILIZATION_SECONDS = 3600;

export function checkBuildkit(c: ClusterConfig): Problem[] {
  const b = c.buildkit;
  if (!b) return [];
  const p = new Problems(c.name);

  const namespaces = c.namespaces.map((n) => n.name);
  p.check(namespaces.includes(b.namespaces.keda), 'buildkit.namespaces.keda', b.namespaces.keda,
    `must be one of the cluster's namespaces (${namespaces.join(', ')})`);
  const farm = c.namespaces.findIndex((n) => n.name === b.namespaces.farm);
  if (farm >= 0) {
    p.check(c.namespaces[farm].podSecurity === 'privileged', `namespaces[${farm}].podSecurity`, c.namespaces[farm].podSecurity,
      'the BuildKit namespace must be privileged: rootful buildkitd runs privileged (mounts, namespaces, cgroups for RUN steps)',
      'podSecurity: privileged');
  }

  const h = b.haproxy;
  p.check(h.timeoutQueueSeconds < h.clientConnectTimeoutSeconds, 'buildkit.haproxy.timeoutQueueSeconds', h.timeoutQueueSeconds,
    `must be below the BuildKit client's connect give-up (haproxy.clientConnectTimeoutSeconds = ${h.clientConnectTimeoutSeconds} s): ` +
      'a build that waits longer in the queue is abandoned by the client instead of refused by HAProxy, which its retry relies on',
    `timeoutQueueSeconds: ${h.clientConnectTimeoutSeconds - 1} or less`);

  p.check(h.replicas === 1, 'buildkit.haproxy.replicas', h.replicas,
    'must be 1: maxconn 1 per BuildKit pod only holds within one HAProxy, and KEDA reads the metrics of one replica', 'replicas: 1');

  const grace = podGraceSeconds(b);
  p.check(b.drain.slackSeconds >= b.drain.settleSeconds + b.drain.pollSeconds, 'buildkit.drain.slackSeconds', b.drain.slackSeconds,
    `the pod grace period (timeout server + slack = ${grace} s) must hold a build routed to the pod during the settle wait ` +
      `(${b.drain.settleSeconds} s) for a whole timeout server, plus one poll (${b.drain.pollSeconds} s)`,
    `slackSeconds: ${b.drain.settleSeconds + b.drain.pollSeconds}`);
  p.check(b.drain.settleSeconds >= gateDownSeconds, 'buildkit.drain.settleSeconds', b.drain.settleSeconds,
    `must cover the time HAProxy may still route new builds to a terminating pod (its health check marks the pod down ` +
      `${gateDownSeconds} s after the gate closes)`,
    `settleSeconds: ${gateDownSeconds}`);
  const nodeGrace = durationSeconds(b.karpenter.terminationGracePeriod);
  p.check(nodeGrace >= grace, 'buildkit.karpenter.terminationGracePeriod', b.karpenter.terminationGracePeriod,
    `must be >= the BuildKit pods' grace period (${grace} s = timeout server ${b.haproxy.timeoutServerMinutes}m + drain slack ` +
      `${b.drain.slackSeconds} s), or Karpenter cuts draining builds`,
    `terminationGracePeriod: ${Math.ceil(grace / 60)}m`);

  // Kubernetes' HPA API bounds (k8s.io/kubernetes pkg/apis/autoscaling/validation: MaxPeriodSeconds
  // 1800, MaxStabilizationWindowSeconds 3600); the hold is emitted as both. Checked with autoscaling
  // off too: turning it on must stay a one-line change.
  const hold = b.autoscaling.scaleDownHoldMinutes * 60;
  p.check(hold <= HPA_MAX_PERIOD_SECONDS && hold <= HPA_MAX_STABILIZATION_SECONDS, 'buildkit.autoscaling.scaleDownHoldMinutes',
    b.autoscaling.scaleDownHoldMinutes,
    `emits scale-down periodSeconds and stabilizationWindowSeconds of ${b.autoscaling.scaleDownHoldMinutes} x 60 = ${hold} s; ` +
      `the HPA API refuses periodSeconds > ${HPA_MAX_PERIOD_SECONDS} (and stabilizationWindowSeconds > ${HPA_MAX_STABILIZATION_SECONDS})`,
    `scaleDownHoldMinutes: ${HPA_MAX_PERIOD_SECONDS / 60} or less`);

  const diskEviction = Math.max(percent(b.kubelet.evictionHard['nodefs.available']), percent(b.kubelet.evictionHard['imagefs.available']));
  p.check(b.cache.freePercent > diskEviction, 'buildkit.cache.freePercent', b.cache.freePercent,
    `must be above the kubelet's disk eviction thresholds (${diskEviction} %): the cache shares the instance store with ` +
      'the kubelet and containerd, so the kubelet would evict build pods before BuildKit collects',
    `freePercent: ${diskEviction + 5}`);

  const seen = new Map<string, number>();
  let slotsTotal = 0;
  b.architectures.forEach((a, i) => {
    const at = (field: string) => `buildkit.architectures[${i}].${field}`;
    slotsTotal += slotsOf(b, a);
    p.check(!seen.has(a.arch), at('arch'), a.arch, `each arch appears once (also at architectures[${seen.get(a.arch)}])`);
    seen.set(a.arch, i);

    p.check(a.min >= 1, at('min'), a.min,
      'must be >= 1: with no pod HAProxy refuses a build instead of queueing it, so the session gauge KEDA scales on stays 0 ' +
        'and the arch never scales up', 'min: 1');
    p.check(a.min <= a.max, at('min'), a.min, `must be <= max (${a.max})`);
    if (!b.autoscaling.enabled)
      p.check(a.replicas !== undefined, at('replicas'), a.replicas, 'is required without autoscaling (the fixed fleet size)');
    if (a.replicas !== undefined)
      p.check(a.min <= a.replicas && a.replicas <= a.max, at('replicas'), a.replicas,
        `must lie between min (${a.min}) and max (${a.max}): it is the KEDA fallback when autoscaling is on`,
        `replicas: ${Math.min(Math.max(a.replicas, a.min), a.max)}`);

    const peak = peakPodsOf(a);
    const draining = drainingPods(b, a);
    const need = slotNeedOf(b, a);
    if (a.slots !== undefined) {
      p.check(a.slots >= peak, at('slots'), a.slots,
        `server-template slots must be >= the most pods this arch can have (${peak}); fewer slots leave pods without builds`,
        `slots: ${need} (or remove it to derive it)`);
      if (a.slots >= peak)
        p.check(a.slots >= need, at('slots'), a.slots,
          `server-template slots must be >= the ${peak} pods + ${draining} draining = ${need} addresses DNS can list at once ` +
            `(draining = max(rolling update 1, PDB 1, disruptionBudgetNodes ${b.karpenter.disruptionBudgetNodes} x podsPerNode ${a.podsPerNode}, ` +
            `scale-down step ${scaleDownStep(b, a)})): ` +
            'a draining pod keeps its slot and its build, so its replacement needs a free slot, or builds are refused during every rollout and node drain',
          `slots: ${need} (or remove it to derive it)`);
    }

    const f = archFleet(b, i);
    if (!f) {
      p.add(at('instanceType'), a.instanceType, `unknown instance type (known: ${Object.keys(b.instanceTypes).join(', ')})`);
      return;
    }
    const { instance, node, pod, maxNodes: nodes } = f;
    p.check(instance.arch === a.arch, at('instanceType'), a.instanceType, `is ${instance.arch}, not ${a.arch}`);
    p.check(a.podsPerNode <= instance.maxPods, at('podsPerNode'), a.podsPerNode, `must be <= the kubelet's maxPods (${instance.maxPods})`);

    if (pod.cpu < 1 || pod.memoryGiB < 1) {
      const fit = Math.floor(Math.min(node.free.cpu, node.free.memory / GiB) * b.sizing.safetyFactor);
      p.add(at('podsPerNode'), a.podsPerNode,
        `${a.podsPerNode} pods of at least 1 CPU and 1 GiB do not fit ${a.instanceType}: allocatable minus DaemonSets is ` +
          `${formatCpu(node.free.cpu)} CPU / ${(node.free.memory / GiB).toFixed(1)} GiB (memory as Karpenter plans it, less ` +
          `vmMemoryOverheadPercent ${b.karpenter.vmMemoryOverheadPercent}), x safety factor ${b.sizing.safetyFactor}`,
        fit >= 1 ? `podsPerNode: ${fit} or fewer` : 'a larger instance type or a smaller daemonset overhead');
    }

    p.check(nodes * a.podsPerNode >= need, at('maxNodes'), nodes,
      `NodePool limits must hold the most pods and those draining beside their replacements: ${nodes} nodes x ${a.podsPerNode} pods = ` +
        `${nodes * a.podsPerNode} < ${peak} pods + ${draining} draining = ${need}`,
      `maxNodes: ${Math.ceil(need / a.podsPerNode)} (or remove it to derive it)`);

    // Forced expiry ignores disruption budgets: nodes launched together (a fixed fleet, a scale-up)
    // expire together, and every pod on them needs a replacement node while the old ones drain.
    const expiry = b.karpenter.expireAfter;
    if (expiry !== 'Never') {
      const fleetNodes = Math.ceil(peak / a.podsPerNode);
      const podGrace = podGraceSeconds(b);
      p.check(nodes >= 2 * fleetNodes, 'buildkit.karpenter.expireAfter', expiry,
        `is forceful (Karpenter expires nodes whatever the disruption budget): the ${fleetNodes} nodes of ${a.arch} ` +
          `(ceil(${peak} pods / ${a.podsPerNode})) launched together expire together and their pods need ${fleetNodes} replacement nodes ` +
          `while the old ones drain, ${2 * fleetNodes} in all, but the NodePool allows ${nodes}; the pods left over stay Pending, and ` +
          `terminationGracePeriod ${b.karpenter.terminationGracePeriod} - pod grace ${podGrace} s after expiry Karpenter deletes ` +
          'the remaining build pods, bypassing the PDB',
        `expireAfter: Never (rotate nodes through drift, e.g. an amiAlias bump: it honours the budget and starts replacements first), ` +
          `or pin architectures[${i}].maxNodes: ${2 * fleetNodes}`);
    }
  });

  p.check(b.haproxy.maxConnections > slotsTotal, 'buildkit.haproxy.maxConnections', b.haproxy.maxConnections,
    `must exceed the builds all slots can run at once (${slotsTotal}, from the architectures' max) so queued builds and scrapes still connect`,
    // the slots are derived from max: whichever of the two the user just changed is the one to look at
    `if max was raised on purpose, set maxConnections: ${slotsTotal * 2}; otherwise lower buildkit.architectures[].max (${b.architectures.map((a) => `${a.arch} ${a.max}`).join(', ')})`);

  const needs = new Map<string, string[]>();
  for (const a of b.architectures) for (const f of kedaFeatures(b, a)) needs.set(f, [...(needs.get(f) ?? []), a.arch]);
  for (const [feature, archs] of needs) {
    const min = KEDA_FEATURES[feature as keyof typeof KEDA_FEATURES];
    p.check(versionAtLeast(b.kedaVersion, min), 'buildkit.kedaVersion', b.kedaVersion,
      `KEDA ${b.kedaVersion} lacks ${feature} (needs >= ${min}), which the ScaledObjects of ${archs.join(', ')} use`,
      `upgrade KEDA to >= ${min} and set kedaVersion, or turn the feature off (fallback: remove replicas)`);
  }
  return p.list;
}
