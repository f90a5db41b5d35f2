// The generated dashboards: delivered to the sidecar and as files, one model with the alerts (a
// panel of an alert shows its expression and threshold), numbers from their owners (the capacity
// plan, the fleet as the generated haproxy.cfg and ScaledObjects carry it), every PromQL query
// accepted by promtool, and the JSON accepted by the dashboard schema of the configured Grafana.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { parse, stringify } from 'yaml';
import { loadClusters, parseCluster } from '../../lib/config/load';
import type { Cluster } from '../../lib/config/schema';
import { checkCluster } from '../../lib/config/components/index';
import { alertsFor, checkDashboards, dashboardProps, dashboardsFor } from '../../lib/config/components/monitoring';
import { dashboardFile } from '../../lib/monitoring';
import { renderDashboard } from '../../lib/monitoring/dashboards/render';
import type { AlertName } from '../../lib/core/alerts';
import { diffTrees, formatText } from '../../lib/pipeline/diff';
import { render } from '../../lib/pipeline/render';
import { rawCluster, REPO, tmpDir } from '../support/clusters';
import { tool } from '../support/env';

const clusters = loadClusters().map((c) => c.config);
const files = render(loadClusters());
const byName = (name: string) => clusters.find((c) => c.name === name)!;
const json = (cluster: string, uid: string) => JSON.parse(files.get(`${cluster}/monitoring/dashboards/${uid}.json`)!);
const dashboards = clusters.flatMap((c) => dashboardsFor(c).map((d) => ({ cluster: c.name, config: c, model: d, uid: d.uid })));
const panelsOf = (d: any): any[] => d.panels.filter((p: any) => p.type !== 'row');

/** The cluster with one change to its raw config (preset applied), parsed like a cluster file. */
function variant(name: string, change: (raw: any) => void): Cluster {
  const raw = rawCluster(name);
  change(raw);
  return parseCluster(stringify(raw), `clusters/${name}.yaml`);
}

describe('delivery', () => {
  it('gives scw-ml-prod the Infrastructure dashboard and each farm the BuildKit farm dashboard', () => {
    expect(dashboards.map((d) => d.uid).sort()).toEqual(['arc-production-buildkit-farm', 'arc-staging-buildkit-farm', 'scw-ml-prod-infrastructure']);
  });

  it.each(dashboards.map((d) => [d.uid, d] as const))('%s: a file to import and a ConfigMap for the sidecar with the same JSON', (uid, d) => {
    const file = files.get(`${d.cluster}/monitoring/${dashboardFile(d.model)}`)!;
    const cm = parse(files.get(`${d.cluster}/monitoring/configmap-dashboard-${uid}.yaml`)!);
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    expect(cm.metadata.namespace).toBe(d.config.monitoring.namespace);
    expect(cm.metadata.annotations).toEqual({ grafana_folder: d.config.monitoring.grafana.folder });
    expect(cm.data).toEqual({ [`${uid}.json`]: file });
    // Grafana refuses dashboard uids longer than 40 characters
    expect(uid.length).toBeLessThanOrEqual(40);
    expect(JSON.parse(file).uid).toBe(uid);
  });

  it('takes folder, its annotation, refresh and the datasource UIDs from the config', () => {
    const c = variant('scw-ml-prod', (raw) => {
      raw.monitoring.dashboards = { refresh: '5m', grafanaVersion: '13.2', folder: 'ML Infra', folderAnnotation: 'k8s-sidecar-target-directory' };
      raw.monitoring.grafana.datasources = { prometheus: 'prom-eu', postgres: 'pg-airflow' };
    });
    const out = render([c]);
    const d = JSON.parse(out.get('scw-ml-prod/monitoring/dashboards/scw-ml-prod-infrastructure.json')!);
    const cm = parse(out.get('scw-ml-prod/monitoring/configmap-dashboard-scw-ml-prod-infrastructure.yaml')!);
    expect(cm.metadata.annotations).toEqual({ 'k8s-sidecar-target-directory': 'ML Infra' });
    expect(d.refresh).toBe('5m');
    const uids = new Set(panelsOf(d).flatMap((p) => p.targets.map((t: any) => `${t.datasource.type}:${t.datasource.uid}`)));
    expect([...uids].sort()).toEqual(['grafana-postgresql-datasource:pg-airflow', 'prometheus:prom-eu']);
  });

  it('refuses a cluster name that makes a dashboard uid longer than Grafana accepts, with the fix', () => {
    const name = 'arc-staging-with-a-long-cluster-name';
    const raw = rawCluster('arc-staging');
    raw.name = name;
    const c = parseCluster(stringify(raw), `clusters/${name}.yaml`).config;
    expect(checkCluster(c).filter((p) => p.rule.includes('dashboard'))).toEqual([expect.objectContaining({
      path: 'name', value: name,
      rule: `the dashboard uid ${name}-buildkit-farm is longer than the 40 characters Grafana accepts`,
      fix: 'a cluster name of at most 26 characters',
    })]);
    expect(checkDashboards(byName('arc-staging'))).toEqual([]);
  });

  it('gives a cluster without monitoring.dashboards no dashboard', () => {
    const c = variant('arc-staging', (raw) => delete raw.monitoring.dashboards).config;
    expect(dashboardsFor(c)).toEqual([]);
  });
});

describe('one model with the alerts', () => {
  // SPEC 4's alert tables: each alert's signal has a panel on its cluster's dashboard.
  const SPEC: Record<string, AlertName[]> = {
    'scw-ml-prod-infrastructure': ['PodCpuNearLimit', 'PodMemoryNearLimit', 'NodeCpuHigh', 'NodeMemoryHigh', 'PodsPendingTooLong',
      'ComputeScaleUpSlow', 'ComputeNodesIdle', 'TaskRetried', 'DependencyDown', 'RunDurationHigh'],
    'arc-staging-buildkit-farm': ['KedaScalerErrors', 'KedaScaledObjectErrors', 'BuildkitQueueBacklog', 'BuildkitAtMaxReplicas', 'BuildkitSlotsExhausted'],
    'arc-production-buildkit-farm': ['KedaScalerErrors', 'KedaScaledObjectErrors', 'BuildkitQueueBacklog', 'BuildkitAtMaxReplicas', 'BuildkitSlotsExhausted'],
  };

  it.each(dashboards.map((d) => [d.uid, d] as const))('%s: a panel of an alert shows its expression, with its threshold drawn', (uid, d) => {
    const panels = panelsOf(json(d.cluster, uid));
    const alerts = alertsFor(d.config);
    const shown = new Set<string>();
    for (const p of d.model.rows.flatMap((r) => r.panels).filter((x) => x.alert)) {
      const rendered = panels.find((x) => x.title === p.title);
      const alert = alerts.find((a) => a.name === p.alert && (a.signal.kind === 'promql' ? a.signal.expr : a.signal.sql) === (rendered.targets[0].expr ?? rendered.targets[0].rawSql))!;
      expect({ panel: p.title, alert: alert?.name }).toEqual({ panel: p.title, alert: p.alert });
      const steps = rendered.fieldConfig.defaults.thresholds.steps;
      expect(steps.map((s: any) => s.value)).toContain(alert.threshold);
      // the colour past the line is red on the side where the alert fires
      const past = steps.find((s: any) => s.value === alert.threshold).color;
      expect(past).toBe(alert.comparison === '>' ? 'red' : 'green');
      shown.add(alert.name);
    }
    expect(SPEC[uid].filter((n) => !shown.has(n))).toEqual([]);
  });

  it('moves the panel\'s line with the alert\'s threshold (no second copy)', () => {
    const c = variant('arc-staging', (raw) => { raw.monitoring.thresholds.BuildkitQueueBacklog.above = 7; }).config;
    const d = renderDashboard(dashboardProps(c, alertsFor(c)), dashboardsFor(c)[0]);
    const p = (d.panels as any[]).find((x) => x.title === 'Builds queued (average)');
    expect(p.fieldConfig.defaults.thresholds.steps.map((s: any) => s.value)).toEqual([null, 7]);
  });

  it.each(dashboards.map((d) => [d.uid, d] as const))('%s: panel titles are unique (npm run diff keys panels by title)', (uid, d) => {
    const titles = json(d.cluster, uid).panels.map((p: any) => p.title);
    expect(titles.length).toBe(new Set(titles).size);
  });
});

describe('numbers from their owners', () => {
  it('costs: the plan\'s price, projected months and budget, as plan.json has them', () => {
    const plan = JSON.parse(files.get('scw-ml-prod/capacity/plan.json')!);
    const d = json('scw-ml-prod', 'scw-ml-prod-infrastructure');
    const panel = (title: string) => panelsOf(d).find((p) => p.title === title);
    const round2 = (x: number) => Math.round(x * 100) / 100;
    const constants = (p: any) => p.targets.filter((t: any) => /^vector\(/.test(t.expr)).map((t: any) => [t.legendFormat, Number(t.expr.slice(7, -1))]);
    expect(constants(panel('Monthly total: plan against budget'))).toEqual(plan.months.map((m: any) => [`plan: ${m.id} month`, round2(m.totalEur)]));
    expect(panel('Monthly total: plan against budget').fieldConfig.defaults.thresholds.steps.at(-1).value).toBe(plan.budgetEur);
    // from the total, not the sum of rounded scenario lines (those can be a cent off the exact sum)
    const compute = (m: any) => round2(m.totalEur - m.lines.filter((l: any) => l.kind !== 'scenario').reduce((s: number, l: any) => s + l.eur, 0));
    const spend = panel('compute spend this month against the plan');
    expect(constants(spend)).toEqual(plan.months.map((m: any) => [`plan: ${m.id} month`, compute(m)]));
    // measured: node-hours x the price the plan bills the compute pool at
    const billed = plan.months.flatMap((m: any) => m.lines).flatMap((l: any) => l.billed ?? []).find((b: any) => b.pool === 'compute');
    expect(spend.targets[0].expr).toMatch(new RegExp(`\\* ${String(billed.eurPerNodeHour).replace('.', '\\.')}$`));
    // the budget left for compute: what the plan's fixed and permanent lines leave of it
    const fixed = plan.months[0].lines.filter((l: any) => l.kind !== 'scenario').reduce((s: number, l: any) => s + l.eur, 0);
    expect(spend.fieldConfig.defaults.thresholds.steps.at(-1).value).toBe(round2(plan.budgetEur - fixed));
    expect(spend.timeFrom).toBe('now/M');
  });

  it.each(['arc-staging', 'arc-production'])('%s: slots, min, max and NodePool nodes as the generated farm has them', (cluster) => {
    const d = json(cluster, `${cluster}-buildkit-farm`);
    const cfg = files.get(`${cluster}/buildkit/haproxy.cfg`)!;
    const lines = (title: string) => panelsOf(d).find((p) => p.title === title).fieldConfig.defaults.thresholds.steps.slice(1).map((s: any) => s.value);
    for (const a of byName(cluster).buildkit!.architectures) {
      const backend = cfg.split(/\n(?=backend )/).find((b) => b.startsWith(`backend buildkitd-${a.arch}\n`))!;
      const slots = Number(/server-template \S+ (\d+) /.exec(backend)![1]);
      expect(lines(`${a.arch}: slots in use`)).toEqual([slots]);
      const [min, max] = lines(`${a.arch}: replicas against min and max`);
      expect(max).toBe(a.max);
      expect(min).toBe(a.min);
      const so = files.get(`${cluster}/buildkit/scaledobject-buildkitd-${a.arch}.yaml`);
      if (so) expect([min, max]).toEqual([parse(so).spec.minReplicaCount, parse(so).spec.maxReplicaCount]);
      // the NodePool's cpu limit holds exactly the nodes the panel draws
      const pool = parse(files.get(`${cluster}/buildkit/nodepool-buildkit-${a.arch}.yaml`)!);
      const [nodes] = lines(`${a.arch}: nodes against the NodePool limit`);
      const cpu = Number(pool.spec.limits.cpu);
      expect(cpu % nodes).toBe(0);
      expect(panelsOf(d).find((p) => p.title === `${a.arch}: nodes against the NodePool limit`).targets[0].expr).toContain(`nodepool="${pool.metadata.name}"`);
    }
  });
});

describe('the farm plan on the farm dashboards', () => {
  it.each(['arc-staging', 'arc-production'])('%s: predicted node-hours and cost as farm.json has them, measured spend at the configured price', (cluster) => {
    const farm = JSON.parse(files.get(`${cluster}/capacity/farm.json`)!);
    const d = json(cluster, `${cluster}-buildkit-farm`);
    const panel = (title: string) => panelsOf(d).find((p) => p.title === title);
    const round2 = (x: number) => Math.round(x * 100) / 100;
    const constant = (p: any, legend: string) => Number(p.targets.find((t: any) => t.legendFormat === legend).expr.slice(7, -1));
    const prices = byName(cluster).farmPlan!.prices;
    expect(farm.months.length).toBe(byName(cluster).buildkit!.architectures.length);
    for (const m of farm.months) {
      expect(constant(panel('Node-hours this month'), `${m.arch} plan`)).toBe(round2(m.nodeHours));
      const spend = panel('Spend this month');
      expect(constant(spend, `${m.arch} plan (month)`)).toBe(round2(m.usd));
      const measured = spend.targets.find((t: any) => t.legendFormat === `${m.arch} measured`).expr;
      expect(measured.endsWith(`* ${prices[m.instanceType].usdPerHour}`)).toBe(true);
    }
  });
});

describe('checked by the real tools', () => {
  /** Grafana's range variables, replaced by values of the same shape so promtool can parse the query. */
  const asPromQL = (expr: string) => expr.replace(/\$__range_s\b/g, '2592000').replace(/\$__range\b/g, '30d');
  const exprs = dashboards.flatMap((d) => panelsOf(json(d.cluster, d.uid)).flatMap((p) =>
    p.targets.filter((t: any) => t.expr !== undefined).map((t: any) => ({ uid: d.uid, panel: p.title, refId: t.refId, expr: t.expr as string }))));
  const withPromtool = tool('promtool', ['--version'], 'apt-get install prometheus') ? it : it.skip;
  const check = (entries: typeof exprs) => {
    const dir = tmpDir('dashboard-promql');
    const file = path.join(dir, 'panels.yaml');
    // one recording rule per query: `promtool check rules` parses and type-checks each expression
    const groups = [...new Set(entries.map((e) => e.uid))].map((uid) => ({
      name: uid,
      rules: entries.filter((e) => e.uid === uid).map((e, i) => ({ record: `dashboard:panel_${i}`, expr: asPromQL(e.expr), labels: { dashboard: uid, panel: `${e.panel} ${e.refId}` } })),
    }));
    fs.writeFileSync(file, stringify({ groups }, { lineWidth: 0 }));
    const out = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    return out;
  };

  it('every dashboard has PromQL queries, each once per panel target', () => {
    for (const d of dashboards) expect(exprs.filter((e) => e.uid === d.uid).length).toBeGreaterThan(10);
  });

  withPromtool('promtool check rules accepts every PromQL query of every panel', () => {
    const out = check(exprs);
    expect({ status: out.status, output: out.stdout + out.stderr }).toMatchObject({ status: 0 });
    expect(out.stdout).toContain(`SUCCESS: ${exprs.length} rules found`);
  });

  withPromtool('promtool rejects a broken panel query (the check is real)', () => {
    const out = check([{ ...exprs[0], expr: `sum by (${exprs[0].expr}` }]);
    expect(out.status).not.toBe(0);
  });

  withPromtool('the per-profile panel keeps the worst container of each profile (promtool test rules)', () => {
    const panel = panelsOf(json('scw-ml-prod', 'scw-ml-prod-infrastructure')).find((p) => p.title === 'Memory / memory limit per profile (worst pod)');
    const memory = alertsFor(byName('scw-ml-prod')).find((a) => a.name === 'PodMemoryNearLimit')!;
    expect(panel.targets[0].expr).toContain((memory.signal as { expr: string }).expr.split('\n').join('\n    '));
    const profile = 'label_cluster_manifests_airflow_profile';
    const pod = (name: string, container = 'base') => `namespace="airflow", pod="${name}", container="${container}"`;
    const series = [
      // standard: a at 6/8, b at 2/8; light: c at 1/4 and its sidecar at 3/4 (the worst container counts)
      [`container_memory_working_set_bytes{job="kubelet", metrics_path="/metrics/cadvisor", ${pod('a')}}`, 6],
      [`container_memory_working_set_bytes{job="kubelet", metrics_path="/metrics/cadvisor", ${pod('b')}}`, 2],
      [`container_memory_working_set_bytes{job="kubelet", metrics_path="/metrics/cadvisor", ${pod('c')}}`, 1],
      [`container_memory_working_set_bytes{job="kubelet", metrics_path="/metrics/cadvisor", ${pod('c', 'sidecar')}}`, 3],
      ...['a', 'b'].map((p) => [`kube_pod_container_resource_limits{job="kube-state-metrics", resource="memory", ${pod(p)}}`, 8]),
      [`kube_pod_container_resource_limits{job="kube-state-metrics", resource="memory", ${pod('c')}}`, 4],
      [`kube_pod_container_resource_limits{job="kube-state-metrics", resource="memory", ${pod('c', 'sidecar')}}`, 4],
      ...[['a', 'standard'], ['b', 'standard'], ['c', 'light']].map(([p, prof]) => [`kube_pod_labels{job="kube-state-metrics", namespace="airflow", pod="${p}", ${profile}="${prof}"}`, 1]),
      // a pod without the label (not a worker) is left out
      [`container_memory_working_set_bytes{job="kubelet", metrics_path="/metrics/cadvisor", ${pod('x')}}`, 7],
      [`kube_pod_container_resource_limits{job="kube-state-metrics", resource="memory", ${pod('x')}}`, 8],
    ] as [string, number][];
    const dir = tmpDir('dashboard-profile');
    fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups: [{ name: 'p', rules: [{ record: 'profile:memory_ratio', expr: panel.targets[0].expr }] }] }, { lineWidth: 0 }));
    fs.writeFileSync(path.join(dir, 'test.yaml'), stringify({
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: series.map(([s, v]) => ({ series: s, values: `${v}x5` })),
        promql_expr_test: [{
          expr: 'profile:memory_ratio', eval_time: '3m',
          exp_samples: [{ labels: `profile:memory_ratio{${profile}="light"}`, value: 0.75 }, { labels: `profile:memory_ratio{${profile}="standard"}`, value: 0.75 }],
        }],
      }],
    }, { lineWidth: 0 }));
    const out = spawnSync('promtool', ['test', 'rules', 'test.yaml'], { cwd: dir, encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    expect({ status: out.status, output: out.stdout + out.stderr }).toMatchObject({ status: 0 });
  });

  it.each(dashboards.map((d) => [d.uid, d] as const))('%s: the JSON is what the SDK\'s builders produced, unchanged by a round trip', (uid, d) => {
    const built = renderDashboard(dashboardProps(d.config, alertsFor(d.config)), d.model);
    expect(json(d.cluster, uid)).toEqual(JSON.parse(JSON.stringify(built)));
    // JSON loses only the SDK's query variant markers (functions), nothing Grafana reads
    const lost: string[] = [];
    JSON.stringify(built, (k, v) => (typeof v === 'function' ? (lost.push(k), undefined) : v));
    expect([...new Set(lost)]).toEqual(['_implementsDataqueryVariant']);
  });

  it('the configured Grafana version is the one whose @grafana/schema the tests have', () => {
    const installed = JSON.parse(fs.readFileSync(require.resolve('@grafana/schema/package.json'), 'utf8')).version as string;
    for (const c of clusters) {
      const wanted = c.monitoring.dashboards!.grafanaVersion;
      if (!installed.startsWith(`${wanted}.`))
        throw new Error(`${c.name}: monitoring.dashboards.grafanaVersion is ${wanted} but the tests have @grafana/schema ${installed}: npm install -D @grafana/schema@~${wanted}.0`);
    }
  });

  /**
   * Type-checks every dashboard's JSON, as an object literal, against the Dashboard type of
   * @grafana/schema (Grafana's published dashboard schema): unknown fields, wrong types and missing
   * required fields fail. A copy with a misspelt field must fail, so the check is real.
   */
  it('the JSON passes the dashboard schema of @grafana/schema (TypeScript compiler)', () => {
    const dir = fs.mkdtempSync(path.join(REPO, 'node_modules', '.cache', 'dashboard-schema-'));
    // JSON carries an enum's value, not the enum: compare with the values (string enums as their literals)
    const header = [
      "import type { Dashboard } from '@grafana/schema';",
      'type Json<T> = T extends string ? `${T}` : T extends number | boolean | null | undefined ? T : T extends (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;',
    ].join('\n');
    const sources: Record<string, string> = {};
    for (const d of dashboards) sources[`${d.uid}.ts`] = `${header}\nexport const d: Json<Dashboard> = ${files.get(`${d.cluster}/monitoring/dashboards/${d.uid}.json`)!.trim()};\n`;
    const bad = JSON.parse(files.get(`scw-ml-prod/monitoring/dashboards/scw-ml-prod-infrastructure.json`)!);
    bad.panels[1].gridPos.width = 8;
    sources['broken.ts'] = `${header}\nexport const d: Json<Dashboard> = ${JSON.stringify(bad)};\n`;
    try {
      for (const [f, s] of Object.entries(sources)) fs.writeFileSync(path.join(dir, f), s);
      const program = ts.createProgram(Object.keys(sources).map((f) => path.join(dir, f)), {
        strict: true, noEmit: true, skipLibCheck: true, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, target: ts.ScriptTarget.ES2022,
      });
      const errors = ts.getPreEmitDiagnostics(program).map((e) => `${path.basename(e.file?.fileName ?? '')}: ${ts.flattenDiagnosticMessageText(e.messageText, '\n')}`);
      expect(errors.filter((e) => !e.startsWith('broken.ts'))).toEqual([]);
      expect(errors.filter((e) => e.startsWith('broken.ts')).join('\n')).toContain('width');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm run diff', () => {
  it('shows a dashboard change per panel: the query and the threshold that moved', () => {
    const c = variant('arc-staging', (raw) => {
      raw.monitoring.thresholds.BuildkitQueueBacklog.above = 7;
      raw.monitoring.rateWindow = '10m';
    });
    const after = render([c]);
    const file = 'arc-staging/monitoring/dashboards/arc-staging-buildkit-farm.json';
    const changes = diffTrees(new Map([[file, files.get(file)!]]), new Map([[file, after.get(file)!]]));
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ subject: 'Dashboard arc-staging-buildkit-farm', isObject: true });
    const paths = changes[0].fields.map((f) => f.path);
    expect(paths).toContain('panels[Builds queued (average)].fieldConfig.defaults.thresholds.steps[1].value');
    expect(paths).toContain('panels[Builds queued (average)].targets[A].expr');
    const text = formatText(changes);
    expect(text).toContain('Dashboard arc-staging-buildkit-farm: panels[Builds queued (average)].fieldConfig.defaults.thresholds.steps[1].value 20 -> 7');
  });
});
