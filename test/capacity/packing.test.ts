// The packing and the worst-node bound on small hand-made groups, and both against naive
// reference implementations (pod by pod, every count vector) on random cases.
import fc from 'fast-check';
import { GiB } from '../../lib/core/quantity';
import { add, fits, PodGroup, Shape, ZERO } from '../../lib/compute';
import { nodeCount, packFirstFitDecreasing, room, worstNode } from '../../lib/capacity/packing';

const NODE: Shape = { cpu: 15800, memory: 58 * GiB };

function group(workload: string, count: number, cpu: number, memGiB: number, limitCpu = cpu, peakGiB = memGiB, exclusiveWith: string[] = []): PodGroup {
  return {
    workload, profile: workload, pool: 'p', count, exclusiveWith,
    requests: { cpu, memory: memGiB * GiB }, limits: { cpu: limitCpu, memory: memGiB * GiB }, peak: peakGiB * GiB,
  };
}

/** First-fit-decreasing pod by pod, as a textbook states it. */
function naiveFfd(groups: PodGroup[], alloc: Shape): number[][] {
  const share = (g: PodGroup) => Math.max(g.requests.cpu / alloc.cpu, g.requests.memory / alloc.memory);
  const pods = groups.flatMap((g, i) => Array.from({ length: g.count }, () => i));
  const order = pods.map((g, k) => [g, k]).sort(([a, ka], [b, kb]) => share(groups[b]) - share(groups[a]) || a - b || ka - kb).map(([g]) => g);
  const nodes: { used: Shape; counts: number[] }[] = [];
  for (const g of order) {
    let node = nodes.find((n) => fits(add(n.used, groups[g].requests), alloc));
    if (!node) nodes.push((node = { used: ZERO, counts: groups.map(() => 0) }));
    node.used = add(node.used, groups[g].requests);
    node.counts[g] += 1;
  }
  return nodes.map((n) => n.counts);
}

/** Every admissible count vector, without the "last group takes the rest" shortcut. */
function naiveWorst(groups: PodGroup[], alloc: Shape) {
  let peak = 0;
  let burst = 0;
  const walk = (i: number, counts: number[]) => {
    if (i === groups.length) {
      const used = counts.reduce((u, n, j) => add(u, groups[j].requests, n), ZERO);
      const mixesExclusive = counts.some((n, a) => n > 0 && counts.some((m, b) => m > 0 && groups[a].exclusiveWith.includes(groups[b].workload)));
      if (!fits(used, alloc) || mixesExclusive) return;
      peak = Math.max(peak, counts.reduce((t, n, j) => t + n * groups[j].peak, 0));
      burst = Math.max(burst, counts.reduce((t, n, j) => t + n * groups[j].limits.cpu, 0));
      return;
    }
    for (let n = 0; n <= groups[i].count; n++) walk(i + 1, [...counts, n]);
  };
  walk(0, []);
  return { peak, burst };
}

const expand = (classes: { n: number; counts: number[] }[]): number[][] => classes.flatMap((c) => Array.from({ length: c.n }, () => c.counts));

describe('first-fit-decreasing packing', () => {
  it('puts as many identical pods on a node as its allocatable holds, then opens the next', () => {
    const g = group('a', 10, 4000, 2);
    const perNode = Math.floor(NODE.cpu / g.requests.cpu);
    expect(room(ZERO, g.requests, NODE)).toBe(perNode);
    expect(nodeCount(packFirstFitDecreasing([g], NODE))).toBe(Math.ceil(g.count / perNode));
  });

  it('packs the bigger pods first and fills their nodes with the smaller ones', () => {
    const big = group('big', 2, 10000, 10);
    const small = group('small', 2, 5000, 5);
    const nodes = expand(packFirstFitDecreasing([small, big], NODE));
    // each node: one big pod and one small pod (10 + 5 <= 15.8 CPU); small listed first in config
    expect(nodes).toEqual([[1, 1], [1, 1]]);
  });

  it('is limited by memory as well as CPU', () => {
    const g = group('mem', 5, 2000, 12);
    expect(room(ZERO, g.requests, NODE)).toBe(Math.floor(58 / 12));
    expect(nodeCount(packFirstFitDecreasing([g], NODE))).toBe(2);
  });

  it('places identical pods in bulk exactly as pod-by-pod first fit would', () => {
    const arb = fc.array(
      fc.record({ count: fc.integer({ min: 0, max: 12 }), cpu: fc.integer({ min: 1, max: 16 }), mem: fc.integer({ min: 1, max: 40 }) }),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(fc.property(arb, (specs) => {
      const groups = specs.map((s, i) => group(`g${i}`, s.count, s.cpu * 500, s.mem));
      expect(expand(packFirstFitDecreasing(groups, NODE))).toEqual(naiveFfd(groups, NODE));
    }), { numRuns: 300, seed: 6 });
  });
});

describe('worst node', () => {
  it('is the most pods whose requests fit one node, bounded by the pods that exist', () => {
    const many = group('ftf', 10, 2000, 2, 4000);
    const perNode = Math.floor(NODE.cpu / many.requests.cpu);
    expect(worstNode([many], NODE).byPeak.pods).toBe(perNode);
    const few = group('wfrb', 5, 1000, 2, 2000);
    expect(worstNode([few], NODE).byPeak.pods).toBe(few.count);
  });

  it('takes the worst mix by peak and, separately, the worst mix by burst', () => {
    // heavy: big peak, light: small peak but a high limit per request
    const heavy = group('heavy', 5, 4000, 12, 4000, 12);
    const light = group('light', 5, 1000, 2, 4000, 2);
    const w = worstNode([heavy, light], NODE);
    // by peak: 3 heavy (12 CPU, 36 GiB) leave 3.8 CPU for 3 light
    expect(w.byPeak.counts).toEqual([3, 3]);
    expect(w.byPeak.peak).toBe(3 * heavy.peak + 3 * light.peak);
    // by burst: every light pod (5 x 4 CPU of limits) plus the 2 heavy pods that still fit
    expect(w.byBurst.counts).toEqual([2, 5]);
    expect(w.byBurst.burst).toBe(2 * heavy.limits.cpu + 5 * light.limits.cpu);
  });

  it('never mixes workloads that exclude each other on one node', () => {
    const a = group('a', 3, 4000, 12, 4000, 12, ['b']);
    const b = group('b', 6, 1000, 2, 3000, 2);
    const w = worstNode([a, b], NODE);
    expect(w.byPeak.counts).toEqual([3, 0]);
    expect(w.byBurst.counts).toEqual([0, 6]);
    // without the constraint the same requests admit a heavier node
    const free = worstNode([{ ...a, exclusiveWith: [] }, b], NODE);
    expect(free.byPeak.peak).toBeGreaterThan(w.byPeak.peak);
  });

  it('agrees with an enumeration of every count vector', () => {
    const arb = fc.array(
      fc.record({
        count: fc.integer({ min: 0, max: 8 }), cpu: fc.integer({ min: 0, max: 16 }), mem: fc.integer({ min: 0, max: 30 }),
        limit: fc.integer({ min: 1, max: 8 }), peak: fc.integer({ min: 0, max: 30 }), excl: fc.boolean(),
      }),
      { minLength: 1, maxLength: 3 },
    );
    fc.assert(fc.property(arb, (specs) => {
      const groups = specs.map((s, i) => group(`g${i}`, s.count, s.cpu * 500, s.mem, s.limit * 1000, s.peak, s.excl && i > 0 ? ['g0'] : []));
      const w = worstNode(groups, NODE);
      const ref = naiveWorst(groups, NODE);
      expect(w.byPeak.peak).toBe(ref.peak);
      expect(w.byBurst.burst).toBe(ref.burst);
      for (const m of [w.byPeak, w.byBurst]) {
        expect(fits(m.requests, NODE)).toBe(true);
        m.counts.forEach((n, i) => expect(n).toBeLessThanOrEqual(groups[i].count));
      }
    }), { numRuns: 300, seed: 6 });
  });
});
