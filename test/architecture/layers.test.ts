// The layers a reader sees in the folders, enforced: core <- render <- components <- config <- pipeline.
// A component imports core, its own folder and other components only through their index (their
// public surface); nothing under lib/ imports upwards; no module reads the disk or the environment
// when it is imported.
import * as fs from 'fs';
import * as path from 'path';

const REPO = path.join(__dirname, '..', '..');
const LIB = path.join(REPO, 'lib');
const COMPONENTS = ['platform', 'compute', 'buildkit', 'airflow', 'capacity', 'monitoring'];
const LAYER: Record<string, number> = { core: 0, render: 1, ...Object.fromEntries(COMPONENTS.map((c) => [c, 2])), config: 3, pipeline: 4, 'index.ts': 5 };

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []);
}

/** Every relative module a file imports (static imports, re-exports, require, dynamic import). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|require\(\s*|import\(\s*)'(\.[^']*)'/g)].map((m) => m[1]);
  return specs.map((s) => path.relative(REPO, path.resolve(path.dirname(file), s)));
}

/** [top folder under lib/, the rest] of a repo-relative path, or undefined outside lib/. */
function place(rel: string): [string, string] | undefined {
  const parts = rel.split(path.sep);
  if (parts[0] !== 'lib') return undefined;
  return [parts.length === 2 && parts[1].endsWith('.ts') ? parts[1] : parts[1].replace(/\.ts$/, ''), parts.slice(2).join('/')];
}

const FILES = sources(LIB).map((f) => path.relative(REPO, f));

describe('layers', () => {
  it('lib/ holds exactly the known top-level folders', () => {
    const tops = [...new Set(FILES.map((f) => place(f)![0]))].sort();
    expect(tops).toEqual(Object.keys(LAYER).sort());
  });

  it.each(FILES)('%s imports no higher layer and no other component\'s internals', (file) => {
    const [from] = place(file)!;
    const wrong: string[] = [];
    for (const target of importsOf(path.join(REPO, file))) {
      const to = place(target);
      if (!to) continue; // imports/ (the CRD classes) sit below every layer
      const [top, rest] = to;
      if (LAYER[top] > LAYER[from]) wrong.push(`${target}: ${top} is above ${from}`);
      else if (COMPONENTS.includes(from) && COMPONENTS.includes(top) && top !== from && rest !== '' && rest !== 'index')
        wrong.push(`${target}: another component's internals (import '${top}' through its index)`);
    }
    expect(wrong).toEqual([]);
  });

  it.each(FILES)('%s reads neither the disk nor the environment at import time', (file) => {
    const text = fs.readFileSync(path.join(REPO, file), 'utf8');
    // top-level statements only: a line starting at column 0 that reads the disk or the environment
    const topLevel = text.split('\n').filter((l) => /^(export )?(const|let|var) [^=]+=\s*(fs\.|process\.env|readFileSync|require\()/.test(l) || /^process\.env/.test(l));
    expect(topLevel).toEqual([]);
  });
});
