// The two questions the scheduler's only contract (requests vs allocatable) answers: how many
// nodes the pods need when packed first-fit-decreasing, and the heaviest load it allows on one node.
import { add, exclusive, PodGroup, Shape, ZERO } from '../compute';

/** How many more pods of `request` fit a node already holding `used` (Infinity for a zero request). */
export function room(used: Shape, request: Shape, allocatable: Shape): number {
  let n = Infinity;
  for (const k of ['cpu', 'memory'] as const) {
    if (request[k] > 0) n = Math.min(n, Math.floor((allocatable[k] - used[k]) / request[k]));
  }
  return Math.max(0, n);
}

/** `n` identical nodes, each holding `counts[i]` pods of group i. Identical pods fill nodes alike. */
export interface NodeClass {
  n: number;
  counts: number[];
  used: Shape;
}

/** Largest share of the node a pod's request takes: the "size" FFD sorts by. */
function share(request: Shape, allocatable: Shape): number {
  const part = (k: 'cpu' | 'memory') => (request[k] === 0 ? 0 : allocatable[k] > 0 ? request[k] / allocatable[k] : Infinity);
  return Math.max(part('cpu'), part('memory'));
}

/**
 * First-fit-decreasing of every pod of `groups` onto nodes of `allocatable`, in the order nodes are
 * opened. Pods are sorted by their largest share of a node (ties: config order); each goes to the
 * first node with room. Identical pods are placed in bulk, so the cost does not grow with counts.
 */
export function packFirstFitDecreasing(groups: PodGroup[], allocatable: Shape): NodeClass[] {
  const order = groups
    .map((g, i) => i)
    .sort((a, b) => share(groups[b].requests, allocatable) - share(groups[a].requests, allocatable) || a - b);
  const nodes: NodeClass[] = [];
  const node = (n: number, base: NodeClass | undefined, g: number, pods: number): NodeClass => {
    const counts = base ? [...base.counts] : groups.map(() => 0);
    counts[g] += pods;
    return { n, counts, used: add(base?.used ?? ZERO, groups[g].requests, pods) };
  };
  for (const g of order) {
    const request = groups[g].requests;
    let left = groups[g].count;
    for (let i = 0; i < nodes.length && left > 0; i++) {
      const c = nodes[i];
      const k = room(c.used, request, allocatable);
      if (k === 0) continue;
      // first fit, pod by pod: the first `full` nodes of the class take k each, the next one the rest
      const full = Math.min(c.n, Math.floor(left / k));
      const taken = full > 0 ? full * k : 0;
      const rest = full < c.n ? left - taken : 0;
      const split = [
        full > 0 ? node(full, c, g, k) : undefined,
        rest > 0 ? node(1, c, g, rest) : undefined,
        c.n - full - (rest > 0 ? 1 : 0) > 0 ? { ...c, n: c.n - full - (rest > 0 ? 1 : 0) } : undefined,
      ].filter((x): x is NodeClass => x !== undefined);
      nodes.splice(i, 1, ...split);
      i += split.length - 1;
      left -= taken + rest;
    }
    const perNode = room(ZERO, request, allocatable);
    if (left > 0 && perNode === 0) throw new Error(`a ${groups[g].profile} pod does not fit an empty node`);
    while (left > 0) {
      const take = Math.min(perNode, left);
      const n = Math.floor(left / take);
      nodes.push(node(n, undefined, g, take));
      left -= n * take;
    }
  }
  return nodes;
}

export const nodeCount = (nodes: NodeClass[]): number => nodes.reduce((s, c) => s + c.n, 0);

/** Pods of each group on one node, and what they add up to. */
export interface Mix {
  counts: number[];
  pods: number;
  requests: Shape;
  /** Sum of CPU limits (millicores). */
  burst: number;
  /** Sum of measured peaks (bytes). */
  peak: number;
}

function mix(groups: PodGroup[], counts: number[]): Mix {
  return counts.reduce<Mix>(
    (m, n, i) => ({
      counts,
      pods: m.pods + n,
      requests: add(m.requests, groups[i].requests, n),
      burst: m.burst + n * groups[i].limits.cpu,
      peak: m.peak + n * groups[i].peak,
    }),
    { counts, pods: 0, requests: ZERO, burst: 0, peak: 0 },
  );
}

/** Lexicographic "heavier than" on the listed figures. */
const heavier = (keys: ('peak' | 'burst' | 'pods')[]) => (a: Mix, b: Mix): boolean => {
  for (const k of keys) if (a[k] !== b[k]) return a[k] > b[k];
  return false;
};
const byPeak = heavier(['peak', 'burst', 'pods']);
const byBurst = heavier(['burst', 'peak', 'pods']);

export interface WorstNode {
  /** The admissible node with the most memory peak (ties: burst, pods). */
  byPeak: Mix;
  /** The admissible node with the most CPU burst (ties: peak, pods). */
  byBurst: Mix;
}

/**
 * The heaviest loads the requests admit on one node: every mix of the groups' pods (at most the
 * pods that exist) whose requests fit `allocatable`, never mixing workloads that exclude each
 * other. All groups must share the node's pool. Every figure only grows with pods, so the last
 * group always takes all the room left: only the other groups are enumerated.
 */
export function worstNode(groups: PodGroup[], allocatable: Shape): WorstNode {
  let best: WorstNode | undefined;
  const counts = groups.map(() => 0);
  const visit = (i: number, used: Shape) => {
    const g = groups[i];
    const allowed = !groups.some((o, j) => j < i && counts[j] > 0 && exclusive(g, o));
    const most = allowed ? Math.min(g.count, room(used, g.requests, allocatable)) : 0;
    if (i === groups.length - 1) {
      counts[i] = most;
      const m = mix(groups, [...counts]);
      if (!best) best = { byPeak: m, byBurst: m };
      else {
        if (byPeak(m, best.byPeak)) best.byPeak = m;
        if (byBurst(m, best.byBurst)) best.byBurst = m;
      }
      return;
    }
    for (let n = 0; n <= most; n++) {
      counts[i] = n;
      visit(i + 1, add(used, g.requests, n));
    }
    counts[i] = 0;
  };
  if (groups.length > 0) visit(0, ZERO);
  return best ?? { byPeak: mix([], []), byBurst: mix([], []) };
}
