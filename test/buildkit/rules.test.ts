// Each rule of the build farm: a bad config is refused with a message naming the cluster, the
// field and the value. Expected values are derived from the built-in configs, never retyped.
import { fleet, podGraceSeconds } from '../../lib/buildkit/fleet';
import { gateDownSeconds } from '../../lib/buildkit/haproxy/config';
import { PRODUCTION, STAGING, config, raw, refusal } from './support';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Asserts render() refuses `r` with a problem on `path` = `value` whose rule matches `rule`. */
function expectRefused(r: any, path: string, value: unknown, rule: RegExp): void {
  const head = `cluster ${r.name}: ${path} = ${value === undefined ? 'missing' : JSON.stringify(value)}: `;
  const problems = refusal(r);
  const hit = problems.find((p) => p.includes(head));
  if (!hit) throw new Error(`expected a problem starting "${head}", got:\n${problems.join('\n') || '(none: it rendered)'}`);
  expect(hit.slice(hit.indexOf(head) + head.length)).toMatch(rule);
}

const arch = (r: any, i = 0) => r.buildkit.architectures[i];
const at = (i: number, field: string) => `buildkit.architectures[${i}].${field}`;

describe('buildkit rules', () => {
  it('both built-in clusters render', () => {
    expect(refusal(raw(STAGING))).toEqual([]);
    expect(refusal(raw(PRODUCTION))).toEqual([]);
  });

  it('refuses a fallback above max or below min', () => {
    const r = raw(PRODUCTION);
    const high = arch(r).max + 1;
    arch(r).replicas = high;
    expectRefused(r, at(0, 'replicas'), high, /must lie between min \(\d+\) and max \(\d+\)/);
    const low = raw(PRODUCTION);
    const below = arch(low).min - 1;
    arch(low).replicas = below;
    expectRefused(low, at(0, 'replicas'), below, /must lie between min/);
  });

  it('refuses min above max', () => {
    const r = raw();
    const min = arch(r).max + 1;
    arch(r).min = min;
    expectRefused(r, at(0, 'min'), min, new RegExp(`must be <= max \\(${arch(r).max}\\)`));
  });

  it('refuses min 0: with no pod, builds are refused rather than queued and KEDA never sees demand', () => {
    const r = raw();
    arch(r).min = 0;
    expectRefused(r, at(0, 'min'), 0, /must be >= 1: with no pod HAProxy refuses a build instead of queueing it, .* never scales up/);
    expect(refusal(r).join('\n')).toMatch(/fix: min: 1/);
  });

  it('refuses a queue timeout not below the client\'s connect give-up', () => {
    const r = raw();
    const client = r.buildkit.haproxy.clientConnectTimeoutSeconds;
    r.buildkit.haproxy.timeoutQueueSeconds = client;
    expectRefused(r, 'buildkit.haproxy.timeoutQueueSeconds', client,
      new RegExp(`must be below the BuildKit client's connect give-up \\(haproxy\\.clientConnectTimeoutSeconds = ${client} s\\)`));
    expect(refusal(r).join('\n')).toContain(`fix: timeoutQueueSeconds: ${client - 1} or less`);
    r.buildkit.haproxy.timeoutQueueSeconds = client - 1;
    expect(refusal(r)).toEqual([]);
  });

  it('requires fixed replicas without autoscaling', () => {
    const r = raw(PRODUCTION);
    delete arch(r, 1).replicas;
    expectRefused(r, at(1, 'replicas'), undefined, /required without autoscaling/);
  });

  it('refuses fewer server-template slots than max replicas', () => {
    const r = raw();
    const slots = arch(r).max - 1;
    arch(r).slots = slots;
    expectRefused(r, at(0, 'slots'), slots, new RegExp(`slots must be >= the most pods this arch can have \\(${arch(r).max}\\)`));
  });

  it('refuses more pods per node than the allocatable holds', () => {
    const r = raw();
    const vcpu = r.buildkit.instanceTypes[arch(r).instanceType].vcpu;
    arch(r).podsPerNode = vcpu + 1; // not even 1 CPU each
    expectRefused(r, at(0, 'podsPerNode'), vcpu + 1, new RegExp(`${vcpu + 1} pods of at least 1 CPU and 1 GiB do not fit ${escape(arch(r).instanceType)}`));
    expect(refusal(r).join('\n')).toMatch(/fix: podsPerNode: \d+ or fewer/);
  });

  it('refuses a daemonset overhead that leaves no room for BuildKit', () => {
    const r = raw();
    r.buildkit.sizing.daemonsetOverhead.cpu = String(r.buildkit.instanceTypes[arch(r).instanceType].vcpu);
    expectRefused(r, at(0, 'podsPerNode'), arch(r).podsPerNode, /do not fit/);
  });

  it('refuses pods per node above the kubelet maxPods', () => {
    const r = raw();
    const maxPods = r.buildkit.instanceTypes[arch(r).instanceType].maxPods;
    arch(r).podsPerNode = maxPods + 1;
    expectRefused(r, at(0, 'podsPerNode'), maxPods + 1, new RegExp(`must be <= the kubelet's maxPods \\(${maxPods}\\)`));
  });

  it('refuses a node termination grace period shorter than the pods\' grace', () => {
    const r = raw();
    const short = `${r.buildkit.haproxy.timeoutServerMinutes}m`; // misses the drain slack
    r.buildkit.karpenter.terminationGracePeriod = short;
    const grace = podGraceSeconds(config(raw()).buildkit!);
    expectRefused(r, 'buildkit.karpenter.terminationGracePeriod', short, new RegExp(`must be >= the BuildKit pods' grace period \\(${grace} s`));
  });

  it('refuses a drain slack that cannot hold a build started during the settle wait', () => {
    const r = raw();
    const slack = r.buildkit.drain.settleSeconds + r.buildkit.drain.pollSeconds - 1;
    r.buildkit.drain.slackSeconds = slack;
    expectRefused(r, 'buildkit.drain.slackSeconds', slack, /the pod grace period \(timeout server \+ slack = \d+ s\) must hold/);
  });

  it('refuses a settle wait shorter than HAProxy takes to forget a pod', () => {
    const r = raw();
    r.buildkit.drain.settleSeconds = gateDownSeconds - 1;
    expectRefused(r, 'buildkit.drain.settleSeconds', gateDownSeconds - 1, new RegExp(`marks the pod down ${gateDownSeconds} s after the gate closes`));
  });

  it('refuses NodePool limits without room for the pods draining beside their replacements, with the arithmetic', () => {
    const r = raw(PRODUCTION);
    const a = arch(r);
    const { draining } = fleet(config(r).buildkit!)[0];
    const nodes = Math.ceil(a.replicas / a.podsPerNode); // enough for the fleet, none for a node drain
    a.maxNodes = nodes;
    expectRefused(r, at(0, 'maxNodes'), nodes, new RegExp(
      `${nodes} nodes x ${a.podsPerNode} pods = ${nodes * a.podsPerNode} < ${a.replicas} pods \\+ ${draining} draining = ${a.replicas + draining}`));
    expect(refusal(r).join('\n')).toContain(`fix: maxNodes: ${Math.ceil((a.replicas + draining) / a.podsPerNode)}`);
    a.maxNodes = Math.ceil((a.replicas + draining) / a.podsPerNode);
    expect(refusal(r)).toEqual([]);
  });

  it('refuses slots below the derived need (peak + draining) with the arithmetic, and keeps slots >= max', () => {
    const r = raw();
    const a = arch(r);
    const { draining } = fleet(config(r).buildkit!)[0];
    a.slots = a.max; // the old formula
    expectRefused(r, at(0, 'slots'), a.max, new RegExp(
      `must be >= the ${a.max} pods \\+ ${draining} draining = ${a.max + draining} addresses DNS can list at once`));
    a.slots = a.max + draining;
    expect(refusal(r)).toEqual([]);
  });

  it('refuses forced expiry whose replacements cannot fit the NodePool limits, with the arithmetic', () => {
    const r = raw(PRODUCTION);
    r.buildkit.karpenter.expireAfter = '168h';
    const a = arch(r);
    const fleetNodes = Math.ceil(a.replicas / a.podsPerNode);
    const nodes = fleet(config(raw(PRODUCTION)).buildkit!)[0].maxNodes;
    expectRefused(r, 'buildkit.karpenter.expireAfter', '168h', new RegExp(
      `is forceful .*the ${fleetNodes} nodes of amd64 \\(ceil\\(${a.replicas} pods / ${a.podsPerNode}\\)\\) launched together expire together ` +
        `.* ${2 * fleetNodes} in all, but the NodePool allows ${nodes}; .*bypassing the PDB`));
    expect(refusal(r).join('\n')).toContain(`expireAfter: Never`);
    // limits for twice the nodes make forced expiry consistent
    for (const x of r.buildkit.architectures) x.maxNodes = 2 * Math.ceil(x.replicas / x.podsPerNode);
    expect(refusal(r)).toEqual([]);
  });

  it('refuses a scale-down hold the HPA API rejects, naming the bound', () => {
    const r = raw();
    r.buildkit.autoscaling.scaleDownHoldMinutes = 45;
    expectRefused(r, 'buildkit.autoscaling.scaleDownHoldMinutes', 45,
      /45 x 60 = 2700 s; the HPA API refuses periodSeconds > 1800 \(and stabilizationWindowSeconds > 3600\)/);
    expect(refusal(r).join('\n')).toContain('fix: scaleDownHoldMinutes: 30 or less');
    r.buildkit.autoscaling.scaleDownHoldMinutes = 30;
    expect(refusal(r)).toEqual([]);
  });

  it('refuses KEDA versions without the prometheus format', () => {
    const r = raw();
    r.buildkit.kedaVersion = '2.13';
    expectRefused(r, 'buildkit.kedaVersion', '2.13', /lacks metrics-api format: prometheus \(needs >= 2\.14\), which the ScaledObjects of amd64, arm64 use/);
  });

  it('refuses fallback behavior before KEDA 2.17, and only when a fallback is emitted', () => {
    const r = raw(PRODUCTION);
    r.buildkit.autoscaling.enabled = true;
    r.buildkit.kedaVersion = '2.16';
    expectRefused(r, 'buildkit.kedaVersion', '2.16', /lacks fallback\.behavior .* \(needs >= 2\.17\)/);
    const staging = raw(); // no fallback configured: 2.16 has everything it emits
    staging.buildkit.kedaVersion = '2.16';
    expect(refusal(staging)).toEqual([]);
    const off = raw(PRODUCTION); // no ScaledObject at all: nothing to ask of KEDA
    off.buildkit.kedaVersion = '2.0';
    expect(refusal(off)).toEqual([]);
  });

  it('refuses an unknown instance type', () => {
    const r = raw();
    arch(r).instanceType = 'm9x.huge';
    expectRefused(r, at(0, 'instanceType'), 'm9x.huge', /unknown instance type \(known: /);
  });

  it('refuses an instance type of another architecture', () => {
    const r = raw();
    const other = arch(r, 1).instanceType;
    arch(r).instanceType = other;
    expectRefused(r, at(0, 'instanceType'), other, new RegExp(`is ${r.buildkit.instanceTypes[other].arch}, not ${arch(r).arch}`));
  });

  it.each([
    ['an architecture entry', (r: any) => arch(r), at(0, 'arch')],
    ['an instance type', (r: any) => r.buildkit.instanceTypes[arch(r).instanceType], `buildkit.instanceTypes.${JSON.stringify(raw().buildkit.architectures[0].instanceType)}.arch`],
  ])('refuses an unknown architecture on %s', (_, target, path) => {
    const r = raw();
    target(r).arch = 'riscv64';
    expectRefused(r, path, 'riscv64', /expected one of "amd64"\|"arm64"/);
  });

  it('refuses the same arch twice', () => {
    const r = raw();
    r.buildkit.architectures.push({ ...arch(r) });
    const i = r.buildkit.architectures.length - 1;
    expectRefused(r, at(i, 'arch'), arch(r).arch, /each arch appears once \(also at architectures\[0\]\)/);
  });

  it('refuses more than one HAProxy replica', () => {
    const r = raw();
    r.buildkit.haproxy.replicas = 2;
    expectRefused(r, 'buildkit.haproxy.replicas', 2, /maxconn 1 per BuildKit pod only holds within one HAProxy/);
  });

  it('refuses a global maxconn that the slots alone exhaust', () => {
    const r = raw();
    const slots = fleet(config(r).buildkit!).reduce((n, a) => n + a.slots, 0);
    r.buildkit.haproxy.maxConnections = slots;
    expectRefused(r, 'buildkit.haproxy.maxConnections', slots, new RegExp(`must exceed the builds all slots can run at once \\(${slots}, from the architectures' max\\)`));
  });

  it('requires the farm namespace to be privileged', () => {
    const r = raw();
    const i = r.namespaces.findIndex((n: any) => n.name === r.buildkit.namespaces.farm);
    r.namespaces[i].podSecurity = 'baseline';
    expectRefused(r, `namespaces[${i}].podSecurity`, 'baseline', /rootful buildkitd runs privileged/);
  });

  it('refuses a GC free share below the kubelet disk eviction thresholds', () => {
    const r = raw();
    const eviction = Number(r.buildkit.kubelet.evictionHard['imagefs.available'].replace('%', ''));
    r.buildkit.cache.freePercent = eviction;
    expectRefused(r, 'buildkit.cache.freePercent', eviction, /must be above the kubelet's disk eviction thresholds/);
  });

  it('requires the KEDA namespace to exist', () => {
    const r = raw();
    r.buildkit.namespaces.keda = 'nope';
    expectRefused(r, 'buildkit.namespaces.keda', 'nope', /must be one of the cluster's namespaces/);
  });
});
