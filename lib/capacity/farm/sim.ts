// A discrete-event model of one arch of the generated build farm, in whole seconds:
//   builds -> HAProxy (one build per up pod, FIFO queue, `timeout queue`, refused with no pod up)
//   -> clients (give up connecting after their timeout, retry with the runner's policy)
//   -> HPA (KEDA's metrics-api trigger, AverageValue 1 per pod, its sync, tolerance,
//      stabilization windows and scaling policies as upstream's horizontal.go applies them)
//   -> pods (ReplicaSet scale-down order, scheduling, start, HAProxy pick-up, drain)
//   -> Karpenter (batching, launch to Ready, pods per node, NodePool node cap, WhenEmpty
//      consolidation after consolidateAfter, disruption budget) -> EC2 billing.
// Pure: the inputs (FarmModel) are built from the config by model.ts; nothing here knows YAML.

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

/**
 * Replays `arrivals` (sorted by time) through the farm, from a fleet at rest (min pods, or the
 * fixed replicas, up on the fewest nodes), until every build is done and the fleet is back at rest
 * (or `horizon` seconds). `sampleEvery` > 0 records a timeline for the SVG.
 */
export function simulate(m: FarmModel, arrivals: Arrival[], opts: { horizon?: number; sampleEvery?: number; billUntil?: number } = {}): SimResult {
  const horizon = opts.horizon ?? INF;
  const sampleEvery = opts.sampleEvery ?? 0;
  const base = m.fixed ?? m.min;
  const nodes: Node[] = [];
  const pods: Pod[] = [];
  const queue: Build[] = [];
  const attempts = new Attempts();
  const waits: number[] = [];
  const samples: Sample[] = [];
  let nextArrival = 0;
  let served = 0, gaveUp = 0, refusedAttempts = 0, lastSettled = 0;
  let nodeSeconds = 0, billedSeconds = 0;
  let peakPods = 0, peakNodes = 0;
  let replicas = base;
  let running = 0;
  /** When the state last changed: a run at rest ends (and its nodes stop billing) there, not at the tick that noticed. */
  let changed = 0;
  const change = (t: number) => { if (t > changed) changed = t; };
  let pendingSince = INF;
  const recommendations: { t: number; r: number }[] = [];
  const upEvents: { t: number; delta: number }[] = [];
  const downEvents: { t: number; delta: number }[] = [];

  const newNode = (t: number, readyAt: number): Node => {
    const n: Node = { launchedAt: t, readyAt, pods: 0, emptySince: INF, gone: false };
    change(readyAt);
    nodes.push(n);
    return n;
  };
  const retire = (n: Node, t: number) => {
    n.gone = true;
    change(t);
    const s = t - n.launchedAt;
    nodeSeconds += s;
    billedSeconds += Math.max(s, m.minimumBillSeconds);
  };
  for (let i = 0; i < Math.ceil(base / m.podsPerNode); i++) newNode(0, 0);
  for (let i = 0; i < base; i++) {
    const node = nodes[Math.floor(i / m.podsPerNode)];
    node.pods++;
    pods.push({ node, createdAt: 0, upAt: 0, build: null, stopAt: INF, stopping: false });
  }

  const liveNodes = () => nodes.filter((n) => !n.gone);
  const isUp = (p: Pod, t: number) => p.node !== null && !p.stopping && p.upAt <= t;

  const settle = (t: number) => { lastSettled = t; };

  function start(b: Build, p: Pod, t: number) {
    p.build = b;
    running++;
    change(b.duration + t);
    b.startedAt = t;
    b.endAt = t + b.duration;
    served++;
    waits.push(t - b.first);
    settle(t);
  }

  function refuse(b: Build, t: number) {
    refusedAttempts++;
    if (b.attempt >= m.client.attempts) {
      gaveUp++;
      settle(t);
      return;
    }
    const wait = Math.round(m.client.backoffSeconds * m.client.backoffMultiplier ** (b.attempt - 1));
    b.attempt++;
    attempts.push(t + wait, b);
  }

  /** HAProxy: a free up pod (leastconn among maxconn-1 servers: any idle one), else the queue, else refused. */
  function arrive(b: Build, t: number) {
    const up = upPods(t);
    if (up.length === 0) return refuse(b, t);
    const idle = up.find((p) => p.build === null);
    if (idle && queue.length === 0) return start(b, idle, t);
    b.enqueuedAt = t;
    queue.push(b);
  }

  /** Pods HAProxy routes to: up, not stopping, within the server-template slots. */
  function upPods(t: number): Pod[] {
    const up: Pod[] = [];
    for (const p of pods) if (isUp(p, t)) up.push(p);
    return up.slice(0, m.slots);
  }

  function dispatch(t: number) {
    if (queue.length === 0) return;
    for (const p of upPods(t)) {
      if (queue.length === 0) break;
      if (p.build === null) start(queue.shift()!, p, t);
    }
  }

  const waitLimit = Math.min(m.queueTimeoutSeconds, m.clientTimeoutSeconds);

  function removePod(p: Pod, t: number) {
    change(t);
    if (p.node) {
      p.node.pods--;
    }
    pods.splice(pods.indexOf(p), 1);
  }

  /** ReplicaSet scale-down order (controller_utils ActivePodsWithRanks), first to go first. */
  function victims(n: number, t: number): Pod[] {
    const live = pods.filter((p) => !p.stopping);
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

  function setReplicas(target: number, t: number) {
    const live = pods.filter((p) => !p.stopping).length;
    if (target > live) {
      for (let i = live; i < target; i++) pods.push({ node: null, createdAt: t, upAt: INF, build: null, stopAt: INF, stopping: false });
    } else if (target < live) {
      for (const p of victims(live - target, t)) {
        if (p.node === null) removePod(p, t);
        else {
          p.stopping = true;
          p.stopAt = p.build ? INF : t + m.idleStopSeconds;
        }
      }
    }
    replicas = target;
    change(t);
  }

  const keepRecommendations = m.hpa ? Math.max(m.hpa.scaleUp.stabilizationWindowSeconds, m.hpa.scaleDown.stabilizationWindowSeconds) : 0;
  /** Longest policy period: older scale events no longer limit anything. */
  const keepEvents = m.hpa ? Math.max(0, ...[...m.hpa.scaleUp.policies, ...m.hpa.scaleDown.policies].map((p) => p.periodSeconds)) : 0;

  function hpaSync(t: number) {
    const h = m.hpa!;
    // haproxy_backend_current_sessions: builds running plus builds queued
    const usage = running + queue.length;
    const current = replicas;
    let desired = current;
    const ratio = current > 0 ? usage / current : INF;
    if (Math.abs(1 - ratio) > h.tolerance) desired = Math.ceil(usage);
    // stabilization (horizontal.go stabilizeRecommendationWithBehaviors)
    let up = desired, down = desired;
    for (let i = recommendations.length - 1; i >= 0; i--) {
      const rec = recommendations[i];
      if (rec.t <= t - keepRecommendations) break;
      if (rec.t > t - h.scaleUp.stabilizationWindowSeconds) up = Math.min(up, rec.r);
      if (rec.t > t - h.scaleDown.stabilizationWindowSeconds) down = Math.max(down, rec.r);
    }
    recommendations.push({ t, r: desired });
    if (recommendations.length > 4096) recommendations.splice(0, recommendations.length - 2048);
    let r = current;
    if (r < up) r = up;
    if (r > down) r = down;
    // rate limits and bounds (convertDesiredReplicasWithBehaviorRate)
    let next = r;
    if (r > current) {
      let limit = scaleUpLimit(current, h.scaleUp, (period) => changeInPeriod(upEvents, t, period));
      if (limit < current) limit = current;
      next = Math.min(r, limit, m.max);
      next = Math.max(next, m.min);
    } else if (r < current) {
      let limit = scaleDownLimit(current, h.scaleDown, (period) => -changeInPeriod(downEvents, t, period));
      if (limit > current) limit = current;
      next = Math.max(r, limit, m.min);
      next = Math.min(next, m.max);
    } else next = Math.min(Math.max(r, m.min), m.max);
    if (next > current) upEvents.push({ t, delta: next - current });
    if (next < current) downEvents.push({ t, delta: next - current });
    while (upEvents.length && upEvents[0].t + keepEvents <= t) upEvents.shift();
    while (downEvents.length && downEvents[0].t + keepEvents <= t) downEvents.shift();
    if (next !== current) setReplicas(next, t);
  }

  /** kube-scheduler (LeastAllocated: the emptiest Ready node with room) binds pending pods. */
  function schedule(t: number) {
    for (const p of pods) {
      if (p.node !== null || p.stopping) continue;
      let best: Node | undefined;
      for (const n of nodes) if (!n.gone && n.readyAt <= t && n.pods < m.podsPerNode && (!best || n.pods < best.pods)) best = n;
      if (!best) continue;
      best.pods++;
      p.node = best;
      p.upAt = t + m.podStartSeconds + m.pickupSeconds;
      change(p.upAt);
    }
  }

  /** Karpenter: after its batch delay, launch nodes for pending pods the launching nodes cannot take. */
  function provision(t: number) {
    const pending = pods.filter((p) => p.node === null && !p.stopping).length;
    if (pending === 0) { pendingSince = INF; return; }
    if (pendingSince === INF) pendingSince = t;
    if (t < pendingSince + m.provisionDelaySeconds) return;
    const live = liveNodes();
    const launchingRoom = live.filter((n) => n.readyAt > t).reduce((s, n) => s + m.podsPerNode - n.pods, 0);
    const want = Math.ceil(Math.max(0, pending - launchingRoom) / m.podsPerNode);
    const n = Math.min(want, m.maxNodes - live.length);
    for (let i = 0; i < n; i++) newNode(t, t + m.nodeReadySeconds);
    pendingSince = INF;
  }

  /** WhenEmpty: a node without BuildKit pods for consolidateAfter goes, at most the budget at once. */
  function consolidate(t: number) {
    let budget = m.disruptionBudgetNodes;
    for (const n of nodes) {
      // consolidateAfter counts from the last pod leaving a Ready node
      if (n.gone || n.readyAt > t) continue;
      if (n.pods > 0) { n.emptySince = INF; continue; }
      if (n.emptySince === INF) n.emptySince = t;
      if (t - n.emptySince >= m.consolidateAfterSeconds && budget > 0) {
        retire(n, t);
        budget--;
      }
    }
  }

  const next = (t: number): number => {
    let e = Math.min(nextArrival < arrivals.length ? arrivals[nextArrival].at : INF, attempts.nextAt);
    if (queue.length) e = Math.min(e, queue[0].enqueuedAt + waitLimit);
    // an idle HPA at min changes nothing (its zero recommendation never raises a later maximum): skip its syncs
    const idle = replicas === m.min && running === 0 && queue.length === 0 && m.hpa?.scaleUp.stabilizationWindowSeconds === 0;
    if (m.hpa && !idle) e = Math.min(e, (Math.floor(t / m.hpa.syncSeconds) + 1) * m.hpa.syncSeconds);
    if (pendingSince !== INF) e = Math.min(e, Math.max(t + 1, pendingSince + m.provisionDelaySeconds));
    for (const p of pods) {
      if (p.build) e = Math.min(e, p.build.endAt);
      if (p.stopping) e = Math.min(e, p.stopAt);
      if (p.node && p.upAt > t) e = Math.min(e, p.upAt);
    }
    for (const n of nodes) {
      if (n.gone) continue;
      if (n.readyAt > t) e = Math.min(e, n.readyAt);
      else if (n.pods === 0) e = Math.min(e, n.emptySince === INF ? t + 1 : Math.max(t + 1, n.emptySince + m.consolidateAfterSeconds));
    }
    if (sampleEvery > 0) e = Math.min(e, (Math.floor(t / sampleEvery) + 1) * sampleEvery);
    return e;
  };

  const atRest = (t: number): boolean =>
    nextArrival >= arrivals.length && attempts.size === 0 && queue.length === 0 &&
    replicas === base && pods.length === base && pods.every((p) => !p.build && !p.stopping && p.node && p.upAt <= t) &&
    liveNodes().every((n) => n.pods > 0);

  let t = 0;
  for (;;) {
    // builds that end free their pod; a stopping pod whose build ended leaves after drain.sh's poll
    for (const p of pods) {
      if (p.build && p.build.endAt <= t) {
        p.build = null;
        running--;
        if (p.stopping) p.stopAt = t + m.drainPollSeconds;
      }
    }
    for (let i = pods.length - 1; i >= 0; i--) if (pods[i].stopping && pods[i].stopAt <= t) removePod(pods[i], t);
    schedule(t);
    dispatch(t);
    // HAProxy's `timeout queue` (or the client's give-up, whichever is first) refuses the attempt
    while (queue.length && queue[0].enqueuedAt + waitLimit <= t) refuse(queue.shift()!, t);
    while (nextArrival < arrivals.length && arrivals[nextArrival].at <= t) {
      const a = arrivals[nextArrival++];
      arrive({ first: a.at, attempt: 1, duration: a.duration, startedAt: -1, endAt: INF, enqueuedAt: -1 }, t);
    }
    while (attempts.nextAt <= t) arrive(attempts.pop(), t);
    if (m.hpa && t % m.hpa.syncSeconds === 0) hpaSync(t);
    schedule(t);
    provision(t);
    consolidate(t);

    let live = 0, podCount = 0;
    for (const n of nodes) if (!n.gone) live++;
    for (const p of pods) if (p.node !== null) podCount++;
    peakPods = Math.max(peakPods, podCount);
    peakNodes = Math.max(peakNodes, live);
    if (sampleEvery > 0 && t % sampleEvery === 0) {
      samples.push({ t, demand: running + queue.length + attempts.size, queued: queue.length, pods: upPods(t).length, nodes: live });
    }
    if (t > 0 && atRest(t)) { t = Math.max(changed, arrivals.length ? arrivals[arrivals.length - 1].at : 0); break; }
    if (t >= horizon) break;
    const e = next(t);
    if (e === INF) break;
    t = Math.min(e, horizon);
  }
  // the nodes left run on (a month is billed to its end even when the load stopped earlier)
  for (const n of nodes) if (!n.gone) retire(n, Math.max(t, opts.billUntil ?? 0));
  const firstAt = arrivals.length ? arrivals[0].at : 0;
  return {
    builds: arrivals.length, served, gaveUp, refusedAttempts, waits,
    absorbSeconds: arrivals.length ? lastSettled - firstAt : 0,
    peakPods, peakNodes, nodeSeconds, billedSeconds,
    usd: (billedSeconds / 3600) * m.usdPerHour,
    end: t, samples,
  };
}
