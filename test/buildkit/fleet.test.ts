// The sizing formulas of fleet.ts, stated as rules (EKS kube-reserved, whole-unit pod shares that
// always fit, GC budgets that never overcommit the instance store).
import fc from 'fast-check';
import { cacheBudget, fleet, kubeReserved, nodeSizing, podSize } from '../../lib/buildkit/fleet';
import type { BuildkitConfig } from '../../lib/config/sections/buildkit';
import { GiB, cpuCores, memoryBytes } from '../../lib/config/quantity';
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

describe('pod sizing', () => {
  const base = config(raw(STAGING)).buildkit!;

  it('gives every built-in arch whole cores and GiB that fill, but never exceed, its share', () => {
    for (const name of [STAGING, PRODUCTION]) {
      const b = config(raw(name)).buildkit!;
      for (const a of fleet(b)) {
        const share = { cpu: (a.node.free.cpu * b.sizing.safetyFactor) / a.podsPerNode, mem: (a.node.free.memory * b.sizing.safetyFactor) / a.podsPerNode / GiB };
        expect(Number.isInteger(a.pod.cpu) && Number.isInteger(a.pod.memoryGiB)).toBe(true);
        expect(a.pod.cpu).toBeLessThanOrEqual(share.cpu);
        expect(a.pod.cpu + 1).toBeGreaterThan(share.cpu);
        expect(a.pod.memoryGiB).toBeLessThanOrEqual(share.mem);
        expect(a.pod.memoryGiB + 1).toBeGreaterThan(share.mem);
      }
    }
  });

  it('always fits podsPerNode pods plus the DaemonSets into the allocatable (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 192 }), fc.integer({ min: 4, max: 1536 }), fc.integer({ min: 8, max: 250 }),
        fc.integer({ min: 1, max: 16 }), fc.double({ min: 0.5, max: 1, noNaN: true }), fc.integer({ min: 0, max: 4000 }),
        (vcpu, memGiB, maxPods, podsPerNode, safetyFactor, overheadMilli) => {
          const b: BuildkitConfig = { ...base, sizing: { safetyFactor, daemonsetOverhead: { cpu: `${overheadMilli}m`, memory: '2Gi' } } };
          const instance = { ...Object.values(base.instanceTypes)[0], vcpu, memory: `${memGiB}Gi`, maxPods };
          const node = nodeSizing(b, instance);
          const pod = podSize(b, node, podsPerNode);
          if (pod.cpu < 1 || pod.memoryGiB < 1) return; // refused by the rules
          const overhead = b.sizing.daemonsetOverhead;
          expect(podsPerNode * pod.cpu + cpuCores(overhead.cpu)).toBeLessThanOrEqual(node.allocatable.cpu + 1e-9);
          expect(podsPerNode * pod.memoryGiB * GiB + memoryBytes(overhead.memory)).toBeLessThanOrEqual(node.allocatable.memory);
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
