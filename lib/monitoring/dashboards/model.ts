// The dashboard model: plain data built from the components' numbers and the alerts, rendered to Grafana
// JSON by render.ts (with Grafana's typed builders). A panel that shows an alert's signal takes the
// alert's own expression and threshold, so a dashboard never disagrees with what pages.
import type { Alert, AlertName } from '../../core/alerts';

export interface PromTarget {
  kind: 'promql';
  expr: string;
  legend: string;
}

export interface SqlTarget {
  kind: 'sql';
  sql: string;
  /** Grafana datasource UID (a PostgreSQL datasource). */
  datasource: string;
}

export type Target = PromTarget | SqlTarget;

/** A line drawn on the panel: an alert's threshold, or a limit from the config (max nodes, slots). */
export interface Line {
  value: number;
  /** Which side is bad: above (the usual) or below (free slots, headroom). */
  bad: 'above' | 'below';
  /** Where the number comes from, shown in the panel description. */
  source: string;
}

export interface Panel {
  title: string;
  /** What the panel answers, and where its numbers come from. */
  description: string;
  type: 'timeseries' | 'stat' | 'table';
  /** A Grafana unit id: percentunit, short, s, currencyEUR ... */
  unit: string;
  targets: Target[];
  lines: Line[];
  /** The alert whose signal the panel shows (its expression is the panel's first target). */
  alert?: AlertName;
  /** Panel time range override, e.g. now/M for "this month so far". */
  timeFrom?: string;
}

export interface Row {
  title: string;
  panels: Panel[];
}

/** What rendering a dashboard reads besides its model. */
export interface DashboardRendering {
  /** UID of the Grafana Prometheus datasource the panels query. */
  prometheusDatasource: string;
  /** Auto-refresh interval of every dashboard. */
  refresh: string;
}

export interface Dashboard {
  /** Stable and readable: <cluster>-<concern>. */
  uid: string;
  title: string;
  description: string;
  tags: string[];
  rows: Row[];
}

/** Grafana's built-in range variables, usable in panel queries ("this month so far" with timeFrom). */
export const RANGE = '$__range';
export const RANGE_SECONDS = '$__range_s';

/**
 * The panel of an alert: its signal and its threshold, no second copy. `legend` names the series
 * by the labels the alert's expression keeps.
 */
export function alertPanel(alert: Alert, title: string, unit: string, legend: string, question: string): Panel {
  const line: Line = { value: alert.threshold, bad: alert.comparison === '>' ? 'above' : 'below', source: `${alert.name} fires ${alert.comparison} ${alert.threshold} for ${alert.for}` };
  const target: Target = alert.signal.kind === 'promql'
    ? { kind: 'promql', expr: alert.signal.expr, legend }
    : { kind: 'sql', sql: alert.signal.sql, datasource: alert.signal.datasource };
  return {
    title,
    description: `${question} Signal and line: the alert ${alert.name} (${line.source}).`,
    type: alert.signal.kind === 'sql' ? 'table' : 'timeseries',
    unit,
    targets: [target],
    lines: [line],
    alert: alert.name,
  };
}

/** The alerts by name (several rules of one alert, e.g. RunDurationHigh's sources, share a name). */
export function byName(alerts: Alert[]): (name: AlertName) => Alert[] {
  return (name) => alerts.filter((a) => a.name === name);
}

/** Every PromQL expression of a dashboard, with the panel it belongs to (for promtool and the docs). */
export function promExprs(d: Dashboard): { panel: string; expr: string }[] {
  return d.rows.flatMap((r) => r.panels.flatMap((p) => p.targets.flatMap((t) => (t.kind === 'promql' ? [{ panel: p.title, expr: t.expr }] : []))));
}
