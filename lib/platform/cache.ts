// Content-hash caches under node_modules/.cache/ (delete them at will). A result is remembered only
// when it passed, under a key made of everything that decides it: the input, our own source where
// it matters, and the exact dependency versions (package-lock.json), so an upgrade of zod, yaml or
// a model package is never answered from an old result.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

export const cacheDir = (name: string): string => path.join(ROOT, 'node_modules', '.cache', name);

let lockfile: string | undefined;
/** Hash of package-lock.json: the exact version of every dependency. */
export function dependencyHash(): string {
  if (lockfile === undefined) {
    let text = '';
    try {
      text = fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8');
    } catch {
      // no lock file: the key then holds no versions (never the case in this repository)
    }
    lockfile = createHash('sha256').update(text).digest('hex');
  }
  return lockfile;
}

export const cacheKey = (...parts: string[]): string => {
  const hash = createHash('sha256').update(dependencyHash());
  for (const part of parts) hash.update('\0').update(part);
  return hash.digest('hex');
};

/** Writes atomically (concurrent runs never read half a file); a read-only checkout just skips it. */
export function remember(file: string, content: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch {
    // not writable: run without the cache
  }
}

export function recall(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
