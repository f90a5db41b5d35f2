// The simulator's HAProxy against HAProxy itself: the generated staging haproxy.cfg run on
// loopback (test/buildkit's live helpers) with one BuildKit stand-in pod. Three builds arrive at
// once: the model says one runs (maxconn 1) and the other two are refused at `timeout queue`;
// the real HAProxy must do the same, at the same time. timeout queue is shortened through the
// config (2 s, client give-up 3 s), so the generated directive is the one under test.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { fleet } from '../../lib/buildkit/fleet';
import { METRICS_PATH, METRICS_PORT, podsHost } from '../../lib/buildkit/haproxy/config';
import { farmCluster, farmModel } from '../../lib/capacity/farm/inputs';
import { farmPlanProps } from '../../lib/config/components/capacity';
import { simulate } from '../../lib/capacity/farm/sim';
import { tmpDir } from '../support/clusters';
import { tool } from '../support/env';
import { DnsStub, startDnsStub } from '../buildkit/dns-stub';
import { kedaValue } from '../buildkit/keda-selector';
import { PodStandIn, freePort, localConfig, startPod, until } from '../buildkit/live';
import { STAGING, buildkitFiles, config, raw } from '../buildkit/support';

const haproxy = tool('haproxy', ['-v']);
const describeIf = haproxy ? describe : describe.skip;

/** A build attempt: when HAProxy ended it (ms after the start) and whether a pod answered. */
function attempt(port: number, i: number, t0: number): Promise<{ ms: number; served: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(`build ${i}\n`));
    let reply = '';
    sock.on('data', (d) => (reply += d));
    const done = () => resolve({ ms: Date.now() - t0, served: reply.startsWith('done by') });
    sock.on('end', () => { sock.end(); done(); });
    sock.on('error', done);
  });
}

describeIf('the model\'s HAProxy against the generated one on loopback', () => {
  const r = raw(STAGING);
  r.buildkit.haproxy.timeoutQueueSeconds = 2;
  r.buildkit.haproxy.clientConnectTimeoutSeconds = 3;
  const c = config(r);
  // the farm's guarantees do not hold with a 2 s queue (synth would refuse it): render without the plan
  const manifests = structuredClone(r);
  delete manifests.farmPlan;
  const b = c.buildkit!;
  const arch = fleet(b)[0];
  let proc: ChildProcess | undefined;
  let dns: DnsStub | undefined;
  let pod: PodStandIn | undefined;
  let file = '';
  let frontend = 0;
  let metricsUrl = '';

  beforeAll(async () => {
    const cfg = buildkitFiles(manifests).get('haproxy.cfg')!;
    expect(cfg).toMatch(/^\s+timeout queue 2s$/m);
    const podPort = await freePort();
    const gatePort = await freePort();
    pod = await startPod('127.0.0.2', podPort, gatePort);
    dns = await startDnsStub(Object.fromEntries(fleet(b).map((a) => [podsHost(b, a), a.arch === arch.arch ? ['127.0.0.2'] : []])));
    const ports = new Map<number, number>();
    for (const m of cfg.matchAll(/^\s+bind :(\d+)$/gm)) ports.set(Number(m[1]), await freePort());
    frontend = ports.get(arch.lbPort)!;
    metricsUrl = `http://127.0.0.1:${ports.get(METRICS_PORT)}${METRICS_PATH}`;
    file = path.join(tmpDir('farm-live'), 'haproxy.cfg');
    fs.writeFileSync(file, localConfig(cfg, { binds: ports, dnsPort: dns.port, podPort, gatePort }));
    proc = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'ignore'] });
  });

  afterAll(async () => {
    proc?.kill('SIGKILL');
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    await pod?.close();
    await dns?.close();
  });

  it('one build per pod, the others refused at timeout queue, as the model predicts', async () => {
    const upServers = `haproxy_backend_active_servers{proxy="${arch.name}"}`;
    const up = await until(() => fetch(metricsUrl).then((x) => x.text()).then((m) => kedaValue(m, upServers)).catch(() => -1), (n) => n === 1, 10_000);
    expect(up).toBe(1);

    // the model: one pod, no autoscaling, a single attempt per build, builds that outlast the test
    const f = farmCluster(farmPlanProps(c));
    const model = { ...farmModel(f, arch), fixed: 1, hpa: undefined, client: { attempts: 1, backoffSeconds: 0, backoffMultiplier: 1 } };
    const predicted = simulate(model, [0, 0, 0].map((at) => ({ at, duration: 60 })), { horizon: 30 });
    expect(predicted).toMatchObject({ served: 1, gaveUp: 2, absorbSeconds: 2 });

    const t0 = Date.now();
    const attempts = [0, 1, 2].map((i) => attempt(frontend, i, t0));
    const refused = await Promise.race([
      Promise.all([attempts[1], attempts[2]]),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no refusal within 10 s')), 10_000)),
    ]);
    // refused by HAProxy at its timeout queue (the model's absorbSeconds), not by the pod
    for (const x of refused) {
      expect(x.served).toBe(false);
      expect(x.ms).toBeGreaterThanOrEqual(predicted.absorbSeconds * 1000 - 100);
      expect(x.ms).toBeLessThan(predicted.absorbSeconds * 1000 + 1500);
    }
    expect(pod!.maxActive).toBe(1);
    pod!.release();
    expect((await attempts[0]).served).toBe(true);
    expect(pod!.served).toBe(predicted.served);
  }, 30_000);
});
