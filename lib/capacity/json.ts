// The plan for tools (plan.json, `npm run -s plan -- --json`): the issue's shape, in CPU cores,
// GiB, EUR and margins as fractions, with every guarantee as a check {rule, limit, value, hard,
// holds}. The Markdown report prints these same rounded numbers.
import { cores, gib, Plan } from './plan';
import type { Outcome, WhatIf } from './whatif';

const round = (digits: number) => (x: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
export const r = { cpu: round(3), gib: round(2), margin: round(4), eur: round(2), price: round(4), hours: round(3) };

/** Millicores to cores, bytes to GiB. */
const unit = { cpu: (v: number) => r.cpu(cores(v)), memory: (v: number) => r.gib(gib(v)) };

export function planJson(plan: Plan) {
  return {
    cluster: plan.cluster,
    budgetEur: plan.budgetEur,
    profiles: plan.profiles.map((x) => ({
      id: x.id,
      pool: x.pool,
      nodeType: x.nodeType,
      checks: x.checks.map((k) => ({
        rule: k.rule,
        limit: { allocatable: unit[k.resource](k.limit.allocatable), capacity: unit[k.resource](k.limit.capacity) },
        value: { requests: unit[k.resource](k.value.requests), limits: unit[k.resource](k.value.limits) },
        hard: k.hard,
        holds: k.holds,
        issues: k.issues,
      })),
    })),
    scenarios: plan.scenarios.map((s) => ({
      id: s.id,
      pods: s.pods,
      cpuRequests: r.cpu(cores(s.requests.cpu)),
      memoryRequestsGiB: r.gib(gib(s.requests.memory)),
      cpuBurst: r.cpu(cores(s.burst)),
      memoryPeakGiB: r.gib(gib(s.peak)),
      nodes: s.nodes,
      cluster: { cpuMargin: r.margin(s.cluster.cpuMargin), memoryMargin: r.margin(s.cluster.memoryMargin) },
      worstNode: {
        pods: s.worstNode.byPeak.mix.pods,
        cpuBurst: r.cpu(cores(s.worstNode.byBurst.mix.burst)),
        memoryPeakGiB: r.gib(gib(s.worstNode.byPeak.mix.peak)),
        cpuMargin: r.margin(s.worstNode.cpuMargin),
        memoryMargin: r.margin(s.worstNode.memoryMargin),
      },
      checks: s.checks.map((k) => ({
        rule: k.rule,
        limit: k.limit,
        value: k.figure === 'nodes' ? k.value : r.margin(k.value),
        hard: k.hard,
        holds: k.holds,
      })),
    })),
    months: plan.months.map((m) => ({
      id: m.id,
      totalEur: r.eur(m.totalEur),
      flatTotalEur: r.eur(m.flatTotalEur),
      lines: m.lines.map((l) => ({
        ...l,
        ...(l.billed && { billed: l.billed.map((b) => ({ ...b, eurPerNodeHour: r.price(b.eurPerNodeHour) })) }),
        ...(l.billedNodeHours !== undefined && { billedNodeHours: r.hours(l.billedNodeHours) }),
        ...(l.flatEur !== undefined && { flatEur: r.eur(l.flatEur) }),
        eur: r.eur(l.eur),
      })),
      checks: m.checks.map((k) => ({ ...k, value: r.eur(k.value) })),
    })),
  };
}

export type PlanJson = ReturnType<typeof planJson>;

/** The what-if answer for tools, rounded like the plan. */
export function whatIfJson(whatIf: WhatIf) {
  const outcome = (o: Outcome) => ({ ...o, worstMonthEur: o.worstMonthEur === null ? null : r.eur(o.worstMonthEur) });
  return {
    objective: whatIf.objective,
    policy: whatIf.policy,
    headroom: whatIf.headroom,
    workloads: whatIf.workloads.map((x) => ({
      workload: x.workload,
      configured: x.configured,
      fixed: x.fixed,
      chosen: x.chosen?.maxActiveRuns ?? null,
      options: x.options.map((o) => ({ ...outcome(o), hoursPerCompletedRun: r.hours(o.hoursPerCompletedRun) })),
    })),
    combined: { maxActiveRuns: whatIf.combined.maxActiveRuns, ...outcome(whatIf.combined.outcome) },
  };
}
