// Alert names are part of the interface (SPEC 4, issue 12): each cluster gets every alert the SPEC
// lists for it, in both forms (Grafana-only ones only in Grafana), plus the ones issue 12 added and
// the guards its alerts need; a BuildKit cluster gets the same alerts whether KEDA scales its farm
// or not, except KedaFallbackActive, which exists exactly where a fallback does.
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { loadClusters, parseCluster } from '../../lib/config/load';
import type { Cluster } from '../../lib/config/schema';
import { GRAFANA_FILE, PROMETHEUS_FILE } from '../../lib/monitoring';
import { ALERT_NAMES } from '../../lib/config/components/monitoring';
import { render } from '../../lib/pipeline/render';
import { rawCluster, REPO } from '../support/clusters';
import { shared } from '../support/env';

const SPEC = shared('SPEC.md');

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

function titles(cluster: Cluster): { grafana: string[]; prometheus: string[] } {
  const files = render([cluster]);
  const read = (f: string) => parse(files.get(`${cluster.config.name}/monitoring/${f}`)!).groups.flatMap((g: any) => g.rules);
  return { grafana: read(GRAFANA_FILE).map((r: any) => r.title).sort(), prometheus: read(PROMETHEUS_FILE).map((r: any) => r.alert).sort() };
}

/** The built-in cluster with buildkit.autoscaling.enabled flipped (a fixed fleet runs each arch at its max). */
function flipped(name: string): Cluster {
  const raw = rawCluster(name);
  const b = raw.buildkit;
  b.autoscaling.enabled = !b.autoscaling.enabled;
  if (!b.autoscaling.enabled) for (const a of b.architectures) a.replicas ??= a.max;
  return parseCluster(stringify(raw), `clusters/${name}.yaml`);
}

const clusters = loadClusters();

(SPEC ? describe : describe.skip)('SPEC 4 alert names', () => {
  const spec = SPEC ? specAlerts(fs.readFileSync(SPEC, 'utf8')) : [];

  it('the SPEC tables are read', () => {
    expect(spec.length).toBeGreaterThan(0);
    expect(spec.every((a) => a.clusters.length > 0)).toBe(true);
  });

  it.each(clusters.map((c) => [c.config.name, c] as const))('%s gets every SPEC alert, in both forms unless Grafana-only', (name, cluster) => {
    const expected = spec.filter((a) => a.clusters.includes(name));
    expect(expected.length).toBeGreaterThan(0);
    const t = titles(cluster);
    expect(t.grafana).toEqual(expect.arrayContaining(expected.map((a) => a.name)));
    expect(t.prometheus).toEqual(expect.arrayContaining(expected.filter((a) => !a.grafanaOnly).map((a) => a.name)));
    expect(t.prometheus.filter((n) => expected.some((a) => a.grafanaOnly && a.name === n))).toEqual([]);
  });
});

/** The alerts issue 12 names, per kind of cluster. */
const ISSUE_12 = { airflow: ['PodOOMKilled', 'PodCrashLooping', 'ComputeBudgetBurn'], buildkit: ['BuildkitLoadBalancerDown', 'KarpenterNodeLaunchFailing'] };

describe('issue 12 alert names', () => {
  it.each(clusters.map((c) => [c.config.name, c] as const))('%s gets the alerts issue 12 added for it, in both forms', (name, cluster) => {
    const expected = cluster.config.buildkit ? ISSUE_12.buildkit : ISSUE_12.airflow;
    const t = titles(cluster);
    expect(t.grafana).toEqual(expect.arrayContaining(expected));
    expect(t.prometheus).toEqual(expect.arrayContaining(expected));
  });
});

describe('buildkit.autoscaling does not change the alert set, but for the fallback', () => {
  const fallbackOnly = (t: { grafana: string[]; prometheus: string[] }) => ({
    grafana: t.grafana.filter((n) => n !== 'KedaFallbackActive'),
    prometheus: t.prometheus.filter((n) => n !== 'KedaFallbackActive'),
  });
  it.each(clusters.filter((c) => c.config.buildkit).map((c) => [c.config.name, c] as const))('%s: same alerts with autoscaling flipped', (name, cluster) => {
    const other = flipped(name);
    expect(fallbackOnly(titles(other))).toEqual(fallbackOnly(titles(cluster)));
    for (const c of [cluster, other]) {
      const hasFallback = c.config.buildkit!.autoscaling.enabled && c.config.buildkit!.architectures.some((a) => a.replicas !== undefined);
      expect({ name: c.config.name, enabled: c.config.buildkit!.autoscaling.enabled, fallback: titles(c).prometheus.includes('KedaFallbackActive') })
        .toEqual({ name: c.config.name, enabled: c.config.buildkit!.autoscaling.enabled, fallback: hasFallback });
    }
  });
});

describe('README', () => {
  it('lists every alert', () => {
    const docs = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const names = ALERT_NAMES;
    expect(names.filter((n) => !docs.includes(`| \`${n}\` |`))).toEqual([]);
  });
});
