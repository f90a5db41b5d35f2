// The alert model: one definition per alert, rendered both as a Grafana provisioning rule and as a
// Prometheus alerting rule. A definition is plain data built from the cluster config; renderers
// never add numbers of their own.
import type { AlertName } from '../config/sections/monitoring';

export type { AlertName };
export type Severity = 'critical' | 'warning' | 'info';

/**
 * How the alert compares its signal. Only strict comparisons: they are the two threshold
 * evaluators every Grafana version with file provisioning supports (gt, lt).
 */
export type Comparison = '>' | '<';

/** A PromQL signal (no comparison): evaluated by Prometheus and by Grafana's Prometheus datasource. */
export interface PromQuery {
  kind: 'promql';
  expr: string;
}

/** A SQL signal on Grafana's PostgreSQL datasource: text columns become labels, one numeric column the value. */
export interface SqlQuery {
  kind: 'sql';
  sql: string;
  datasource: string;
}

export interface Alert {
  name: AlertName;
  /** Rule group (Prometheus) and Grafana group: the catalogue the alert belongs to. */
  group: string;
  severity: Severity;
  /** One line; may use {{ $labels.<name> }} (the only template both Grafana and Prometheus read alike). */
  summary: string;
  /** Runbook style: what it means, then the first thing to check. */
  description: string;
  signal: PromQuery | SqlQuery;
  /** The alert fires while `signal <comparison> threshold` holds for `for`. */
  comparison: Comparison;
  threshold: number;
  for: string;
  /** Cluster config fields the alert reads (shown in the docs and checked before building). */
  reads: string[];
  /** Grafana's state when the query returns nothing; "OK" for signals that are absent when healthy. */
  noData: 'OK' | 'NoData' | 'Alerting';
}

/** Seconds of a one-unit Prometheus duration ("90s", "5m", "1h", "1d"). */
export function secondsOf(d: string): number {
  const m = /^(\d+)([smhd])$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** Quotes a PromQL string literal. */
const quote = (v: string): string => JSON.stringify(v);

/** A series selector `{a="x", b=~"y|z"}` from exact matchers and extra raw matchers. */
export function selector(labels: Record<string, string>, ...extra: string[]): string {
  const exact = Object.entries(labels).map(([k, v]) => `${k}=${quote(v)}`);
  return `{${[...exact, ...extra].join(', ')}}`;
}

/** A regex matcher on one label that matches exactly the given values. */
export function oneOf(label: string, values: string[]): string {
  const escaped = values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return `${label}=~${quote(escaped.join('|'))}`;
}

/**
 * An instant vector holding one constant per label value, e.g. the slot count per HAProxy
 * backend, so a single rule can compare every arch against its own number.
 */
export function constants(label: string, values: Record<string, number>): string {
  return Object.entries(values)
    .map(([v, n]) => `label_replace(vector(${n}), ${quote(label)}, ${quote(v)}, "", "")`)
    .join('\n  or ');
}

/** The Prometheus name kube-state-metrics gives a Kubernetes label in kube_*_labels. */
export const ksmLabel = (k8sLabel: string): string => `label_${k8sLabel.replace(/[^a-zA-Z0-9_]/g, '_')}`;

/** "90 %" from 0.9 (for annotations). */
export const percent = (r: number): string => `${Math.round(r * 1000) / 10} %`;
