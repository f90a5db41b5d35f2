// dist/ on disk: read it, and replace it atomically. Everything is staged in a sibling folder and
// swapped in with renames, so a failure at any point leaves the previous dist/ as it was.
//
// What a publish promises, and how:
// - old or new, never half: the new tree is complete in `.dist.next-*` before two renames swap it
//   in; SIGINT/SIGTERM/SIGHUP are held while they run (publishing takes milliseconds). SIGKILL can
//   still land between the two renames; the next run then finds no dist/ but `.dist.old-*/dist`
//   and puts it back before doing anything else.
// - one writer: `dist.lock` holds the writer's PID and start time. A lock whose holder is gone
//   (killed, crashed, or a PID now used by another process) is taken over, so nobody has to
//   delete it by hand.
// - nothing of the user's is deleted: the marker file lists every file synth wrote; a file in
//   dist/ that synth did not write is refused by name unless the caller allows deleting it.
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from '../core/errors';
import type { FileSet } from './render';

/**
 * Marks a folder as synth output and lists the files synth wrote there. publish() replaces only
 * empty folders and folders that carry it, so a mistyped `--dist` can never wipe a folder of other
 * files, and a file missing from its list is one synth did not write.
 */
export const MARKER = '.generated';
const MARKER_HEADER = [
  'Written by `npm run synth`: this folder is replaced on every run. Keep nothing else here.',
  'The files synth wrote (a file not listed here is refused, not deleted):',
];

/** Published output is readable by everyone, like a checkout (a temporary folder starts 0700). */
const DIR_MODE = 0o755;
const FILE_MODE = 0o644;

// DIST_DIR lets tests run the real CLIs (including `npx cdk8s synth`) without touching dist/.
// Read when called, never at import: importing this module has no effect.
export const defaultDist = (): string =>
  process.env.DIST_DIR ? path.resolve(process.env.DIST_DIR) : path.join(__dirname, '..', '..', 'dist');

/** Files below `dir`, '/'-separated; a symbolic link is refused: synth never writes one, and following it could read outside the repository. */
function walk(dir: string, base = dir, out: string[] = []): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e: any) {
    if (e?.code === 'ENOENT' && dir === base) return out;
    throw fsError(e, dir);
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink())
      throw new UsageError(`${full}: a symbolic link inside the generated folder, which synth never writes: remove it (npm run synth writes the real files)`);
    if (entry.isDirectory()) walk(full, base, out);
    else out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out;
}

/** Files under `dir` (relative, '/'-separated) -> content, sorted by path. */
export function readTree(dir: string): FileSet {
  const files: FileSet = new Map();
  for (const f of walk(dir).sort()) {
    if (f === MARKER) continue;
    try {
      files.set(f, fs.readFileSync(path.join(dir, f), 'utf8'));
    } catch (e) {
      throw fsError(e, path.join(dir, f));
    }
  }
  return files;
}

/** The files a marker lists, or undefined for a marker of an older version (no list). */
function markerFiles(dist: string): Set<string> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dist, MARKER), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  if (lines[1] !== MARKER_HEADER[1]) return undefined;
  return new Set(lines.slice(2).filter((l) => l !== ''));
}

const markerText = (files: Iterable<string>): string => `${[...MARKER_HEADER, ...[...files].sort()].join('\n')}\n`;

export function writeTree(dir: string, files: FileSet): void {
  for (const [rel, content] of files) {
    const full = path.join(dir, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true, mode: DIR_MODE });
    fs.writeFileSync(full, content, { mode: FILE_MODE });
  }
}

/** Sets the published modes whatever the umask and mkdtemp did. */
function chmodTree(dir: string): void {
  fs.chmodSync(dir, DIR_MODE);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chmodTree(full);
    else fs.chmodSync(full, FILE_MODE);
  }
}

const FS_ADVICE: Record<string, string> = {
  EACCES: 'permission denied: make it (and its folder) writable by you, or pass --dist DIR',
  EPERM: 'operation not permitted: make it (and its folder) writable by you, or pass --dist DIR',
  EROFS: 'read-only file system: pass --dist DIR on a writable one',
  ENOSPC: 'no space left on the device: free some space and run again',
  EDQUOT: 'disk quota exceeded: free some space and run again',
  ENOTDIR: 'a file stands where a folder is needed: move it away',
  EISDIR: 'a folder stands where a file is needed: move it away',
  EEXIST: 'a file stands where a folder is needed: move it away',
  EMFILE: 'too many open files: raise `ulimit -n` and run again',
};

/** One line for a filesystem failure: the path, what went wrong and what to do. Anything else is rethrown as it was. */
export function fsError(e: any, fallbackPath: string): Error {
  if (e instanceof UsageError || typeof e?.code !== 'string') return e;
  const advice = FS_ADVICE[e.code] ?? `failed (${e.code})`;
  return new UsageError(`${e.path ?? fallbackPath}: ${advice}${FS_ADVICE[e.code] ? ` (${e.code})` : ''}; dist/ was left as it was`);
}

// ---- the lock ---------------------------------------------------------------------------------

interface Holder {
  pid: number;
  /** Start time of the process in clock ticks since boot (/proc/<pid>/stat), when the OS tells. */
  start?: string;
}

/** A process's start time: together with the PID it names one process, even after the PID is reused. */
export function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count fields after its last ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote a lock is still running. */
export function holderAlive(h: Holder): boolean {
  try {
    process.kill(h.pid, 0);
  } catch (e: any) {
    if (e?.code === 'ESRCH') return false;
  }
  // the PID runs: it is our holder unless it started at another time (then the PID was reused)
  const now = startTime(h.pid);
  return h.start === undefined || now === undefined || now === h.start;
}

function parseHolder(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text);
    return Number.isInteger(h?.pid) && h.pid > 0 ? { pid: h.pid, start: typeof h.start === 'string' ? h.start : undefined } : undefined;
  } catch {
    return undefined;
  }
}

const readIfThere = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e: any) {
    if (e?.code === 'ENOENT') return undefined;
    throw e;
  }
};

/** Takes `lock` (created with its content in one step, by link), taking over one whose holder is gone. */
export function acquireLock(lock: string, dist: string): () => void {
  const me: Holder = { pid: process.pid, start: startTime(process.pid) };
  const tmp = `${lock}.${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(me)}\n`);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.linkSync(tmp, lock);
        return () => fs.rmSync(lock, { force: true });
      } catch (e: any) {
        if (e?.code !== 'EEXIST') throw e;
      }
      const text = readIfThere(lock);
      if (text === undefined) continue; // released between our two steps: try again
      const holder = parseHolder(text);
      if (holder && holderAlive(holder))
        throw new UsageError(`${lock}: another synth (pid ${holder.pid}) is writing ${dist}: wait for it to finish`);
      // gone, or a lock no running synth wrote (empty, garbled): take it over unless it just changed
      if (readIfThere(lock) === text) fs.rmSync(lock, { force: true });
    }
    throw new UsageError(`${lock}: could not take the lock (other synths keep taking it): run again`);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

// ---- publishing -------------------------------------------------------------------------------

const HELD_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Runs `fn` with SIGINT/SIGTERM/SIGHUP held: they cannot stop it half-way (it is synchronous and short). */
function withSignalsHeld<T>(fn: () => T): T {
  const hold = () => {};
  for (const s of HELD_SIGNALS) process.on(s, hold);
  try {
    return fn();
  } finally {
    for (const s of HELD_SIGNALS) process.off(s, hold);
  }
}

/** Staging folders of this dist/ (`.dist.next-*`, `.dist.old-*`), left by a run that was killed. */
function leftovers(dist: string): { next: string[]; old: string[] } {
  const dir = path.dirname(dist);
  const prefix = `.${path.basename(dist)}.`;
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith(prefix)) : [];
  const full = (kind: string) => names.filter((f) => f.startsWith(`${prefix}${kind}-`)).map((f) => path.join(dir, f)).sort();
  return { next: full('next'), old: full('old') };
}

/** Under the lock: put back a dist/ a killed run had moved aside, then remove what it left. */
function recover(dist: string, warnings: string[]): void {
  const { next, old } = leftovers(dist);
  if (!fs.existsSync(dist)) {
    const saved = old.map((o) => path.join(o, 'dist')).find((o) => fs.existsSync(path.join(o, MARKER)));
    if (saved) {
      fs.renameSync(saved, dist);
      warnings.push(`${dist} was restored from ${saved}: an earlier synth was killed while swapping it in`);
    }
  }
  for (const folder of [...next, ...old]) {
    try {
      fs.rmSync(folder, { recursive: true, force: true });
    } catch (e: any) {
      warnings.push(`could not delete ${folder} left by an earlier synth (${e?.code ?? e}): delete it by hand`);
    }
  }
}

export interface PublishOptions {
  /** Replace the whole folder (clusters that no longer exist go); otherwise only `clusters`. */
  all?: boolean;
  /** Delete files synth did not write instead of refusing (`--delete-foreign`). */
  deleteForeign?: boolean;
}

/**
 * Publishes `files` as the new content of `clusters` in `dist`. Other clusters' folders are kept
 * (for `--cluster NAME`); with `all`, folders of clusters that no longer exist are removed.
 * Returns warnings (the new output is in place; something around it could not be tidied).
 */
export function publish(files: FileSet, clusters: string[], dist = defaultDist(), opts: PublishOptions = {}): string[] {
  dist = path.resolve(dist);
  const warnings: string[] = [];
  try {
    checkTarget(dist);
    fs.mkdirSync(path.dirname(dist), { recursive: true });
    const release = acquireLock(`${dist}.lock`, dist);
    try {
      withSignalsHeld(() => {
        recover(dist, warnings);
        checkTarget(dist);
        swapIn(files, clusters, dist, opts, warnings);
      });
    } finally {
      release();
    }
  } catch (e) {
    throw fsError(e, dist);
  }
  return warnings;
}

function checkTarget(dist: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(dist);
  } catch {
    return; // nothing there yet
  }
  if (stat.isSymbolicLink()) throw new UsageError(`refusing to publish to ${dist}: it is a symbolic link (pass --dist with the real folder)`);
  if (!stat.isDirectory()) throw new UsageError(`refusing to publish to ${dist}: not a directory`);
  const entries = fs.readdirSync(dist);
  if (entries.length > 0 && !entries.includes(MARKER))
    throw new UsageError(`refusing to replace ${dist}: it is not empty and has no ${MARKER} file, so it is not a folder \`npm run synth\` wrote`);
}

/** Whether `file` (relative to dist/) is replaced by this publish. */
const replaced = (file: string, clusters: string[], all: boolean): boolean => all || clusters.includes(file.split('/')[0]);

function swapIn(files: FileSet, clusters: string[], dist: string, opts: PublishOptions, warnings: string[]): void {
  const all = !!opts.all;
  const existing = fs.existsSync(dist) ? walk(dist).filter((f) => f !== MARKER) : [];
  const written = markerFiles(dist);
  // a marker without a list (an older version wrote it) vouches for everything in its folder
  const foreign = written === undefined ? [] : existing.filter((f) => replaced(f, clusters, all) && !written.has(f) && !files.has(f));
  if (foreign.length > 0 && !opts.deleteForeign) {
    const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? ` and ${foreign.length - 5} more` : '');
    throw new UsageError(`refusing to publish to ${dist}: ${foreign.length} file(s) there were not written by synth (${shown}): move them out of ${path.basename(dist)}/, or pass --delete-foreign to delete them`);
  }
  // what stays of the old output (other clusters with --cluster), and what the new marker lists
  const kept = existing.filter((f) => !replaced(f, clusters, all));
  const listed = [...kept.filter((f) => written === undefined || written.has(f)), ...files.keys()];

  // staging folders of our own, named uniquely beside dist/: nothing that exists is ever deleted
  const base = path.join(path.dirname(dist), `.${path.basename(dist)}`);
  let next: string | undefined = fs.mkdtempSync(`${base}.next-`);
  let old: string | undefined;
  try {
    for (const f of kept) {
      fs.mkdirSync(path.dirname(path.join(next, f)), { recursive: true });
      fs.copyFileSync(path.join(dist, f), path.join(next, f));
    }
    writeTree(next, files);
    fs.writeFileSync(path.join(next, MARKER), markerText(listed));
    chmodTree(next);
    if (fs.existsSync(dist)) {
      old = `${fs.mkdtempSync(`${base}.old-`)}/dist`;
      fs.renameSync(dist, old);
    }
    fs.renameSync(next, dist);
    next = undefined;
  } catch (e) {
    // put the previous output back if the swap itself failed half-way
    if (old && !fs.existsSync(dist)) {
      fs.renameSync(old, dist);
      old = undefined;
    }
    throw e;
  } finally {
    if (next) fs.rmSync(next, { recursive: true, force: true });
  }
  // the new output is in place: failing to tidy up the old one is not a failed synth
  if (old) {
    try {
      fs.rmSync(path.dirname(old), { recursive: true, force: true });
    } catch (e: any) {
      warnings.push(`the previous output could not be deleted (${e?.code ?? e}): delete ${path.dirname(old)} by hand`);
    }
  }
}
