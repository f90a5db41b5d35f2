// Renders the alert model into its two forms: Prometheus rule groups (PrometheusRule and the plain
// rules file) and a Grafana alerting file-provisioning document. Both carry the same PromQL: the
// Prometheus expression is the signal compared with the threshold; Grafana queries the signal (A),
// reduces it (B) and compares it (C).
import type { Alert, AlertName, Comparison, Severity } from '../core/alerts';
import { secondsOf } from '../core/alerts';

/** Where every alert goes: its routing labels and the runbook its runbook_url points to. */
export interface Routing {
  /** Who notifies for alerts both can evaluate: Prometheus (Alertmanager) or Grafana. @default 'prometheus' */
  notifier?: 'prometheus' | 'grafana';
  /** `team` routing label of every alert. */
  team: string;
  /** `team` per alert name, overriding `team`. @default {} */
  teams?: Partial<Record<AlertName, string>>;
  /** `severity` per alert name, overriding the alert's. @default {} */
  severities?: Partial<Record<AlertName, Severity>>;
  /** Where the generated files are browsable: runbook_url = <this>/<cluster>/monitoring/runbooks.md#<alert name in lower case>. */
  runbookBaseUrl: string;
}

/** The Grafana side of the rules: where they are provisioned and which datasource they query. */
export interface GrafanaRules {
  /** Grafana folder (title) of the alert rules. */
  folder: string;
  /** @default 1 */
  orgId?: number;
  /** Evaluation interval of every rule group (Prometheus and Grafana). */
  evaluationInterval: string;
  /** UID of the Grafana Prometheus datasource the rules query. */
  datasources: { prometheus: string };
}

/** Everything the renderers read besides the alerts. */
export interface RuleSettings {
  /** Cluster name: the `cluster` label, the uid prefix and the runbook path. */
  cluster: string;
  routing: Routing;
  grafana: GrafanaRules;
  /** Grafana's query window (the range of the rate() windows in the signals). */
  rateWindow: string;
}

/** Grafana rule uids are at most 40 characters: longer ones are cut there (and must stay unique, checked). */
export const MAX_UID = 40;
export const ruleUid = (cluster: string, name: string, key?: string): string =>
  `${cluster}-${name.toLowerCase()}${key ? `-${key}` : ''}`.slice(0, MAX_UID);

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
export const notifierOf = (s: RuleSettings, a: Alert): 'prometheus' | 'grafana' =>
  a.signal.kind === 'sql' ? 'grafana' : s.routing.notifier ?? 'prometheus';

/** Routing labels: severity and team (config overrides first), the cluster, and who notifies. */
export function labelsOf(s: RuleSettings, a: Alert): Record<string, string> {
  const r = s.routing;
  return { severity: r.severities?.[a.name] ?? a.severity, team: r.teams?.[a.name] ?? r.team, cluster: s.cluster, notifier: notifierOf(s, a) };
}

/** The alert's section of the generated runbooks.md (GitHub's anchor of a `## <name>` heading). */
export const runbookUrl = (s: RuleSettings, a: Alert): string =>
  `${s.routing.runbookBaseUrl}/${s.cluster}/monitoring/${RUNBOOKS_FILE}#${a.name.toLowerCase()}`;

export const RUNBOOKS_FILE = 'runbooks.md';

const annotationsOf = (s: RuleSettings, a: Alert) => ({ summary: a.summary, description: a.description, runbook_url: runbookUrl(s, a) });

/** `(signal) > threshold`; the parentheses keep `and`, `unless` and arithmetic in the signal together. */
export function promExpr(signal: string, comparison: Comparison, threshold: number): string {
  const body = signal.includes('\n') ? `(\n  ${signal.split('\n').join('\n  ')}\n)` : `(${signal})`;
  return `${body} ${comparison} ${threshold}`;
}

/** Prometheus rule groups; alerts without a PromQL signal (Grafana only) are left out. */
export function prometheusGroups(s: RuleSettings, alerts: Alert[]): RuleGroup[] {
  return byGroup(alerts.filter((a) => a.signal.kind === 'promql'))
    .map(([name, list]) => ({
      name,
      interval: s.grafana.evaluationInterval,
      rules: list.map((a) => ({
        alert: a.name,
        expr: promExpr(a.signal.kind === 'promql' ? a.signal.expr : '', a.comparison, a.threshold),
        for: a.for,
        labels: labelsOf(s, a),
        annotations: annotationsOf(s, a),
      })),
    }));
}

const EXPR = '__expr__';
const EVALUATOR: Record<Comparison, 'gt' | 'lt'> = { '>': 'gt', '<': 'lt' };

/** The datasource query (A), then server-side expressions: reduce (B) and threshold (C). */
function grafanaData(s: RuleSettings, a: Alert) {
  const window = { from: secondsOf(s.rateWindow), to: 0 };
  const query =
    a.signal.kind === 'promql'
      ? { datasourceUid: s.grafana.datasources.prometheus, model: { refId: 'A', expr: a.signal.expr, instant: true, range: false, editorMode: 'code' } }
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
export function grafanaDocument(s: RuleSettings, alerts: Alert[]) {
  const g = s.grafana;
  return {
    apiVersion: 1,
    groups: byGroup(alerts).map(([name, list]) => ({
      orgId: g.orgId ?? 1,
      name,
      folder: g.folder,
      interval: g.evaluationInterval,
      rules: list.map((a) => ({
        uid: ruleUid(s.cluster, a.name, a.key),
        title: a.name,
        condition: 'C',
        data: grafanaData(s, a),
        for: a.for,
        labels: labelsOf(s, a),
        annotations: annotationsOf(s, a),
        noDataState: a.noData,
        execErrState: 'Error',
        // Kept for reference but not evaluated where Prometheus notifies: one notification per alert.
        isPaused: notifierOf(s, a) !== 'grafana',
      })),
    })),
  };
}

