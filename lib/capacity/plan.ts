// The capacity and cost plan of one cluster (SPEC 5): per profile whether it fits its pool; per
// scenario the pods, their requests, burst and peak, the nodes FFD packing needs, the margins of
// the whole scenario and of the worst node, and every guarantee; per month the projected cost
// against the budget. Every guarantee is a check with its limit, value, kind and verdict.
import { GiB } from '../core/quantity';
import { add, pool as poolOf, PodGroup, podGroup, PoolCapacity as Pool, profileFits, scale, shape, Shape, ZERO } from '../compute';
import type { CapacitySection, PlanInput } from './props';
import { Mix, NodeClass, nodeCount, packFirstFitDecreasing, WorstNode, worstNode } from './packing';

export interface Check {
  rule: string;
  limit: number;
  value: number;
  hard: boolean;
  holds: boolean;
}

export interface ScenarioCheck extends Check {
  figure: 'nodes' | 'memory' | 'cpu';
  /** The pool whose nodes the figure is about. */
  pool: string;
}

/** One resource of a profile against its pool's node (lib/compute/fit.ts decides). */
export interface ProfileCheck {
  resource: 'cpu' | 'memory';
  rule: string;
  /** Millicores or bytes, like Shape. */
  limit: { allocatable: number; capacity: number };
  value: { requests: number; limits: number };
  hard: true;
  holds: boolean;
  /** What profileFits found wrong with this resource. */
  issues: string[];
}

export interface ProfilePlan {
  id: string;
  pool: string;
  nodeType: string;
  checks: ProfileCheck[];
}

/** Nodes of one pool a scenario pays for by the hour: those beyond the pool's always-on min. */
export interface Billed {
  pool: string;
  nodes: number;
  eurPerNodeHour: number;
}

/** The part of a scenario that runs on one pool. */
export interface PoolLoad {
  pool: Pool;
  groups: PodGroup[];
  nodes: NodeClass[];
  worst: WorstNode;
  memoryMargin: number;
  cpuMargin: number;
}

/** A mix on one node of a pool. */
export interface Placed {
  pool: Pool;
  groups: PodGroup[];
  mix: Mix;
}

export interface ScenarioPlan {
  id: string;
  index: number;
  workloads: string[];
  groups: PodGroup[];
  pods: number;
  requests: Shape;
  /** Sum of CPU limits (millicores). */
  burst: number;
  /** Sum of measured peaks (bytes). */
  peak: number;
  loads: PoolLoad[];
  nodes: number;
  /** Per pool, the nodes billed by the hour (the always-on ones are billed monthly, once). */
  billed: Billed[];
  /** Sum of billed nodes x price per node-hour. */
  eurPerHour: number;
  cluster: { cpuMargin: number; memoryMargin: number };
  /** Memory figures of the worst node by peak, CPU figures of the worst node by burst. */
  worstNode: { byPeak: Placed; byBurst: Placed; memoryMargin: number; cpuMargin: number };
  checks: ScenarioCheck[];
}

export interface MonthLine {
  item: string;
  kind: 'scenario' | 'permanent' | 'fixed';
  sessions?: number;
  hours?: number;
  /** Scenario lines: the scenario's nodes; permanent lines: the always-on nodes. */
  nodes?: number;
  /** Scenario lines: the nodes billed by the hour, per pool. */
  billed?: Billed[];
  /** Scenario lines: node-hours one session is billed for, with the staircase, the idle hold and the billing steps (sessionNodeHours). */
  billedNodeHours?: number;
  /** Scenario lines: SPEC 5's sessions x hours x billed nodes x eurPerNodeHour, without the dynamics. */
  flatEur?: number;
  /** What the month pays: scenario lines sessions x billedNodeHours x eurPerNodeHour. */
  eur: number;
}

export interface MonthPlan {
  id: string;
  index: number;
  lines: MonthLine[];
  /** With the dynamics (every scenario line's eur): what the budget is judged on. */
  totalEur: number;
  /** The same month with SPEC 5's flat scenario lines (sessions x hours x nodes x price). */
  flatTotalEur: number;
  /** The budget, judged on totalEur. */
  checks: Check[];
}

export interface Plan {
  cluster: string;
  budgetEur: number;
  profiles: ProfilePlan[];
  scenarios: ScenarioPlan[];
  months: MonthPlan[];
  /** Pools that host scenario pods. */
  pools: Pool[];
}

type Billing = NonNullable<CapacitySection['billing']>;

const margin = (demand: number, capacity: number): number => 1 - demand / capacity;

/**
 * What-if knobs (see whatif.ts); the plan itself uses neither. `fill`: share of allocatable the
 * node count may use (headroom); `hoursScale`: factor on a scenario's hours per session.
 */
export interface PlanOptions {
  fill?: number;
  hoursScale?: (s: ScenarioPlan) => number;
}

function poolLoad(input: PlanInput, name: string, groups: PodGroup[], fill: number): PoolLoad {
  const pool = poolOf(input.compute, name);
  // the worst node is what the scheduler allows: always the whole allocatable
  const worst = worstNode(groups, pool.allocatable);
  return {
    pool,
    groups,
    nodes: packFirstFitDecreasing(groups, scale(pool.allocatable, fill)),
    worst,
    memoryMargin: margin(worst.byPeak.peak, pool.capacity.memory),
    cpuMargin: margin(worst.byBurst.burst, pool.capacity.cpu),
  };
}

/** The worst node by memory and by CPU over the pools of a scenario: the lowest margin of each. */
const worstLoads = (loads: PoolLoad[]) => ({
  byMemory: loads.reduce((a, b) => (b.memoryMargin < a.memoryMargin ? b : a)),
  byCpu: loads.reduce((a, b) => (b.cpuMargin < a.cpuMargin ? b : a)),
});

/** The guarantees of a scenario: every pool within its max, the worst node's memory and CPU margins. */
function scenarioChecks(input: PlanInput, workloads: string[], loads: PoolLoad[]): ScenarioCheck[] {
  const { guarantees } = input.capacity;
  const { byMemory, byCpu } = worstLoads(loads);
  const cpuHard = workloads.every((w) => guarantees.cpuBurstHardFor.includes(w));
  return [
    ...loads.map((l): ScenarioCheck => ({
      figure: 'nodes', pool: l.pool.name, rule: `nodes of pool ${l.pool.name} <= its max`,
      limit: l.pool.max, value: nodeCount(l.nodes), hard: true, holds: nodeCount(l.nodes) <= l.pool.max,
    })),
    {
      figure: 'memory', pool: byMemory.pool.name, rule: 'worst-node memory margin > memoryMarginMin',
      limit: guarantees.memoryMarginMin, value: byMemory.memoryMargin, hard: true,
      holds: byMemory.memoryMargin > guarantees.memoryMarginMin,
    },
    {
      figure: 'cpu', pool: byCpu.pool.name, rule: 'worst-node CPU burst margin > cpuBurstMarginMin',
      limit: guarantees.cpuBurstMarginMin, value: byCpu.cpuMargin, hard: cpuHard,
      holds: byCpu.cpuMargin > guarantees.cpuBurstMarginMin,
    },
  ];
}

/** Scenario `index` of the capacity section: its pods packed per pool (onto `fill` of allocatable), margins, cost per hour, checks. */
export function planScenario(input: PlanInput, index: number, fill = 1): ScenarioPlan {
  const scenario = input.capacity.scenarios[index];
  const groups = scenario.workloads.map((w) => podGroup(input.compute, w));
  const pools = [...new Set(groups.map((g) => g.pool))];
  const loads = pools.map((p) => poolLoad(input, p, groups.filter((g) => g.pool === p), fill));
  const sum = (f: (g: PodGroup) => number) => groups.reduce((t, g) => t + g.count * f(g), 0);
  const total = (f: (l: PoolLoad) => number) => loads.reduce((t, l) => t + f(l), 0);
  const burst = sum((g) => g.limits.cpu);
  const peak = sum((g) => g.peak);
  const { byMemory, byCpu } = worstLoads(loads);
  const billed = loads.map((l): Billed => ({ pool: l.pool.name, nodes: Math.max(0, nodeCount(l.nodes) - l.pool.min), eurPerNodeHour: l.pool.eurPerHour }));
  return {
    id: scenario.id,
    index,
    workloads: scenario.workloads,
    groups,
    pods: sum(() => 1),
    requests: groups.reduce((t, g) => add(t, g.requests, g.count), ZERO),
    burst,
    peak,
    loads,
    nodes: total((l) => nodeCount(l.nodes)),
    billed,
    eurPerHour: billed.reduce((t, b) => t + b.nodes * b.eurPerNodeHour, 0),
    cluster: {
      cpuMargin: margin(burst, total((l) => nodeCount(l.nodes) * l.pool.capacity.cpu)),
      memoryMargin: margin(peak, total((l) => nodeCount(l.nodes) * l.pool.capacity.memory)),
    },
    worstNode: {
      byPeak: { pool: byMemory.pool, groups: byMemory.groups, mix: byMemory.worst.byPeak },
      byBurst: { pool: byCpu.pool, groups: byCpu.groups, mix: byCpu.worst.byBurst },
      memoryMargin: byMemory.memoryMargin,
      cpuMargin: byCpu.cpuMargin,
    },
    checks: scenarioChecks(input, scenario.workloads, loads),
  };
}

/**
 * Node-hours the provider bills for one session of `hours` on `nodes` autoscaled nodes of `pool`.
 * The model: the session starts with no node; the autoscaler adds the nodes one at a time, node k
 * (1-based) created (k - 1) x scaleUpMinutes after the start (each takes scaleUpMinutes to be
 * Ready, and Scaleway bills from creation, startup included); a node that would only be created
 * after the session's end is never created. The session ends `hours` after its start, every node
 * empties then and is kept scaleDownIdleMinutes before removal. Each node's run time is rounded up
 * to the billing step and raised to the billing minimum. Without billing config, exact time.
 */
export function sessionNodeHours(pool: Pick<Pool, 'scaleUpMinutes' | 'scaleDownIdleMinutes'>, nodes: number, hours: number, billing?: Billing): number {
  let minutes = 0;
  for (let k = 1; k <= nodes; k++) {
    const created = (k - 1) * pool.scaleUpMinutes;
    if (created >= hours * 60) break;
    const run = hours * 60 - created + pool.scaleDownIdleMinutes;
    // a tolerance keeps 240.0000001 minutes (float hours) from billing a fifth hour
    const steps = billing ? Math.ceil(run / billing.granularityMinutes - 1e-9) * billing.granularityMinutes : run;
    minutes += Math.max(steps, billing?.minimumMinutes ?? 0);
  }
  return minutes / 60;
}

export function planMonth(input: PlanInput, scenarios: ScenarioPlan[], index: number, opts: PlanOptions = {}): MonthPlan {
  const m = input.capacity.months[index];
  const lines: MonthLine[] = [
    ...Object.entries(m.usage).map(([id, u]): MonthLine => {
      const scenario = scenarios.find((x) => x.id === id)!;
      const hours = u.hours * (opts.hoursScale?.(scenario) ?? 1);
      const perSession = scenario.billed.map((b) => ({ b, nodeHours: sessionNodeHours(poolOf(input.compute, b.pool), b.nodes, hours, input.capacity.billing) }));
      return {
        item: id, kind: 'scenario', sessions: u.sessions, hours, nodes: scenario.nodes, billed: scenario.billed,
        billedNodeHours: perSession.reduce((t, x) => t + x.nodeHours, 0),
        flatEur: u.sessions * hours * scenario.eurPerHour,
        eur: u.sessions * perSession.reduce((t, x) => t + x.nodeHours * x.b.eurPerNodeHour, 0),
      };
    }),
    ...Object.keys(input.compute.pools)
      .map((name) => poolOf(input.compute, name))
      .filter((p) => p.min > 0)
      .map((p): MonthLine => ({ item: `pool ${p.name} (${p.min} x ${p.type})`, kind: 'permanent', nodes: p.min, eur: p.min * p.eurPerMonth })),
    ...input.capacity.fixedCosts.map((f): MonthLine => ({ item: f.name, kind: 'fixed', eur: f.eurPerMonth })),
  ];
  const totalEur = lines.reduce((t, l) => t + l.eur, 0);
  const flatTotalEur = lines.reduce((t, l) => t + (l.flatEur ?? l.eur), 0);
  const budget = input.capacity.budgetEurPerMonth;
  return {
    id: m.id, index, lines, totalEur, flatTotalEur,
    checks: [{ rule: 'monthly cost < budgetEurPerMonth', limit: budget, value: totalEur, hard: true, holds: totalEur < budget }],
  };
}

/** Whether each profile fits the nodes of its pool, per resource, as profileFits judges it. */
export function planProfiles(input: PlanInput): ProfilePlan[] {
  return Object.entries(input.compute.profiles).map(([id, profile]) => {
    const pool = poolOf(input.compute, profile.pool);
    const issues = profileFits(profile, input.compute.nodeTypes[pool.type], pool.type);
    const checks = (['cpu', 'memory'] as const).map((resource): ProfileCheck => {
      const mine = issues.filter((i) => i.field.endsWith(`.${resource}`)).map((i) => `${i.field} ${i.value}: ${i.rule}`);
      const requests = shape(profile.requests)[resource];
      const limits = shape(profile.limits)[resource];
      return {
        resource,
        rule: `${resource}: requests <= limits, requests <= allocatable, limits <= node capacity`,
        limit: { allocatable: pool.allocatable[resource], capacity: pool.capacity[resource] },
        value: { requests, limits },
        hard: true,
        holds: mine.length === 0,
        issues: mine,
      };
    });
    return { id, pool: pool.name, nodeType: pool.type, checks };
  });
}

/** The whole plan. The config must have passed the structural rules (see rules.ts). */
export function plan(input: PlanInput, opts: PlanOptions = {}): Plan {
  const scenarios = input.capacity.scenarios.map((_, i) => planScenario(input, i, opts.fill));
  const pools = [...new Map(scenarios.flatMap((s) => s.loads.map((l) => [l.pool.name, l.pool] as const))).values()];
  return {
    cluster: input.cluster,
    budgetEur: input.capacity.budgetEurPerMonth,
    profiles: planProfiles(input),
    scenarios,
    months: input.capacity.months.map((_, i) => planMonth(input, scenarios, i, opts)),
    pools,
  };
}

/** A hard guarantee that does not hold. */
export const broken = (k: { hard: boolean; holds: boolean }): boolean => k.hard && !k.holds;

/** Every check of the plan: the profiles', the scenarios' and the months'. */
export const checksOf = (plan: Plan): { hard: boolean; holds: boolean }[] => [
  ...plan.profiles.flatMap((x) => x.checks),
  ...plan.scenarios.flatMap((x) => x.checks),
  ...plan.months.flatMap((x) => x.checks),
];

/** How many hard guarantees of the plan fail. */
export const hardFailures = (plan: Plan): number => checksOf(plan).filter(broken).length;

/** Every hard guarantee of the plan holds. */
export const passes = (plan: Plan): boolean => hardFailures(plan) === 0;

/** "3 x ftf-heavy + 1 x wfrb": the pods of a mix, by workload. */
export function describeMix(groups: PodGroup[], mix: Pick<Mix, 'counts'>): string {
  const parts = groups.map((g, i) => [mix.counts[i], g.workload] as const).filter(([n]) => n > 0);
  return parts.length === 0 ? 'no pods' : parts.map(([n, w]) => `${n} x ${w}`).join(' + ');
}

/** The cost of the plan's most expensive month (0 without months). */
export const worstMonth = (plan: Plan): number => Math.max(0, ...plan.months.map((m) => m.totalEur));

export const cores = (milli: number): number => milli / 1000;
export const gib = (bytes: number): number => bytes / GiB;
/** A margin or share as the reports print it: "12.5 %". */
export const percentText = (x: number): string => `${(x * 100).toFixed(1)} %`;

