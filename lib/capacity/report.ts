// plan.md: the plan as a reviewer reads it in a PR. Every figure is the rounded number of
// plan.json (planJson), so the two never disagree.
import { generatedHeader } from '../core/yaml';
import { cpuBurstKind } from './analysis';
import type { Difference } from './differences';
import { PlanJson, planJson, whatIfJson } from './json';
import { PodGroup, pool as poolOf, shape, ZERO } from '../compute';
import type { PlanInput } from './props';
import { NodeClass, room } from './packing';
import type { WhatIf } from './whatif';
import { cores, describeMix, gib, hardFailures, percentText, Plan, ProfilePlan, ScenarioPlan } from './plan';

const MARK = { pass: '✅', warn: '⚠️', fail: '❌' } as const;

const cell = (v: unknown): string => String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function table(header: string[], rows: unknown[][], align: ('l' | 'r')[] = []): string {
  const sep = header.map((_, i) => (align[i] === 'r' ? '--:' : '---'));
  return [header, sep, ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

const num = (x: number): string => String(x);
const mark = (holds: boolean, hard: boolean): string => (holds ? MARK.pass : hard ? MARK.fail : MARK.warn);

/** "4 CPU, 2Gi" from a resources block as written in the config (the pod templates carry the same). */
const resources = (r: { cpu: string; memory: string }): string => `${r.cpu} CPU, ${r.memory}`;

function nodeLayout(groups: PodGroup[], nodes: NodeClass[]): string {
  return nodes.map((n) => `${n.n} x (${describeMix(groups, n)})`).join(', ');
}

function scenarioRows(plan: Plan, j: PlanJson): unknown[][] {
  return plan.scenarios.map((s, i) => {
    const js = j.scenarios[i];
    const check = (figure: string) => s.checks.find((k) => k.figure === figure)!;
    const nodes = s.checks.filter((k) => k.figure === 'nodes');
    const limits = nodes.map((k) => k.limit).join(' + ');
    const cpu = check('cpu');
    const memory = check('memory');
    const result = s.checks.some((k) => k.hard && !k.holds) ? `${MARK.fail} fail` : s.checks.some((k) => !k.holds) ? `${MARK.warn} warn` : `${MARK.pass} pass`;
    return [
      s.id, js.pods, `${js.nodes} of ${limits} ${mark(nodes.every((k) => k.holds), true)}`,
      num(js.cpuRequests), `${js.memoryRequestsGiB} GiB`, num(js.cpuBurst), `${js.memoryPeakGiB} GiB`,
      percentText(js.cluster.cpuMargin), `${percentText(js.worstNode.cpuMargin)} ${mark(cpu.holds, cpu.hard)}`,
      percentText(js.cluster.memoryMargin), `${percentText(js.worstNode.memoryMargin)} ${mark(memory.holds, memory.hard)}`,
      result,
    ];
  });
}

function layoutRows(plan: Plan, j: PlanJson): unknown[][] {
  return plan.scenarios.map((s: ScenarioPlan, i) => {
    const js = j.scenarios[i];
    const { byPeak, byBurst } = s.worstNode;
    const alloc = byPeak.pool.allocatable;
    return [
      s.id,
      describeMix(byPeak.groups, byPeak.mix),
      `${num(cores(byPeak.mix.requests.cpu))} of ${num(cores(alloc.cpu))} CPU, ${num(Math.round(gib(byPeak.mix.requests.memory) * 100) / 100)} of ${num(gib(alloc.memory))} GiB`,
      `${js.worstNode.memoryPeakGiB} of ${num(gib(byPeak.pool.capacity.memory))} GiB`,
      describeMix(byBurst.groups, byBurst.mix),
      `${js.worstNode.cpuBurst} of ${num(cores(byBurst.pool.capacity.cpu))} CPU`,
      s.loads.map((l) => (s.loads.length > 1 ? `${l.pool.name}: ` : '') + nodeLayout(l.groups, l.nodes)).join('; '),
    ];
  });
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** "12 x 4 h x 4 nodes x EUR 0.1644": the line's own formula, with the numbers it multiplies. */
function howBilled(l: PlanJson['months'][number]['lines'][number]): string {
  const billed = l.billed!;
  const parts = billed.map((b) => `${plural(b.nodes, 'node')} x EUR ${b.eurPerNodeHour}`);
  const nodes = billed.reduce((t, b) => t + b.nodes, 0);
  const alwaysOn = l.nodes! - nodes;
  const note = alwaysOn > 0 ? ` (${alwaysOn} of the ${l.nodes} nodes always on, billed monthly)` : '';
  return `${l.sessions} x ${l.hours} h x ${parts.length === 1 ? parts[0] : `(${parts.join(' + ')})`}${note}`;
}

/** "25 x 20 node-h x EUR 0.1644": what the provider bills, with the dynamics. */
function howBilledWithDynamics(l: PlanJson['months'][number]['lines'][number]): string {
  const prices = [...new Set(l.billed!.map((b) => b.eurPerNodeHour))];
  return `${l.sessions} x ${l.billedNodeHours} node-h${prices.length === 1 ? ` x EUR ${prices[0]}` : ''}`;
}

function costTable(plan: Plan, j: PlanJson): string {
  const items = [...new Set(plan.months.flatMap((m) => m.lines.map((l) => l.item)))];
  const rows = items.map((item) => [
    item,
    ...j.months.map((m) => {
      const l = m.lines.find((x) => x.item === item);
      if (!l) return '–';
      if (l.kind !== 'scenario') return l.eur.toFixed(2);
      return `flat ${howBilled(l)}: ${l.flatEur!.toFixed(2)}; billed ${howBilledWithDynamics(l)}: **${l.eur.toFixed(2)}**`;
    }),
  ]);
  const flat = ['flat total (SPEC 5: sessions x hours x nodes x price)', ...j.months.map((m) => m.flatTotalEur.toFixed(2))];
  const dynamics = ['staircase, idle hold and billing steps', ...j.months.map((m) => `+${(m.totalEur - m.flatTotalEur).toFixed(2)}`)];
  const totals = ['**total (billed)**', ...j.months.map((m) => `**${m.totalEur.toFixed(2)}**`)];
  const budget = ['**budget (hard)**', ...j.months.map((m) => m.checks.map((k) => `${mark(k.holds, k.hard)} < EUR ${k.limit}`).join(', '))];
  return table(['EUR per month', ...j.months.map((m) => m.id)], [...rows, flat, dynamics, totals, budget], ['l', ...j.months.map(() => 'r' as const)]);
}

/** ✅, or ❌ with what profileFits found. */
function fitCell(checks: ProfilePlan['checks']): string {
  const issues = checks.flatMap((k) => k.issues);
  return checks.every((k) => k.holds) ? MARK.pass : `${MARK.fail} ${issues.join('; ')}`;
}

function profileTable(input: PlanInput, plan: Plan): string {
  const rows = plan.profiles.map((x) => {
    const prof = input.compute.profiles[x.id];
    const pool = poolOf(input.compute, prof.pool);
    const perNode = room(ZERO, shape(prof.requests), pool.allocatable);
    const users = Object.entries(input.compute.workloads).filter(([, w]) => w.profile === x.id).map(([w]) => w);
    return [x.id, prof.pool, resources(prof.requests), resources(prof.limits),
      Number.isFinite(perNode) ? perNode : 'unbounded', users.join(', ') || '–', fitCell(x.checks)];
  });
  return table(['profile', 'pool', 'requests', 'limits', 'pods per node by requests', 'workloads', 'fits its pool (hard)'], rows,
    ['l', 'l', 'l', 'l', 'r', 'l', 'l']);
}

/** The dynamics model in one sentence, with this cluster's numbers. */
function dynamicsText(input: PlanInput): string {
  const pools = Object.keys(input.compute.pools).map((n) => poolOf(input.compute, n)).filter((x) => x.min < x.max);
  const billing = input.capacity.billing;
  const each = pools.map((x) => `pool ${x.name}: node k created (k - 1) x ${x.scaleUpMinutes} min after the session starts, kept ${x.scaleDownIdleMinutes} min idle after it ends`).join('; ');
  const steps = billing ? `each node's time rounded up to ${billing.granularityMinutes} min, at least ${billing.minimumMinutes} min (${billing.source})` : 'billed by the exact time (no capacity.billing)';
  return `${each}; ${steps}`;
}

function poolLines(plan: Plan): string[] {
  return plan.pools.map((pool) =>
    `- pool \`${pool.name}\`: ${pool.type} nodes of ${num(cores(pool.capacity.cpu))} CPU / ${num(gib(pool.capacity.memory))} GiB ` +
    `(allocatable ${num(cores(pool.allocatable.cpu))} CPU / ${num(gib(pool.allocatable.memory))} GiB), ` +
    `${pool.min}..${pool.max} nodes, EUR ${pool.eurPerHour} per node-hour`);
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** The title, the verdict, the pools and the guarantees in one paragraph. */
function summary(input: PlanInput, plan: Plan, json: PlanJson, warnings: string[], from: string | undefined): string[] {
  const guarantees = input.capacity.guarantees;
  const hardFails = hardFailures(plan);
  const worst = json.months.reduce((a, b) => (b.totalEur > a.totalEur ? b : a));
  const verdict = hardFails === 0
    ? `${MARK.pass} **Every hard guarantee holds.**`
    : `${MARK.fail} **${hardFails} hard guarantee(s) fail**: synthesis refuses this config.`;
  return [
    `${generatedHeader(from, '<!--').trimEnd()} -->`,
    `# Capacity plan: ${input.cluster}`,
    '',
    `${verdict} ${warnings.length} best-effort warning(s). Most expensive month: ${worst.id}, EUR ${worst.totalEur.toFixed(2)} of EUR ${plan.budgetEur}.`,
    '',
    ...poolLines(plan),
    '',
    `Guarantees: every profile fits its pool (requests <= limits, requests <= allocatable, limits <= node capacity; hard); ` +
      `judged on the worst node, memory margin > ${percentText(guarantees.memoryMarginMin)} in every scenario (hard) and ` +
      `CPU burst margin > ${percentText(guarantees.cpuBurstMarginMin)} (${cpuBurstKind(guarantees.cpuBurstHardFor)}); ` +
      `nodes within the pool max (hard); monthly cost < EUR ${plan.budgetEur} (hard). Margin = 1 - demand / node capacity.`,
    '',
    '![Nodes and cost per hour of each scenario](plan.svg)',
    '',
  ];
}

/** The scenarios and their worst nodes. */
function scenarioSections(plan: Plan, json: PlanJson): string[] {
  return [
    '## Scenarios',
    '',
    table(
      ['scenario', 'pods', 'nodes (of max)', 'CPU requests', 'memory requests', 'CPU burst', 'memory peak',
        'CPU burst margin: cluster', 'CPU burst margin: worst node', 'memory margin: cluster', 'memory margin: worst node', 'result'],
      scenarioRows(plan, json),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
    '## Worst node',
    '',
    'The heaviest load the requests let the scheduler put on one node (any placement can happen as nodes arrive), ' +
      'and how first-fit-decreasing packs the whole scenario.',
    '',
    table(['scenario', 'worst node by memory peak', 'its requests', 'its memory peak', 'worst node by CPU burst', 'its CPU burst', 'nodes by first-fit-decreasing'],
      layoutRows(plan, json)),
    '',
  ];
}

/** The monthly cost and how it is billed. */
function costSection(input: PlanInput, plan: Plan, json: PlanJson): string[] {
  return [
    '## Monthly cost',
    '',
    costTable(plan, json),
    '',
    'A usage line\'s flat cost is SPEC 5\'s sessions x hours x the scenario\'s nodes beyond its pool\'s always-on `min` x the price per node-hour; ' +
      'the always-on nodes are billed once, on their own monthly line. ' +
      `The billed cost, which the budget is judged on, counts each session's node-hours as the provider bills them: ${dynamicsText(input)}.`,
    '',
  ];
}

/** The profiles, the sizing doc's differences and the warnings. */
function closingSections(input: PlanInput, plan: Plan, warnings: string[], diffs: Difference[]): string[] {
  return [
    '## Profiles',
    '',
    'The resources of the pod templates, as written in the config, and whether they fit the nodes of their pool.',
    '',
    profileTable(input, plan),
    '',
    '## Differences from the sizing doc',
    '',
    diffs.length === 0
      ? 'None.'
      : table(['field', 'sizing doc', 'this config', 'why', 'with the doc\'s value'],
        diffs.map((d) => [d.path, show(d.doc), show(d.current), d.reason,
          d.withDocValue.length === 0 ? 'every hard guarantee holds' : `${MARK.fail} ${d.withDocValue.join('; ')}`])),
    '',
    '## Warnings',
    '',
    ...(warnings.length === 0 ? ['None.'] : warnings.map((w) => `- ${MARK.warn} ${w}`)),
    '',
  ];
}

/** plan.md of `input`'s plan. */
export function planMarkdown(input: PlanInput, plan: Plan, warnings: string[], diffs: Difference[], from?: string): string {
  const json = planJson(plan);
  return [
    ...summary(input, plan, json, warnings, from),
    ...scenarioSections(plan, json),
    ...costSection(input, plan, json),
    ...closingSections(input, plan, warnings, diffs),
  ].join('\n');
}

const poolMaxText = (m: Record<string, number>): string => Object.entries(m).map(([p, n]) => `${p} ${n}`).join(', ');

/** The answer of `npm run -s plan -- --objective ...`: one table per workload and the combined choice. */
export function whatIfMarkdown(whatIf: WhatIf): string {
  const j = whatIfJson(whatIf);
  const eur = (v: number | null) => (v === null ? '–' : v.toFixed(2));
  const policy = whatIf.policy === 'manual'
    ? 'the config as is (its pool max)'
    : `nodes packed onto ${percentText(1 - whatIf.headroom)} of allocatable, pool max sized to what that needs`;
  const out = [
    `## What if: ${whatIf.objective}, policy ${whatIf.policy}`,
    '',
    `Policy ${whatIf.policy}: ${policy}. Each workload's max_active_runs varies alone, except those with maxActiveRunsFixed (policy, not capacity); ` +
      'the month\'s work is fixed, so more runs in flight shorten its sessions. ' +
      'Hours per completed run = durationHours / max_active_runs: each run still takes durationHours, one completes that often. ' +
      'Infeasible: a hard guarantee fails.',
    '',
  ];
  whatIf.workloads.forEach((x, i) => {
    const jx = j.workloads[i];
    const fixed = x.fixed ? `, fixed by policy: compute.workloads.${x.workload}.maxActiveRunsFixed` : '';
    out.push(`### ${x.workload} (max_active_runs ${x.configured} in the config${fixed})`, '');
    out.push(table(['max_active_runs', 'pods', 'pool max', 'hours per completed run', 'worst month EUR', 'hard guarantees', 'choice'],
      jx.options.map((o, k) => [
        x.options[k].maxActiveRuns + (x.options[k].maxActiveRuns === x.configured ? ' (config)' : ''),
        x.options[k].pods, poolMaxText(o.poolMax), o.hoursPerCompletedRun, eur(o.worstMonthEur),
        o.feasible ? MARK.pass : `${MARK.fail} ${o.reason}`,
        x.chosen === x.options[k] ? `**${whatIf.objective}**` : '',
      ]), ['r', 'r', 'l', 'r', 'r', 'l', 'l']));
    out.push('');
  });
  const runs = Object.entries(whatIf.combined.maxActiveRuns).map(([k, n]) => `${k} ${n}`).join(', ');
  const all = j.combined;
  out.push(`**All chosen at once** (max_active_runs ${runs}): pool max ${poolMaxText(all.poolMax)}, ` +
    `worst month EUR ${eur(all.worstMonthEur)}, ${all.feasible ? `${MARK.pass} every hard guarantee holds` : `${MARK.fail} ${all.reason}`}.`, '');
  return out.join('\n');
}
