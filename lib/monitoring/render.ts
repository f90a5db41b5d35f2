// Renders the alert model into its two forms: Prometheus rule groups (PrometheusRule and the plain
// rules file) and a Grafana alerting file-provisioning document. Both carry the same PromQL: the
// Prometheus expression is the signal compared with the threshold; Grafana queries the signal (A),
// reduces it (B) and compares it (C).
import type { ClusterConfig } from '../config/schema';
import { Alert, Comparison, secondsOf } from '../core/alerts';
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

/**
 * Who notifies for an alert: the configured notifier, except for a Grafana-only (SQL) alert,
 * which only Grafana can evaluate.
 */
export const notifierOf = (c: ClusterConfig, a: Alert): 'prometheus' | 'grafana' =>
  a.signal.kind === 'sql' ? 'grafana' : c.monitoring.routing!.notifier;

/** Routing labels: severity and team (config overrides first), the cluster, and who notifies. */
export function labelsOf(c: ClusterConfig, a: Alert): Record<string, string> {
  const r = c.monitoring.routing!;
  return { severity: r.severities[a.name] ?? a.severity, team: r.teams[a.name] ?? r.team, cluster: c.name, notifier: notifierOf(c, a) };
}

/** The alert's section of the generated runbooks.md (GitHub's anchor of a `## <name>` heading). */
export const runbookUrl = (c: ClusterConfig, a: Alert): string =>
  `${c.monitoring.routing!.runbookBaseUrl}/${c.name}/monitoring/${RUNBOOKS_FILE}#${a.name.toLowerCase()}`;

export const RUNBOOKS_FILE = 'runbooks.md';

const annotationsOf = (c: ClusterConfig, a: Alert) => ({ summary: a.summary, description: a.description, runbook_url: runbookUrl(c, a) });

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
        annotations: annotationsOf(c, a),
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
        uid: ruleUid(c.name, a.name, a.key),
        title: a.name,
        condition: 'C',
        data: grafanaData(c, a),
        for: a.for,
        labels: labelsOf(c, a),
        annotations: annotationsOf(c, a),
        noDataState: a.noData,
        execErrState: 'Error',
        // Kept for reference but not evaluated where Prometheus notifies: one notification per alert.
        isPaused: notifierOf(c, a) !== 'grafana',
      })),
    })),
  };
}

