// The farm under churn, run for real: Debian's haproxy on the generated haproxy.cfg (server-template,
// resolvers, tcp-check on buildkitd and the gate, maxconn 1), a DNS stand-in whose answer changes,
// and pod stand-ins. At max load every busy pod is replaced, `draining` pods at a time (a node
// drain, or a scale-down of busy pods with the load back at max): the draining pods keep their builds and their addresses in DNS (the pod Service
// publishes terminating pods) but close their gate, and their replacements join. Every new build
// must land on an idle replacement. With the old formula (slots = max) the same scenario refuses
// builds: the replacement finds no free slot.
//
// Why a draining pod must keep its address (HAProxy src/resolvers.c, resolv_get_ip_from_response,
// and src/server.c, snr_resolution_cb): once an address has been gone from the answer for `hold
// obsolete`, its slot loses it and goes to maintenance, but the slot still counts the running
// build (`served`) against maxconn 1; each new answer is handed out slot by slot in config order,
// each slot without an address taking the first one no other slot holds. The emptied busy slot is
// usually first, so the replacement's address lands on it and gets no build until the old one ends,
// however many spare slots there are. Only test-only timings are overridden (queue, resolve, hold,
// check interval); every directive is the generated one.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ArchFleet, fleet } from '../../lib/buildkit/fleet';
import { STATS_PORT, haproxySections, podsHost } from '../../lib/buildkit/haproxy/config';
import { renderConfig } from '../../lib/render/haproxy';
import type { BuildkitSettings } from '../../lib/buildkit';
import { tmpDir } from '../support/clusters';
import { tool } from '../support/env';
import { startDnsStub } from './dns-stub';
import { PodStandIn, build, freePort, localConfig, serverStats, startPod, until } from './live';
import { PRODUCTION, STAGING, buildkitFiles, config, raw } from './support';

const haproxy = tool('haproxy', ['-v']);
const describeIf = haproxy ? describe : describe.skip;

/** Test-only timings: short waits, same directives. */
const FAST = {
  'timeout queue': '3s',
  'timeout resolve': '100ms',
  'timeout retry': '100ms',
  'hold obsolete': '300ms',
  'hold nx': '300ms',
  inter: '100ms',
};
// generous for a loaded CI machine: each wait ends as soon as its condition holds
const WAIT_MS = 15_000;
/**
 * How long a replacement gets to be up in HAProxy where it cannot get a slot: about ten times what
 * it needs at FAST timings (a DNS round and a check). Where it must get one, the run waits longer
 * (WAIT_MS), so that a loaded machine does not fail it.
 */
const REPLACEMENT_UP_MS = 3_000;

interface Outcome {
  /** Per wave: how many of its new builds started on an idle replacement. */
  landed: number[];
  /** Replies of the new builds: "done by <replacement>" or a refusal. */
  replies: string[];
  replacements: string[];
  /** Most builds one stand-in ever ran at once. */
  maxActive: number;
}

/**
 * Runs the churn scenario on `arch`; stops after `waves` waves. `dropFromDns`: draining pods leave
 * the DNS answer at once (a headless Service without publishNotReadyAddresses) and their
 * replacements come up after HAProxy has dropped their addresses, as a real pod start takes longer
 * than `hold obsolete`.
 */
async function churn(b: BuildkitSettings, archs: ArchFleet[], arch: ArchFleet, cfg: string, waves: number, dropFromDns = false,
  upWaitMs = REPLACEMENT_UP_MS): Promise<Outcome> {
  const host = podsHost(b, arch);
  const records: Record<string, string[]> = Object.fromEntries(archs.map((a) => [podsHost(b, a), []]));
  const dns = await startDnsStub(records);
  const local = { binds: new Map<number, number>(), dnsPort: dns.port, podPort: await freePort(), gatePort: await freePort() };
  for (const m of cfg.matchAll(/^\s+bind :(\d+)$/gm)) local.binds.set(Number(m[1]), await freePort());
  const dir = tmpDir('haproxy-churn');
  const file = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(file, localConfig(cfg, local, FAST));

  const pods: PodStandIn[] = [];
  let proc: ChildProcess | undefined;
  let stderr = '';
  const stats = () => serverStats(`http://127.0.0.1:${local.binds.get(STATS_PORT)}/stats;csv`, arch.name).catch(() => []);
  const up = async () => (await stats()).filter((s) => s.status === 'UP').length;
  const ip = (n: number) => `127.0.${1 + Math.floor(n / 200)}.${1 + (n % 200)}`;
  let next = 0;
  const newPod = async () => {
    const p = await startPod(ip(next++), local.podPort, local.gatePort);
    pods.push(p);
    records[host].push(p.ip);
    return p;
  };
  const fail = (what: string) => new Error(`${what}\n${stderr}`);

  try {
    // max load: peakPods pods, each running a build
    const live: PodStandIn[] = [];
    for (let i = 0; i < arch.peakPods; i++) live.push(await newPod());
    proc = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr!.on('data', (d) => (stderr += d));
    if ((await until(up, (n) => n === arch.peakPods, WAIT_MS)) !== arch.peakPods) throw fail('pods never came up');
    const frontend = local.binds.get(arch.lbPort)!;
    let id = 0;
    const running = live.map(() => build(frontend, id++, 10 * WAIT_MS).catch((e: Error) => `refused: ${e.message}`));
    const busy = () => live.every((p) => p.active === 1);
    if (!(await until(async () => busy(), (ok) => ok, WAIT_MS))) throw fail('not every pod got a build');

    const outcome: Outcome = { landed: [], replies: [], replacements: [], maxActive: 0 };
    const newBuilds: Promise<string>[] = [];
    for (let w = 0; w < waves; w++) {
      // `draining` busy pods start terminating (a node drain, a scale-down), their replacements start
      const draining = live.splice(0, arch.draining);
      await Promise.all(draining.map((p) => p.terminate()));
      if (dropFromDns) {
        for (const p of draining) records[host].splice(records[host].indexOf(p.ip), 1);
        const emptied = async () => (await stats()).filter((x) => /MAINT/.test(x.status)).length;
        const spare = arch.slots - records[host].length;
        if ((await until(emptied, (n) => n >= spare, WAIT_MS)) < spare) throw fail('HAProxy kept the addresses of pods gone from DNS');
      }
      const replacements: PodStandIn[] = [];
      for (const _ of draining) replacements.push(await newPod());
      outcome.replacements.push(...replacements.map((p) => p.ip));
      // once HAProxy could have the replacements up (DNS, then one check), builds arrive; at max load
      // every other pod is busy. (Sent before, they would wait in the queue, and Debian's 2.6 may
      // hand a queued build to a full server as one comes up: the maxconn race fixed in 3.2 by
      // "BUG/MEDIUM: queues: Stricly respect maxconn for outgoing connections", 3372a2ea0.)
      // (`up` counts servers plainly UP: the draining ones are going down or down already)
      const drainingSeen = async () => (await stats()).filter((x) => x.status === 'DOWN').length;
      if (!dropFromDns) await until(drainingSeen, (n) => n === draining.length, WAIT_MS);
      await until(up, (n) => n === arch.peakPods, upWaitMs);
      newBuilds.push(...replacements.map(() => build(frontend, id++, 10 * WAIT_MS).catch((e: Error) => `refused: ${e.message}`)));
      // a build that gets no pod is refused after `timeout queue` (3s here): waiting twice that is enough
      const landed = await until(async () => replacements.filter((p) => p.active === 1).length, (n) => n === replacements.length, 6_000);
      outcome.landed.push(landed);
      if (landed < replacements.length) break; // refused: the rest of the scenario would only repeat it
      // the drained pods finish their builds and are gone: out of DNS, their slots free again
      draining.forEach((p) => p.release());
      await Promise.all(draining.map((p) => p.close()));
      if (!dropFromDns) for (const p of draining) records[host].splice(records[host].indexOf(p.ip), 1);
      const spare = arch.slots - records[host].length;
      const free = async () => (await stats()).filter((s) => /MAINT/.test(s.status)).length;
      if ((await until(free, (n) => n >= spare, WAIT_MS)) < spare) throw fail(`wave ${w}: the gone pods kept their slots`);
      live.push(...replacements);
    }
    pods.forEach((p) => p.release());
    outcome.replies = await Promise.all(newBuilds);
    await Promise.all(running);
    outcome.maxActive = Math.max(...pods.map((p) => p.maxActive));
    return outcome;
  } finally {
    proc?.kill('SIGKILL');
    await Promise.all(pods.map((p) => p.close()));
    await dns.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describeIf('the farm under churn: busy pods replaced at max load (real haproxy)', () => {
  describe.each([
    [STAGING, 'amd64'],
    [PRODUCTION, 'amd64'],
  ])('%s %s', (name, archName) => {
    const r = raw(name);
    const b = config(r).buildkit!;
    const archs = fleet(b);
    const arch = archs.find((a) => a.arch === archName)!;

    it('derived slots: every build arriving during the replacement lands on an idle replacement', async () => {
      // the text of dist/<cluster>/buildkit/haproxy.cfg, as synthesized
      const cfg = buildkitFiles(r).get('haproxy.cfg')!;
      expect(cfg).toContain(`server-template pod ${arch.slots} `);
      const waves = Math.ceil(arch.peakPods / arch.draining); // every pod of the fleet replaced once
      const out = await churn(b, archs, arch, cfg, waves, false, WAIT_MS);
      expect(out.landed).toEqual(Array(waves).fill(arch.draining));
      // each replacement ran exactly one of the new builds (which one goes where within a wave is HAProxy's choice)
      expect([...out.replies].sort()).toEqual(out.replacements.map((ip) => `done by ${ip}\n`).sort());
      expect(out.maxActive).toBe(1); // never two builds on one pod
    }, 12 * WAIT_MS);

    if (name === STAGING) {
      it('derived slots but draining pods dropped from DNS: the emptied busy slots take the replacements\' addresses, builds are refused', async () => {
        const cfg = buildkitFiles(r).get('haproxy.cfg')!;
        const out = await churn(b, archs, arch, cfg, 1, true);
        expect(out.landed).toEqual([0]);
        expect(out.replies.every((reply) => !reply.startsWith('done'))).toBe(true);
      }, 6 * WAIT_MS);
    }

    it('old formula (slots = max): the same scenario refuses builds although the replacements are idle', async () => {
      const old = archs.map((a) => ({ ...a, slots: a.peakPods }));
      const cfg = renderConfig(haproxySections(b, old));
      expect(cfg).toContain(`server-template pod ${arch.peakPods} `);
      const out = await churn(b, archs, arch, cfg, 1);
      expect(out.landed).toEqual([0]);
      expect(out.replies.every((reply) => !reply.startsWith('done'))).toBe(true);
    }, 6 * WAIT_MS);
  });
});
