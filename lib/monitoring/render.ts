// Renders the alert model into its two forms: Prometheus rule groups (PrometheusRule and the plain
// rules file) and a Grafana alerting file-provisioning document. Both carry the same PromQL: the
// Prometheus expression is the signal compared with the threshold; Grafana queries the signal (A),
// reduces it (B) and compares it (C).
import type { ClusterConfig } from '../config/schema';
import { Alert, Comparison, secondsOf } from './model';
import { ruleUid } from './catalogue';

export interface PromRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  interval: string;
  rules: PromRule[];
}

/** Alerts grouped by catalogue, in order of first appearance. */
function byGroup(alerts: Alert[]): [string, Alert[]][] {
  const groups = new Map<string, Alert[]>();
  for (const a of alerts) groups.set(a.group, [...(groups.get(a.group) ?? []), a]);
  return [...groups];
}

const labelsOf = (c: ClusterConfig, a: Alert) => ({ severity: a.severity, cluster: c.name });
const annotationsOf = (a: Alert) => ({ summary: a.summary, description: a.description });

/** `(signal) > threshold`; the parentheses keep `and`, `unless` and arithmetic in the signal together. */
export function promExpr(signal: string, comparison: Comparison, threshold: number): string {
  const body = signal.includes('\n') ? `(\n  ${signal.split('\n').join('\n  ')}\n)` : `(${signal})`;
  return `${body} ${comparison} ${threshold}`;
}

/** Prometheus rule groups; alerts without a PromQL signal (Grafana only) are left out. */
export function prometheusGroups(c: ClusterConfig, alerts: Alert[]): RuleGroup[] {
  return byGroup(alerts.filter((a) => a.signal.kind === 'promql'))
    .map(([name, list]) => ({
      name,
      interval: c.monitoring.grafana.evaluationInterval,
      rules: list.map((a) => ({
        alert: a.name,
        expr: promExpr(a.signal.kind === 'promql' ? a.signal.expr : '', a.comparison, a.threshold),
        for: a.for,
        labels: labelsOf(c, a),
        annotations: annotationsOf(a),
      })),
    }));
}

const EXPR = '__expr__';
const EVALUATOR: Record<Comparison, 'gt' | 'lt'> = { '>': 'gt', '<': 'lt' };

/** The datasource query (A), then server-side expressions: reduce (B) and threshold (C). */
function grafanaData(c: ClusterConfig, a: Alert) {
  const window = { from: secondsOf(c.monitoring.rateWindow), to: 0 };
  const query =
    a.signal.kind === 'promql'
      ? { datasourceUid: c.monitoring.grafana.datasources.prometheus, model: { refId: 'A', expr: a.signal.expr, instant: true, range: false, editorMode: 'code' } }
      : { datasourceUid: a.signal.datasource, model: { refId: 'A', rawSql: a.signal.sql, format: 'table', rawQuery: true, editorMode: 'code' } };
  const expression = (refId: string, model: Record<string, unknown>) => ({
    refId,
    relativeTimeRange: { from: 0, to: 0 },
    datasourceUid: EXPR,
    model: { refId, datasource: { type: EXPR, uid: EXPR }, ...model },
  });
  return [
    { refId: 'A', relativeTimeRange: window, ...query },
    expression('B', { type: 'reduce', expression: 'A', reducer: 'last' }),
    expression('C', { type: 'threshold', expression: 'B', conditions: [{ evaluator: { type: EVALUATOR[a.comparison], params: [a.threshold] } }] }),
  ];
}

/** Grafana alerting file provisioning (apiVersion 1): one group per catalogue in the cluster's folder. */
export function grafanaDocument(c: ClusterConfig, alerts: Alert[]) {
  const g = c.monitoring.grafana;
  return {
    apiVersion: 1,
    groups: byGroup(alerts).map(([name, list]) => ({
      orgId: g.orgId,
      name,
      folder: g.folder,
      interval: g.evaluationInterval,
      rules: list.map((a) => ({
        uid: ruleUid(c.name, a.name),
        title: a.name,
        condition: 'C',
        data: grafanaData(c, a),
        for: a.for,
        labels: labelsOf(c, a),
        annotations: annotationsOf(a),
        noDataState: a.noData,
        execErrState: 'Error',
        isPaused: false,
      })),
    })),
  };
}

