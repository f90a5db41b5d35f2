// The report, the JSON and the pod templates tell the same story; snapshots lock the report.
import { spawnSync } from 'child_process';
import { parseAllDocuments } from 'yaml';
import { PROFILE_LABEL } from '../../lib/airflow/model';
import type { PlanJson } from '../../lib/capacity/json';
import { cpuCores, memoryBytes, GiB } from '../../lib/config/quantity';
import { loadClusters } from '../../lib/config/load';
import { render } from '../../lib/output/render';
import { clustersDir, REPO } from '../support/clusters';
import { NAME, pct, prod } from './support';

const files = render(loadClusters(undefined, [NAME]));
const md = files.get(`${NAME}/capacity/plan.md`)!;
const json: PlanJson = JSON.parse(files.get(`${NAME}/capacity/plan.json`)!);
const svg = files.get(`${NAME}/capacity/plan.svg`)!;

/** The rows of the Markdown table under `heading`, as cells. */
function tableUnder(heading: string): string[][] {
  const lines = md.split('\n');
  const start = lines.indexOf(heading);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('#')) break;
    if (line.startsWith('|')) rows.push(line.slice(2, -2).split(' | '));
  }
  return rows.slice(2); // header and separator
}

const plan = (args: string[], dir?: string) =>
  spawnSync(process.execPath, ['-r', './scripts/register.js', 'scripts/plan.ts', ...args, ...(dir ? ['--clusters-dir', dir] : [])], { cwd: REPO, encoding: 'utf8' });

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
      expect(cpuCluster).toBe(pct(s.cluster.cpuMargin));
      expect(cpuWorst.startsWith(pct(s.worstNode.cpuMargin))).toBe(true);
      expect(memCluster).toBe(pct(s.cluster.memoryMargin));
      expect(memWorst.startsWith(pct(s.worstNode.memoryMargin))).toBe(true);
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

  it('show the same monthly totals', () => {
    const total = tableUnder('## Monthly cost').find((r) => r[0] === '**total**')!;
    json.months.forEach((m, i) => expect(total[i + 1]).toMatch(new RegExp(`^\\*\\*${m.totalEur.toFixed(2)}\\*\\* `)));
    for (const m of json.months) expect(m.totalEur).toBeCloseTo(m.lines.reduce((t, l) => t + l.eur, 0), 1);
  });

  it('list every sizing-doc difference with the doc value, the config value and its reason', () => {
    const raw = prod();
    const rows = tableUnder('## Differences from the sizing doc');
    expect(rows).toHaveLength(raw.capacity.sizingDocDifferences.length);
    raw.capacity.sizingDocDifferences.forEach((d: any, i: number) => {
      const current = d.path.split('.').reduce((o: any, k: string) => o[k], raw);
      expect(rows[i].slice(0, 4)).toEqual([d.path, String(d.doc), String(current), d.reason]);
    });
  });

  it('reference a chart with one bar of nodes and one of cost per scenario', () => {
    expect(md).toContain('](plan.svg)');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect [^>]*height="16"/g)).toHaveLength(2 * json.scenarios.length);
    for (const s of json.scenarios) expect(svg).toContain(`>${s.id}</text>`);
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

describe('snapshots', () => {
  it.each(['plan.md', 'plan.json', 'plan.svg'])('%s', (f) => {
    expect(files.get(`${NAME}/capacity/${f}`)).toMatchSnapshot();
  });
});

describe('npm run plan', () => {
  it('--json prints plan.json on stdout only', () => {
    const run = plan(['--cluster', NAME, '--json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(json);
    expect(run.stderr.split('\n').filter(Boolean).every((l) => l.startsWith('warning: '))).toBe(true);
  });

  it('prints the report, and a what-if answer with --objective', () => {
    const run = plan(['--cluster', NAME, '--objective', 'min-cost', '--policy', 'aggressive']);
    expect(run.status).toBe(0);
    expect(run.stdout.startsWith(md)).toBe(true);
    expect(run.stdout).toContain('## What if: min-cost, policy aggressive');
  });

  it('exits 1 with the problems when a hard guarantee fails, and 2 on a bad option', () => {
    const broken = plan(['--cluster', NAME], clustersDir({ [NAME]: prod({ 'capacity.budgetEurPerMonth': 100 }) }));
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/capacity\.months\[\d\] = "\w+": month \w+ costs EUR [\d.]+, must be < EUR 100/);
    const bad = plan(['--cluster', NAME, '--objective', 'cheapest']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--objective must be one of min-cost, min-time, balance');
  });
});
