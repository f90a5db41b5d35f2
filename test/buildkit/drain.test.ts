// The preStop drain script, run for real (sh, awk, /proc/net/tcp) against a loopback connection:
// it returns only once no connection to the build port is open.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { DRAIN_SCRIPT } from '../../lib/buildkit/pod-scripts';
import { tmpDir } from '../support/clusters';
import { loopbackServer } from '../support/loopback';

/** Resolves to `value` after `ms`, without keeping the test process alive. */
const after = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(r, ms, value).unref());

function exited(p: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (p.exitCode !== null ? resolve(p.exitCode) : p.on('exit', resolve)));
}

// generous for a slow CI machine: each wait ends as soon as its condition holds
const WAIT_MS = 10_000;

/** Polls `file` until its content matches `line` or `ms` pass; returns the last content read. */
async function logUntil(file: string, line: RegExp, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  const read = () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
  let text = read();
  while (!line.test(text) && Date.now() < deadline) {
    await after(50, undefined);
    text = read();
  }
  return text;
}

describe('drain.sh', () => {
  const dir = tmpDir('drain');
  const script = path.join(dir, 'drain.sh');
  const log = path.join(dir, 'drain.log');
  fs.writeFileSync(script, DRAIN_SCRIPT, { mode: 0o555 });
  const listener = loopbackServer();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const drain = (settle: number, poll: number) =>
    spawn(script, [String(listener.port()), String(settle), String(poll)], { env: { ...process.env, DRAIN_LOG: log } });

  it('waits while a build connection is open and returns when it closes', async () => {
    const build = net.connect(listener.port(), '127.0.0.1');
    await new Promise((r) => build.on('connect', r));
    const poll = 0.2;
    const p = drain(0, poll);
    const done = exited(p);
    const open = /[1-9]\d* build connection\(s\) open/;
    expect(await logUntil(log, open, WAIT_MS)).toMatch(open);
    // it has seen the connection; a few polls later it is still waiting (it cannot exit while it is open)
    expect(await Promise.race([done, after(3 * poll * 1000, 'still draining')])).toBe('still draining');
    build.destroy();
    expect(await Promise.race([done, after(WAIT_MS, 'timed out')])).toBe(0);
    expect(fs.readFileSync(log, 'utf8')).toMatch(/no build connection open, stopping\n$/);
  }, 3 * WAIT_MS);

  it('waits the settle time first, then returns at once when idle', async () => {
    const start = Date.now();
    expect(await exited(drain(1, 0.2))).toBe(0);
    expect(Date.now() - start).toBeGreaterThanOrEqual(1000);
  });
});
