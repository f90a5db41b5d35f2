// Content-hash caches under node_modules/.cache/ (delete them at will). A result is remembered only
// when it passed, under a key made of everything that decides it: the input, our own source where
// it matters, and the exact dependency versions (package-lock.json), so an upgrade of zod, yaml or
// a model package is never answered from an old result.
// Only a source checkout caches (one with its package-lock.json): the installed package has no lock
// file to key dependency versions by, and must not write inside the user's node_modules.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

export const cacheDir = (name: string): string => path.join(ROOT, 'node_modules', '.cache', name);

let lockfile: string | null | undefined;
/** Hash of package-lock.json (the exact version of every dependency); null without one. */
function lockHash(): string | null {
  if (lockfile === undefined) {
    try {
      lockfile = createHash('sha256').update(fs.readFileSync(path.join(ROOT, 'package-lock.json'))).digest('hex');
    } catch {
      lockfile = null;
    }
  }
  return lockfile;
}

/** Hash of package-lock.json: the exact version of every dependency. */
export const dependencyHash = (): string => lockHash() ?? '';

/** Whether caches are used at all: in a source checkout, not in the installed package. */
export const cachingEnabled = (): boolean => lockHash() !== null;

export const cacheKey = (...parts: string[]): string => {
  const hash = createHash('sha256').update(dependencyHash());
  for (const part of parts) hash.update('\0').update(part);
  return hash.digest('hex');
};

const sources = new Map<string, string>();
/**
 * Hash of source files: each path is a file, or a folder whose .ts/.js/.json files are read
 * recursively in name order. Part of a cache key wherever our own code decides the result, so
 * an edit to it is a miss. Computed once per process and set of paths; a missing path hashes as such.
 */
export function sourceHash(...paths: string[]): string {
  const id = paths.join('\0');
  let known = sources.get(id);
  if (known === undefined) {
    const hash = createHash('sha256');
    const add = (p: string): void => {
      let stat: fs.Stats;
      try {
        stat = fs.statSync(p);
      } catch {
        hash.update(`\0missing ${p}`);
        return;
      }
      if (!stat.isDirectory()) {
        hash.update(path.basename(p)).update(fs.readFileSync(p));
        return;
      }
      for (const name of fs.readdirSync(p).sort()) {
        const full = path.join(p, name);
        if (fs.statSync(full).isDirectory() || /\.(ts|js|json)$/.test(name)) add(full);
      }
    };
    paths.forEach(add);
    known = hash.digest('hex');
    sources.set(id, known);
  }
  return known;
}

/** Bytes one cache folder may hold: past it the oldest entries go (a big input once made 98 MB). */
export const CACHE_MAX_BYTES = 16 << 20;
/** An entry larger than this is not worth keeping: validating it again is cheaper than the disk. */
const ENTRY_MAX_BYTES = 1 << 20;

const pruned = new Set<string>();

/** Deletes the oldest entries of `dir` until it holds at most `max` bytes. */
export function prune(dir: string, max = CACHE_MAX_BYTES): void {
  try {
    const entries = fs.readdirSync(dir).map((name) => {
      const full = path.join(dir, name);
      const { size, mtimeMs } = fs.statSync(full);
      return { full, size, mtimeMs };
    });
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    for (const e of entries.sort((a, b) => a.mtimeMs - b.mtimeMs)) {
      if (total <= max) break;
      fs.rmSync(e.full, { force: true });
      total -= e.size;
    }
  } catch {
    // a cache that cannot be listed is a cache we do not use
  }
}

/** Writes atomically (concurrent runs never read half a file); a read-only checkout just skips it. */
export function remember(file: string, content: string): void {
  if (!cachingEnabled() || Buffer.byteLength(content) > ENTRY_MAX_BYTES) return;
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch {
    // not writable: run without the cache
  }
  // once per folder and process, and only when something new was written: a warm run never lists
  if (!pruned.has(dir)) {
    pruned.add(dir);
    prune(dir);
  }
}

export function recall(file: string): string | undefined {
  if (!cachingEnabled()) return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
