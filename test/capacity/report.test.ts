// The report, the JSON and the pod templates tell the same story (the CapacityPlan's own snapshots
// are in capacity-plan.test.ts; dist/ locks the built-in clusters' files).
import { spawnSync } from 'child_process';
import { parseAllDocuments } from 'yaml';
import { PROFILE_LABEL } from '../../lib/airflow';
import { differences } from '../../lib/capacity/differences';
import { PlanJson, planJson } from '../../lib/capacity/json';
import { capacityPlanProps } from '../../lib/config/components/capacity';
import { HOURS_PER_MONTH } from '../../lib/compute';
import { passes, percentText, plan } from '../../lib/capacity/plan';
import { planMarkdown } from '../../lib/capacity/report';
import { cpuCores, memoryBytes, GiB } from '../../lib/core/quantity';
import { loadClusters } from '../../lib/config/load';
import { valueAt } from '../../lib/core/paths';
import { render } from '../../lib/pipeline/render';
import { clustersDir, REPO } from '../support/clusters';
import { load, NAME, nodeOf, podsPerNode, prod } from './support';

const files = render(loadClusters(undefined, [NAME]));
const md = files.get(`${NAME}/capacity/plan.md`)!;
const json: PlanJson = JSON.parse(files.get(`${NAME}/capacity/plan.json`)!);
const svg = files.get(`${NAME}/capacity/plan.svg`)!;

/** The rows of the Markdown table under `heading` of a report, as cells. */
function tableUnder(heading: string, report = md): string[][] {
  const lines = report.split('\n');
  const start = lines.indexOf(heading);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('#')) break;
    if (line.startsWith('|')) rows.push(line.slice(2, -2).split(' | '));
  }
  return rows.slice(2); // header and separator
}

const planArgs = (args: string[], dir?: string) => [...args, ...(dir ? ['--clusters-dir', dir] : [])];
/** The documented command: `npm run -s plan -- ...` (-s keeps npm's banner off stdout). */
const npmPlan = (args: string[], dir?: string) =>
  spawnSync('npm', ['run', '-s', 'plan', '--', ...planArgs(args, dir)], { cwd: REPO, encoding: 'utf8' });
/** What `npm run plan` runs, without npm's own start-up (for the cases that are not about npm). */
const nodePlan = (args: string[], dir?: string) =>
  spawnSync(process.execPath, ['-r', './scripts/register.js', 'scripts/plan.ts', ...planArgs(args, dir)], { cwd: REPO, encoding: 'utf8' });

describe('plan.md and plan.json', () => {
  it('show the same figures for every scenario', () => {
    const rows = tableUnder('## Scenarios');
    expect(rows.map((r) => r[0])).toEqual(json.scenarios.map((s) => s.id));
    json.scenarios.forEach((s, i) => {
      const [, pods, nodes, cpu, mem, burst, peak, cpuCluster, cpuWorst, memCluster, memWorst] = rows[i];
      expect(Number(pods)).toBe(s.pods);
      expect(nodes).toMatch(new RegExp(`^${s.nodes} of `));
      expect(Number(cpu)).toBe(s.cpuRequests);
      expect(mem).toBe(`${s.memoryRequestsGiB} GiB`);
      expect(Number(burst)).toBe(s.cpuBurst);
      expect(peak).toBe(`${s.memoryPeakGiB} GiB`);
      expect(cpuCluster).toBe(percentText(s.cluster.cpuMargin));
      expect(cpuWorst.startsWith(percentText(s.worstNode.cpuMargin))).toBe(true);
      expect(memCluster).toBe(percentText(s.cluster.memoryMargin));
      expect(memWorst.startsWith(percentText(s.worstNode.memoryMargin))).toBe(true);
    });
  });

  it('mark each worst-node guarantee as its check says', () => {
    const rows = tableUnder('## Scenarios');
    json.scenarios.forEach((s, i) => {
      const memory = s.checks.find((k) => k.rule.includes('memory'))!;
      const cpu = s.checks.find((k) => k.rule.includes('CPU'))!;
      expect(rows[i][10].endsWith(memory.holds ? '✅' : '❌')).toBe(true);
      expect(rows[i][8].endsWith(cpu.holds ? '✅' : cpu.hard ? '❌' : '⚠️')).toBe(true);
    });
  });

  it('show the same monthly totals and budget checks', () => {
    const rows = tableUnder('## Monthly cost');
    const total = rows.find((r) => r[0] === '**total (billed)**')!;
    const flat = rows.find((r) => r[0].startsWith('flat total'))!;
    const budget = rows.find((r) => r[0] === '**budget (hard)**')!;
    const limit = prod().capacity.budgetEurPerMonth;
    json.months.forEach((m, i) => {
      expect(total[i + 1]).toBe(`**${m.totalEur.toFixed(2)}**`);
      expect(flat[i + 1]).toBe(m.flatTotalEur.toFixed(2));
      expect(m.totalEur).toBeCloseTo(m.lines.reduce((t, l) => t + l.eur, 0), 1);
      expect(m.flatTotalEur).toBeCloseTo(m.lines.reduce((t, l) => t + (l.flatEur ?? l.eur), 0), 1);
      expect(m.checks).toEqual([{ rule: 'monthly cost < budgetEurPerMonth', limit, value: m.totalEur, hard: true, holds: m.totalEur < limit }]);
      expect(budget[i + 1]).toBe(`${m.totalEur < limit ? '✅' : '❌'} < EUR ${limit}`);
    });
  });

  it('carry whether every profile fits its pool, with the config\'s numbers', () => {
    const raw = prod();
    const rows = tableUnder('## Profiles');
    expect(json.profiles.map((x) => x.id)).toEqual(Object.keys(raw.compute.profiles));
    json.profiles.forEach((x, i) => {
      const profile = raw.compute.profiles[x.id];
      const type = raw.compute.pools[profile.pool].nodeType;
      const node = raw.compute.nodeTypes[type];
      expect([x.pool, x.nodeType]).toEqual([profile.pool, type]);
      const [cpu, memory] = x.checks;
      expect(cpu.limit).toEqual({ allocatable: cpuCores(node.allocatable.cpu), capacity: node.vcpu });
      expect(cpu.value).toEqual({ requests: cpuCores(profile.requests.cpu), limits: cpuCores(profile.limits.cpu) });
      expect(memory.limit).toEqual({ allocatable: memoryBytes(node.allocatable.memory) / GiB, capacity: memoryBytes(node.memory) / GiB });
      expect(memory.value).toEqual({ requests: memoryBytes(profile.requests.memory) / GiB, limits: memoryBytes(profile.limits.memory) / GiB });
      for (const k of x.checks) expect([k.hard, k.holds, k.issues]).toEqual([true, true, []]);
      expect(rows[i][0]).toBe(x.id);
      expect(rows[i][6]).toBe('✅');
    });
  });

  it('list every sizing-doc difference with the doc value, the config value and its reason', () => {
    const raw = prod();
    const rows = tableUnder('## Differences from the sizing doc');
    expect(rows).toHaveLength(raw.capacity.sizingDocDifferences.length);
    raw.capacity.sizingDocDifferences.forEach((d: any, i: number) => {
      expect(rows[i].slice(0, 4)).toEqual([d.path, String(d.doc), String(valueAt(raw, d.path)), d.reason]);
    });
  });

  it('read and restore a difference at an indexed path, written the way problems print paths', () => {
    const raw = prod();
    const at = 'compute.platformWorkloads[0].requests.cpu';
    const w = raw.compute.platformWorkloads[0];
    // more CPU than the node has: restoring it must trip the platform-fit rule on that very pod
    const doc = String(nodeOf(raw, w.pool).vcpu + 1);
    raw.capacity.sizingDocDifferences = [{ path: at, doc, reason: 'indexed path' }];
    const [d] = differences(capacityPlanProps(load(raw).config));
    expect(d.current).toBe(w.requests.cpu);
    expect(d.withDocValue).toEqual([expect.stringMatching(/^compute\.platformWorkloads\[0\]\.requests: does not fit the allocatable/)]);
  });

  it('reference a chart with one bar of nodes and one of cost per scenario', () => {
    expect(md).toContain('](plan.svg)');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect [^>]*height="16"/g)).toHaveLength(2 * json.scenarios.length);
    for (const s of json.scenarios) expect(svg).toContain(`>${s.id}</text>`);
  });
});

describe('monthly cost', () => {
  /** A usage line of a one-workload scenario, priced by hand from the config: nodes = pods / pods per node, rounded up. */
  function byHand(raw: any, month: number, workload: string) {
    const u = raw.capacity.months[month].usage[workload];
    const w = raw.compute.workloads[workload];
    const pool = raw.compute.pools[raw.compute.profiles[w.profile].pool];
    const nodes = Math.ceil((w.podsPerRun * w.maxActiveRuns) / podsPerNode(raw, workload));
    const price = raw.compute.nodeTypes[pool.nodeType].eurPerHour;
    const billed = nodes - pool.min;
    // billed node k created (k - 1) x scaleUpMinutes into the session, kept scaleDownIdleMinutes after it, per started hour
    const step = raw.capacity.billing.granularityMinutes;
    expect([step, raw.capacity.billing.minimumMinutes]).toEqual([60, 60]); // the arithmetic below assumes it
    let nodeHours = 0;
    for (let k = 1; k <= billed; k++) nodeHours += Math.ceil((u.hours * 60 - (k - 1) * pool.scaleUpMinutes + pool.scaleDownIdleMinutes) / 60);
    return { u, nodes, billed, price, nodeHours, flat: u.sessions * u.hours * billed * price, eur: u.sessions * nodeHours * price };
  }

  it('a usage line costs sessions x hours x nodes x price per node-hour, and says so', () => {
    const raw = prod();
    const h = byHand(raw, 0, 'ftf-normal');
    expect(raw.compute.pools.compute.min).toBe(0); // every node of the scenario is billed by the hour
    const line = json.months[0].lines.find((l) => l.item === 'ftf-normal')!;
    expect(line.flatEur).toBeCloseTo(h.flat, 2);
    expect(line.eur).toBeCloseTo(h.eur, 2);
    expect(h.nodeHours).toBe(20); // 250, 247, 244, 241 min: 5 started hours each
    expect(tableUnder('## Monthly cost').find((r) => r[0] === 'ftf-normal')![1]).toBe(
      `flat ${h.u.sessions} x ${h.u.hours} h x ${h.nodes} nodes x EUR ${h.price}: ${h.flat.toFixed(2)}; ` +
      `billed ${h.u.sessions} x ${h.nodeHours} node-h x EUR ${h.price}: **${h.eur.toFixed(2)}**`);
  });

  it('always-on nodes are billed once, on their monthly line, never again in a usage line', () => {
    const raw = prod({ 'compute.pools.compute.min': 1 });
    const c = capacityPlanProps(load(raw).config);
    const p = plan(c); // over budget now: the plan is computed, synthesis would refuse it
    const h = byHand(raw, 0, 'ftf-normal');
    const line = p.months[0].lines.find((l) => l.item === 'ftf-normal')!;
    expect(line.flatEur).toBeCloseTo(h.flat, 6);
    expect(line.eur).toBeCloseTo(h.eur, 6);
    expect(h.nodeHours).toBe(15); // the always-on node is there already: the 3 billed ones are created at 0, 3 and 6 min
    const type = raw.compute.nodeTypes[raw.compute.pools.compute.nodeType];
    const permanent = p.months[0].lines.find((l) => l.item === `pool compute (1 x ${raw.compute.pools.compute.nodeType})`)!;
    expect(permanent.eur).toBeCloseTo(type.eurPerHour * HOURS_PER_MONTH, 6);
    const cell = tableUnder('## Monthly cost', planMarkdown(c, p, [], [])).find((r) => r[0] === 'ftf-normal')![1];
    expect(cell).toBe(`flat ${h.u.sessions} x ${h.u.hours} h x ${h.billed} nodes x EUR ${h.price} (1 of the ${h.nodes} nodes always on, billed monthly): ${h.flat.toFixed(2)}; ` +
      `billed ${h.u.sessions} x ${h.nodeHours} node-h x EUR ${h.price}: **${h.eur.toFixed(2)}**`);
  });
});

describe('profile checks', () => {
  it('a profile that does not fit its pool fails its check for that resource only, as profileFits says', () => {
    const c = capacityPlanProps(load(prod()).config);
    const memory = c.compute.nodeTypes[c.compute.pools[c.compute.profiles.heavy.pool].nodeType].memory;
    const limit = `${memoryBytes(memory) / GiB + 1}Gi`;
    c.compute.profiles.heavy.limits.memory = limit; // past the loader, which refuses it
    const p = plan(c);
    const heavy = planJson(p).profiles.find((x) => x.id === 'heavy')!;
    const [cpu, mem] = heavy.checks;
    expect(cpu.holds).toBe(true);
    expect(mem.holds).toBe(false);
    expect(mem.value.limits).toBe(memoryBytes(limit) / GiB);
    expect(mem.issues).toEqual([expect.stringContaining(`limits.memory ${limit}: the limit exceeds the memory capacity`)]);
    expect(passes(p)).toBe(false);
    expect(tableUnder('## Profiles', planMarkdown(c, p, [], [])).find((r) => r[0] === 'heavy')![6]).toMatch(/^❌ limits\.memory /);
  });
});

describe('plan.json and the pod templates', () => {
  /** Resources of each profile's pod template, as the airflow component generated it. */
  const templates = new Map<string, { requests: Record<string, string>; limits: Record<string, string> }>();
  for (const [file, text] of files) {
    if (!file.startsWith(`${NAME}/airflow/`) || !/\.ya?ml$/.test(file)) continue;
    for (const doc of parseAllDocuments(text).map((d) => d.toJS())) {
      if (doc?.kind === 'Pod' && doc.metadata?.labels?.[PROFILE_LABEL])
        templates.set(doc.metadata.labels[PROFILE_LABEL], doc.spec.containers[0].resources);
    }
  }

  it('agree on every scenario\'s requests and burst', () => {
    const raw = prod();
    expect([...templates.keys()].sort()).toEqual(Object.keys(raw.compute.profiles).sort());
    for (const s of json.scenarios) {
      const workloads = raw.capacity.scenarios.find((x: any) => x.id === s.id).workloads as string[];
      const sum = (f: (r: (typeof templates extends Map<string, infer R> ? R : never)) => number) =>
        workloads.reduce((t, w) => {
          const wl = raw.compute.workloads[w];
          return t + wl.podsPerRun * wl.maxActiveRuns * f(templates.get(wl.profile)!);
        }, 0);
      expect(s.cpuRequests).toBeCloseTo(sum((r) => cpuCores(r.requests.cpu)), 3);
      expect(s.memoryRequestsGiB).toBeCloseTo(sum((r) => memoryBytes(r.requests.memory) / GiB), 2);
      expect(s.cpuBurst).toBeCloseTo(sum((r) => cpuCores(r.limits.cpu)), 3);
    }
  });
});

describe('npm run -s plan', () => {
  it('--json prints plan.json on stdout only', () => {
    const run = npmPlan(['--cluster', NAME, '--json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(json);
    expect(run.stderr.split('\n').filter(Boolean).every((l) => l.startsWith('warning: '))).toBe(true);
  });

  it('prints the report, and a what-if answer with --objective', () => {
    const run = nodePlan(['--cluster', NAME, '--objective', 'min-cost', '--policy', 'aggressive']);
    expect(run.status).toBe(0);
    expect(run.stdout.startsWith(md)).toBe(true);
    expect(run.stdout).toContain('## What if: min-cost, policy aggressive');
  });

  it('exits 1 with the problems when a hard guarantee fails, and 2 on a bad option', () => {
    const broken = nodePlan(['--cluster', NAME], clustersDir({ [NAME]: prod({ 'capacity.budgetEurPerMonth': 100 }) }));
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/capacity\.months\[\d\] = "\w+": month \w+ costs EUR [\d.]+, must be < EUR 100/);
    const bad = nodePlan(['--cluster', NAME, '--objective', 'cheapest']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--objective must be one of min-cost, min-time, balance');
  });
});
