// The ML platform's "Infrastructure" dashboard (the sizing doc's observability table, its cost
// tracking and retry panels): one panel per signal, the alert's own expression and threshold where
// an alert watches the signal, and the cost numbers taken from the capacity plan.
import { DEPENDENCIES, PROFILE_LABEL } from '../../airflow';
import { HOURS_PER_MONTH } from '../../compute';
import { averagePoolNodes, ComputeBudget, poolCount, PoolSeries, WorkloadPool } from '../../compute';
import type { Alert, AlertName, ScrapeJob } from '../../core/alerts';
import { ksmLabel, selector } from '../../core/alerts';
import { alertPanel, byName, Dashboard, Panel, RANGE, RANGE_SECONDS, Row } from './model';

export interface InfrastructureDashboardInputs {
  /** The pool that runs workload pods. */
  pool: WorkloadPool;
  /** Node label naming each node's pool (compute.poolLabel). */
  poolLabel: string;
  /** Namespace of the workload pods (Airflow's). */
  workloadNamespace: string;
  kubeStateMetrics: ScrapeJob;
  /** The capacity plan's numbers; the cost row needs them and ComputeBudgetBurn. */
  budget?: ComputeBudget;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

const poolSeries = (inputs: InfrastructureDashboardInputs): PoolSeries => ({ name: inputs.pool.name, label: inputs.poolLabel, kubeStateMetrics: inputs.kubeStateMetrics });

/**
 * An alert's per-container ratio, worst pod per worker profile: the alert's own expression joined
 * with the profile label the pod templates set (kube-state-metrics must allow-list it on pods).
 */
export function perProfile(inputs: InfrastructureDashboardInputs, alert: Alert, title: string): Panel {
  const profile = ksmLabel(PROFILE_LABEL);
  const pods = `kube_pod_labels${selector({ ...inputs.kubeStateMetrics, namespace: inputs.workloadNamespace }, `${profile}=~".+"`)}`;
  const expr = alert.signal.kind === 'promql' ? alert.signal.expr : '';
  return {
    title,
    description:
      `Which profile runs near its limits? The highest ratio of any ${inputs.workloadNamespace} container, per profile (${PROFILE_LABEL}; kube-state-metrics needs --metric-labels-allowlist=pods=[${PROFILE_LABEL}]). ` +
      `Signal: the alert ${alert.name}'s expression, line: its threshold (${alert.name} fires ${alert.comparison} ${alert.threshold} for ${alert.for}).`,
    type: 'timeseries',
    unit: 'percentunit',
    targets: [{
      kind: 'promql',
      expr: `max by (${profile}) (\n  (\n    ${expr.split('\n').join('\n    ')}\n  )\n  * on (namespace, pod) group_left (${profile})\n  max by (namespace, pod, ${profile}) (${pods})\n)`,
      legend: `{{${profile}}}`,
    }],
    lines: [{ value: alert.threshold, bad: alert.comparison === '>' ? 'above' : 'below', source: `${alert.name} fires ${alert.comparison} ${alert.threshold} for ${alert.for}` }],
  };
}

/** A panel per rule of the alert, when the alerts have it (an alert left out has no panel to draw on). */
type AlertPanels = (name: AlertName, title: string, unit: string, legend: string, question: string) => Panel[];

const CONTAINER = '{{namespace}}/{{pod}} {{container}}';

function podsRow(inputs: InfrastructureDashboardInputs, find: (name: AlertName) => Alert[], panels: AlertPanels): Row {
  return {
    title: 'Pods against their limits',
    panels: [
      ...find('PodCpuNearLimit').map((a) => perProfile(inputs, a, 'CPU / CPU limit per profile (worst pod)')),
      ...find('PodMemoryNearLimit').map((a) => perProfile(inputs, a, 'Memory / memory limit per profile (worst pod)')),
      ...panels('PodCpuNearLimit', 'Pod CPU / CPU limit', 'percentunit', CONTAINER, 'Are pods near their CPU limit (throttled)?'),
      ...panels('PodMemoryNearLimit', 'Pod memory / memory limit', 'percentunit', CONTAINER, 'Are pods near their memory limit (about to be OOM-killed)?'),
      ...panels('PodOOMKilled', 'OOM-killed containers', 'short', CONTAINER, 'Which containers were OOM-killed?'),
      ...panels('PodCrashLooping', 'Crash-looping containers', 'short', CONTAINER, 'Which containers keep restarting?'),
    ],
  };
}

function schedulingRow(inputs: InfrastructureDashboardInputs, panels: AlertPanels): Row {
  const { pool } = inputs;
  const poolName = pool.name;
  return {
    title: `Scheduling and the ${poolName} pool`,
    panels: [
      {
        title: `${poolName} nodes against max`,
        description:
          `How many ${poolName} nodes run, against the pool's max size (compute.pools.${poolName}.max = ${pool.max}): at the max, a scale-up cannot help. ` +
          `The scale-up time is the gap between ${inputs.workloadNamespace} pods becoming unschedulable and a node joining (normally about ${pool.scaleUpMinutes} min).`,
        type: 'timeseries',
        unit: 'short',
        targets: [
          { kind: 'promql', expr: poolCount(poolSeries(inputs)), legend: `${poolName} nodes` },
          { kind: 'promql', expr: `count(kube_pod_status_unschedulable${selector({ ...inputs.kubeStateMetrics, namespace: inputs.workloadNamespace })} == 1) or vector(0)`, legend: 'unschedulable pods' },
        ],
        lines: [{ value: pool.max, bad: 'above', source: `compute.pools.${poolName}.max` }],
      },
      ...panels('PodsPendingTooLong', 'Pending pods', 'short', '{{namespace}}/{{pod}}', 'Are pods waiting for a node?'),
      ...panels('ComputeScaleUpSlow', 'Scale-up stalled', 'short', 'stalled', `Does the ${poolName} pool scale up in time (about ${pool.scaleUpMinutes} min)?`),
      ...panels('ComputeNodesIdle', `Idle ${poolName} nodes`, 'short', '{{node}}', 'Are nodes billed without work?'),
    ],
  };
}

/** The ML platform's dashboard: pods, nodes, the workload pool, runs and cost. */
export function infrastructureDashboard(cluster: string, inputs: InfrastructureDashboardInputs, alerts: Alert[]): Dashboard {
  const find = byName(alerts);
  const panels: AlertPanels = (name, title, unit, legend, question) =>
    find(name).map((a) => alertPanel(a, a.key ? `${title} (${a.key})` : title, unit, legend, question));
  const rows: Row[] = [
    podsRow(inputs, find, panels),
    {
      title: 'Nodes',
      panels: [
        ...panels('NodeCpuHigh', 'Node CPU utilisation', 'percentunit', '{{instance}}', 'Is any node\'s CPU saturated?'),
        ...panels('NodeMemoryHigh', 'Node memory utilisation', 'percentunit', '{{instance}}', 'Is any node short of memory?'),
      ],
    },
    schedulingRow(inputs, panels),
    {
      title: 'Runs, retries and dependencies',
      panels: [
        ...panels('TaskRetried', 'Task retries', 'short', '{{dag_id}} {{task_id}}', 'Which tasks were retried?'),
        ...panels('RunDurationHigh', 'Runs over their expected duration', 'none', '', 'Which runs take longer than their workload should?'),
        ...panels('DependencyDown', `Dependency probes (${DEPENDENCIES.join(', ')})`, 'short', '{{dependency}}', 'Are MLflow, PostgreSQL, Redis and S3 reachable?'),
      ],
    },
  ];
  const burn = find('ComputeBudgetBurn')[0];
  if (burn && inputs.budget) rows.push(costRow(inputs, inputs.budget, burn));

  return {
    uid: `${cluster}-infrastructure`,
    title: `${cluster} / Infrastructure`,
    description: `Pods, nodes, the ${inputs.pool.name} pool, runs and cost of ${cluster}, generated from the cluster config (do not edit in Grafana: changes are lost on the next sync).`,
    tags: [cluster, 'infrastructure', 'generated'],
    rows: rows.filter((r) => r.panels.length > 0),
  };
}

/**
 * Cost tracking: the node-hours measured this month at the plan's hourly price, next to the plan's
 * projected months and the budget (the numbers of plan.json, from the plan's own functions).
 */
function costRow(inputs: InfrastructureDashboardInputs, b: ComputeBudget, burn: Alert): Row {
  const poolName = inputs.pool.name;
  const nodeHours = `(\n  ${averagePoolNodes(poolSeries(inputs), RANGE).split('\n').join('\n  ')}\n) * ${RANGE_SECONDS} / 3600`;
  const plan = `${b.planDir}/plan.json`;
  return {
    title: 'Cost (this month)',
    panels: [
      {
        title: `${poolName} node-hours this month`,
        description: `Node-hours of the ${poolName} pool since the start of the month (average nodes x hours elapsed).`,
        type: 'stat',
        unit: 'short',
        targets: [{ kind: 'promql', expr: nodeHours, legend: 'node-hours' }],
        lines: [],
        timeFrom: 'now/M',
      },
      {
        title: `${poolName} spend this month against the plan`,
        description:
          `Measured: node-hours this month x EUR ${b.eurPerNodeHour} per node-hour (the plan's price of the pool). ` +
          `Plan: the compute spend of each projected month (${plan}); line: the budget left for compute, ` +
          `EUR ${round2(b.variableEur)} = capacity.budgetEurPerMonth - permanent and fixed costs EUR ${round2(b.fixedEur)}.`,
        type: 'stat',
        unit: 'currencyEUR',
        targets: [
          { kind: 'promql', expr: `${nodeHours} * ${b.eurPerNodeHour}`, legend: 'measured this month' },
          ...b.months.map((m) => ({ kind: 'promql' as const, expr: `vector(${round2(m.computeEur)})`, legend: `plan: ${m.id} month` })),
        ],
        lines: [{ value: round2(b.variableEur), bad: 'above', source: 'capacity.budgetEurPerMonth minus the plan\'s permanent and fixed costs' }],
        timeFrom: 'now/M',
      },
      {
        title: 'Monthly total: plan against budget',
        description: `Each projected month's total (compute + permanent + fixed, ${plan}) against capacity.budgetEurPerMonth ${b.budgetEurPerMonth}.`,
        type: 'stat',
        unit: 'currencyEUR',
        targets: b.months.map((m) => ({ kind: 'promql' as const, expr: `vector(${round2(m.totalEur)})`, legend: `plan: ${m.id} month` })),
        lines: [{ value: b.budgetEurPerMonth, bad: 'above', source: 'capacity.budgetEurPerMonth' }],
      },
      alertPanel(burn, `${poolName} spend over a month at the current rate`, 'currencyEUR', 'EUR per month',
        `Is the ${poolName} pool heading past the compute budget (${HOURS_PER_MONTH} h a month)?`),
    ],
  };
}
