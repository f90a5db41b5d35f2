// buildkit.ipFamily (ipv4, ipv6, dual) drives every address the farm uses: HAProxy's binds and
// resolver preference, buildkitd's listeners, the gate, the Services' families and the nodes'
// IMDS endpoint. Each variant renders (render() validates every object against its schema) and
// both HAProxy configs pass `haproxy -c`.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BUILDKIT_PORT, DEBUG_PORT, GATE_PORT, fleet } from '../../lib/buildkit/fleet';
import { METRICS_PORT, STATS_PORT } from '../../lib/buildkit/haproxy/config';
import { tmpDir } from '../support/clusters';
import { tool } from '../support/env';
import { PRODUCTION, STAGING, buildkitFiles, config, objects, raw } from './support';

const haproxy = tool('haproxy', ['-v']);
const itIf = haproxy ? it : it.skip;

const expected = {
  ipv4: { bind: (p: number) => `bind :${p}`, prefer: 'ipv4', listen: (p: number) => `0.0.0.0:${p}`, families: ['IPv4'], policy: 'SingleStack', imds: 'disabled' },
  ipv6: { bind: (p: number) => `bind :::${p} v6only`, prefer: 'ipv6', listen: (p: number) => `[::]:${p}`, families: ['IPv6'], policy: 'SingleStack', imds: 'enabled' },
  dual: { bind: (p: number) => `bind :::${p} v4v6`, prefer: 'ipv6', listen: (p: number) => `[::]:${p}`, families: ['IPv4', 'IPv6'], policy: 'RequireDualStack', imds: 'enabled' },
};

describe.each(Object.entries(expected).flatMap(([family, want]) => [STAGING, PRODUCTION].map((name) => [name, family, want] as const)))(
  '%s with ipFamily %s',
  (name, family, want) => {
    const r = raw(name);
    r.buildkit.ipFamily = family;
    const files = buildkitFiles(r); // renders and validates every object
    const objs = objects(r);
    const archs = fleet(config(r).buildkit!);

    it('binds HAProxy and the gate on the family\'s addresses and resolves pods in it', () => {
      const cfg = files.get('haproxy.cfg')!;
      for (const port of [STATS_PORT, METRICS_PORT, ...archs.map((a) => a.lbPort)]) expect(cfg).toContain(`    ${want.bind(port)}\n`);
      expect(cfg.match(/resolve-prefer (\w+)/g)).toEqual(archs.map(() => `resolve-prefer ${want.prefer}`));
      expect(files.get('gate.cfg')).toContain(`    ${want.bind(GATE_PORT)}\n`);
    });

    it('makes buildkitd listen on the family\'s any-address', () => {
      for (const a of archs) {
        const toml = objs.get(`configmap-${a.name}-config.yaml`).data['buildkitd.toml'];
        expect(toml).toContain(`"tcp://${want.listen(BUILDKIT_PORT)}"`);
        expect(toml).toContain(`debugAddress = "${want.listen(DEBUG_PORT)}"`);
      }
    });

    it('gives every Service the family and the nodes the matching IMDS endpoint', () => {
      const services = [...objs.values()].filter((o) => o.kind === 'Service');
      expect(services.length).toBeGreaterThan(archs.length * 2);
      for (const s of services) expect({ name: s.metadata.name, ...s.spec }).toMatchObject({ ipFamilies: want.families, ipFamilyPolicy: want.policy });
      for (const a of archs) expect(objs.get(`ec2nodeclass-${a.nodePool}.yaml`).spec.metadataOptions.httpProtocolIPv6).toBe(want.imds);
    });

    itIf('passes haproxy -c (haproxy.cfg and the gate\'s), without warnings', () => {
      const dir = tmpDir('haproxy-family');
      try {
        for (const f of ['haproxy.cfg', 'gate.cfg']) {
          const file = path.join(dir, f);
          fs.writeFileSync(file, files.get(f)!);
          const run = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
          const output = run.stdout + run.stderr;
          expect({ f, status: run.status, valid: /Configuration file is valid/.test(output) }).toEqual({ f, status: 0, valid: true });
          const warnings = output.split('\n').filter((l) => /\[(WARNING|ALERT)\]/.test(l) && !/ulimit-n|FD limit/.test(l));
          expect({ f, warnings }).toEqual({ f, warnings: [] });
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
