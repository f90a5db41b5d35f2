// HAProxy itself on the generated configuration: `haproxy -c` on every cluster's haproxy.cfg as
// written, then the staging config run for real on loopback with BuildKit stand-ins behind a stub
// DNS. Only addresses, ports and the nameserver are substituted; every directive under test
// (balance, maxconn 1, server-template, timeouts, queue, the exporter) is the generated one.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { fleet } from '../../lib/buildkit/fleet';
import { METRICS_PATH, METRICS_PORT, podsHost } from '../../lib/buildkit/haproxy/config';
import { tmpDir } from '../support/clusters';
import { tool } from '../support/env';
import { DnsStub, startDnsStub } from './dns-stub';
import { kedaValue } from './keda-selector';
import { PodStandIn, build, freePort, localConfig, startPod, until } from './live';
import { PRODUCTION, STAGING, buildkitFiles, config, objects, raw } from './support';

const haproxy = tool('haproxy', ['-v']);
const describeIf = haproxy ? describe : describe.skip;

function run(cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args);
    let output = '';
    p.stdout.on('data', (d) => (output += d));
    p.stderr.on('data', (d) => (output += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, output }));
  });
}

describeIf('haproxy -c', () => {
  it('accepts every generated haproxy.cfg as written, without warnings', async () => {
    const dir = tmpDir('haproxy-check');
    const checks = [STAGING, PRODUCTION].map(async (name) => {
      const files = buildkitFiles(raw(name));
      const cfg = files.get('haproxy.cfg')!;
      // the ConfigMap HAProxy mounts holds the same text as the file checked here
      expect(objects(raw(name)).get('configmap-buildkit-lb.yaml').data['haproxy.cfg']).toBe(cfg);
      const file = path.join(dir, `${name}.cfg`);
      fs.writeFileSync(file, cfg);
      return { name, ...(await run('haproxy', ['-c', '-f', file])) };
    });
    const results = await Promise.all(checks);
    fs.rmSync(dir, { recursive: true, force: true });
    for (const { name, code, output } of results) {
      expect({ name, code, output }).toEqual({ name, code: 0, output: expect.stringContaining('Configuration file is valid') });
      // a low `ulimit -n` on the test machine is not the config's fault
      const warnings = output.split('\n').filter((l) => /\[(WARNING|ALERT)\]/.test(l) && !/ulimit-n|FD limit/.test(l));
      expect({ name, warnings }).toEqual({ name, warnings: [] });
    }
  });
});

describeIf('generated HAProxy on loopback with BuildKit stand-ins', () => {
  const r = raw(STAGING);
  const b = config(r).buildkit!;
  const arch = fleet(b)[0];
  const scaled = objects(r).get(`scaledobject-${arch.name}.yaml`);
  const valueLocation: string = scaled.spec.triggers[0].metadata.valueLocation;
  const PODS = 3;
  const BUILDS = 2 * PODS + 1;
  // generous bounds for a slow CI machine: each wait ends as soon as its condition holds
  const WAIT_MS = 10_000;

  let proc: ChildProcess | undefined;
  let dns: DnsStub | undefined;
  const standIns: PodStandIn[] = [];
  let stderr = '';
  let frontend = 0;
  // the other arch's frontend: its DNS name lists no pod
  const idle = fleet(b).find((a) => a.arch !== arch.arch)!;
  let idleFrontend = 0;
  let metricsUrl = '';
  let file = '';

  const metrics = async () => (await fetch(metricsUrl)).text();

  beforeAll(async () => {
    const cfg = buildkitFiles(r).get('haproxy.cfg')!;
    const podPort = await freePort();
    const gatePort = await freePort();
    const ips = Array.from({ length: PODS }, (_, i) => `127.0.0.${i + 2}`);
    for (const ip of ips) standIns.push(await startPod(ip, podPort, gatePort));
    dns = await startDnsStub(Object.fromEntries(fleet(b).map((a) => [podsHost(b, a), a.arch === arch.arch ? ips : []])));
    const binds = [...cfg.matchAll(/^\s+bind :(\d+)$/gm)].map((m) => Number(m[1]));
    const ports = new Map<number, number>();
    for (const p of binds) ports.set(p, await freePort());
    frontend = ports.get(arch.lbPort)!;
    idleFrontend = ports.get(idle.lbPort)!;
    metricsUrl = `http://127.0.0.1:${ports.get(METRICS_PORT)}${METRICS_PATH}`;
    file = path.join(tmpDir('haproxy-run'), 'haproxy.cfg');
    fs.writeFileSync(file, localConfig(cfg, { binds: ports, dnsPort: dns.port, podPort, gatePort }));
    proc = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr!.on('data', (d) => (stderr += d));
  });

  afterAll(async () => {
    proc?.kill('SIGKILL');
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    await Promise.all(standIns.map((s) => s.close()));
    await dns?.close();
  });

  it('runs one build per pod, queues the rest, and its metrics give KEDA the builds in flight', async () => {
    // the pods come from DNS through server-template: wait until HAProxy has them all up
    const upServers = `haproxy_backend_active_servers{proxy="${arch.name}"}`;
    const up = await until(() => metrics().then((m) => kedaValue(m, upServers)).catch(() => -1), (n) => n === PODS, WAIT_MS);
    if (up !== PODS) throw new Error(`HAProxy has ${up} of ${PODS} pods up\nDNS queries: ${dns!.queries.slice(0, 4).join(", ")}\n${stderr}`);

    const builds = Array.from({ length: BUILDS }, (_, i) => build(frontend, i, 3 * WAIT_MS));
    // while the first builds hold their pods (until released), the rest wait in HAProxy's queue
    const queued = `haproxy_backend_current_queue{proxy="${arch.name}"}`;
    const read = async () => {
      const m = await metrics();
      return { inFlight: kedaValue(m, valueLocation), queue: kedaValue(m, queued) };
    };
    let seen;
    try {
      seen = await until(read, (s) => s.inFlight === BUILDS && s.queue === BUILDS - PODS, WAIT_MS);
    } finally {
      standIns.forEach((s) => s.release());
    }
    // KEDA's own selector reads every build in flight (active + queued): it asks for that many pods
    expect(seen).toEqual({ inFlight: BUILDS, queue: BUILDS - PODS });

    const replies = await Promise.all(builds);
    expect(replies.every((r) => /^done by 127\.0\.0\.\d+\n$/.test(r))).toBe(true);
    expect(standIns.map((s) => s.maxActive)).toEqual(Array(PODS).fill(1));
    expect(standIns.reduce((n, s) => n + s.served, 0)).toBe(BUILDS);
    expect(standIns.every((s) => s.served >= 1)).toBe(true);
    // and once the builds are done the metric falls back, so KEDA can scale in
    expect(await until(async () => kedaValue(await metrics(), valueLocation), (n) => n === 0, WAIT_MS)).toBe(0);
  }, 6 * WAIT_MS);

  it('refuses a build outright when the arch has no pod: nothing queues, so KEDA never sees demand (hence min >= 1)', async () => {
    const queueMs = b.haproxy.timeoutQueueSeconds * 1000;
    expect(await until(() => metrics().then(() => true, () => false), (ok) => ok, WAIT_MS)).toBe(true); // HAProxy listens
    const start = Date.now();
    const reply = await build(idleFrontend, 0, queueMs).catch((e: Error) => `error: ${e.message}`);
    const waited = Date.now() - start;
    // accepted, then closed (or reset) without a pod's answer, long before a queued build would time out
    expect(reply).toMatch(/^(|error: .*ECONNRESET.*)$/);
    expect(waited).toBeLessThan(queueMs / 2);
    const m = await metrics();
    expect(kedaValue(m, `haproxy_backend_current_queue{proxy="${idle.name}"}`)).toBe(0);
    expect(kedaValue(m, `haproxy_backend_current_sessions{proxy="${idle.name}"}`)).toBe(0);
  }, 3 * WAIT_MS);
});
