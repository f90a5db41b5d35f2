// deletion-cost.sh, the BuildKit pods' sidecar, run for real (sh, awk, /proc/net/tcp) against a
// loopback connection, with a stub kubectl that records its arguments: the pod is marked busy while
// a build connection is open and idle (cost 0) otherwise, patching only on a change, and it stops
// at once on SIGTERM.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { BUSY_COST, DELETION_COST, DELETION_COST_SCRIPT } from '../../lib/buildkit/pod-scripts';
import { tmpDir } from '../support/clusters';
import { loopbackServer } from '../support/loopback';

const WAIT_MS = 10_000;
const after = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(r, ms, value).unref());
const exited = (p: ChildProcess) => new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.on('exit', (code) => r(code))));

describe('deletion-cost.sh', () => {
  const dir = tmpDir('deletion-cost');
  const script = path.join(dir, 'deletion-cost.sh');
  const calls = path.join(dir, 'kubectl.calls');
  fs.writeFileSync(script, DELETION_COST_SCRIPT, { mode: 0o555 });
  // stub kubectl: one line per call, the arguments separated by tabs
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'bin', 'kubectl'), `#!/bin/sh\nIFS='\t'; echo "$*" >> ${calls}\n`, { mode: 0o555 });
  const listener = loopbackServer();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const patches = () => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean) : []);
  async function until(n: number): Promise<string[]> {
    const deadline = Date.now() + WAIT_MS;
    while (patches().length < n && Date.now() < deadline) await after(50, 0);
    return patches();
  }
  const patch = (cost: number) =>
    ['patch', 'pod', 'buildkitd-amd64-abc', '-n', 'buildkit', '--type', 'merge', '-p', JSON.stringify({ metadata: { annotations: { [DELETION_COST]: String(cost) } } })].join('\t');

  it('marks the pod busy while a build runs and idle otherwise, patching only on a change; stops on SIGTERM', async () => {
    const poll = 0.1;
    const p = spawn(script, [String(listener.port()), String(poll), String(BUSY_COST)], {
      env: { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, POD_NAME: 'buildkitd-amd64-abc', POD_NAMESPACE: 'buildkit' },
    });
    const done = exited(p);
    expect(await until(1)).toEqual([patch(0)]);
    const build = net.connect(listener.port(), '127.0.0.1');
    await new Promise((r) => build.on('connect', r));
    expect(await until(2)).toEqual([patch(0), patch(BUSY_COST)]);
    await after(5 * poll * 1000, 0); // several polls, no change: no call
    expect(patches()).toHaveLength(2);
    build.destroy();
    expect(await until(3)).toEqual([patch(0), patch(BUSY_COST), patch(0)]);
    const start = Date.now();
    p.kill('SIGTERM');
    expect(await Promise.race([done, after(WAIT_MS, 'still running')])).toBe(0);
    expect(Date.now() - start).toBeLessThan(2000);
  }, 4 * WAIT_MS);
});
