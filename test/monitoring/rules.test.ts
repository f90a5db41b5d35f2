// The monitoring rules: each bad config fails with a problem naming the cluster, the field and the
// value; and the numbers the alerts derive from other sections follow those sections.
import { stringify, parse } from 'yaml';
import { fleet } from '../../lib/buildkit/fleet';
import { ConfigError, Problem } from '../../lib/config/errors';
import { parseCluster } from '../../lib/config/load';
import type { Cluster } from '../../lib/config/schema';
import { workloadPool } from '../../lib/monitoring/alerts/compute';
import { GRAFANA_FILE, PROMETHEUS_FILE } from '../../lib/monitoring/alerts';
import { render } from '../../lib/output/render';
import { rawCluster, setPath } from '../support/clusters';

/** A built-in cluster with edits (dotted path -> value; undefined deletes), under its own file name. */
function variant(name: string, edits: Record<string, unknown>, rename?: string): Cluster {
  const raw = rawCluster(name);
  for (const [at, value] of Object.entries(edits)) setPath(raw, at, value);
  if (rename) raw.name = rename;
  return parseCluster(stringify(raw), `clusters/${rename ?? name}.yaml`);
}

/** The problems render reports for a cluster (every component checks before anything is built). */
function problems(cluster: Cluster): Problem[] {
  try {
    render([cluster]);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

function rules(cluster: Cluster): any[] {
  const text = render([cluster]).get(`${cluster.config.name}/monitoring/${PROMETHEUS_FILE}`)!;
  return parse(text).groups.flatMap((g: any) => g.rules);
}

const rule = (cluster: Cluster, alert: string) => rules(cluster).find((r) => r.alert === alert);

describe('monitoring rules refuse a config they cannot build', () => {
  it('every alert a cluster gets needs its thresholds entry', () => {
    expect(problems(variant('scw-ml-prod', { 'monitoring.thresholds.PodCpuNearLimit': undefined }))).toContainEqual(
      expect.objectContaining({ cluster: 'scw-ml-prod', path: 'monitoring.thresholds.PodCpuNearLimit', value: undefined, rule: expect.stringMatching(/required by the alert PodCpuNearLimit/) }),
    );
  });

  it.each([false, true])('a BuildKit cluster needs the KEDA thresholds (autoscaling %s)', (enabled) => {
    const edits = { 'monitoring.thresholds.KedaScalerErrors': undefined, 'buildkit.autoscaling.enabled': enabled };
    expect(problems(variant('arc-production', edits))).toContainEqual(
      expect.objectContaining({ cluster: 'arc-production', path: 'monitoring.thresholds.KedaScalerErrors', value: undefined, rule: expect.stringMatching(/required by the alert KedaScalerErrors/) }),
    );
  });

  it('RunDurationHigh needs the PostgreSQL datasource', () => {
    expect(problems(variant('scw-ml-prod', { 'monitoring.grafana.datasources.postgres': undefined }))).toContainEqual(
      expect.objectContaining({ cluster: 'scw-ml-prod', path: 'monitoring.grafana.datasources.postgres', value: undefined, rule: expect.stringMatching(/RunDurationHigh/) }),
    );
  });

  it('a missing exporter selector names every alert that reads it', () => {
    expect(problems(variant('scw-ml-prod', { 'monitoring.jobs.cadvisor': undefined }))).toContainEqual(
      expect.objectContaining({ cluster: 'scw-ml-prod', path: 'monitoring.jobs.cadvisor', rule: 'required by the alerts PodCpuNearLimit, PodMemoryNearLimit this cluster gets' }),
    );
  });

  it.each([
    ['ComputeScaleUpSlow', 'scaleUpMinutes'],
    ['ComputeNodesIdle', 'scaleDownIdleMinutes'],
  ] as const)('%s must wait longer than the pool\'s %s', (alert, field) => {
    const config = variant('scw-ml-prod', {}).config;
    const [name, pool] = workloadPool(config.compute!);
    const minutes = pool[field]!;
    expect(problems(variant('scw-ml-prod', { [`monitoring.thresholds.${alert}.for`]: `${minutes}m` }))).toContainEqual({
      cluster: 'scw-ml-prod', file: 'clusters/scw-ml-prod.yaml', path: `monitoring.thresholds.${alert}.for`, value: `${minutes}m`,
      rule: expect.stringContaining(`must be longer than compute.pools.${name}.${field} (${minutes} min)`), fix: `for: ${minutes + 1}m or more`,
    });
  });

  it('the pool alerts need exactly one workload pool', () => {
    const config = variant('scw-ml-prod', {}).config;
    const [name, pool] = workloadPool(config.compute!);
    expect(problems(variant('scw-ml-prod', { [`compute.pools.${name}-b`]: pool }))).toContainEqual(
      expect.objectContaining({ cluster: 'scw-ml-prod', path: 'compute.pools', value: [name, `${name}-b`], rule: expect.stringMatching(/exactly one pool with role workload/) }),
    );
  });

  it('Grafana uids stay within 40 characters', () => {
    const long = 'arc-production-eu-west-1';
    expect(problems(variant('arc-production', {}, long))).toContainEqual(
      expect.objectContaining({ cluster: long, path: 'name', value: long, rule: expect.stringMatching(/longer than 40 characters/), fix: expect.stringMatching(/at most \d+ characters/) }),
    );
  });

  it('an in-cluster probe target must be a Service of the egress namespace', () => {
    const egress = variant('scw-ml-prod', {}).config.airflow!.egress.mlflow;
    const host = 'mlflow.elsewhere.svc';
    expect(problems(variant('scw-ml-prod', { 'monitoring.dependencies.mlflow.host': host }))).toContainEqual(
      expect.objectContaining({ cluster: 'scw-ml-prod', path: 'monitoring.dependencies.mlflow.host', value: host, rule: expect.stringContaining(`airflow.egress.mlflow.namespace (${egress.namespace})`) }),
    );
  });

  it('an external probe target given as an IP must lie in the egress CIDRs', () => {
    const host = '192.0.2.10';
    expect(problems(variant('scw-ml-prod', { 'monitoring.dependencies.postgres.host': host }))).toContainEqual(
      expect.objectContaining({ cluster: 'scw-ml-prod', path: 'monitoring.dependencies.postgres.host', value: host, rule: expect.stringMatching(/must lie in airflow.egress.postgres.cidrs/) }),
    );
  });

  it('a dependency without a host to probe', () => {
    expect(problems(variant('scw-ml-prod', { 'monitoring.dependencies.postgres.host': undefined }))).toContainEqual(
      expect.objectContaining({ cluster: 'scw-ml-prod', path: 'monitoring.dependencies.postgres.host', value: undefined, rule: expect.stringMatching(/names none/) }),
    );
  });

  it('durations and ratios are checked by the schema', () => {
    const load = (edits: Record<string, unknown>) => {
      try {
        variant('scw-ml-prod', edits);
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    };
    expect(load({ 'monitoring.thresholds.NodeCpuHigh.for': '10 minutes' })).toContainEqual(
      expect.objectContaining({ cluster: 'scw-ml-prod', path: 'monitoring.thresholds.NodeCpuHigh.for', value: '10 minutes', rule: expect.stringMatching(/must be a duration/) }),
    );
    expect(load({ 'monitoring.thresholds.NodeCpuHigh.above': 85 })).toContainEqual(
      expect.objectContaining({ cluster: 'scw-ml-prod', path: 'monitoring.thresholds.NodeCpuHigh.above', value: 85 }),
    );
  });
});

describe('alerts derive their numbers from the config', () => {
  it('ComputeScaleUpSlow compares the pool\'s node count with the workload pool\'s max', () => {
    const base = variant('scw-ml-prod', {});
    const [name, pool] = workloadPool(base.config.compute!);
    const bigger = variant('scw-ml-prod', { [`compute.pools.${name}.max`]: pool.max + 2 });
    expect(rule(base, 'ComputeScaleUpSlow').expr).toContain(`or vector(0)) < ${pool.max}\n`);
    expect(rule(bigger, 'ComputeScaleUpSlow').expr).toContain(`or vector(0)) < ${pool.max + 2}\n`);
    expect(rule(base, 'ComputeScaleUpSlow').expr).toContain(`="${name}"`);
  });

  it.each(['arc-staging', 'arc-production'])('%s: BuildKit alerts read backends and slot counts from fleet()', (name) => {
    const cluster = variant(name, {});
    const archs = fleet(cluster.config.buildkit!);
    const slots = rule(cluster, 'BuildkitSlotsExhausted').expr;
    for (const a of archs) expect(slots).toContain(`label_replace(vector(${a.slots}), "proxy", "${a.name}", "", "")`);
    expect(rule(cluster, 'BuildkitQueueBacklog').expr).toContain(`proxy=~"${archs.map((a) => a.name).join('|')}"`);
    const more = archs[0].max + 4;
    const raised = variant(name, { 'buildkit.architectures[0].max': more, ...(archs[0].replicas ? { 'buildkit.architectures[0].replicas': more } : {}) });
    const [first] = fleet(raised.config.buildkit!);
    expect(first.slots).not.toBe(archs[0].slots);
    expect(rule(raised, 'BuildkitSlotsExhausted').expr).toContain(`vector(${first.slots}), "proxy", "${first.name}"`);
  });

  it('thresholds and durations come from monitoring.thresholds', () => {
    const cluster = variant('scw-ml-prod', { 'monitoring.thresholds.NodeMemoryHigh': { above: 0.7, for: '15m' } });
    const r = rule(cluster, 'NodeMemoryHigh');
    expect(r.expr).toMatch(/\) > 0\.7$/);
    expect(r.for).toBe('15m');
    expect(r.annotations.summary).toContain('70 %');
  });

});

// Grafana's file provisioning runs os.ExpandEnv ($VAR, ${VAR}) over every string of a rule except
// its annotations (raw since Grafana 9.1) and its query models (raw, for macros such as $__timeFilter).
describe('Grafana provisioning leaves every expanded field as written', () => {
  /** The strings Grafana expands: everything but annotations and query models. */
  const expanded = (v: unknown): string[] =>
    typeof v === 'string' ? [v]
    : Array.isArray(v) ? v.flatMap(expanded)
    : v !== null && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => (k === 'annotations' || k === 'model' ? [] : expanded(x)))
    : [];

  it.each(['scw-ml-prod', 'arc-staging', 'arc-production'])('%s: no $ in labels, titles, uids, folder or datasources', (name) => {
    const cluster = variant(name, {});
    const doc = parse(render([cluster]).get(`${name}/monitoring/${GRAFANA_FILE}`)!);
    const strings = expanded(doc);
    expect(strings).toEqual(expect.arrayContaining([cluster.config.monitoring.grafana.folder, name])); // folder and the cluster label are walked
    expect(strings.filter((v) => v.includes('$'))).toEqual([]);
  });

  it.each([
    ['monitoring.grafana.folder', 'alerts-$ENV'],
    ['monitoring.grafana.datasources.prometheus', '${PROM_UID}'],
  ])('%s with a $ is refused', (at, value) => {
    let found: Problem[] = [];
    try {
      variant('arc-staging', { [at]: value });
    } catch (e) {
      found = (e as ConfigError).problems;
    }
    expect(found).toContainEqual(expect.objectContaining({ cluster: 'arc-staging', path: at, value, rule: expect.stringMatching(/must not contain \$: Grafana's file provisioning replaces/) }));
  });
});
