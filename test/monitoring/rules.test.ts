// The monitoring rules: each bad config fails with a problem naming the cluster, the field and the
// value; and the numbers the alerts derive from other sections follow those sections.
import { stringify, parse } from 'yaml';
import { fleet } from '../../lib/buildkit/fleet';
import { ConfigError, Problem } from '../../lib/core/errors';
import { parseCluster } from '../../lib/config/load';
import type { Cluster } from '../../lib/config/schema';
import { workloadPool } from '../../lib/compute';
import { GRAFANA_FILE, PROMETHEUS_FILE } from '../../lib/monitoring';
import { alertsFor } from '../../lib/config/components/monitoring';
import { render } from '../../lib/pipeline/render';
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

  it('ComputeScaleUpSlow needs the pool\'s scale-up time', () => {
    const [name] = workloadPool(variant('scw-ml-prod', {}).config.compute!);
    expect(problems(variant('scw-ml-prod', { [`compute.pools.${name}.scaleUpMinutes`]: undefined }))).toContainEqual(
      expect.objectContaining({ cluster: 'scw-ml-prod', path: `compute.pools.${name}.scaleUpMinutes`, value: undefined, rule: expect.stringMatching(/scale-up time x scaleUpFactor/) }),
    );
  });

  it.each(['KedaScalerErrors', 'KedaScaledObjectErrors', 'KarpenterNodeLaunchFailing'])('%s: `for` must outlast the window, or one transient error fires it', (alert) => {
    expect(problems(variant('arc-staging', { [`monitoring.thresholds.${alert}`]: { window: '15m', for: '10m' } }))).toContainEqual({
      cluster: 'arc-staging', file: 'clusters/arc-staging.yaml', path: `monitoring.thresholds.${alert}.for`, value: '10m',
      rule: expect.stringMatching(/must be longer than window \(15m\)/), fix: 'for: 16m or more, or a shorter window',
    });
  });

  it('TaskRetried reads the job the generated ServiceMonitor gives the chart\'s StatsD Service', () => {
    expect(problems(variant('scw-ml-prod', { 'monitoring.jobs.airflowStatsd.job': 'statsd' }))).toContainEqual(
      expect.objectContaining({ cluster: 'scw-ml-prod', path: 'monitoring.jobs.airflowStatsd.job', value: 'statsd', fix: `job: ${variant('scw-ml-prod', {}).config.airflow!.helm.release}-statsd` }),
    );
  });

  it('RunDurationHigh\'s DAGs name workloads', () => {
    expect(problems(variant('scw-ml-prod', { 'monitoring.runDurationDags.hpo': 'hpo-trials' }))).toContainEqual(
      expect.objectContaining({ cluster: 'scw-ml-prod', path: 'monitoring.runDurationDags.hpo', value: 'hpo-trials', rule: 'must name a workload of compute.workloads' }),
    );
  });

  it('routing overrides name alerts the cluster gets', () => {
    expect(problems(variant('arc-staging', { 'monitoring.routing.teams': { NodeCpuHigh: 'infra' } }))).toContainEqual(
      expect.objectContaining({ cluster: 'arc-staging', path: 'monitoring.routing.teams.NodeCpuHigh', value: 'infra', rule: 'NodeCpuHigh is not an alert this cluster gets' }),
    );
  });

  it('Grafana uids are cut to 40 characters and must stay unique', () => {
    const ok = 'arc-production-eu-west-1';
    expect(problems(variant('arc-production', {}, ok))).toEqual([]);
    const uids = parse(render([variant('arc-production', {}, ok)]).get(`${ok}/monitoring/${GRAFANA_FILE}`)!).groups.flatMap((g: any) => g.rules.map((r: any) => r.uid));
    expect(Math.max(...uids.map((u: string) => u.length))).toBe(40);
    const long = 'arc-production-eu-west-1-green';
    expect(problems(variant('arc-production', {}, long))).toContainEqual(
      expect.objectContaining({ cluster: long, path: 'name', value: long, rule: expect.stringMatching(/get the same uid .* \(uids are cut to 40 characters\)/) }),
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
  it('ComputeScaleUpSlow waits the pool\'s scale-up time x scaleUpFactor for a node', () => {
    const base = variant('scw-ml-prod', {});
    const [name, pool] = workloadPool(base.config.compute!);
    const n = Math.ceil(pool.scaleUpMinutes! * base.config.monitoring.thresholds.ComputeScaleUpSlow!.scaleUpFactor);
    expect(rule(base, 'ComputeScaleUpSlow').for).toBe(`${n}m`);
    expect(rule(base, 'ComputeScaleUpSlow').expr).toContain(`offset ${n}m`);
    const slower = variant('scw-ml-prod', { [`compute.pools.${name}.scaleUpMinutes`]: 5 });
    expect(rule(slower, 'ComputeScaleUpSlow').for).toBe(`${Math.ceil(5 * base.config.monitoring.thresholds.ComputeScaleUpSlow!.scaleUpFactor)}m`);
  });

  it('ComputeBudgetBurn uses the capacity plan\'s prices and the budget left after its fixed costs', () => {
    const base = variant('scw-ml-prod', {});
    const c = base.config;
    const [name, pool] = workloadPool(c.compute!);
    const fixed = c.capacity!.fixedCosts.reduce((t, f) => t + f.eurPerMonth, 0)
      + Object.values(c.compute!.pools).filter((p) => p.min > 0).reduce((t, p) => t + p.min * c.compute!.nodeTypes[p.nodeType].eurPerMonth!, 0);
    const r = rule(base, 'ComputeBudgetBurn');
    expect(r.expr).toMatch(new RegExp(`\\* 730 \\* ${c.compute!.nodeTypes[pool.nodeType].eurPerHour}\\n\\) > ${c.capacity!.budgetEurPerMonth - fixed}$`));
    expect(r.expr).toContain(`="${name}"`);
    const cheaper = variant('scw-ml-prod', { 'capacity.fixedCosts[0].eurPerMonth': c.capacity!.fixedCosts[0].eurPerMonth - 5 });
    expect(rule(cheaper, 'ComputeBudgetBurn').expr).toMatch(new RegExp(`> ${c.capacity!.budgetEurPerMonth - fixed + 5}$`));
  });

  it('RunDurationHigh: a DAG run is late past its workload\'s duration x factor; each further source is its own rule', () => {
    const base = variant('scw-ml-prod', { 'monitoring.runDurationSources': { trials: { sql: 'SELECT study, trial, elapsed_s FROM trial_runs', aboveSeconds: 600 } } });
    const c = base.config;
    const { factor } = c.monitoring.thresholds.RunDurationHigh!;
    const doc = parse(render([base]).get(`scw-ml-prod/monitoring/${GRAFANA_FILE}`)!);
    const runs = doc.groups.flatMap((g: any) => g.rules).filter((r: any) => r.title === 'RunDurationHigh');
    expect(runs.map((r: any) => r.uid)).toEqual(['scw-ml-prod-rundurationhigh', 'scw-ml-prod-rundurationhigh-trials']);
    const [dagRun, trials] = runs;
    for (const [dag, workload] of Object.entries(c.monitoring.runDurationDags!))
      expect(dagRun.data[0].model.rawSql).toContain(`('${dag}', ${Math.round(c.compute!.workloads[workload].durationHours * 3600 * factor)})`);
    expect(dagRun.data[2].model.conditions[0].evaluator).toEqual({ type: 'gt', params: [1] });
    expect(trials.data[0].model.rawSql).toBe('SELECT study, trial, elapsed_s FROM trial_runs');
    expect(trials.data[2].model.conditions[0].evaluator).toEqual({ type: 'gt', params: [600] });
    expect(rules(base).some((r) => r.alert === 'RunDurationHigh')).toBe(false);
  });

  it('KedaFallbackActive exists where a fallback is configured, and takes those ScaledObjects from KedaScalerErrors', () => {
    expect(rule(variant('arc-staging', {}), 'KedaFallbackActive')).toBeUndefined();
    const scaled = variant('arc-production', { 'buildkit.autoscaling.enabled': true });
    const withFallback = fleet(scaled.config.buildkit!).filter((a) => a.replicas !== undefined).map((a) => a.name);
    expect(withFallback.length).toBeGreaterThan(0);
    expect(rule(scaled, 'KedaFallbackActive').expr).toContain(`scaledObject=~"${withFallback.join('|')}"`);
    expect(rule(scaled, 'KedaScalerErrors').expr).toContain(`scaledObject!~"${withFallback.join('|')}"`);
  });

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

describe('routing, runbooks and guards', () => {
  const all = (cluster: Cluster) => parse(render([cluster]).get(`${cluster.config.name}/monitoring/${GRAFANA_FILE}`)!).groups.flatMap((g: any) => g.rules);

  it.each(['scw-ml-prod', 'arc-staging', 'arc-production'])('%s: every rule has team, severity, cluster and notifier labels and a runbook_url to its section', (name) => {
    const cluster = variant(name, {});
    const m = cluster.config.monitoring;
    const runbooks = render([cluster]).get(`${name}/monitoring/runbooks.md`)!;
    for (const r of [...all(cluster), ...rules(cluster)]) {
      const alert = r.title ?? r.alert;
      expect(r.labels).toEqual({ severity: expect.stringMatching(/^(critical|warning|info)$/), team: m.routing!.team, cluster: name, notifier: expect.stringMatching(/^(grafana|prometheus)$/) });
      expect(r.annotations.runbook_url).toBe(`${m.routing!.runbookBaseUrl}/${name}/monitoring/runbooks.md#${alert.toLowerCase()}`);
      expect(runbooks).toContain(`\n## ${alert}\n`);
    }
  });

  it('team and severity can be set per alert in the config', () => {
    const cluster = variant('arc-staging', { 'monitoring.routing.teams': { BuildkitQueueBacklog: 'ci-oncall' }, 'monitoring.routing.severities': { BuildkitQueueBacklog: 'critical' } });
    expect(rule(cluster, 'BuildkitQueueBacklog').labels).toMatchObject({ team: 'ci-oncall', severity: 'critical' });
    expect(rule(cluster, 'BuildkitSlotsExhausted').labels).toMatchObject({ team: cluster.config.monitoring.routing!.team });
  });

  it.each(['prometheus', 'grafana'] as const)('notifier %s: one notifier per alert, the other keeps the rule without notifying', (notifier) => {
    const cluster = variant('scw-ml-prod', { 'monitoring.routing.notifier': notifier });
    for (const r of all(cluster)) {
      const sql = r.data[0].model.rawSql !== undefined;
      const who = sql ? 'grafana' : notifier;
      expect({ title: r.title, notifier: r.labels.notifier, paused: r.isPaused }).toEqual({ title: r.title, notifier: who, paused: who !== 'grafana' });
    }
    for (const r of rules(cluster)) expect(r.labels.notifier).toBe(notifier);
  });

  it.each(['scw-ml-prod', 'arc-staging', 'arc-production'])('%s: the guards are exactly those the alerts\' needs name, and each is built', (name) => {
    const c = variant(name, {}).config;
    const alerts = alertsFor(c);
    const guards = new Set(alerts.flatMap((a) => a.needs.map((n) => n.guard)));
    expect(alerts.filter((a) => a.group === 'guards').map((a) => a.name).sort()).toEqual([...guards].filter((g) => alerts.find((a) => a.name === g)?.group === 'guards').sort());
    for (const g of guards) expect(alerts.map((a) => a.name)).toContain(g);
    expect(alerts.filter((a) => a.group !== 'guards' && a.needs.length === 0).map((a) => a.name)).toEqual(name === 'scw-ml-prod' ? [] : ['BuildkitLoadBalancerDown']);
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
