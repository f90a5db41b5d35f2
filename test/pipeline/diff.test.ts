import { stringify } from 'yaml';
import { diffLines, diffTrees, diffValues, formatText } from '../../lib/pipeline/diff';
import { formatMarkdown } from '../../lib/pipeline/markdown';

const scaledObject = (max: number) =>
  stringify({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'buildkitd-amd64', namespace: 'buildkit' },
    spec: { maxReplicaCount: max, triggers: [{ type: 'metrics-api' }] },
  });

describe('diff of generated output', () => {
  it('reports a changed field with its path and old -> new value', () => {
    const before = new Map([['arc-staging/buildkit/scaledobject-buildkitd-amd64.yaml', scaledObject(8)]]);
    const after = new Map([['arc-staging/buildkit/scaledobject-buildkitd-amd64.yaml', scaledObject(10)]]);
    const changes = diffTrees(before, after);
    expect(changes).toHaveLength(1);
    expect(formatText(changes)).toContain('ScaledObject buildkit/buildkitd-amd64: spec.maxReplicaCount 8 -> 10');
    expect(formatMarkdown(changes)).toContain('| ~ | ScaledObject buildkit/buildkitd-amd64 | `spec.maxReplicaCount` | `8` → `10` |');
  });

  it('reports added and removed objects and changed plain files', () => {
    const before = new Map([
      ['c/buildkit/haproxy.cfg', 'global\n  maxconn 100\n'],
      ['c/buildkit/scaledobject-buildkitd-amd64.yaml', scaledObject(8)],
    ]);
    const after = new Map([
      ['c/buildkit/haproxy.cfg', 'global\n  maxconn 200\n'],
      ['c/buildkit/scaledobject-buildkitd-arm64.yaml', scaledObject(8).replace('amd64', 'arm64')],
    ]);
    const kinds = diffTrees(before, after).map((c) => [c.kind, c.subject]);
    expect(kinds).toEqual([
      ['changed', 'buildkit/haproxy.cfg'],
      ['removed', 'ScaledObject buildkit/buildkitd-amd64'],
      ['added', 'ScaledObject buildkit/buildkitd-arm64'],
    ]);
    const text = formatText(diffTrees(before, after));
    expect(text).toContain('- ScaledObject buildkit/buildkitd-amd64');
    expect(text).toContain('+ ScaledObject buildkit/buildkitd-arm64');
    expect(text).toMatch(/~ file buildkit\/haproxy.cfg \(\+1 -1 lines\)\n\s+- {3}maxconn 100\n\s+\+ {3}maxconn 200/);
  });

  it('matches named list items by name, not position', () => {
    const a = { containers: [{ name: 'base', image: 'a' }, { name: 'sidecar', image: 's' }] };
    const b = { containers: [{ name: 'sidecar', image: 's' }, { name: 'base', image: 'b' }] };
    expect(diffValues(a, b)).toEqual([{ path: 'containers[base].image', old: 'a', new: 'b' }]);
  });

  it('matches alerts by their name and shows a config file inside a ConfigMap as changed lines', () => {
    const rules = (threshold: number) => ({ groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'x' }, { alert: 'B', expr: `y > ${threshold}` }] }] });
    expect(diffValues(rules(1), rules(2))).toEqual([{ path: 'groups[g].rules[B].expr', old: 'y > 1', new: 'y > 2' }]);
    const cm = (slots: number) => ({ data: { 'haproxy.cfg': `global\n  maxconn 10\nbackend b\n  server-template pod ${slots} x:1\n` } });
    const [field] = diffValues(cm(8), cm(10));
    expect(field.path).toBe('data."haproxy.cfg"');
    expect(field.lines).toEqual({ removed: ['  server-template pod 8 x:1'], added: ['  server-template pod 10 x:1'] });
  });

  it('shows the changed lines when an object file changes only in its text (a comment, quoting)', () => {
    const before = new Map([['c/buildkit/scaledobject-x.yaml', `# one\n${scaledObject(8)}`]]);
    const after = new Map([['c/buildkit/scaledobject-x.yaml', `# two\n${scaledObject(8)}`]]);
    const [change] = diffTrees(before, after);
    expect(change).toMatchObject({ kind: 'changed', isObject: false, subject: 'buildkit/scaledobject-x.yaml', lines: { removed: ['# one'], added: ['# two'] } });
    expect(formatText([change])).toContain('~ file buildkit/scaledobject-x.yaml (+1 -1 lines)');
  });

  it('finds the smallest line changes', () => {
    expect(diffLines('a\nb\nc\nd', 'a\nc\nd\ne')).toEqual({ removed: ['b'], added: ['e'] });
  });

  it('says so when nothing changed', () => {
    const same = new Map([['x/a.yaml', scaledObject(1)]]);
    expect(diffTrees(same, new Map(same))).toEqual([]);
    expect(formatText([])).toMatch(/up to date/);
  });
});
