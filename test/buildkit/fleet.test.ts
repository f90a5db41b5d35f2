// The sizing formulas of fleet.ts, stated as rules (EKS kube-reserved, whole-unit pod shares that
// always fit, GC budgets that never overcommit the instance store).
import fc from 'fast-check';
import { sidecarTotal, archFleet, cacheBudget, drainingPods, fleet, kubeReserved, nodeSizing, plannedMemory, podSize, slotNeedOf, slotsOf } from '../../lib/buildkit/fleet';
import type { BuildkitSettings } from '../../lib/buildkit';
import { GiB, cpuCores, memoryBytes } from '../../lib/core/quantity';
import { PRODUCTION, STAGING, config, raw } from './support';

const MiB = 2 ** 20;

describe('kubeReserved (EKS formula)', () => {
  it('reserves 255 MiB + 11 MiB per pod the kubelet allows', () => {
    for (const maxPods of [8, 29, 110, 737]) expect(kubeReserved(4, maxPods).memory).toBe((255 + 11 * maxPods) * MiB);
  });

  it('reserves 6 % of the first core, 1 % of the second, 0.5 % of cores 3-4, 0.25 % above', () => {
    const milli = (vcpu: number) => Math.round(kubeReserved(vcpu, 110).cpu * 1000);
    expect(milli(1)).toBe(60);
    expect(milli(2) - milli(1)).toBe(10);
    expect(milli(4) - milli(2)).toBe(10);
    expect(milli(6) - milli(4)).toBe(2 * 2.5);
    expect(milli(96) - milli(4)).toBe(92 * 2.5);
  });
});

describe('Karpenter\'s view of a node (vmMemoryOverheadPercent)', () => {
  const b = config(raw(STAGING)).buildkit!;
  const withOverhead = (pct: number): BuildkitSettings => ({ ...b, karpenter: { ...b.karpenter, vmMemoryOverheadPercent: pct } });
  const instanceOf = (arch: 'amd64' | 'arm64', memory: string) => ({ ...Object.values(b.instanceTypes)[0], arch, memory });
  /** Pods of this size Karpenter places on one node: what is left of its planned allocatable after the DaemonSets. */
  const podsKarpenterFits = (node: ReturnType<typeof nodeSizing>, pod: { cpu: number; memoryGiB: number }) =>
    Math.min(Math.floor(node.free.cpu / pod.cpu), Math.floor(node.free.memory / (pod.memoryGiB * GiB)));

  it('plans EC2 memory less ceil(MiB x vmMemoryOverheadPercent), and 64 MiB less on Graviton', () => {
    // 16 GiB at Karpenter's default 0.075: 16384 MiB - ceil(1228.8) = 15155 MiB
    expect(plannedMemory(withOverhead(0.075), instanceOf('amd64', '16Gi'))).toBe(15155 * MiB);
    // Graviton: (16384 - 64) MiB - ceil(16320 x 0.075 = 1224) = 15096 MiB
    expect(plannedMemory(withOverhead(0.075), instanceOf('arm64', '16Gi'))).toBe(15096 * MiB);
    expect(plannedMemory(withOverhead(0), instanceOf('amd64', '16Gi'))).toBe(memoryBytes('16Gi'));
  });

  it('sizes the pods so that Karpenter fits podsPerNode of them on one node', () => {
    for (const name of [STAGING, PRODUCTION]) {
      for (const a of fleet(config(raw(name)).buildkit!)) expect(podsKarpenterFits(a.node, a.pod)).toBeGreaterThanOrEqual(a.podsPerNode);
    }
  });

  it('would be refused by Karpenter if sized on the nominal memory: fewer pods per node, more nodes than the NodePool allows', () => {
    const nominal = withOverhead(0);
    for (const name of [STAGING, PRODUCTION]) {
      const overLimits: string[] = [];
      for (const a of fleet(config(raw(name)).buildkit!)) {
        const old = podSize(nominal, nodeSizing(nominal, a.instance), a.podsPerNode);
        const perNode = podsKarpenterFits(a.node, old);
        expect(perNode).toBeLessThan(a.podsPerNode);
        if (Math.ceil(a.peakPods / perNode) > a.maxNodes) overLimits.push(a.arch);
      }
      // amd64 (2 pods per node planned, 1 fits): twice the nodes, beyond the NodePool limits
      expect(overLimits).toContain('amd64');
    }
  });
});

describe('pod sizing', () => {
  const base = config(raw(STAGING)).buildkit!;

  it('gives every built-in arch whole cores and GiB that fill, but never exceed, its share', () => {
    for (const name of [STAGING, PRODUCTION]) {
      const b = config(raw(name)).buildkit!;
      for (const a of fleet(b)) {
        // buildkitd's share: the pod's share of the node less its sidecars
        const share = {
          cpu: (a.node.free.cpu * b.sizing.safetyFactor) / a.podsPerNode - sidecarTotal.cpu,
          mem: ((a.node.free.memory * b.sizing.safetyFactor) / a.podsPerNode - sidecarTotal.memoryMiB * MiB) / GiB,
        };
        expect(Number.isInteger(a.pod.cpu) && Number.isInteger(a.pod.memoryGiB)).toBe(true);
        expect(a.pod.cpu).toBeLessThanOrEqual(share.cpu);
        expect(a.pod.cpu + 1).toBeGreaterThan(share.cpu);
        expect(a.pod.memoryGiB).toBeLessThanOrEqual(share.mem);
        expect(a.pod.memoryGiB + 1).toBeGreaterThan(share.mem);
      }
    }
  });

  it('always fits podsPerNode pods plus the DaemonSets into the allocatable Karpenter plans with (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 192 }), fc.integer({ min: 4, max: 1536 }), fc.integer({ min: 8, max: 250 }),
        fc.integer({ min: 1, max: 16 }), fc.double({ min: 0.5, max: 1, noNaN: true }), fc.integer({ min: 0, max: 4000 }),
        fc.constantFrom('amd64' as const, 'arm64' as const), fc.double({ min: 0, max: 0.2, noNaN: true }),
        (vcpu, memGiB, maxPods, podsPerNode, safetyFactor, overheadMilli, arch, vmMemoryOverheadPercent) => {
          const b: BuildkitSettings = {
            ...base,
            sizing: { safetyFactor, daemonsetOverhead: { cpu: `${overheadMilli}m`, memory: '2Gi' } },
            karpenter: { ...base.karpenter, vmMemoryOverheadPercent },
          };
          const instance = { ...Object.values(base.instanceTypes)[0], arch, vcpu, memory: `${memGiB}Gi`, maxPods };
          const pod = podSize(b, nodeSizing(b, instance), podsPerNode);
          if (pod.cpu < 1 || pod.memoryGiB < 1) return; // refused by the rules
          // Karpenter's allocatable, stated independently: its planned memory less kube-reserved and eviction
          const mib = memGiB * 1024 - (arch === 'arm64' ? 64 : 0);
          const reserved = kubeReserved(vcpu, maxPods);
          const allocatable = {
            cpu: vcpu - reserved.cpu,
            memory: (mib - Math.ceil(mib * vmMemoryOverheadPercent)) * MiB - reserved.memory - memoryBytes(b.kubelet.evictionHard['memory.available']),
          };
          const overhead = b.sizing.daemonsetOverhead;
          expect(podsPerNode * pod.cpu + cpuCores(overhead.cpu)).toBeLessThanOrEqual(allocatable.cpu + 1e-9);
          expect(podsPerNode * pod.memoryGiB * GiB + memoryBytes(overhead.memory)).toBeLessThanOrEqual(allocatable.memory);
        },
      ),
    );
  });
});

describe('cache budget', () => {
  it('splits what GC keeps free of the RAID0 array between the pods of a node', () => {
    const b = config(raw(STAGING)).buildkit!;
    for (const a of fleet(b)) {
      const c = cacheBudget(b, a.instance, a.podsPerNode);
      expect(c.disk).toBe(a.instance.nvme.disks * a.instance.nvme.sizeGB * 1e9);
      expect(a.podsPerNode * c.maxUsedGiB * GiB + c.minFreeGiB * GiB).toBeLessThanOrEqual(c.disk + GiB);
      expect(c.reservedGiB).toBe(Math.floor((c.maxUsedGiB * b.cache.reservedPercent) / 100));
    }
  });
});

describe('fleet()', () => {
  it('names every per-arch object once: buildkitd-<arch> for the Deployment and HAProxy proxy, buildkit-<arch> for the NodePool', () => {
    for (const a of fleet(config(raw(STAGING)).buildkit!)) {
      expect(a.name).toBe(`buildkitd-${a.arch}`);
      expect(a.nodePool).toBe(`buildkit-${a.arch}`);
    }
  });

  it('derives nothing for an arch whose instance type is unknown: the rules report it, fleet() refuses it', () => {
    const b = config(raw(STAGING)).buildkit!;
    const broken = { ...b, architectures: b.architectures.map((a, i) => (i === 0 ? { ...a, instanceType: 'm9x.huge' } : a)) };
    expect(archFleet(broken, 0)).toBeUndefined();
    expect(archFleet(broken, 1)).toEqual(fleet(b)[1]);
    expect(() => fleet(broken)).toThrow(/architectures\[0\]\.instanceType: unknown instance type m9x.huge/);
  });
});

describe('slots and NodePool limits under churn', () => {
  const b = config(raw(STAGING)).buildkit!;
  const arch = (podsPerNode: number, max: number, extra: object = {}) => ({ ...b.architectures[0], podsPerNode, max, min: 1, ...extra });
  const budget = (nodes: number) => ({ ...b, karpenter: { ...b.karpenter, disruptionBudgetNodes: nodes } });

  const fixed = (x: BuildkitSettings): BuildkitSettings => ({ ...x, autoscaling: { ...x.autoscaling, enabled: false } });
  const scaling = (x: BuildkitSettings, pods: number, percent: number): BuildkitSettings =>
    ({ ...x, autoscaling: { ...x.autoscaling, enabled: true, scaleDownPods: pods, scaleDownPercent: percent } });

  it('counts as draining the larger of a rollout or eviction (1 pod), a node drain (budget nodes x pods per node) and a scale-down step', () => {
    expect(drainingPods(fixed(budget(1)), arch(1, 8))).toBe(1);
    expect(drainingPods(fixed(budget(1)), arch(2, 8))).toBe(2);
    expect(drainingPods(fixed(budget(2)), arch(4, 8))).toBe(8);
    // the HPA removes max(pods, percent of max) per period, never going below min
    expect(drainingPods(scaling(budget(1), 3, 10), arch(2, 40))).toBe(4); // ceil(10 % of 40) = 4 > 3 pods > 2
    expect(drainingPods(scaling(budget(1), 10, 20), arch(2, 8, { min: 5 }))).toBe(3); // 8 - 5
    expect(drainingPods(scaling(budget(1), 1, 1), arch(2, 8))).toBe(2); // the node drain is larger
  });

  it('gives every pod the NodePool can hold a slot: slots = ceil((peak + draining) / podsPerNode) x podsPerNode >= peak + draining', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 4 }), (ppn, max, nodes) => {
      const bb = fixed(budget(nodes));
      const a = arch(ppn, max);
      const need = max + Math.max(1, nodes * ppn);
      expect(slotNeedOf(bb, a)).toBe(need);
      expect(slotsOf(bb, a)).toBe(Math.ceil(need / ppn) * ppn);
      expect(slotsOf(bb, a)).toBeGreaterThanOrEqual(need);
    }));
  });

  it('derives for the built-in farms: more slots than max, limits with room for a node drain', () => {
    for (const name of [STAGING, PRODUCTION]) {
      for (const a of fleet(config(raw(name)).buildkit!)) {
        expect(a.slots).toBeGreaterThan(a.peakPods);
        expect(a.slots).toBe(a.maxNodes * a.podsPerNode);
        expect(a.maxNodes * a.podsPerNode - a.peakPods).toBeGreaterThanOrEqual(a.podsPerNode);
      }
    }
  });
});
