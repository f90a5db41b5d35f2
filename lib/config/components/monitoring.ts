// Alerts as code (SPEC 4): every cluster has a monitoring section. This file maps a cluster file
// onto the alert sets of its components (compute, Airflow, the BuildKit farm) and onto the
// monitoring constructs that collect and render them. Outputs under dist/<cluster>/monitoring/:
// grafana-alert-rules.yaml (Grafana file provisioning) and the ConfigMap carrying it for the
// Grafana sidecar, prometheus-rules.yaml and the PrometheusRule with the same groups, runbooks.md
// (one section per alert, where runbook_url points), one blackbox Probe per dependency
// DependencyDown watches, the ServiceMonitor of Airflow's StatsD exporter, and the dashboards.
import { Component, section } from '../component';
import { capacityPlanProps, farmPlanProps } from './capacity';
import type { ClusterConfig } from '../schema';
import type { Problem } from '../../core/errors';
import type { ComponentChart } from '../../core/chart';
import { valueAt } from '../../core/paths';
import { inSection, PropsProblem } from '../../core/props';
import { alertsOf, secondsOf } from '../../core/alerts';
import type { Alert, AlertName, AlertSet, AlertThresholds, GuardName } from '../../core/alerts';
import { AIRFLOW_ALERT_NAMES, AIRFLOW_ALERTS, chartObjects, DEPENDENCIES, Dependency, ProbeTarget, statsdService } from '../../airflow';
import type { AirflowAlertInputs } from '../../airflow';
import { BUILDKIT_FARM_ALERTS, buildkitFarmAlertNames, farmAlertInputs, fleet, validateBuildkitFarmAlerts } from '../../buildkit';
import type { BuildkitFarmAlertInputs } from '../../buildkit';
import { analysis, cachedFarmPlan } from '../../capacity';
import { pool as planPool } from '../../compute';
import { COMPUTE_ALERTS, computeAlertNames, poolsWithRole, workloadPool } from '../../compute';
import type { ComputeAlertInputs, ComputeBudget } from '../../compute';
import {
  AlertRules, AlertRulesProps, concernsOf, Dashboard, Dashboards, dashboardsOf, DashboardsProps, DependencyProbes, FarmArchCost, guardAlerts, neededGuards,
  StatsdServiceMonitor, validateAlertRules, validateDashboards,
} from '../../monitoring';

/** Cluster file fields each alert reads besides monitoring.thresholds.<name> and monitoring.routing. */
const CONTAINER = ['monitoring.jobs.cadvisor', 'monitoring.jobs.kubeStateMetrics'];
const POOL = ['compute.pools', 'compute.poolLabel', 'airflow.namespace', 'monitoring.jobs.kubeStateMetrics'];
const KSM = ['monitoring.jobs.kubeStateMetrics'];
const READS: Record<AlertName, string[]> = {
  PodCpuNearLimit: [...CONTAINER, 'monitoring.rateWindow'],
  PodMemoryNearLimit: CONTAINER,
  NodeCpuHigh: ['monitoring.jobs.nodeExporter', 'monitoring.rateWindow'],
  NodeMemoryHigh: ['monitoring.jobs.nodeExporter'],
  PodsPendingTooLong: KSM,
  PodOOMKilled: KSM,
  PodCrashLooping: KSM,
  ComputeScaleUpSlow: POOL,
  ComputeNodesIdle: POOL,
  ComputeBudgetBurn: [...POOL, 'capacity.budgetEurPerMonth', 'capacity.fixedCosts'],
  TaskRetried: ['monitoring.jobs.airflowStatsd', 'airflow.retry'],
  DependencyDown: ['monitoring.blackbox', 'monitoring.dependencies', 'airflow.egress'],
  RunDurationHigh: ['monitoring.grafana.datasources.postgres', 'monitoring.runDurationDags', 'compute.workloads'],
  KedaScalerErrors: ['monitoring.jobs.keda'],
  KedaScaledObjectErrors: ['monitoring.jobs.keda'],
  KedaFallbackActive: ['monitoring.jobs.keda', 'buildkit.autoscaling.fallbackFailureThreshold'],
  BuildkitQueueBacklog: ['buildkit.architectures', 'buildkit.namespaces.farm', 'buildkit.haproxy.clientConnectTimeoutSeconds', 'monitoring.rateWindow'],
  BuildkitAtMaxReplicas: ['monitoring.jobs.kubeStateMetrics', 'buildkit.namespaces.farm'],
  BuildkitSlotsExhausted: ['buildkit.architectures', 'buildkit.namespaces.farm'],
  BuildkitLoadBalancerDown: ['buildkit.architectures', 'buildkit.namespaces.farm', 'buildkit.haproxy.replicas'],
  KarpenterNodeLaunchFailing: ['monitoring.jobs.karpenter', 'monitoring.jobs.kubeStateMetrics', 'buildkit.architectures'],
  KubeStateMetricsDown: KSM,
  NodeExporterDown: ['monitoring.jobs.nodeExporter'],
  CadvisorDown: ['monitoring.jobs.cadvisor'],
  PoolLabelNotExported: ['monitoring.jobs.kubeStateMetrics', 'compute.poolLabel'],
  AirflowStatsdDown: ['monitoring.jobs.airflowStatsd'],
  AirflowMetricsMissing: ['monitoring.jobs.airflowStatsd'],
  DependencyProbesDown: ['monitoring.blackbox'],
  KedaMetricsDown: ['monitoring.jobs.keda'],
  KarpenterMetricsDown: ['monitoring.jobs.karpenter'],
};

export const readsOf = (name: AlertName): string[] => [`monitoring.thresholds.${name}`, 'monitoring.routing', ...READS[name]];

const jobs = (c: ClusterConfig) => c.monitoring.jobs as Required<ClusterConfig['monitoring']['jobs']>;
const thresholds = (c: ClusterConfig) => c.monitoring.thresholds as AlertThresholds;

// ---- the components' inputs, from the cluster file ----

/**
 * ComputeBudgetBurn's numbers, from the capacity plan's own functions: the compute pool's hourly
 * price, and the budget left once the plan's permanent and fixed lines are paid.
 */
export function computeBudget(c: ClusterConfig): ComputeBudget {
  // the plan the capacity component builds (one analysis per cluster, shared with its check and build)
  const pc = capacityPlanProps(c);
  const [name] = workloadPool(section(c, 'compute', 'the compute alerts'));
  const months = analysis(pc).plan!.months;
  const month = months[0];
  const scenarioEur = (m: (typeof months)[number]) => m.lines.filter((l) => l.kind === 'scenario').reduce((s, l) => s + l.eur, 0);
  const fixedEur = month ? month.lines.filter((l) => l.kind !== 'scenario').reduce((s, l) => s + l.eur, 0) : 0;
  return {
    eurPerNodeHour: planPool(pc.compute, name).eurPerHour,
    fixedEur,
    variableEur: pc.capacity.budgetEurPerMonth - fixedEur,
    budgetEurPerMonth: pc.capacity.budgetEurPerMonth,
    planDir: `dist/${c.name}/capacity`,
    months: months.map((m) => ({ id: m.id, computeEur: scenarioEur(m), totalEur: m.totalEur })),
  };
}

/** ComputeBudgetBurn needs a capacity plan; a capacity section the planner refuses is reported by the capacity component. */
const hasBudget = (c: ClusterConfig): boolean => c.capacity !== undefined && c.compute !== undefined && analysis(capacityPlanProps(c)).plan !== undefined;

export function computeInputs(c: ClusterConfig): ComputeAlertInputs {
  const [name, pool] = workloadPool(section(c, 'compute', 'the compute alerts'));
  return {
    pool: { name, max: pool.max, scaleUpMinutes: pool.scaleUpMinutes, scaleDownIdleMinutes: pool.scaleDownIdleMinutes },
    poolLabel: section(c, 'compute', 'the compute alerts').poolLabel,
    workloadNamespace: section(c, 'airflow', 'the Airflow alerts').namespace,
    rateWindow: c.monitoring.rateWindow,
    budget: hasBudget(c) ? computeBudget(c) : undefined,
    thresholds: thresholds(c),
    jobs: jobs(c),
  };
}

const DNS_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function ipInCidr(ip: string, cidr: string): boolean {
  const num = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(num(ip) / size) === Math.floor(num(base) / size);
}

/** Where a dependency's host comes from: the monitoring config, else the egress entry's DNS host. */
function hostOf(c: ClusterConfig, d: Dependency): string | undefined {
  const egress = section(c, 'airflow', 'the Airflow alerts').egress[d];
  const fromEgress = 'host' in egress && egress.host && DNS_NAME.test(egress.host) ? egress.host : undefined;
  return c.monitoring.dependencies?.[d].host ?? fromEgress;
}

/** DependencyDown's targets: each dependency's host, at the port its egress entry allows. */
export const probeTargets = (c: ClusterConfig): ProbeTarget[] =>
  DEPENDENCIES.map((d) => ({ dependency: d, target: `${hostOf(c, d)}:${section(c, 'airflow', 'the Airflow alerts').egress[d].port}` }));

export function airflowInputs(c: ClusterConfig): AirflowAlertInputs {
  const dags = Object.entries(c.monitoring.runDurationDags ?? {});
  return {
    retry: section(c, 'airflow', 'the Airflow alerts').retry,
    statsdJob: jobs(c).airflowStatsd,
    blackbox: c.monitoring.blackbox!,
    postgresDatasource: c.monitoring.grafana.datasources.postgres!,
    runDurationDags: Object.fromEntries(dags.map(([dag, w]) => [dag, { workload: w, durationHours: section(c, 'compute', 'the compute alerts').workloads[w].durationHours }])),
    runDurationSources: c.monitoring.runDurationSources,
    thresholds: thresholds(c),
  };
}

export function buildkitInputs(c: ClusterConfig): BuildkitFarmAlertInputs {
  return farmAlertInputs(section(c, 'buildkit', 'the BuildKit farm alerts'), { rateWindow: c.monitoring.rateWindow, thresholds: thresholds(c), jobs: jobs(c) });
}

// ---- which alerts a cluster gets ----

/** A component's alert set in a cluster: the alerts the file calls for (known before its rules are checked) and its inputs. */
interface Source {
  set: AlertSet<any, any>; // one list of sets with inputs of different types
  names: AlertName[];
  inputs: () => unknown;
}

function sourcesOf(c: ClusterConfig): Source[] {
  const sources: Source[] = [];
  if (c.compute && c.airflow) sources.push({ set: COMPUTE_ALERTS, names: computeAlertNames({ budget: hasBudget(c) }), inputs: () => computeInputs(c) });
  if (c.airflow) sources.push({ set: AIRFLOW_ALERTS, names: [...AIRFLOW_ALERT_NAMES], inputs: () => airflowInputs(c) });
  if (c.buildkit) {
    // read from the config, not fleet(): asked before the buildkit rules are checked
    const b = c.buildkit;
    const fallback = b.autoscaling.enabled && b.architectures.some((a) => a.replicas !== undefined);
    sources.push({ set: BUILDKIT_FARM_ALERTS, names: buildkitFarmAlertNames({ fallback }), inputs: () => buildkitInputs(c) });
  }
  return sources;
}

/** Every signal alert of the cluster (after `monitoring.check` found no problem). */
export const signalAlerts = (c: ClusterConfig): Alert[] => sourcesOf(c).flatMap((s) => alertsOf(s.set, s.inputs(), s.names));

/** Every rule of the cluster, its guards included, as AlertRules renders them. */
export function alertsFor(c: ClusterConfig): Alert[] {
  const signals = signalAlerts(c);
  return [...signals, ...guardAlerts(signals, ruleProps(c, signals).guardThresholds ?? {})];
}

/** The dashboard models of the cluster. */
export const dashboardsFor = (c: ClusterConfig): Dashboard[] => dashboardsOf(dashboardProps(c, alertsFor(c)));

/** Every alert name the cluster file can route or tune (the thresholds' keys). */
export const ALERT_NAMES = Object.keys(READS) as AlertName[];

/**
 * The alerts that can be built, one by one: an alert a field it reads is missing from, or a rule of
 * its component is broken for (both reported by the check), names no guard until it can.
 */
function buildableAlerts(c: ClusterConfig): Alert[] {
  return sourcesOf(c).flatMap((s) => {
    let inputs: unknown;
    try {
      inputs = s.inputs();
    } catch {
      return [];
    }
    return s.names.filter((name) => readsOf(name).every((p) => valueAt(c, p) !== undefined)).flatMap((name) => {
      try {
        return alertsOf(s.set, inputs, [name]);
      } catch {
        return [];
      }
    });
  });
}

/** The rules' keys of an alert, known before building (RunDurationHigh: one per further source). */
const keysOf = (c: ClusterConfig, name: AlertName): (string | undefined)[] =>
  name === 'RunDurationHigh' ? [undefined, ...Object.keys(c.monitoring.runDurationSources)] : [undefined];

// ---- rules on the cluster file ----

/** Every field an alert reads must exist; one problem per field, naming every alert that reads it. */
function missingReads(c: ClusterConfig, names: AlertName[]): Problem[] {
  const missing = new Map<string, AlertName[]>();
  for (const name of names)
    for (const path of readsOf(name))
      if (valueAt(c, path) === undefined) missing.set(path, [...(missing.get(path) ?? []), name]);
  return [...missing].map(([path, alerts]) => ({
    cluster: c.name, path, value: undefined, rule: `required by the alert${alerts.length > 1 ? 's' : ''} ${alerts.join(', ')} this cluster gets`,
  }));
}

/** The pool alerts need one workload pool, and their `for` must outlast the pool's normal scaling. */
function checkCompute(c: ClusterConfig): Problem[] {
  const pools = poolsWithRole(section(c, 'compute', 'the compute alerts'), 'workload');
  if (pools.length !== 1)
    return [{ cluster: c.name, path: 'compute.pools', value: pools, rule: 'ComputeScaleUpSlow and ComputeNodesIdle need exactly one pool with role workload' }];
  const problems: Problem[] = [];
  const [name, pool] = workloadPool(section(c, 'compute', 'the compute alerts'));
  if (c.monitoring.thresholds.ComputeScaleUpSlow && pool.scaleUpMinutes === undefined)
    problems.push({ cluster: c.name, path: `compute.pools.${name}.scaleUpMinutes`, value: undefined, rule: 'ComputeScaleUpSlow waits the pool\'s scale-up time x scaleUpFactor for a node', fix: 'set the minutes a scale-up normally takes' });
  const hold = c.monitoring.thresholds.ComputeNodesIdle?.for;
  const minutes = pool.scaleDownIdleMinutes;
  if (hold !== undefined && minutes !== undefined && secondsOf(hold) <= minutes * 60)
    problems.push({
      cluster: c.name, path: 'monitoring.thresholds.ComputeNodesIdle.for', value: hold,
      rule: `must be longer than compute.pools.${name}.scaleDownIdleMinutes (${minutes} min), or the alert fires on every normal scale-down`,
      fix: `for: ${minutes + 1}m or more`,
    });
  return problems;
}

/** Each probe target must exist and lie where the workers' egress allows them to go. */
function checkProbeTargets(c: ClusterConfig): Problem[] {
  const problems: Problem[] = [];
  for (const d of DEPENDENCIES) {
    const path = `monitoring.dependencies.${d}.host`;
    const host = hostOf(c, d);
    const egress = section(c, 'airflow', 'the Airflow alerts').egress[d];
    if (host === undefined) {
      problems.push({ cluster: c.name, path, value: undefined, rule: `DependencyDown needs a host to probe; airflow.egress.${d} names none` });
    } else if ('namespace' in egress) {
      if (!new RegExp(`\\.${egress.namespace}\\.svc(\\.|$)`).test(host))
        problems.push({ cluster: c.name, path, value: host, rule: `must be a Service in airflow.egress.${d}.namespace (${egress.namespace})`, fix: `<service>.${egress.namespace}.svc` });
    } else if (IPV4.test(host) && !egress.cidrs.some((cidr) => ipInCidr(host, cidr))) {
      problems.push({ cluster: c.name, path, value: host, rule: `must lie in airflow.egress.${d}.cidrs (${egress.cidrs.join(', ')}), where the workers may connect` });
    }
  }
  return problems;
}

/** The StatsD job, the DAGs' workloads and the probe targets follow the airflow and compute sections. */
function checkAirflow(c: ClusterConfig): Problem[] {
  const problems: Problem[] = [];
  const job = c.monitoring.jobs.airflowStatsd?.job;
  const service = statsdService(section(c, 'airflow', 'the Airflow alerts').helm.release);
  if (c.monitoring.thresholds.TaskRetried && job !== undefined && job !== service)
    problems.push({ cluster: c.name, path: 'monitoring.jobs.airflowStatsd.job', value: job, rule: `the generated ServiceMonitor scrapes the chart's Service ${service}, whose name becomes the job label`, fix: `job: ${service}` });
  for (const [dag, w] of Object.entries(c.monitoring.runDurationDags ?? {}))
    if (!c.compute?.workloads[w])
      problems.push({ cluster: c.name, path: `monitoring.runDurationDags.${dag}`, value: w, rule: 'must name a workload of compute.workloads', fix: `one of ${Object.keys(c.compute?.workloads ?? {}).join(', ')}` });
  if (c.monitoring.dependencies) problems.push(...checkProbeTargets(c));
  return problems;
}

/** AlertRules' and Dashboards' problems, placed in the cluster file. */
const inFile = (c: ClusterConfig, problems: PropsProblem[]): Problem[] =>
  problems.map((p) => ({ ...p, cluster: c.name, path: p.path === 'cluster' ? 'name' : `monitoring.${p.path}` }));

/** The rule stubs AlertRules validates routing and uids on (names and keys are known before building). */
const stubs = (c: ClusterConfig, names: AlertName[]): Alert[] =>
  names.flatMap((name) => keysOf(c, name).map((key) => ({ name, key, needs: [] } as unknown as Alert)));

function checkMonitoring(c: ClusterConfig): Problem[] {
  const sources = sourcesOf(c);
  const guards = [...neededGuards(buildableAlerts(c)).keys()];
  const names = [...sources.flatMap((s) => s.names), ...guards];
  const routing = c.monitoring.routing ?? { team: '', runbookBaseUrl: '' };
  // the guards' own thresholds are fields the guards read: reported with the other reads
  const rules = validateAlertRules({ ...ruleProps(c, stubs(c, names)), routing, guardThresholds: c.monitoring.thresholds })
    .filter((p) => !p.path.startsWith('guardThresholds.'));
  return [
    ...missingReads(c, names),
    ...(c.compute && c.airflow ? checkCompute(c) : []),
    ...(c.airflow ? checkAirflow(c) : []),
    ...(c.buildkit ? inSection(c.name, 'monitoring', validateBuildkitFarmAlerts({ thresholds: c.monitoring.thresholds })) : []),
    ...inFile(c, rules),
    ...checkDashboards(c),
  ];
}

/** The dashboards the cluster file asks for: with monitoring.dashboards, one per concern its sections have. */
const dashboardChoice = (c: ClusterConfig) => ({
  cluster: c.name,
  infrastructure: c.monitoring.dashboards && c.compute && c.airflow,
  farm: c.monitoring.dashboards && c.buildkit,
});

/** Every dashboard uid must fit Grafana's limit (the cluster name is its prefix). */
export const checkDashboards = (c: ClusterConfig): Problem[] => inFile(c, validateDashboards(dashboardChoice(c)));

// ---- props of the monitoring constructs ----

/** The cluster's AlertRules, rendering `alerts`. */
export function ruleProps(c: ClusterConfig, alerts: Alert[]): AlertRulesProps {
  const m = c.monitoring;
  return {
    cluster: c.name,
    namespace: m.namespace,
    alerts,
    guardThresholds: m.thresholds as Partial<Record<GuardName, { for: string }>>,
    routing: m.routing!,
    grafana: m.grafana,
    rateWindow: m.rateWindow,
    ruleSelectorLabels: m.ruleSelectorLabels,
    escapeForHelm: m.escapeForHelm,
  };
}

/** The farm plan's month per arch and the instance price it bills with, when the cluster has a farmPlan. */
function farmCost(c: ClusterConfig): Record<string, FarmArchCost> | undefined {
  if (!c.buildkit || !c.farmPlan) return undefined;
  const months = new Map(cachedFarmPlan(farmPlanProps(c)).months.map((m) => [m.arch, m]));
  const prices = c.farmPlan.prices;
  return Object.fromEntries(fleet(c.buildkit).map((a) => [a.arch, {
    predictedNodeHours: months.get(a.arch)!.nodeHours, predictedUsd: months.get(a.arch)!.usd, usdPerNodeHour: prices[a.instanceType].usdPerHour,
  }]));
}

/** The Dashboards of the cluster, drawn on `alerts`. */
export function dashboardProps(c: ClusterConfig, alerts: Alert[]): DashboardsProps {
  const m = c.monitoring;
  const d = m.dashboards;
  const wanted = dashboardChoice(c);
  const kubeStateMetrics = jobs(c).kubeStateMetrics;
  const infrastructure = () => {
    const inputs = computeInputs(c);
    return { pool: inputs.pool, poolLabel: inputs.poolLabel, workloadNamespace: inputs.workloadNamespace, kubeStateMetrics, budget: inputs.budget };
  };
  const farm = () => {
    const b = section(c, 'buildkit', 'the BuildKit farm alerts');
    return { fleet: fleet(b), farmNamespace: b.namespaces.farm, haproxy: b.haproxy, jobs: { karpenter: jobs(c).karpenter, kubeStateMetrics }, cost: farmCost(c) };
  };
  return {
    cluster: c.name,
    namespace: m.namespace,
    folder: d?.folder ?? m.grafana.folder,
    folderAnnotation: d?.folderAnnotation,
    prometheusDatasource: m.grafana.datasources.prometheus,
    refresh: d?.refresh ?? '',
    alerts,
    infrastructure: wanted.infrastructure ? infrastructure() : undefined,
    farm: wanted.farm ? farm() : undefined,
    escapeForHelm: m.escapeForHelm,
  };
}

function buildMonitoring(chart: ComponentChart, c: ClusterConfig): void {
  const signals = signalAlerts(c);
  if (signals.length === 0) return;
  const m = c.monitoring;
  const rules = new AlertRules(chart, 'alert-rules', ruleProps(c, signals));
  if (signals.some((a) => a.name === 'DependencyDown'))
    new DependencyProbes(chart, 'dependency-probes', { namespace: m.namespace, blackbox: m.blackbox!, targets: probeTargets(c), selectorLabels: m.probeSelectorLabels });
  if (signals.some((a) => a.name === 'TaskRetried')) {
    new StatsdServiceMonitor(chart, 'airflow-statsd', {
      namespace: m.namespace,
      service: statsdService(section(c, 'airflow', 'the Airflow alerts').helm.release),
      airflowNamespace: section(c, 'airflow', 'the Airflow alerts').namespace,
      serviceLabels: chartObjects(section(c, 'airflow', 'the Airflow alerts')).statsdLabels,
      selectorLabels: m.serviceMonitorSelectorLabels,
    });
  }
  const dashboards = dashboardProps(c, rules.alerts);
  if (concernsOf(dashboards).length > 0) new Dashboards(chart, 'dashboards', dashboards);
}

export const monitoring: Component = {
  name: 'monitoring',
  enabled: () => true,
  check: checkMonitoring,
  build: buildMonitoring,
};
