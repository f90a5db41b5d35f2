// The PR comment fits GitHub: a large generated change (a preset change touching every cluster
// that extends it, on a fleet of farms) stays under the 65,536-character comment limit, is
// collapsed per cluster and component, shows each alert-text change once, abbreviates checksums,
// and degrades to a summary table with a link when even that is too long.
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseDocument } from 'yaml';
import { CLUSTERS_DIR, loadClusters } from '../../lib/config/load';
import { Change, diffTrees } from '../../lib/pipeline/diff';
import { COMMENT_LIMIT, formatMarkdown, wordDiff } from '../../lib/pipeline/markdown';
import { render } from '../../lib/pipeline/render';
import { tmpDir } from '../support/clusters';

const PRESET = 'eks-buildkit-farm';
const MARKER = '\n<!-- manifests-diff -->'; // what the workflow appends

/** A cluster file or preset without its farmPlan section (comments and layout kept). */
function withoutFarmPlan(text: string): string {
  const doc = parseDocument(text);
  doc.delete('farmPlan');
  return doc.toString();
}

/** A clusters folder of `n` farms extending the preset (copies of arc-staging under new names), with the preset edited by `edit`. */
function fleet(n: number, edit: (preset: string) => string = (p) => p): string {
  const dir = tmpDir('fleet');
  fs.mkdirSync(path.join(dir, 'presets'));
  // without the farm plan: replaying a month per farm would take most of this test's time, and
  // its files are not what this test is about
  const preset = withoutFarmPlan(fs.readFileSync(path.join(CLUSTERS_DIR, 'presets', `${PRESET}.yaml`), 'utf8'));
  fs.writeFileSync(path.join(dir, 'presets', `${PRESET}.yaml`), edit(preset));
  const farm = withoutFarmPlan(fs.readFileSync(path.join(CLUSTERS_DIR, 'arc-staging.yaml'), 'utf8'));
  for (let i = 0; i < n; i++) {
    // farms differ in size, so their alert texts (which name the max replicas) differ too
    fs.writeFileSync(path.join(dir, `farm-${i}.yaml`), farm.replace(/arc-staging/g, `farm-${i}`).replace(/min: 2, max: 8/, `min: 2, max: ${8 + (i % 4)}`));
  }
  return dir;
}

/** The preset change: the queue-backlog alert's threshold and duration, and the cache's free space. */
const change = (p: string) =>
  p.replace('BuildkitQueueBacklog: { above: 20, for: 15m }', 'BuildkitQueueBacklog: { above: 25, for: 20m }').replace(/freePercent: 20/, 'freePercent: 25');

const computed = new Map<number, { changes: Change[]; after: Map<string, string> }>();
const changesOf = (n: number): { changes: Change[]; after: Map<string, string> } => {
  if (!computed.has(n)) {
    const before = render(loadClusters(fleet(n)));
    const after = render(loadClusters(fleet(n, change)));
    computed.set(n, { changes: diffTrees(before, after), after });
  }
  return computed.get(n)!;
};

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

describe('the markdown diff of a preset change on every farm', () => {
  const n = 6;
  const { changes, after } = changesOf(n);
  const md = formatMarkdown(changes);
  const components = [...new Set(changes.map((c) => `${c.cluster}/${c.file.split('/')[1]}`))];

  it('fits a comment, and is collapsed per cluster and per component', () => {
    expect((md + MARKER).length).toBeLessThanOrEqual(COMMENT_LIMIT);
    const clusters = [...new Set(changes.map((c) => c.cluster))];
    expect(clusters).toHaveLength(n);
    expect(count(md, /<details><summary><b>[^<]+<\/b>/g)).toBe(n);
    expect(count(md, /<details><summary><code>[^<]+<\/code>/g)).toBe(components.length);
    expect(count(md, /<details>/g)).toBe(count(md, /<\/details>/g));
    for (const c of clusters) expect(md).toContain(`<details><summary><b>${c}</b>`);
  });

  it('shows each alert-text change once, as changed words', () => {
    // the new descriptions of the changed alert, from the generated PrometheusRules: one per farm size
    const descriptions = new Set<string>();
    for (const [file, text] of after) {
      if (!file.endsWith('prometheusrule-alert-rules.yaml')) continue;
      for (const g of parse(text).spec.groups)
        for (const r of g.rules) if (r.alert === 'BuildkitQueueBacklog') descriptions.add(r.annotations.description);
    }
    expect(descriptions.size).toBe(4); // max 8, 9, 10, 11
    // each description is in 4 places per farm (ConfigMap, two rule files, PrometheusRule) and
    // farms of one size share it: shown in full once per distinct text, 4 times instead of 4 x 6
    expect(count(md, /For \[-15m-\]\{\+20m\+\} more than \[-20-\]\{\+25\+\} build connections/g)).toBe(descriptions.size);
    expect(count(md, /same text change as/g)).toBeGreaterThan(n);
    // the lines of a rule file equal to those in its ConfigMap are named, not repeated
    expect(count(md, /the same changed lines as/g)).toBeGreaterThanOrEqual(n);
  });

  it('abbreviates checksums', () => {
    expect(changes.some((c) => c.fields.some((f) => f.path.includes('checksum/')))).toBe(true);
    expect(md).not.toMatch(/[0-9a-f]{64}/);
    expect(md).toMatch(/`[0-9a-f]{12}…` → `[0-9a-f]{12}…`/);
  });
});

describe('a change too large for one comment', () => {
  // the same six-farm change, against a limit below its full size: what degrading does does not
  // depend on the limit's value, and rendering a fleet large enough for 65,536 would take a minute
  const { changes } = changesOf(6);

  it('degrades to the summary table and the link to the full diff, under the limit', () => {
    const full = formatMarkdown(changes, { limit: 0 });
    const limit = Math.floor(full.length / 3);
    const url = 'https://github.com/acme/cluster-manifests/actions/runs/1/artifacts/2';
    const md = formatMarkdown(changes, { fullDiffUrl: url, limit });
    expect(md.length).toBeLessThanOrEqual(limit);
    expect(md).toContain(`[download it](${url})`);
    expect(md).toContain(`The full diff has ${full.length} characters`);
    expect(md).not.toContain('<details>');
    // every cluster and component still has its row
    for (const c of new Set(changes.map((x) => x.cluster))) expect(md).toContain(`| ${c} | monitoring |`);
  });
});

describe('word-level changes', () => {
  it('keeps a few words around each change and elides the rest', () => {
    const a = 'one two three four five six seven eight nine ten eleven twelve thirteen';
    expect(wordDiff(a, a.replace('seven', '7'))).toBe('… three four five six [-seven-]{+7+} eight nine ten eleven …');
    expect(wordDiff('a b', 'a c')).toBe('a [-b-]{+c+}');
  });
});
