// The farm simulator (lib/capacity/farm/sim.ts) tested like a simulator: small cases whose times
// are computed by hand, the HPA's rate limits against horizontal.go's arithmetic, and the
// invariants of the issue as property tests.
import fc from 'fast-check';
import { FarmModel, scaleDownLimit, scaleUpLimit, simulate } from '../../lib/capacity/farm/sim';
import { HPA_DEFAULT_SCALE_UP } from '../../lib/capacity/farm/inputs';

/** A small farm: 1 pod per node, no HPA unless given, prices of 3600 USD/h (1 USD per node-second). */
const base = (over: Partial<FarmModel> = {}): FarmModel => ({
  min: 1, max: 1, fixed: 1, podsPerNode: 1, maxNodes: 4, slots: 4,
  queueTimeoutSeconds: 15, clientTimeoutSeconds: 20, pickupSeconds: 8, podStartSeconds: 30, nodeReadySeconds: 90,
  provisionDelaySeconds: 1, idleStopSeconds: 30, drainPollSeconds: 5, consolidateAfterSeconds: 300, disruptionBudgetNodes: 1,
  client: { attempts: 3, backoffSeconds: 30, backoffMultiplier: 1 }, usdPerHour: 3600, minimumBillSeconds: 60,
  ...over,
});

const hpa = (holdSeconds = 1200) => ({
  syncSeconds: 15, tolerance: 0.1, scaleUp: HPA_DEFAULT_SCALE_UP,
  scaleDown: {
    stabilizationWindowSeconds: holdSeconds,
    policies: [{ type: 'Pods' as const, value: 10, periodSeconds: holdSeconds }, { type: 'Percent' as const, value: 20, periodSeconds: holdSeconds }],
    selectPolicy: 'Max' as const,
  },
});

describe('farm simulator: hand-computed cases', () => {
  it('one build on one idle pod starts at once and the node is billed for the run, 60 s at least', () => {
    const r = simulate(base(), [{ at: 5, duration: 100 }]);
    expect(r).toMatchObject({ builds: 1, served: 1, gaveUp: 0, refusedAttempts: 0, waits: [0], end: 105, absorbSeconds: 0 });
    expect(r.billedSeconds).toBe(105);
    expect(r.usd).toBe(105);
    const short = simulate(base(), [{ at: 0, duration: 10 }]);
    expect(short.nodeSeconds).toBe(10);
    expect(short.billedSeconds).toBe(60); // AWS's minimum
  });

  it('a second build on a busy pod is refused at timeout queue, retried after the backoff, and starts when the pod frees', () => {
    // attempt 1 queued 0..15 (refused), 2 at 45..60 (refused), 3 at 90, the pod frees at 100: wait 100
    const r = simulate(base(), [{ at: 0, duration: 100 }, { at: 0, duration: 10 }]);
    expect(r).toMatchObject({ served: 2, gaveUp: 0, refusedAttempts: 2, waits: [0, 100] });
    // two attempts only: refused at 15 and 60, gives up
    const two = simulate(base({ client: { attempts: 2, backoffSeconds: 30, backoffMultiplier: 1 } }), [{ at: 0, duration: 100 }, { at: 0, duration: 10 }]);
    expect(two).toMatchObject({ served: 1, gaveUp: 1, refusedAttempts: 2, absorbSeconds: 60 });
  });

  it('the client gives up first when its timeout is below timeout queue', () => {
    // queue 30, client 20: refused at 20, retry at 50 (backoff 30) is queued until the pod frees at 60
    const r = simulate(base({ queueTimeoutSeconds: 30 }), [{ at: 0, duration: 60 }, { at: 0, duration: 10 }]);
    expect(r).toMatchObject({ served: 2, refusedAttempts: 1, waits: [0, 60] });
  });

  it('backoff grows by the multiplier', () => {
    // refused at 15, retry at 15+10=25 refused at 40, retry at 40+20=60 refused at 75, retry at 75+40=115 > 110: starts at 115
    const r = simulate(base({ client: { attempts: 4, backoffSeconds: 10, backoffMultiplier: 2 } }), [{ at: 0, duration: 110 }, { at: 0, duration: 1 }]);
    expect(r).toMatchObject({ served: 2, refusedAttempts: 3, waits: [0, 115] });
  });

  it('a burst waits for the HPA sync, Karpenter and the pod start: exact times', () => {
    // t=1: two builds, one pod: the second queues. t=15: HPA sees 2 sessions on 1 replica -> 2.
    // t=16: Karpenter (1 s batch) launches a node, Ready at 106; the pod is up at 106+30+8 = 144.
    // The queued build: refused 16, retries at 46 (refused 61), 91 (refused 106), 136 -> starts at 144: wait 143.
    const m = base({ fixed: undefined, min: 1, max: 2, client: { attempts: 6, backoffSeconds: 30, backoffMultiplier: 1 }, hpa: hpa() });
    const r = simulate(m, [{ at: 1, duration: 1000 }, { at: 1, duration: 1000 }], { sampleEvery: 1 });
    expect(r).toMatchObject({ served: 2, gaveUp: 0, refusedAttempts: 3, waits: [0, 143], peakPods: 2, peakNodes: 2 });
    const at = (t: number) => r.samples.find((s) => s.t === t)!;
    expect(at(15).nodes).toBe(1);
    expect(at(16).nodes).toBe(2);
    expect(at(143).pods).toBe(1);
    expect(at(144).pods).toBe(2);
    // the first build ends at 1001: the sync at 990 is the last to see 2 sessions (1005 sees 1 on 2
    // replicas: desired 1). The 1200 s hold keeps 2 replicas until the sync at 990+1200 = 2190; the
    // newest pod (both idle) goes, stops after drain.sh's settle (2220), its node is empty 300 s later: 2520
    const after = r.samples.filter((s) => s.t >= 1144);
    expect(after.find((s) => s.pods === 1)!.t).toBe(2190);
    expect(after.find((s) => s.nodes === 1)!.t).toBe(2520);
    expect(r.end).toBe(2520);
  });
});

describe('HPA rate limits (horizontal.go)', () => {
  it('scale up: max(4 pods, 100 %) per 15 s by default', () => {
    expect(scaleUpLimit(1, HPA_DEFAULT_SCALE_UP, () => 0)).toBe(5);
    expect(scaleUpLimit(10, HPA_DEFAULT_SCALE_UP, () => 0)).toBe(20);
    // 6 already added in the period: it started at 4
    expect(scaleUpLimit(10, HPA_DEFAULT_SCALE_UP, () => 6)).toBe(8);
  });
  it('scale down: selectPolicy Max takes the policy that removes most, Percent truncates', () => {
    const r = hpa().scaleDown;
    expect(scaleDownLimit(100, r, () => 0)).toBe(80); // 20 % of 100 > 10 pods
    expect(scaleDownLimit(30, r, () => 0)).toBe(20); // 10 pods > 20 % (6)
    expect(scaleDownLimit(33, r, () => 0)).toBe(23);
    expect(scaleDownLimit(9, { ...r, policies: [{ type: 'Percent', value: 20, periodSeconds: 60 }] }, () => 0)).toBe(7); // trunc(7.2)
  });
});

// --- invariants ------------------------------------------------------------------------------

const arrivals = fc.array(fc.record({ at: fc.integer({ min: 0, max: 600 }), duration: fc.integer({ min: 1, max: 900 }) }), { minLength: 1, maxLength: 24 })
  .map((xs) => xs.sort((a, b) => a.at - b.at));
const farm = fc.record({
  min: fc.integer({ min: 1, max: 4 }),
  extra: fc.integer({ min: 0, max: 8 }),
  podsPerNode: fc.integer({ min: 1, max: 4 }),
  attempts: fc.integer({ min: 1, max: 6 }),
  backoff: fc.integer({ min: 0, max: 60 }),
  hold: fc.integer({ min: 1, max: 30 }),
}).map((x) => base({
  fixed: undefined, min: x.min, max: x.min + x.extra, podsPerNode: x.podsPerNode,
  maxNodes: Math.ceil((x.min + x.extra + x.podsPerNode) / x.podsPerNode), slots: 64,
  client: { attempts: x.attempts, backoffSeconds: x.backoff, backoffMultiplier: 1 }, hpa: hpa(x.hold * 60),
}));

describe('farm simulator: invariants', () => {
  // a fixed seed: the same cases on every run. "More min never gives up more" and "a longer client
  // give-up never gives up more" are not here: fast-check refutes both for this model (one
  // counterexample is kept below, explained); retries and the HPA's 15 s sampling alias.
  const runs = { numRuns: 60, seed: 15 };

  it('every build is either served or gave up', () => {
    fc.assert(fc.property(farm, arrivals, (m, a) => {
      const r = simulate(m, a);
      return r.served + r.gaveUp === a.length && r.waits.length === r.served;
    }), runs);
  });

  it('with the HPA, a longer give-up can give up more: the 15 s sync samples the queue (found by the property above)', () => {
    // client give-up 12 s: the build queued at 152 is refused at 164, retried at 165 and seen by the sync
    // at 165, which adds a pod (up at 203) in time for the third build. Give-up 13 s: it is refused at
    // 165 just before that sync, which sees 1 session; the pod comes a sync later (up at 218), and the
    // third build's last attempt is refused at 207.
    const m = base({ fixed: undefined, min: 1, max: 2, podsPerNode: 2, maxNodes: 2, queueTimeoutSeconds: 60,
      client: { attempts: 3, backoffSeconds: 1, backoffMultiplier: 1 }, hpa: hpa(60) });
    const a = [{ at: 0, duration: 166 }, { at: 152, duration: 78 }, { at: 166, duration: 28 }];
    expect(simulate({ ...m, clientTimeoutSeconds: 12 }, a).gaveUp).toBe(0);
    expect(simulate({ ...m, clientTimeoutSeconds: 13 }, a).gaveUp).toBe(1);
  });

  it('cost never falls when the hold grows', () => {
    fc.assert(fc.property(farm, arrivals, fc.integer({ min: 1, max: 20 }), (m, a, more) => {
      const longer = { ...m, hpa: hpa(m.hpa!.scaleDown.stabilizationWindowSeconds + more * 60) };
      return simulate(longer, a).billedSeconds >= simulate(m, a).billedSeconds;
    }), runs);
  });
});
