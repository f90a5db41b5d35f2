// The alert model: one definition per alert, rendered both as a Grafana provisioning rule and as a
// Prometheus alerting rule. A definition is plain data that a component builds from its own typed
// inputs (its alert set, mixin style); renderers never add numbers of their own.

/** Alert severities, most urgent first (the `severity` routing label). */
export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Alerts that fire when an input other alerts need is missing (see Need). */
export type GuardName =
  | 'KubeStateMetricsDown' | 'NodeExporterDown' | 'CadvisorDown' | 'PoolLabelNotExported' | 'AirflowStatsdDown'
  | 'AirflowMetricsMissing' | 'DependencyProbesDown' | 'KedaMetricsDown' | 'KarpenterMetricsDown';

/** The compute pool's and its pods' alerts (lib/compute). */
export type ComputeAlertName =
  | 'PodCpuNearLimit' | 'PodMemoryNearLimit' | 'NodeCpuHigh' | 'NodeMemoryHigh' | 'PodsPendingTooLong' | 'PodOOMKilled'
  | 'PodCrashLooping' | 'ComputeScaleUpSlow' | 'ComputeNodesIdle' | 'ComputeBudgetBurn';
/** The Airflow platform's alerts (lib/airflow). */
export type AirflowAlertName = 'TaskRetried' | 'DependencyDown' | 'RunDurationHigh';
/** The BuildKit farm's alerts (lib/buildkit). */
export type BuildkitFarmAlertName =
  | 'KedaScalerErrors' | 'KedaScaledObjectErrors' | 'KedaFallbackActive' | 'BuildkitQueueBacklog' | 'BuildkitAtMaxReplicas'
  | 'BuildkitSlotsExhausted' | 'BuildkitLoadBalancerDown' | 'KarpenterNodeLaunchFailing';

export type AlertName = ComputeAlertName | AirflowAlertName | BuildkitFarmAlertName | GuardName;

/** A Prometheus duration with one unit, as rules and Grafana take it: "30s", "5m", "1h". */
export type Duration = string;

/** Fires once the condition has held this long. */
export interface HoldFor { for: Duration }
/** Fires once the signal has stayed above `above` for `for`. */
export interface AboveFor { above: number; for: Duration }
/** Counts events (errors) over `window`, and fires once some have been counted for `for`. */
export interface ErrorsFor { window: Duration; for: Duration }
/** Fires for an event within the last `window`. */
export interface EventWithin { window: Duration }

/** The policy thresholds of every alert, keyed by alert name (monitoring.thresholds in a cluster file). */
export interface AlertThresholds {
  PodCpuNearLimit: AboveFor;
  PodMemoryNearLimit: AboveFor;
  NodeCpuHigh: AboveFor;
  PodOOMKilled: EventWithin;
  PodCrashLooping: HoldFor;
  NodeMemoryHigh: AboveFor;
  PodsPendingTooLong: HoldFor;
  /** Waits the pool's scale-up time x scaleUpFactor for a node. */
  ComputeScaleUpSlow: { scaleUpFactor: number };
  ComputeNodesIdle: HoldFor;
  ComputeBudgetBurn: ErrorsFor;
  TaskRetried: EventWithin;
  DependencyDown: HoldFor;
  /** A run is late past its workload's duration x factor. */
  RunDurationHigh: { factor: number };
  KedaScalerErrors: ErrorsFor;
  KedaScaledObjectErrors: ErrorsFor;
  KedaFallbackActive: ErrorsFor;
  BuildkitQueueBacklog: AboveFor;
  BuildkitAtMaxReplicas: HoldFor;
  BuildkitSlotsExhausted: HoldFor;
  BuildkitLoadBalancerDown: HoldFor;
  KarpenterNodeLaunchFailing: ErrorsFor;
  KubeStateMetricsDown: HoldFor;
  NodeExporterDown: HoldFor;
  CadvisorDown: HoldFor;
  PoolLabelNotExported: HoldFor;
  AirflowStatsdDown: HoldFor;
  AirflowMetricsMissing: HoldFor;
  DependencyProbesDown: HoldFor;
  KedaMetricsDown: HoldFor;
  KarpenterMetricsDown: HoldFor;
}

/** Label matchers selecting one exporter's series, e.g. { job: 'kubelet', metrics_path: '/metrics/cadvisor' }. */
export type ScrapeJob = Record<string, string>;

/**
 * What a guard watches: a scrape job (fires per target down, and when the job has no target), or
 * a series that must exist while the job exporting it is up (an allow-listed label, a metric the
 * application sends).
 */
export type GuardWatch =
  | { kind: 'scrape'; job: ScrapeJob }
  | { kind: 'series'; series: string; whileUp: ScrapeJob };

/**
 * Something an alert needs from the cluster (an exporter, a scrape job, an allow-listed label)
 * and the guard alert that fires when it is missing, so a silent alert is never mistaken for a
 * healthy signal. The alert declares what the guard watches; monitoring builds the guard.
 */
export interface Need {
  input: string;
  /** The alert that fires when the input is missing: a guard, or another alert covering it. */
  guard: AlertName;
  /** What the guard watches; absent when `guard` is an alert of its own (not one monitoring builds). */
  watch?: GuardWatch;
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
  /** Rule group (Prometheus) and Grafana group: the alert set the alert belongs to. */
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
  /** Grafana's state when the query returns nothing; "OK" for signals that are absent when healthy. */
  noData: 'OK' | 'NoData' | 'Alerting';
  /** What the alert needs from the cluster, each covered by a guard (empty for the guards themselves). */
  needs: Need[];
  /** Tells apart several rules of one alert (one per source): part of the Grafana uid. */
  key?: string;
}

/** What one entry of an alert set builds; name and group come from the set. */
export type AlertBody = Omit<Alert, 'name' | 'group'>;

/**
 * A component's alerts (mixin style): which alerts its inputs call for, and how each one is built
 * from those inputs alone. `alertsOf` builds them; monitoring only collects and renders.
 */
export interface AlertSet<Inputs, Name extends AlertName> {
  /** Rule group name in Prometheus and Grafana. */
  group: string;
  /** The alerts these inputs call for, in rule order. */
  names(inputs: Inputs): Name[];
  /** One rule, or one per source (each with its own `key`). */
  build: { [N in Name]: (inputs: Inputs) => AlertBody | AlertBody[] };
}

/** The alerts of a set (by default every one its inputs call for). */
export function alertsOf<Inputs, Name extends AlertName>(set: AlertSet<Inputs, Name>, inputs: Inputs, names: Name[] = set.names(inputs)): Alert[] {
  return names.flatMap((name) => {
    const built = set.build[name](inputs);
    return (Array.isArray(built) ? built : [built]).map((body) => ({ name, group: set.group, ...body }));
  });
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

/** A ratio as annotation text: "90 %" from 0.9. */
export const ratioText = (r: number): string => `${Math.round(r * 1000) / 10} %`;

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
