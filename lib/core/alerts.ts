// The alert model: one definition per alert, rendered both as a Grafana provisioning rule and as a
// Prometheus alerting rule. A definition is plain data built from the cluster config; renderers
// never add numbers of their own.
import type { AlertName, Severity } from '../config/sections/monitoring';

export type { AlertName, Severity };

/**
 * Something an alert needs from the cluster (an exporter, a scrape job, an allow-listed label)
 * and the guard alert that fires when it is missing, so a silent alert is never mistaken for a
 * healthy signal.
 */
export interface Need {
  input: string;
  guard: AlertName;
}

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
  /** What the alert needs from the cluster, each covered by a guard (empty for the guards themselves). */
  needs: Need[];
  /** Tells apart several rules of one alert (one per source): part of the Grafana uid. */
  key?: string;
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
  return `{${[...exact, ...extra.filter((m) => m !== '')].join(', ')}}`;
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

/**
 * 1 for every target of a scrape job that is down, and 1 (labelled by the selector's exact
 * matchers) when the job has no target at all: Prometheus never scraped it, or lost it.
 */
export function targetsDown(job: Record<string, string>): string {
  const up = `up${selector(job)}`;
  return `max by (job, instance) (1 - ${up})\n  or\nabsent(${up})`;
}

/** Whether at least one target of the job is up (a `and on ()` operand). */
export const jobUp = (job: Record<string, string>): string => `count(up${selector(job)} == 1) > 0`;

/**
 * Events of a counter within `window`, summed by `by`. A StatsD exporter (or any exporter that
 * creates a series at its first event) starts a counter at 1, where increase() sees nothing; a
 * series that did not exist `window` ago is counted with its whole value.
 */
export function eventsWithin(series: string, by: string, window: string): string {
  return `sum by (${by}) (\n  (increase(${series}[${window}]) > 0)\n    or\n  (${series} unless ${series} offset ${window})\n)`;
}
