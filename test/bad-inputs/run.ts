// Runs the bad-input cases of cases/*.yaml through the real CLI entry (runSynth), in-process: each
// case builds a clusters folder from the built-in files plus its change, seeds a dist/ with known
// content, runs a synth and checks the exact outcome: the exit code, the one problem line (file,
// field, value, rule), no stack trace, and dist/ byte-identical afterwards.
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseDocument } from 'yaml';
import { CLUSTERS_DIR, PRESETS } from '../../lib/config/load';
import { runSynth } from '../../lib/pipeline/cli';
import { MARKER } from '../../lib/pipeline/dist';
import { tmpDir } from '../support/clusters';

export interface Case {
  id: string;
  /** The built-in cluster the case starts from (only its file and the presets are copied). */
  cluster?: string;
  /** field path -> value, set in the cluster file's own YAML (comments kept). */
  set?: Record<string, unknown>;
  /** field path -> value, set in the preset the cluster extends. */
  presetSet?: Record<string, unknown>;
  /** Text appended to / replacing the cluster file, or regex replacements in it. */
  append?: string;
  text?: string;
  replace?: [string, string][];
  /** Files to add to the clusters folder: name -> text, or {hex}, {symlink}, {dir}. */
  files?: Record<string, string | { hex?: string; symlink?: string; dir?: true; bytes?: number }>;
  /** An empty clusters folder. */
  empty?: true;
  /** Files to put into the seeded dist/ that synth did not write: path -> text or {symlink}. */
  distFiles?: Record<string, string | { symlink: string }>;
  /** Extra command-line arguments; `{file:name}` is a path beside the dist folder. */
  args?: string[];
  /** Publish to a path below a regular file (the folder cannot be made). */
  distUnderFile?: true;
  exit: number;
  /** The exact problem line ({file}, {preset}, {clusters}, {dist} are substituted). */
  error: string;
  /** How many problem lines the run prints (default 1). */
  problems?: number;
}

export function loadCases(dir: string): Case[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Case[]);
}

const rel = (p: string) => path.relative(process.cwd(), p) || '.';

/** Sets (or with `<delete>` removes) values at field paths of a YAML file, keeping its comments. */
export function edit(file: string, changes: Record<string, unknown> | undefined): void {
  if (!changes) return;
  const doc = parseDocument(fs.readFileSync(file, 'utf8'));
  for (const [at, value] of Object.entries(changes)) {
    const keys = at.match(/"[^"]*"|[^.[\]]+/g)!.map((k) => (k.startsWith('"') ? k.slice(1, -1) : /^\d+$/.test(k) ? Number(k) : k));
    if (value === undefined || value === '<delete>') doc.deleteIn(keys);
    else doc.setIn(keys, value);
  }
  fs.writeFileSync(file, doc.toString());
}

/** A dist/ as an earlier synth left it: marker listing its files, a few files. */
function seedDist(root: string): string {
  const dist = path.join(root, 'dist');
  fs.mkdirSync(path.join(dist, 'scw-ml-prod', 'airflow'), { recursive: true });
  const files = ['scw-ml-prod/airflow/namespace-airflow.yaml', 'arc-staging/buildkit/haproxy.cfg'];
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dist, f)), { recursive: true });
    fs.writeFileSync(path.join(dist, f), `earlier output of ${f}\n`);
  }
  fs.writeFileSync(path.join(dist, MARKER), [
    'Written by `npm run synth`: this folder is replaced on every run. Keep nothing else here.',
    'The files synth wrote (a file not listed here is refused, not deleted):',
    ...files.sort(), ''].join('\n'));
  return dist;
}

/** Every file and link under `dir` with its content (links as their target): what "untouched" means. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const key = path.relative(dir, full);
      if (e.isSymbolicLink()) out[key] = `-> ${fs.readlinkSync(full)}`;
      else if (e.isDirectory()) walk(full);
      else out[key] = fs.readFileSync(full).toString('base64');
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

export interface Outcome {
  exit: number;
  stdout: string[];
  stderr: string[];
  expected: string;
  distBefore: Record<string, string>;
  distAfter: Record<string, string>;
  siblings: string[];
}

export function runCase(c: Case): Outcome {
  const root = tmpDir(`bad-${c.id}`);
  const clusters = path.join(root, 'clusters');
  fs.mkdirSync(clusters);
  let file = '';
  let preset = '';
  if (c.cluster && !c.empty) {
    fs.cpSync(path.join(CLUSTERS_DIR, PRESETS), path.join(clusters, PRESETS), { recursive: true });
    file = path.join(clusters, `${c.cluster}.yaml`);
    fs.copyFileSync(path.join(CLUSTERS_DIR, `${c.cluster}.yaml`), file);
    const ext = /^extends:\s*(\S+)/m.exec(fs.readFileSync(file, 'utf8'))?.[1];
    if (ext) preset = path.join(clusters, PRESETS, `${ext}.yaml`);
    edit(file, c.set);
    if (preset) edit(preset, c.presetSet);
    if (c.text !== undefined) fs.writeFileSync(file, c.text);
    if (c.append) fs.appendFileSync(file, c.append);
    for (const [from, to] of c.replace ?? []) fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(new RegExp(from, 'm'), to));
  }
  for (const [name, spec] of Object.entries(c.files ?? {})) {
    const full = path.join(clusters, name);
    if (typeof spec === 'string') fs.writeFileSync(full, spec);
    else if (spec.hex !== undefined) fs.writeFileSync(full, Buffer.from(spec.hex, 'hex'));
    else if (spec.symlink !== undefined) fs.symlinkSync(spec.symlink, full);
    else if (spec.dir) fs.mkdirSync(full);
    else if (spec.bytes !== undefined) fs.writeFileSync(full, `# ${'x'.repeat(spec.bytes - 3)}\n`);
  }
  let dist = seedDist(root);
  for (const [f, spec] of Object.entries(c.distFiles ?? {})) {
    const full = path.join(dist, f);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    if (typeof spec === 'string') fs.writeFileSync(full, spec);
    else fs.symlinkSync(spec.symlink, full);
  }
  if (c.distUnderFile) {
    fs.writeFileSync(path.join(root, 'a-file'), 'not a folder\n');
    dist = path.join(root, 'a-file', 'dist');
  }
  const distBefore = snapshot(root);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const args = ['--clusters-dir', clusters, '--dist', dist, ...(c.cluster && !c.empty ? ['--cluster', c.cluster] : []), ...(c.args ?? []).map((a) => a.replaceAll('{root}', root))];
  const exit = runSynth(args, { log: (l) => stdout.push(...l.split('\n')), error: (l) => stderr.push(...l.split('\n')) });
  const expected = c.error
    .replaceAll('{file}', rel(file))
    .replaceAll('{preset}', rel(preset))
    .replaceAll('{clusters}', rel(clusters))
    .replaceAll('{dist}', dist)
    .replaceAll('{rootrel}', rel(root))
    .replaceAll('{root}', root);
  const siblings = fs.readdirSync(root).filter((f) => !['clusters', 'dist', 'a-file'].includes(f));
  return { exit, stdout, stderr, expected, distBefore, distAfter: snapshot(root), siblings };
}
