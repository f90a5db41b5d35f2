// Every generated rule loads and evaluates with health ok in a real Prometheus (Debian's package),
// and on a Prometheus that scrapes nothing exactly the scrape guards go off: without them every
// alert would be as quiet there as on a healthy cluster. One Prometheus for all clusters; rule
// groups are evaluated every second instead of their interval so the test is quick.
// prometheus is required in CI and skipped with a message elsewhere (test/support/env.ts).
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { loadClusters } from '../../lib/config/load';
import { PROMETHEUS_FILE } from '../../lib/monitoring';
import { alertsFor } from '../../lib/config/components/monitoring';
import { render } from '../../lib/pipeline/render';
import { toYaml } from '../../lib/core/yaml';
import { tool } from '../support/env';

const clusters = loadClusters();
const files = render(clusters);
const live = tool('prometheus', ['--version'], 'apt-get install prometheus') ? describe : describe.skip;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

interface RuleState { name: string; health: string; state: string; lastError?: string }

live('the rules in a real Prometheus', () => {
  let dir: string;
  let proc: ChildProcess;
  let port: number;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-'));
    const ruleFiles = clusters.map(({ config }) => {
      const doc = parse(files.get(`${config.name}/monitoring/${PROMETHEUS_FILE}`)!);
      for (const g of doc.groups) g.interval = '1s';
      fs.writeFileSync(path.join(dir, `${config.name}.yaml`), toYaml(doc));
      return `${config.name}.yaml`;
    });
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), toYaml({ global: { evaluation_interval: '1s' }, rule_files: ruleFiles }));
    port = await freePort();
    proc = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  });

  afterAll(() => {
    proc?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The rules once every one has been evaluated (health no longer "unknown"). */
  async function evaluated(): Promise<RuleState[]> {
    for (let i = 0; i < 100; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/rules`);
        const rules: RuleState[] = ((await res.json()) as any).data.groups.flatMap((g: any) => g.rules);
        if (rules.length > 0 && rules.every((r) => r.health !== 'unknown')) return rules;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('Prometheus did not evaluate every rule within 20 s');
  }

  it('every rule of every cluster evaluates with health ok', async () => {
    const rules = await evaluated();
    const expected = clusters.flatMap(({ config }) => parse(files.get(`${config.name}/monitoring/${PROMETHEUS_FILE}`)!).groups.flatMap((g: any) => g.rules.map((r: any) => r.alert)));
    expect(rules.map((r) => r.name).sort()).toEqual(expected.sort());
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
  }, 30_000);

  it('with nothing scraped, exactly the guards of missing scrape jobs go off', async () => {
    const rules = await evaluated();
    const active = new Set(rules.filter((r) => r.state !== 'inactive').map((r) => r.name));
    // the guards of a scrape job (targetsDown), and BuildkitLoadBalancerDown, the guard of HAProxy's
    const scrapeGuards = new Set(clusters.flatMap(({ config }) => alertsFor(config))
      .filter((a) => a.signal.kind === 'promql' && a.signal.expr.includes('absent(up{'))
      .map((a) => a.name));
    expect(scrapeGuards.size).toBeGreaterThan(0);
    expect([...active].sort()).toEqual([...scrapeGuards].sort());
  }, 30_000);
});
