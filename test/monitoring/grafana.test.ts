// The Grafana provisioning document of every cluster against a JSON Schema written from Grafana's
// provisioning format, the ConfigMap that carries it, and the promise that both forms of an alert
// hold the same PromQL.
import Ajv, { ErrorObject } from 'ajv';
import { parse } from 'yaml';
import { loadClusters } from '../../lib/config/load';
import { render } from '../../lib/pipeline/render';
import { GRAFANA_FILE, PROMETHEUS_FILE } from '../../lib/monitoring';
import { promExpr } from '../../lib/monitoring/render';
import schema from './grafana-alert-rules.schema.json';

const ajv = new Ajv({ allErrors: true });
ajv.addKeyword({
  keyword: 'uniqueRuleUids',
  type: 'object',
  errors: true,
  validate: function unique(this: unknown, _: boolean, doc: any) {
    const uids = (doc.groups ?? []).flatMap((g: any) => (g.rules ?? []).map((r: any) => r.uid));
    const dupes = uids.filter((u: string, i: number) => uids.indexOf(u) !== i);
    (unique as any).errors = dupes.map((u: string): Partial<ErrorObject> => ({ keyword: 'uniqueRuleUids', message: `rule uid ${u} is used twice` }));
    return dupes.length === 0;
  },
});
ajv.addKeyword({
  keyword: 'refIdsResolve',
  type: 'object',
  errors: true,
  validate: function resolve(this: unknown, _: boolean, rule: any) {
    const refIds: string[] = (rule.data ?? []).map((q: any) => q.refId);
    const messages: string[] = [];
    refIds.filter((r, i) => refIds.indexOf(r) !== i).forEach((r) => messages.push(`refId ${r} is used twice`));
    if (!refIds.includes(rule.condition)) messages.push(`condition ${rule.condition} names no refId (${refIds.join(', ')})`);
    for (const q of rule.data ?? []) {
      const e = q.model?.expression;
      if (q.datasourceUid === '__expr__' && typeof e === 'string' && !refIds.includes(e)) messages.push(`${q.refId} reads ${e}, which is no refId`);
      if (q.model?.refId !== q.refId) messages.push(`${q.refId}: model.refId is ${q.model?.refId}`);
    }
    (resolve as any).errors = messages.map((message): Partial<ErrorObject> => ({ keyword: 'refIdsResolve', message }));
    return messages.length === 0;
  },
});
const validate = ajv.compile(schema);
const errors = (doc: unknown): string[] =>
  validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);

const clusters = loadClusters();
const files = render(clusters);
const names = clusters.map((c) => c.config.name);
const grafana = (name: string) => parse(files.get(`${name}/monitoring/${GRAFANA_FILE}`)!);
const rules = (name: string) => parse(files.get(`${name}/monitoring/${PROMETHEUS_FILE}`)!);

describe('Grafana alert rules provisioning', () => {
  it.each(names)('%s: the document matches the provisioning schema', (name) => {
    expect(errors(grafana(name))).toEqual([]);
  });

  it.each(names)('%s: datasources, folder, org and interval come from the config', (name) => {
    const m = clusters.find((c) => c.config.name === name)!.config.monitoring;
    for (const g of grafana(name).groups) {
      expect(g).toMatchObject({ orgId: m.grafana.orgId, folder: m.grafana.folder, interval: m.grafana.evaluationInterval });
      for (const r of g.rules) {
        const [query, ...expressions] = r.data;
        expect([m.grafana.datasources.prometheus, m.grafana.datasources.postgres]).toContain(query.datasourceUid);
        expect(expressions.map((q: any) => q.datasourceUid)).toEqual(['__expr__', '__expr__']);
      }
    }
  });

  it.each(names)('%s: the ConfigMap carries the file for the Grafana sidecar', (name) => {
    const cm = parse(files.get(`${name}/monitoring/configmap-grafana-alert-rules.yaml`)!);
    const m = clusters.find((c) => c.config.name === name)!.config.monitoring;
    expect(cm.metadata).toMatchObject({ namespace: m.namespace, labels: { grafana_alert: '1' } });
    expect(cm.data[GRAFANA_FILE]).toBe(files.get(`${name}/monitoring/${GRAFANA_FILE}`));
  });

  it.each(names)('%s: each Prometheus rule is its Grafana rule\'s query compared with its threshold', (name) => {
    const byTitle = new Map(grafana(name).groups.flatMap((g: any) => g.rules.map((r: any) => [r.title, { group: g.name, rule: r }])));
    const prom = rules(name).groups.flatMap((g: any) => g.rules.map((r: any) => ({ group: g.name, rule: r })));
    expect(prom.length).toBeGreaterThan(0);
    for (const { group, rule } of prom) {
      const g: any = byTitle.get(rule.alert);
      const [query, , threshold] = g.rule.data;
      const { type, params } = threshold.model.conditions[0].evaluator;
      expect({ alert: rule.alert, group, expr: rule.expr, for: rule.for, labels: rule.labels, annotations: rule.annotations }).toEqual({
        alert: rule.alert,
        group: g.group,
        expr: promExpr(query.model.expr, type === 'gt' ? '>' : '<', params[0]),
        for: g.rule.for,
        labels: g.rule.labels,
        annotations: g.rule.annotations,
      });
    }
    // Grafana-only rules are those on a SQL datasource.
    const grafanaOnly = [...byTitle.values()].filter((g: any) => !prom.some((p: any) => p.rule.alert === g.rule.title));
    for (const g of grafanaOnly as any[]) expect(g.rule.data[0].model.rawSql).toBeDefined();
  });

  it.each(names)('%s: the PrometheusRule holds the rules file\'s groups, with the selector labels', (name) => {
    const m = clusters.find((c) => c.config.name === name)!.config.monitoring;
    const pr = parse(files.get(`${name}/monitoring/prometheusrule-alert-rules.yaml`)!);
    expect(pr.metadata.labels).toMatchObject(m.ruleSelectorLabels);
    expect(pr.spec.groups).toEqual(rules(name).groups);
  });
});

describe('the provisioning schema refuses what Grafana refuses', () => {
  const doc = () => grafana(names[0]);
  const firstRule = (d: any) => d.groups[0].rules[0];

  it('a uid used twice', () => {
    const d = doc();
    d.groups[0].rules.push({ ...firstRule(d), title: 'Copy' });
    expect(errors(d).join('\n')).toMatch(/rule uid .* is used twice/);
  });

  it('a uid longer than 40 characters', () => {
    const d = doc();
    firstRule(d).uid = 'x'.repeat(41);
    expect(errors(d).join('\n')).toMatch(/uid must NOT have more than 40 characters/);
  });

  it('a condition that names no refId', () => {
    const d = doc();
    firstRule(d).condition = 'D';
    expect(errors(d).join('\n')).toMatch(/condition D names no refId \(A, B, C\)/);
  });

  it('an expression reading a missing refId', () => {
    const d = doc();
    firstRule(d).data[2].model.expression = 'Z';
    expect(errors(d).join('\n')).toMatch(/C reads Z, which is no refId/);
  });

  it('unknown noDataState and execErrState values', () => {
    const d = doc();
    Object.assign(firstRule(d), { noDataState: 'Ok', execErrState: 'Failing' });
    const e = errors(d).join('\n');
    expect(e).toMatch(/noDataState must be equal to one of the allowed values/);
    expect(e).toMatch(/execErrState must be equal to one of the allowed values/);
  });

  it('a missing required field', () => {
    const d = doc();
    delete firstRule(d).for;
    delete d.groups[0].folder;
    const e = errors(d).join('\n');
    expect(e).toMatch(/rules\/0 must have required property 'for'/);
    expect(e).toMatch(/groups\/0 must have required property 'folder'/);
  });

  it('a threshold with an unknown evaluator', () => {
    const d = doc();
    firstRule(d).data[2].model.conditions[0].evaluator.type = 'greater';
    expect(errors(d).join('\n')).toMatch(/evaluator\/type must be equal to one of the allowed values/);
  });
});
