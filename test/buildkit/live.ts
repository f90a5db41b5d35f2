// Live-test helpers: HAProxy on loopback with BuildKit stand-ins behind the DNS stub.
import * as net from 'net';
import { BUILDKIT_PORT, GATE_PORT } from '../../lib/buildkit/fleet';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until `done` holds for its value or `ms` pass; returns the last value read. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await read();
  while (!done(last) && Date.now() < deadline) {
    await sleep(50);
    last = await read();
  }
  return last;
}

/**
 * BuildKit stand-in: serves one "build" per request (a connection that sends data) and answers
 * with its own address. Builds are held until release(), then answered at once.
 */
export interface StandIn {
  ip: string;
  server: net.Server;
  active: number;
  maxActive: number;
  served: number;
  release(): void;
  close(): Promise<void>;
}

export function startStandIn(ip: string, port: number): Promise<StandIn> {
  const held: (() => void)[] = [];
  const sockets = new Set<net.Socket>();
  let released = false;
  const s: StandIn = {
    ip, server: net.createServer(), active: 0, maxActive: 0, served: 0,
    release: () => {
      released = true;
      held.splice(0).forEach((finish) => finish());
    },
    close: () => {
      sockets.forEach((c) => c.destroy());
      return new Promise((done) => s.server.close(() => done()));
    },
  };
  s.server.on('connection', (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    // HAProxy's health checks connect and close without data: they are not builds
    sock.once('data', () => {
      s.active++;
      s.served++;
      s.maxActive = Math.max(s.maxActive, s.active);
      const finish = () => {
        s.active--; // the build is over once the pod answers and closes
        sock.end(`done by ${ip}\n`);
      };
      if (released) finish();
      else held.push(finish);
    });
  });
  return new Promise((resolve, reject) => {
    s.server.on('error', reject);
    s.server.listen(port, ip, () => resolve(s));
  });
}

/** A build client: connects, sends its request at once (it waits in HAProxy's queue), reads until the pod closes. */
export function build(port: number, i: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(`build ${i}\n`));
    let reply = '';
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`build ${i} timed out`)));
    sock.on('data', (d) => (reply += d));
    sock.on('end', () => {
      sock.end();
      resolve(reply);
    });
    sock.on('error', reject);
  });
}

/** Loopback stand-ins for what the cluster provides: listener ports, the pods' ports, the nameserver. */
export interface Loopback {
  /** Generated bind port -> local port. */
  binds: Map<number, number>;
  dnsPort: number;
  /** Local ports of buildkitd and of the gate on every stand-in pod. */
  podPort: number;
  gatePort: number;
}

/**
 * The generated config on loopback: binds on 127.0.0.1 and local ports, the stub nameserver, the
 * pods' ports; plus the given test-only timings (`{ 'timeout queue': '2s', inter: '100ms' }`,
 * `inter` being a server-template argument). Every directive stays the generated one, and each
 * override must match something generated.
 */
export function localConfig(cfg: string, local: Loopback, overrides: Record<string, string> = {}): string {
  const lines = cfg.split('\n');
  const used = new Set<string>();
  const port = (p: number) => (p === BUILDKIT_PORT ? local.podPort : p === GATE_PORT ? local.gatePort : undefined);
  const out = lines.map((line) => {
    const bind = /^(\s+bind ):(\d+)$/.exec(line);
    if (bind) return `${bind[1]}127.0.0.1:${local.binds.get(Number(bind[2]))}`;
    if (/^\s+parse-resolv-conf$/.test(line)) return `    nameserver stub 127.0.0.1:${local.dnsPort}`;
    const check = /^(\s+tcp-check connect port )(\d+)$/.exec(line);
    if (check) return `${check[1]}${port(Number(check[2]))}`;
    let l = line;
    const target = new RegExp(`^(\\s+server-template \\S+ \\d+ \\S+):${BUILDKIT_PORT}( .*)$`).exec(l);
    if (target) {
      l = `${target[1]}:${local.podPort}${target[2]}`;
      for (const [key, value] of Object.entries(overrides)) {
        const arg = new RegExp(` ${key} \\S+`);
        if (arg.test(l)) {
          used.add(key);
          l = l.replace(arg, ` ${key} ${value}`);
        }
      }
      return l;
    }
    for (const [key, value] of Object.entries(overrides)) {
      const m = new RegExp(`^(\\s+${key} )\\S+$`).exec(l);
      if (m) {
        used.add(key);
        return `${m[1]}${value}`;
      }
    }
    return l;
  });
  const unknown = Object.keys(overrides).filter((k) => !used.has(k));
  if (unknown.length > 0) throw new Error(`overrides match no generated directive: ${unknown.join(', ')}`);
  if (out.some((l) => /parse-resolv-conf|^\s+bind :/.test(l))) throw new Error('a generated address was not replaced');
  return out.join('\n');
}

/** A BuildKit pod stand-in: buildkitd (builds) and its gate on one loopback address. */
export interface PodStandIn extends StandIn {
  gate: net.Server;
  /** The pod starts terminating: its gate closes, buildkitd keeps its builds (the drain). */
  terminate(): Promise<void>;
}

export async function startPod(ip: string, podPort: number, gatePort: number): Promise<PodStandIn> {
  const s = await startStandIn(ip, podPort);
  const gate = net.createServer((sock) => sock.on('error', () => {}).end());
  await new Promise<void>((resolve, reject) => {
    gate.on('error', reject);
    gate.listen(gatePort, ip, () => resolve());
  });
  const closeGate = () => new Promise<void>((done) => (gate.listening ? gate.close(() => done()) : done()));
  return {
    ...s,
    // keep the counters live: they are read from the stand-in object
    get active() { return s.active; },
    get maxActive() { return s.maxActive; },
    get served() { return s.served; },
    gate,
    terminate: closeGate,
    close: async () => {
      await closeGate();
      await s.close();
    },
  } as PodStandIn;
}

/** HAProxy's CSV stats of one backend's servers (stats frontend: `/stats;csv`). */
export async function serverStats(statsUrl: string, backend: string): Promise<{ name: string; status: string; scur: number }[]> {
  const text = await (await fetch(statsUrl)).text();
  const [head, ...rows] = text.trim().split('\n');
  const cols = head.replace(/^# /, '').split(',');
  return rows
    .map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i], v])))
    .filter((r) => r.pxname === backend && r.svname !== 'BACKEND')
    .map((r) => ({ name: r.svname, status: r.status, scur: Number(r.scur) }));
}
