// dist/ on disk: read it, and replace it atomically. Everything is staged in a sibling folder and
// swapped in with renames, so a failure at any point leaves the previous dist/ as it was.
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from './args';
import type { FileSet } from './render';

/**
 * Marks a folder as synth output. publish() replaces only empty folders and folders that carry
 * it, so a mistyped `--dist` can never wipe a folder of other files.
 */
export const MARKER = '.generated';
const MARKER_TEXT = 'Written by `npm run synth`: this folder is replaced on every run. Keep nothing else here.\n';

// DIST_DIR lets tests run the real CLIs (including `npx cdk8s synth`) without touching dist/.
export const DIST = process.env.DIST_DIR ? path.resolve(process.env.DIST_DIR) : path.join(__dirname, '..', '..', 'dist');

function walk(dir: string, base = dir, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, base, out);
    else out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out;
}

/** Files under `dir` (relative, '/'-separated) -> content, sorted by path. */
export function readTree(dir: string): FileSet {
  const files: FileSet = new Map();
  for (const f of walk(dir).sort()) if (f !== MARKER) files.set(f, fs.readFileSync(path.join(dir, f), 'utf8'));
  return files;
}

export function writeTree(dir: string, files: FileSet): void {
  for (const [rel, content] of files) {
    const full = path.join(dir, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
}

/**
 * Publishes `files` as the new content of `clusters` in `dist`. Other clusters' folders are kept
 * (for `--cluster NAME`); when `all` is set, folders of clusters that no longer exist are removed.
 */
export function publish(files: FileSet, clusters: string[], dist = DIST, all = false): void {
  dist = path.resolve(dist);
  if (fs.existsSync(dist)) {
    if (!fs.statSync(dist).isDirectory()) throw new UsageError(`refusing to publish to ${dist}: not a directory`);
    const entries = fs.readdirSync(dist);
    if (entries.length > 0 && !entries.includes(MARKER))
      throw new UsageError(`refusing to replace ${dist}: it is not empty and has no ${MARKER} file, so it is not a folder \`npm run synth\` wrote`);
  }
  // one writer at a time: a second synth into the same folder waits for nobody, it stops
  const lock = `${dist}.lock`;
  let fd: number;
  try {
    fd = fs.openSync(lock, 'wx');
  } catch (e: any) {
    if (e?.code !== 'EEXIST') throw e;
    throw new UsageError(`another synth is writing ${dist} (if none is running, delete ${lock})`);
  }
  // staging folders of our own, named uniquely beside dist/: nothing that exists is ever deleted
  const base = path.join(path.dirname(dist), `.${path.basename(dist)}`);
  let next: string | undefined;
  let old: string | undefined;
  try {
    next = fs.mkdtempSync(`${base}.next-`);
    if (!all && fs.existsSync(dist)) {
      for (const entry of fs.readdirSync(dist)) {
        if (!clusters.includes(entry)) fs.cpSync(path.join(dist, entry), path.join(next, entry), { recursive: true });
      }
    }
    writeTree(next, files);
    fs.writeFileSync(path.join(next, MARKER), MARKER_TEXT);
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
    if (old) fs.rmSync(path.dirname(old), { recursive: true, force: true });
    fs.closeSync(fd);
    fs.rmSync(lock, { force: true });
  }
}
