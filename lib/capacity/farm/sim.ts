// A discrete-event model of one arch of the generated build farm, in whole seconds:
//   builds -> HAProxy (one build per up pod, FIFO queue, `timeout queue`, refused with no pod up)
//   -> clients (give up connecting after their timeout, retry with the runner's policy)
//   -> HPA (KEDA's metrics-api trigger, AverageValue 1 per pod, its sync, tolerance,
//      stabilization windows and scaling policies as upstream's horizontal.go applies them)
//   -> pods (ReplicaSet scale-down order, scheduling, start, HAProxy pick-up, drain)
//   -> Karpenter (batching, launch to Ready, pods per node, NodePool node cap, WhenEmpty
//      consolidation after consolidateAfter, disruption budget) -> EC2 billing.
// Pure: the inputs (FarmModel) are built from the farm's props by inputs.ts; nothing here knows YAML.

/** One HPA scaling policy, as in autoscaling/v2 HPAScalingPolicy. */
export interface ScalingPolicy { type: 'Pods' | 'Percent'; value: number; periodSeconds: number }
export interface ScalingRules { stabilizationWindowSeconds: number; policies: ScalingPolicy[]; selectPolicy: 'Max' | 'Min' | 'Disabled' }

export interface FarmModel {
  /** Autoscaled: min..max by the HPA. Fixed: `fixed` replicas, no HPA. */
  min: number;
  max: number;
  fixed?: number;
  podsPerNode: number;
  /** NodePool limit in nodes (limits.cpu / the instance's vCPU). */
  maxNodes: number;
  /** HAProxy server-template slots: pods beyond them never get builds. */
  slots: number;
  queueTimeoutSeconds: number;
  clientTimeoutSeconds: number;
  /** Pod Ready to HAProxy routing builds to it (DNS TTL + resolve + first health check). */
  pickupSeconds: number;
  podStartSeconds: number;
  nodeReadySeconds: number;
  provisionDelaySeconds: number;
  /** An idle pod told to stop keeps its node share this long (drain.sh's settle). */
  idleStopSeconds: number;
  /** A busy pod told to stop leaves this long after its build ends (drain.sh's poll). */
  drainPollSeconds: number;
  consolidateAfterSeconds: number;
  disruptionBudgetNodes: number;
  hpa?: { syncSeconds: number; tolerance: number; scaleUp: ScalingRules; scaleDown: ScalingRules };
  client: { attempts: number; backoffSeconds: number; backoffMultiplier: number };
  usdPerHour: number;
  minimumBillSeconds: number;
}

export interface Arrival { at: number; duration: number }

export interface Sample { t: number; demand: number; queued: number; pods: number; nodes: number }

export interface SimResult {
  builds: number;
  served: number;
  gaveUp: number;
  /** Attempts refused (queue timeout, client give-up or no pod up), retried ones included. */
  refusedAttempts: number;
  /** Per served build: seconds from its first attempt to its start (retries included). */
  waits: number[];
  /** Seconds from the first arrival until the last build started or gave up. */
  absorbSeconds: number;
  peakPods: number;
  peakNodes: number;
  nodeSeconds: number;
  billedSeconds: number;
  usd: number;
  /** When the model came to rest (every build done, the fleet back at its baseline). */
  end: number;
  samples: Sample[];
}

interface Node { launchedAt: number; readyAt: number; pods: number; emptySince: number; gone: boolean }
interface Pod { node: Node | null; createdAt: number; upAt: number; build: Build | null; stopAt: number; stopping: boolean }
interface Build { first: number; attempt: number; duration: number; startedAt: number; endAt: number; enqueuedAt: number }

const INF = Number.POSITIVE_INFINITY;

/** A binary min-heap of attempts by time, then by order of insertion (determinism). */
class Attempts {
  private items: { at: number; seq: number; build: Build }[] = [];
  private seq = 0;
  get size(): number { return this.items.length; }
  get nextAt(): number { return this.items.length ? this.items[0].at : INF; }
  push(at: number, build: Build): void {
    const a = this.items;
    a.push({ at, seq: this.seq++, build });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(a[p], a[i])) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): Build {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && less(a[l], a[m])) m = l;
        if (r < a.length && less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top.build;
  }
}
const less = (x: { at: number; seq: number }, y: { at: number; seq: number }) => x.at < y.at || (x.at === y.at && x.seq < y.seq);

/** Proposed replicas of one policy, exactly as horizontal.go computes them for scale up and down. */
function changeInPeriod(events: { t: number; delta: number }[], now: number, period: number): number {
  let n = 0;
  // an event counts while its timestamp + period is after now (horizontal.go getReplicasChangePerPeriod)
  for (const e of events) if (e.t + period > now) n += e.delta;
  return n;
}

export function scaleUpLimit(current: number, rules: ScalingRules, added: (period: number) => number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  let result = rules.selectPolicy === 'Min' ? INF : -INF;
  for (const p of rules.policies) {
    const start = current - added(p.periodSeconds);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = rules.selectPolicy === 'Min' ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

export function scaleDownLimit(current: number, rules: ScalingRules, removed: (period: number) => number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  let result = rules.selectPolicy === 'Min' ? -INF : INF;
  for (const p of rules.policies) {
    const start = current + removed(p.periodSeconds);
    // Percent truncates (int32 conversion in horizontal.go)
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = rules.selectPolicy === 'Min' ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

type ReplayOptions = { horizon?: number; sampleEvery?: number; billUntil?: number };

/**
 * One replay's state and the farm's parts as named steps (HAProxy, the clients, the HPA, the
 * ReplicaSet, the scheduler, Karpenter); `run` advances from event to event.
 */
class FarmReplay {
  private readonly horizon: number;
  private readonly sampleEvery: number;
  /** Pods of the fleet at rest: min, or the fixed replicas. */
  private readonly base: number;
  private readonly nodes: Node[] = [];
  private readonly pods: Pod[] = [];
  /** HAProxy's queue of builds waiting for a pod. */
  private readonly queue: Build[] = [];
  /** Client retries, by when they come back. */
  private readonly attempts = new Attempts();
  private readonly waits: number[] = [];
  private readonly samples: Sample[] = [];
  private nextArrival = 0;
  private served = 0;
  private gaveUp = 0;
  private refusedAttempts = 0;
  private lastSettled = 0;
  private nodeSeconds = 0;
  private billedSeconds = 0;
  private peakPods = 0;
  private peakNodes = 0;
  private replicas: number;
  private running = 0;
  /** When the state last changed: a run at rest ends (and its nodes stop billing) there, not at the tick that noticed. */
  private changed = 0;
  private pendingSince = INF;
  private readonly recommendations: { t: number; r: number }[] = [];
  private readonly upEvents: { t: number; delta: number }[] = [];
  private readonly downEvents: { t: number; delta: number }[] = [];
  /** HAProxy's `timeout queue` or the client's give-up, whichever comes first. */
  private readonly waitLimit: number;
  private readonly keepRecommendations: number;
  /** Longest policy period: older scale events no longer limit anything. */
  private readonly keepEvents: number;

  constructor(private readonly m: FarmModel, private readonly arrivals: Arrival[], private readonly opts: ReplayOptions) {
    this.horizon = opts.horizon ?? INF;
    this.sampleEvery = opts.sampleEvery ?? 0;
    this.base = m.fixed ?? m.min;
    this.replicas = this.base;
    this.waitLimit = Math.min(m.queueTimeoutSeconds, m.clientTimeoutSeconds);
    this.keepRecommendations = m.hpa ? Math.max(m.hpa.scaleUp.stabilizationWindowSeconds, m.hpa.scaleDown.stabilizationWindowSeconds) : 0;
    this.keepEvents = m.hpa ? Math.max(0, ...[...m.hpa.scaleUp.policies, ...m.hpa.scaleDown.policies].map((p) => p.periodSeconds)) : 0;
    this.startAtRest();
  }

  /** The fleet at rest: the base pods up on the fewest nodes. */
  private startAtRest(): void {
    const m = this.m;
    for (let i = 0; i < Math.ceil(this.base / m.podsPerNode); i++) this.newNode(0, 0);
    for (let i = 0; i < this.base; i++) {
      const node = this.nodes[Math.floor(i / m.podsPerNode)];
      node.pods++;
      this.pods.push({ node, createdAt: 0, upAt: 0, build: null, stopAt: INF, stopping: false });
    }
  }

  private change(t: number): void {
    if (t > this.changed) this.changed = t;
  }

  private newNode(t: number, readyAt: number): Node {
    const n: Node = { launchedAt: t, readyAt, pods: 0, emptySince: INF, gone: false };
    this.change(readyAt);
    this.nodes.push(n);
    return n;
  }

  private retire(n: Node, t: number): void {
    n.gone = true;
    this.change(t);
    const s = t - n.launchedAt;
    this.nodeSeconds += s;
    this.billedSeconds += Math.max(s, this.m.minimumBillSeconds);
  }

  private liveNodes(): Node[] {
    return this.nodes.filter((n) => !n.gone);
  }

  private isUp(p: Pod, t: number): boolean {
    return p.node !== null && !p.stopping && p.upAt <= t;
  }

  private settle(t: number): void {
    this.lastSettled = t;
  }

  private start(b: Build, p: Pod, t: number): void {
    p.build = b;
    this.running++;
    this.change(b.duration + t);
    b.startedAt = t;
    b.endAt = t + b.duration;
    this.served++;
    this.waits.push(t - b.first);
    this.settle(t);
  }

  /** An attempt refused: the client gives up after its last attempt, else retries after its backoff. */
  private refuse(b: Build, t: number): void {
    this.refusedAttempts++;
    const client = this.m.client;
    if (b.attempt >= client.attempts) {
      this.gaveUp++;
      this.settle(t);
      return;
    }
    const wait = Math.round(client.backoffSeconds * client.backoffMultiplier ** (b.attempt - 1));
    b.attempt++;
    this.attempts.push(t + wait, b);
  }

  /** HAProxy: a free up pod (leastconn among maxconn-1 servers: any idle one), else the queue, else refused. */
  private arrive(b: Build, t: number): void {
    const up = this.upPods(t);
    if (up.length === 0) return this.refuse(b, t);
    const idle = up.find((p) => p.build === null);
    if (idle && this.queue.length === 0) return this.start(b, idle, t);
    b.enqueuedAt = t;
    this.queue.push(b);
  }

  /** Pods HAProxy routes to: up, not stopping, within the server-template slots. */
  private upPods(t: number): Pod[] {
    const up: Pod[] = [];
    for (const p of this.pods) if (this.isUp(p, t)) up.push(p);
    return up.slice(0, this.m.slots);
  }

  private dispatch(t: number): void {
    if (this.queue.length === 0) return;
    for (const p of this.upPods(t)) {
      if (this.queue.length === 0) break;
      if (p.build === null) this.start(this.queue.shift()!, p, t);
    }
  }

  private removePod(p: Pod, t: number): void {
    this.change(t);
    if (p.node) {
      p.node.pods--;
    }
    this.pods.splice(this.pods.indexOf(p), 1);
  }

  /** ReplicaSet scale-down order (controller_utils ActivePodsWithRanks), first to go first. */
  private victims(n: number, t: number): Pod[] {
    const live = this.pods.filter((p) => !p.stopping);
    const rank = (p: Pod) => [
      p.node === null ? 0 : 1, // unscheduled first
      p.node !== null && p.upAt > t ? 0 : 1, // not ready first
      p.build ? 1000 : 0, // pod-deletion-cost: the sidecar's 0 idle, BUSY_COST busy
      -(p.node?.pods ?? 0), // more siblings on its node first
      -p.createdAt, // newest first
    ];
    return live
      .map((p) => ({ p, k: rank(p) }))
      .sort((a, b) => { for (let i = 0; i < a.k.length; i++) if (a.k[i] !== b.k[i]) return a.k[i] - b.k[i]; return 0; })
      .slice(0, n)
      .map((x) => x.p);
  }

  private setReplicas(target: number, t: number): void {
    const live = this.pods.filter((p) => !p.stopping).length;
    if (target > live) {
      for (let i = live; i < target; i++) this.pods.push({ node: null, createdAt: t, upAt: INF, build: null, stopAt: INF, stopping: false });
    } else if (target < live) {
      for (const p of this.victims(live - target, t)) {
        if (p.node === null) this.removePod(p, t);
        else {
          p.stopping = true;
          p.stopAt = p.build ? INF : t + this.m.idleStopSeconds;
        }
      }
    }
    this.replicas = target;
    this.change(t);
  }

  /** The HPA's recommendation after its stabilization windows (horizontal.go stabilizeRecommendationWithBehaviors). */
  private stabilized(t: number): number {
    const h = this.m.hpa!;
    // haproxy_backend_current_sessions: builds running plus builds queued
    const usage = this.running + this.queue.length;
    const current = this.replicas;
    let desired = current;
    const ratio = current > 0 ? usage / current : INF;
    if (Math.abs(1 - ratio) > h.tolerance) desired = Math.ceil(usage);
    let up = desired, down = desired;
    for (let i = this.recommendations.length - 1; i >= 0; i--) {
      const rec = this.recommendations[i];
      if (rec.t <= t - this.keepRecommendations) break;
      if (rec.t > t - h.scaleUp.stabilizationWindowSeconds) up = Math.min(up, rec.r);
      if (rec.t > t - h.scaleDown.stabilizationWindowSeconds) down = Math.max(down, rec.r);
    }
    this.recommendations.push({ t, r: desired });
    if (this.recommendations.length > 4096) this.recommendations.splice(0, this.recommendations.length - 2048);
    let r = current;
    if (r < up) r = up;
    if (r > down) r = down;
    return r;
  }

  /** The replicas the HPA sets for recommendation `r`: its rate limits and bounds (convertDesiredReplicasWithBehaviorRate). */
  private rateLimited(r: number, t: number): number {
    const { m, replicas: current } = this;
    const h = m.hpa!;
    let next = r;
    if (r > current) {
      let limit = scaleUpLimit(current, h.scaleUp, (period) => changeInPeriod(this.upEvents, t, period));
      if (limit < current) limit = current;
      next = Math.min(r, limit, m.max);
      next = Math.max(next, m.min);
    } else if (r < current) {
      let limit = scaleDownLimit(current, h.scaleDown, (period) => -changeInPeriod(this.downEvents, t, period));
      if (limit > current) limit = current;
      next = Math.max(r, limit, m.min);
      next = Math.min(next, m.max);
    } else next = Math.min(Math.max(r, m.min), m.max);
    return next;
  }

  private hpaSync(t: number): void {
    const current = this.replicas;
    const next = this.rateLimited(this.stabilized(t), t);
    if (next > current) this.upEvents.push({ t, delta: next - current });
    if (next < current) this.downEvents.push({ t, delta: next - current });
    while (this.upEvents.length && this.upEvents[0].t + this.keepEvents <= t) this.upEvents.shift();
    while (this.downEvents.length && this.downEvents[0].t + this.keepEvents <= t) this.downEvents.shift();
    if (next !== current) this.setReplicas(next, t);
  }

  /** kube-scheduler (LeastAllocated: the emptiest Ready node with room) binds pending pods. */
  private schedule(t: number): void {
    const m = this.m;
    for (const p of this.pods) {
      if (p.node !== null || p.stopping) continue;
      let best: Node | undefined;
      for (const n of this.nodes) if (!n.gone && n.readyAt <= t && n.pods < m.podsPerNode && (!best || n.pods < best.pods)) best = n;
      if (!best) continue;
      best.pods++;
      p.node = best;
      p.upAt = t + m.podStartSeconds + m.pickupSeconds;
      this.change(p.upAt);
    }
  }

  /** Karpenter: after its batch delay, launch nodes for pending pods the launching nodes cannot take. */
  private provision(t: number): void {
    const m = this.m;
    const pending = this.pods.filter((p) => p.node === null && !p.stopping).length;
    if (pending === 0) { this.pendingSince = INF; return; }
    if (this.pendingSince === INF) this.pendingSince = t;
    if (t < this.pendingSince + m.provisionDelaySeconds) return;
    const live = this.liveNodes();
    const launchingRoom = live.filter((n) => n.readyAt > t).reduce((s, n) => s + m.podsPerNode - n.pods, 0);
    const want = Math.ceil(Math.max(0, pending - launchingRoom) / m.podsPerNode);
    const n = Math.min(want, m.maxNodes - live.length);
    for (let i = 0; i < n; i++) this.newNode(t, t + m.nodeReadySeconds);
    this.pendingSince = INF;
  }

  /** WhenEmpty: a node without BuildKit pods for consolidateAfter goes, at most the budget at once. */
  private consolidate(t: number): void {
    let budget = this.m.disruptionBudgetNodes;
    for (const n of this.nodes) {
      // consolidateAfter counts from the last pod leaving a Ready node
      if (n.gone || n.readyAt > t) continue;
      if (n.pods > 0) { n.emptySince = INF; continue; }
      if (n.emptySince === INF) n.emptySince = t;
      if (t - n.emptySince >= this.m.consolidateAfterSeconds && budget > 0) {
        this.retire(n, t);
        budget--;
      }
    }
  }

  /** When anything can next happen after `t`. */
  private nextEventTime(t: number): number {
    const { m, queue, arrivals, sampleEvery } = this;
    let e = Math.min(this.nextArrival < arrivals.length ? arrivals[this.nextArrival].at : INF, this.attempts.nextAt);
    if (queue.length) e = Math.min(e, queue[0].enqueuedAt + this.waitLimit);
    // an idle HPA at min changes nothing (its zero recommendation never raises a later maximum): skip its syncs
    const idle = this.replicas === m.min && this.running === 0 && queue.length === 0 && m.hpa?.scaleUp.stabilizationWindowSeconds === 0;
    if (m.hpa && !idle) e = Math.min(e, (Math.floor(t / m.hpa.syncSeconds) + 1) * m.hpa.syncSeconds);
    if (this.pendingSince !== INF) e = Math.min(e, Math.max(t + 1, this.pendingSince + m.provisionDelaySeconds));
    for (const p of this.pods) {
      if (p.build) e = Math.min(e, p.build.endAt);
      if (p.stopping) e = Math.min(e, p.stopAt);
      if (p.node && p.upAt > t) e = Math.min(e, p.upAt);
    }
    for (const n of this.nodes) {
      if (n.gone) continue;
      if (n.readyAt > t) e = Math.min(e, n.readyAt);
      else if (n.pods === 0) e = Math.min(e, n.emptySince === INF ? t + 1 : Math.max(t + 1, n.emptySince + m.consolidateAfterSeconds));
    }
    if (sampleEvery > 0) e = Math.min(e, (Math.floor(t / sampleEvery) + 1) * sampleEvery);
    return e;
  }

  private atRest(t: number): boolean {
    const { base } = this;
    return this.nextArrival >= this.arrivals.length && this.attempts.size === 0 && this.queue.length === 0 &&
      this.replicas === base && this.pods.length === base && this.pods.every((p) => !p.build && !p.stopping && p.node && p.upAt <= t) &&
      this.liveNodes().every((n) => n.pods > 0);
  }

  /** Builds that end free their pod; a stopping pod whose build ended leaves after drain.sh's poll. */
  private endBuilds(t: number): void {
    for (const p of this.pods) {
      if (p.build && p.build.endAt <= t) {
        p.build = null;
        this.running--;
        if (p.stopping) p.stopAt = t + this.m.drainPollSeconds;
      }
    }
    for (let i = this.pods.length - 1; i >= 0; i--) if (this.pods[i].stopping && this.pods[i].stopAt <= t) this.removePod(this.pods[i], t);
  }

  /** HAProxy times out queued attempts; new builds and retries arrive. */
  private takeBuilds(t: number): void {
    const { queue, arrivals } = this;
    // HAProxy's `timeout queue` (or the client's give-up, whichever is first) refuses the attempt
    while (queue.length && queue[0].enqueuedAt + this.waitLimit <= t) this.refuse(queue.shift()!, t);
    while (this.nextArrival < arrivals.length && arrivals[this.nextArrival].at <= t) {
      const a = arrivals[this.nextArrival++];
      this.arrive({ first: a.at, attempt: 1, duration: a.duration, startedAt: -1, endAt: INF, enqueuedAt: -1 }, t);
    }
    while (this.attempts.nextAt <= t) this.arrive(this.attempts.pop(), t);
  }

  /** Peaks, and a timeline sample every sampleEvery seconds. */
  private record(t: number): void {
    let live = 0, podCount = 0;
    for (const n of this.nodes) if (!n.gone) live++;
    for (const p of this.pods) if (p.node !== null) podCount++;
    this.peakPods = Math.max(this.peakPods, podCount);
    this.peakNodes = Math.max(this.peakNodes, live);
    if (this.sampleEvery > 0 && t % this.sampleEvery === 0) {
      this.samples.push({ t, demand: this.running + this.queue.length + this.attempts.size, queued: this.queue.length, pods: this.upPods(t).length, nodes: live });
    }
  }

  /** Everything that happens at `t`, in the order the farm's parts react. */
  private step(t: number): void {
    const m = this.m;
    this.endBuilds(t);
    this.schedule(t);
    this.dispatch(t);
    this.takeBuilds(t);
    if (m.hpa && t % m.hpa.syncSeconds === 0) this.hpaSync(t);
    this.schedule(t);
    this.provision(t);
    this.consolidate(t);
    this.record(t);
  }

  run(): SimResult {
    const { arrivals } = this;
    let t = 0;
    for (;;) {
      this.step(t);
      if (t > 0 && this.atRest(t)) { t = Math.max(this.changed, arrivals.length ? arrivals[arrivals.length - 1].at : 0); break; }
      if (t >= this.horizon) break;
      const e = this.nextEventTime(t);
      if (e === INF) break;
      t = Math.min(e, this.horizon);
    }
    // the nodes left run on (a month is billed to its end even when the load stopped earlier)
    for (const n of this.nodes) if (!n.gone) this.retire(n, Math.max(t, this.opts.billUntil ?? 0));
    const firstAt = arrivals.length ? arrivals[0].at : 0;
    return {
      builds: arrivals.length, served: this.served, gaveUp: this.gaveUp, refusedAttempts: this.refusedAttempts, waits: this.waits,
      absorbSeconds: arrivals.length ? this.lastSettled - firstAt : 0,
      peakPods: this.peakPods, peakNodes: this.peakNodes, nodeSeconds: this.nodeSeconds, billedSeconds: this.billedSeconds,
      usd: (this.billedSeconds / 3600) * this.m.usdPerHour,
      end: t, samples: this.samples,
    };
  }
}

/**
 * Replays `arrivals` (sorted by time) through the farm, from a fleet at rest (min pods, or the
 * fixed replicas, up on the fewest nodes), until every build is done and the fleet is back at rest
 * (or `horizon` seconds). `sampleEvery` > 0 records a timeline for the SVG.
 */
export function simulate(m: FarmModel, arrivals: Arrival[], opts: ReplayOptions = {}): SimResult {
  return new FarmReplay(m, arrivals, opts).run();
}
