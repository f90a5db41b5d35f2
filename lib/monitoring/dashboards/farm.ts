// The BuildKit farm's dashboard (arc-staging, arc-production): per arch, the load HAProxy sees,
// the replicas KEDA runs, the slots and nodes they have, from fleet() (the one owner of those
// numbers); farm-wide, the alerts' own signals and thresholds.
import { ArchFleet, fleet } from '../../buildkit';
import type { ClusterConfig } from '../../config/schema';
import { cachedFarmPlan } from '../../capacity';
import { haproxyJob } from '../../buildkit';
import type { Alert, AlertName } from '../../core/alerts';
import { selector } from '../../core/alerts';
import { alertPanel, byName, Dashboard, Line, Panel, RANGE, RANGE_SECONDS, Row } from './model';

/**
 * What the farm's cost panel compares the measured node-hours with: the farm plan's month of the
 * day profile (lib/capacity/farm, the same cached plan synth writes to capacity/farm.*) and the
 * instance price it bills with. Empty for a farm without a farmPlan section.
 */
export interface FarmCost {
  predictedNodeHours?: (a: ArchFleet) => number;
  predictedUsd?: (a: ArchFleet) => number;
  usdPerNodeHour?: (a: ArchFleet) => number;
}
export function farmCost(c: ClusterConfig): FarmCost {
  if (!c.buildkit || !c.farmPlan) return {};
  const months = new Map(cachedFarmPlan({ cluster: c.name, buildkit: c.buildkit, farmPlan: c.farmPlan }).months.map((m) => [m.arch, m]));
  const prices = c.farmPlan.prices;
  const month = (a: ArchFleet) => months.get(a.arch)!;
  return {
    predictedNodeHours: (a) => round(month(a).nodeHours),
    predictedUsd: (a) => round(month(a).usd),
    usdPerNodeHour: (a) => prices[a.instanceType].usdPerHour,
  };
}

/** Two decimals: a panel constant, not a float's last digits. */
const round = (x: number): number => Math.round(x * 100) / 100;

const sel = (labels: Record<string, string>, ...extra: string[]) => selector(labels, ...extra);

/** The arch's nodes as Karpenter reports them: one karpenter_nodes_allocatable cpu series per node. */
const nodesOf = (c: ClusterConfig, a: ArchFleet): string =>
  `count(karpenter_nodes_allocatable${sel({ ...c.monitoring.jobs.karpenter!, nodepool: a.nodePool, resource_type: 'cpu' })}) or vector(0)`;

function archRow(c: ClusterConfig, a: ArchFleet): Row {
  const farm = c.buildkit!.namespaces.farm;
  const backend = { namespace: farm, proxy: a.name };
  const ksm = { ...c.monitoring.jobs.kubeStateMetrics!, namespace: farm };
  const line = (value: number, bad: Line['bad'], source: string): Line => ({ value, bad, source });
  const panels: Panel[] = [
    {
      title: `${a.arch}: builds in flight and queued`,
      description: `Build connections HAProxy's ${a.name} backend carries (one build per BuildKit pod) and the ones waiting in its queue, summed over the HAProxy replicas.`,
      type: 'timeseries',
      unit: 'short',
      targets: [
        { kind: 'promql', expr: `sum(haproxy_backend_current_sessions${sel(backend)})`, legend: 'in flight' },
        { kind: 'promql', expr: `sum(haproxy_backend_current_queue${sel(backend)})`, legend: 'queued' },
      ],
      lines: [],
    },
    {
      title: `${a.arch}: queue time`,
      description: `Average time the last 1024 connections of the ${a.name} backend waited in HAProxy's queue (the slowest HAProxy replica).`,
      type: 'timeseries',
      unit: 's',
      targets: [{ kind: 'promql', expr: `max(haproxy_backend_queue_time_average_seconds${sel(backend)})`, legend: 'queue time' }],
      lines: [line(c.buildkit!.haproxy.clientConnectTimeoutSeconds, 'above', 'buildkit.haproxy.clientConnectTimeoutSeconds: clients give up connecting')],
    },
    {
      title: `${a.arch}: replicas against min and max`,
      description: `BuildKit pods of ${a.name} (the Deployment's replicas, whatever sets them: KEDA's HPA or the fixed count), against the fleet's min ${a.min} and max ${a.max}.`,
      type: 'timeseries',
      unit: 'short',
      targets: [
        { kind: 'promql', expr: `max(kube_deployment_status_replicas${sel({ ...ksm, deployment: a.name })})`, legend: 'replicas' },
        { kind: 'promql', expr: `max(kube_deployment_status_replicas_available${sel({ ...ksm, deployment: a.name })})`, legend: 'available' },
      ],
      lines: [line(a.min, 'below', 'buildkit.architectures[].min'), line(a.max, 'above', 'buildkit.architectures[].max')],
    },
    {
      title: `${a.arch}: slots in use`,
      description: `HAProxy servers of ${a.name} carrying a build (the busiest HAProxy replica), against its ${a.slots} server-template slots.`,
      type: 'timeseries',
      unit: 'short',
      targets: [{ kind: 'promql', expr: `max(count by (instance) (haproxy_server_current_sessions${sel(backend)} > 0)) or vector(0)`, legend: 'slots in use' }],
      lines: [line(a.slots, 'above', 'the server-template slots (fleet)')],
    },
    {
      title: `${a.arch}: nodes against the NodePool limit`,
      description: `Nodes of the NodePool ${a.nodePool}, against the ${a.maxNodes} nodes its cpu/memory limits allow (derived from max).`,
      type: 'timeseries',
      unit: 'short',
      targets: [{ kind: 'promql', expr: nodesOf(c, a), legend: 'nodes' }],
      lines: [line(a.maxNodes, 'above', 'the NodePool limits (fleet)')],
    },
  ];
  return { title: `${a.arch} (${a.instanceType}, ${a.podsPerNode} pods per node)`, panels };
}

/** Measured node-hours per arch this month, next to the farm plan's prediction once there is one. */
function costRow(c: ClusterConfig, archs: ArchFleet[]): Row {
  const cost = farmCost(c);
  const hours = (a: ArchFleet) => `avg_over_time((${nodesOf(c, a)})[${RANGE}:5m]) * ${RANGE_SECONDS} / 3600`;
  const panels: Panel[] = [{
    title: 'Node-hours this month',
    description: 'BuildKit node-hours per arch since the start of the month (average nodes x hours elapsed, sampled every 5 min).' +
      (cost.predictedNodeHours ? ' Plan: the farm plan\'s predicted node-hours.' : ''),
    type: 'stat',
    unit: 'short',
    targets: archs.flatMap((a) => [
      { kind: 'promql' as const, expr: hours(a), legend: `${a.arch} measured` },
      ...(cost.predictedNodeHours ? [{ kind: 'promql' as const, expr: `vector(${cost.predictedNodeHours(a)})`, legend: `${a.arch} plan` }] : []),
    ]),
    lines: [],
    timeFrom: 'now/M',
  }];
  if (cost.usdPerNodeHour) {
    panels.push({
      title: 'Spend this month',
      description: 'Measured node-hours x the price per node-hour of the arch\'s instance type (farmPlan.prices), next to the farm plan\'s cost of a month of the day profile (capacity/farm.md).',
      type: 'stat',
      unit: 'currencyUSD',
      targets: archs.flatMap((a) => [
        { kind: 'promql' as const, expr: `${hours(a)} * ${cost.usdPerNodeHour!(a)}`, legend: `${a.arch} measured` },
        ...(cost.predictedUsd ? [{ kind: 'promql' as const, expr: `vector(${cost.predictedUsd(a)})`, legend: `${a.arch} plan (month)` }] : []),
      ]),
      lines: [],
      timeFrom: 'now/M',
    });
  }
  return { title: 'Cost (this month)', panels };
}

export function farmDashboard(c: ClusterConfig, alerts: Alert[]): Dashboard {
  const find = byName(alerts);
  const panels = (name: AlertName, title: string, unit: string, legend: string, question: string): Panel[] =>
    find(name).map((a) => alertPanel(a, title, unit, legend, question));
  const archs = fleet(c.buildkit!);
  const up = `up${sel(haproxyJob(c))}`;
  const rows: Row[] = [
    ...archs.map((a) => archRow(c, a)),
    {
      title: 'Alerts',
      panels: [
        ...panels('BuildkitQueueBacklog', 'Builds queued (average)', 'short', '{{proxy}}', 'Do builds wait in HAProxy\'s queue?'),
        ...panels('BuildkitSlotsExhausted', 'Free HAProxy slots', 'short', '{{proxy}} {{instance}}', 'Are the HAProxy slots all busy?'),
        ...panels('BuildkitAtMaxReplicas', 'Replica headroom (max - replicas)', 'short', '{{horizontalpodautoscaler}}', 'Is KEDA\'s HPA at its max?'),
        ...panels('KarpenterNodeLaunchFailing', 'Node launch failures and NodePools at their limits', 'short', '{{error}}{{nodepool}}', 'Can Karpenter add nodes?'),
      ],
    },
    {
      title: 'Health: HAProxy, buildkitd, KEDA',
      panels: [
        {
          title: 'HAProxy replicas up',
          description: `HAProxy replicas Prometheus scrapes, against buildkit.haproxy.replicas (${c.buildkit!.haproxy.replicas}).`,
          type: 'timeseries',
          unit: 'short',
          targets: [{ kind: 'promql', expr: `sum(${up}) or vector(0)`, legend: 'up' }],
          lines: [{ value: c.buildkit!.haproxy.replicas, bad: 'below', source: 'buildkit.haproxy.replicas' }],
        },
        {
          title: 'buildkitd pods ready (active HAProxy servers)',
          description: 'BuildKit pods per arch that pass HAProxy\'s health check (active servers of the backend; the least of the HAProxy replicas).',
          type: 'timeseries',
          unit: 'short',
          targets: [{ kind: 'promql', expr: `min by (proxy) (haproxy_backend_active_servers${sel({ namespace: c.buildkit!.namespaces.farm }, `proxy=~${JSON.stringify(archs.map((a) => a.name).join('|'))}`)})`, legend: '{{proxy}}' }],
          lines: [],
        },
        ...panels('BuildkitLoadBalancerDown', 'Load balancer down', 'short', '{{instance}}{{proxy}}', 'Does every build reach a BuildKit pod?'),
        ...panels('KedaScalerErrors', 'KEDA scaler errors', 'short', '{{scaledObject}} {{scaler}}', 'Can KEDA read HAProxy\'s session count?'),
        ...panels('KedaScaledObjectErrors', 'KEDA ScaledObject errors', 'short', '{{scaledObject}}', 'Are the ScaledObjects healthy?'),
        ...panels('KedaFallbackActive', 'KEDA on fallback replicas', 'short', '{{scaledObject}}', 'Does KEDA hold the fallback replicas?'),
      ],
    },
    costRow(c, archs),
  ];
  return {
    uid: `${c.name}-buildkit-farm`,
    title: `${c.name} / BuildKit farm`,
    description: `Load, replicas, slots, nodes and health of the BuildKit farm of ${c.name}, generated from the cluster config (do not edit in Grafana: changes are lost on the next sync).`,
    tags: [c.name, 'buildkit', 'generated'],
    rows: rows.filter((r) => r.panels.length > 0),
  };
}
