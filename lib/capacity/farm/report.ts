// farm.md, farm.json and farm.svg: the farm plan as a reviewer reads it, for tools, and as a
// timeline of each scenario (demand, queue, pods, nodes). The Markdown prints the rounded numbers
// of the JSON, so the two never disagree.
import { generatedHeader } from '../../core/yaml';
import { table } from '../report';
import type { FarmPlanResult } from './plan';
import { quantile } from './plan';

const usd = (x: number) => Math.round(x * 100) / 100;
const hours = (s: number) => Math.round((s / 3600) * 1000) / 1000;

export function farmJson(plan: FarmPlanResult) {
  return {
    cluster: plan.cluster,
    autoscaled: plan.autoscaled,
    budgetUsdPerMonth: plan.budgetUsd,
    scenarios: plan.scenarios.map(({ scenario: s, arch, result: r, holds, fixes }) => ({
      id: s.id,
      arch: arch.arch,
      builds: r.builds,
      served: r.served,
      gaveUp: r.gaveUp,
      maxGaveUp: s.maxGaveUp,
      refusedAttempts: r.refusedAttempts,
      waitSeconds: { p50: quantile(r.waits, 0.5), p95: quantile(r.waits, 0.95), max: r.waits.length ? Math.max(...r.waits) : 0 },
      absorbSeconds: r.absorbSeconds,
      peakPods: r.peakPods,
      peakNodes: r.peakNodes,
      nodeHours: hours(r.billedSeconds),
      usd: usd(r.usd),
      holds,
      fixes,
    })),
    months: plan.months.map((m) => ({ ...m, nodeHours: Math.round(m.nodeHours * 1000) / 1000, usd: usd(m.usd), baselineUsd: usd(m.baselineUsd) })),
    totalUsdPerMonth: usd(plan.totalUsd),
    budgetHolds: plan.budgetHolds,
  };
}

export function farmMarkdown(plan: FarmPlanResult, from?: string): string {
  const j = farmJson(plan);
  const ok = (b: boolean) => (b ? '✅' : '❌');
  const lines = [
    `${generatedHeader(from, '<!--').trimEnd()} -->`,
    `# Build farm plan of ${plan.cluster}`,
    '',
    `Bursts and an ordinary day replayed through the generated farm (${plan.autoscaled ? 'KEDA/HPA autoscaling' : 'fixed fleet, no autoscaling'}):`,
    'HAProxy (one build per pod, `timeout queue`), the clients\' give-up and retries, the HPA as the ScaledObject configures it,',
    'pod start, Karpenter\'s node launch and WhenEmpty consolidation, EC2 per-second billing. Inputs and their sources: the `farmPlan` section.',
    '',
    '## Scenarios',
    '',
    table(
      ['scenario', 'arch', 'builds', 'served', 'gave up (limit)', 'refused attempts', 'wait p50 / p95 / max (s)', 'absorbed in (s)', 'peak pods', 'peak nodes', 'node-hours', 'USD', 'holds'],
      j.scenarios.map((s) => [s.id, s.arch, s.builds, s.served, `${s.gaveUp} (${s.maxGaveUp})`, s.refusedAttempts,
        `${s.waitSeconds.p50} / ${s.waitSeconds.p95} / ${s.waitSeconds.max}`, s.absorbSeconds, s.peakPods, s.peakNodes, s.nodeHours, s.usd, ok(s.holds)]),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
    ...j.scenarios.filter((s) => !s.holds).map((s) => `- ${s.id}: cheapest fixes: ${s.fixes.join('; ') || 'none found'}`),
    '',
    '## Month (day profile)',
    '',
    table(
      ['arch', 'instance', 'builds', 'gave up', 'wait p95 (s)', 'node-hours', 'USD', 'warm baseline USD'],
      j.months.map((m) => [m.arch, m.instanceType, m.builds, m.gaveUp, m.waitP95, m.nodeHours, m.usd, m.baselineUsd]),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    `Total USD ${j.totalUsdPerMonth} a month, budget USD ${j.budgetUsdPerMonth} ${ok(j.budgetHolds)}.`,
    'The warm baseline is the min pods (or the fixed fleet) on their nodes all month; the rest is what bursts, the',
    'scale-down hold and consolidateAfter add.',
    '',
  ];
  return `${lines.join('\n')}`;
}

// --- SVG: one timeline panel per scenario -------------------------------------------------------

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const SERIES = [
  { key: 'demand', color: '#4e79a7', label: 'builds in flight (running + queued + retrying)' },
  { key: 'queued', color: '#e15759', label: 'queued at HAProxy' },
  { key: 'pods', color: '#59a14f', label: 'pods HAProxy routes to' },
  { key: 'nodes', color: '#f28e2b', label: 'nodes' },
] as const;

export function farmSvg(plan: FarmPlanResult): string {
  const W = 720, H = 150, top = 40, left = 50, gap = 40;
  const panels = plan.scenarios.map((s, i) => {
    const samples = s.result.samples;
    const y0 = top + i * (H + gap);
    const tMax = Math.max(1, samples.length ? samples[samples.length - 1].t : 1);
    const vMax = Math.max(1, ...samples.map((x) => Math.max(x.demand, x.pods, x.nodes)));
    const x = (t: number) => (left + (t / tMax) * (W - left - 20)).toFixed(1);
    const y = (v: number) => (y0 + H - (v / vMax) * H).toFixed(1);
    const lines = SERIES.map((ser) => {
      const pts = samples.map((q) => `${x(q.t)},${y(q[ser.key])}`).join(' ');
      return `    <polyline points="${pts}" fill="none" stroke="${ser.color}" stroke-width="1.5"/>`;
    });
    return [
      `  <text x="${left}" y="${y0 - 8}" font-weight="bold">${esc(`${s.scenario.id} (${s.arch.arch}): ${s.result.gaveUp} gave up, max ${vMax}, ${Math.round(tMax / 60)} min`)}</text>`,
      `  <line x1="${left}" y1="${y0 + H}" x2="${W - 20}" y2="${y0 + H}" stroke="#dddddd"/>`,
      `  <line x1="${left}" y1="${y0}" x2="${left}" y2="${y0 + H}" stroke="#dddddd"/>`,
      ...lines,
    ].join('\n');
  });
  const height = top + plan.scenarios.length * (H + gap) + 20 + SERIES.length * 16;
  const legendY = top + plan.scenarios.length * (H + gap);
  const legend = SERIES.map((s, i) =>
    `  <text x="${left}" y="${legendY + i * 16}" fill="${s.color}">${esc(`— ${s.label}`)}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="12" fill="#333333">`,
    `  <title>${esc(`Build farm plan of ${plan.cluster}: each scenario's timeline`)}</title>`,
    `  <rect x="0" y="0" width="${W}" height="${height}" fill="#ffffff"/>`,
    ...panels,
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}
