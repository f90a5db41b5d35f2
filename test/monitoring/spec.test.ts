// Alert names are part of the interface (SPEC 4): each cluster gets exactly the alerts the SPEC
// lists for it, in both forms (Grafana-only ones only in Grafana). The one deliberate exception:
// the KEDA alerts and BuildkitAtMaxReplicas watch KEDA's objects, which a cluster without
// autoscaling does not have; they appear as soon as autoscaling is turned on.
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { loadClusters, parseCluster } from '../../lib/config/load';
import type { Cluster } from '../../lib/config/schema';
import { CATALOGUES, GRAFANA_FILE, PROMETHEUS_FILE } from '../../lib/monitoring/alerts';
import { render } from '../../lib/output/render';
import { rawCluster, REPO } from '../support/clusters';

const SPEC = path.join(REPO, '..', 'shared', 'SPEC.md');
const present = fs.existsSync(SPEC);
if (!present) {
  if (process.env.CI) throw new Error(`${SPEC} is required in CI`);
  console.warn(`${SPEC} not found: skipping the SPEC alert name test (a clone without ../shared)`);
}

interface SpecAlert { name: string; clusters: string[]; grafanaOnly: boolean }

/** The alert tables of SPEC section 4, each preceded by the line naming its clusters. */
function specAlerts(text: string): SpecAlert[] {
  const section = text.slice(text.indexOf('## 4.'), text.indexOf('## 5.'));
  const alerts: SpecAlert[] = [];
  let clusters: string[] = [];
  for (const line of section.split('\n')) {
    const row = /^\| `([A-Za-z]+)` \|/.exec(line);
    if (row) alerts.push({ name: row[1], clusters, grafanaOnly: /Grafana only/.test(line) });
    else if (/^`[a-z0-9-]+`/.test(line)) clusters = [...line.matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1]);
  }
  return alerts;
}

const AUTOSCALING_ONLY = (name: string) => name.startsWith('Keda') || name === 'BuildkitAtMaxReplicas';

function titles(cluster: Cluster): { grafana: string[]; prometheus: string[] } {
  const files = render([cluster]);
  const read = (f: string) => parse(files.get(`${cluster.config.name}/monitoring/${f}`)!).groups.flatMap((g: any) => g.rules);
  return { grafana: read(GRAFANA_FILE).map((r: any) => r.title), prometheus: read(PROMETHEUS_FILE).map((r: any) => r.alert) };
}

const withAutoscaling = (name: string): Cluster => {
  const raw = rawCluster(name);
  raw.buildkit.autoscaling.enabled = true;
  return parseCluster(stringify(raw), `clusters/${name}.yaml`);
};

(present ? describe : describe.skip)('SPEC 4 alert names', () => {
  const spec = present ? specAlerts(fs.readFileSync(SPEC, 'utf8')) : [];
  const clusters = loadClusters();

  it('the SPEC tables are read', () => {
    expect(spec.length).toBeGreaterThan(0);
    expect(spec.every((a) => a.clusters.length > 0)).toBe(true);
  });

  it.each(clusters.map((c) => [c.config.name, c] as const))('%s gets exactly its SPEC alerts', (name, cluster) => {
    const expected = spec.filter((a) => a.clusters.includes(name));
    expect(expected.length).toBeGreaterThan(0);
    const autoscaled = cluster.config.buildkit?.autoscaling.enabled ?? true;
    const wanted = expected.filter((a) => autoscaled || !AUTOSCALING_ONLY(a.name));
    const got = titles(cluster);
    expect([...got.grafana].sort()).toEqual(wanted.map((a) => a.name).sort());
    expect([...got.prometheus].sort()).toEqual(wanted.filter((a) => !a.grafanaOnly).map((a) => a.name).sort());
  });

  it.each(clusters.filter((c) => c.config.buildkit && !c.config.buildkit.autoscaling.enabled).map((c) => c.config.name))(
    '%s: turning autoscaling on adds the KEDA and max-replicas alerts',
    (name) => {
      const expected = spec.filter((a) => a.clusters.includes(name)).map((a) => a.name).sort();
      expect([...titles(withAutoscaling(name)).grafana].sort()).toEqual(expected);
    },
  );
});

describe('README', () => {
  it('lists every alert of every catalogue', () => {
    const docs = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const names = CATALOGUES.flatMap((c) => Object.keys(c.alerts));
    expect(names.filter((n) => !docs.includes(`| \`${n}\` |`))).toEqual([]);
  });
});
