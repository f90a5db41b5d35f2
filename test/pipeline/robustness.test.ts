// Faults around the pipeline rather than in a config: caches, modes, links, filesystem errors.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseConfigText } from '../../lib/config/parse';
import { textCacheFile } from '../../lib/config/parse';
import { resolveClusterText, CLUSTERS_DIR } from '../../lib/config/load';
import { fsError, publish, readTree } from '../../lib/pipeline/dist';
import { UsageError } from '../../lib/core/errors';
import { prune, remember } from '../../lib/core/cache';
import { REPO, tmpDir } from '../support/clusters';

describe('the validation cache', () => {
  const file = path.join(CLUSTERS_DIR, 'arc-staging.yaml');
  // a text no other test uses, so its cache entry is this test's own
  const text = `${fs.readFileSync(file, 'utf8')}\n# robustness test ${process.pid}\n`;
  const toRaw = (t: string) => resolveClusterText(t, file);

  it.each([['cut short', '{"name": "arc-sta'], ['not an object', '[]'], ['empty', '']])('treats an entry %s as a miss and rewrites it', (_, junk) => {
    expect('config' in parseConfigText(text, toRaw)).toBe(true);
    const entry = textCacheFile(text);
    fs.writeFileSync(entry, junk);
    const again = parseConfigText(text, toRaw);
    expect('config' in again && again.config.name).toBe('arc-staging');
    expect(JSON.parse(fs.readFileSync(entry, 'utf8')).name).toBe('arc-staging');
  });

  it('is capped: the oldest entries go once a folder holds more than its limit', () => {
    const dir = tmpDir('cache');
    for (let i = 0; i < 10; i++) {
      const f = path.join(dir, `entry-${i}`);
      fs.writeFileSync(f, 'x'.repeat(1000));
      fs.utimesSync(f, 1000 + i, 1000 + i); // entry-0 is the oldest
    }
    prune(dir, 4500);
    expect(fs.readdirSync(dir).sort()).toEqual(['entry-6', 'entry-7', 'entry-8', 'entry-9']);
  });

  it('never keeps an entry larger than 1 MiB', () => {
    const dir = tmpDir('cache');
    remember(path.join(dir, 'big'), 'x'.repeat((1 << 20) + 1));
    remember(path.join(dir, 'small'), 'x');
    expect(fs.readdirSync(dir)).toEqual(['small']);
  });
});

describe('published output', () => {
  it('is readable by everyone: folders 0755, files 0644, whatever the umask', () => {
    const dist = path.join(tmpDir('modes'), 'dist');
    const old = process.umask(0o077);
    try {
      publish(new Map([['c/x/a.yaml', 'a: 1\n']]), ['c'], dist, { all: true });
    } finally {
      process.umask(old);
    }
    const mode = (p: string) => (fs.statSync(path.join(dist, p)).mode & 0o777).toString(8);
    expect([mode('.'), mode('c'), mode('c/x'), mode('c/x/a.yaml'), mode('.generated')]).toEqual(['755', '755', '755', '644', '644']);
  });

  it('npm run diff refuses a symbolic link in dist/ in one line, without reading through it', () => {
    const dist = path.join(tmpDir('diff-link'), 'dist');
    publish(new Map([['arc-staging/x.yaml', 'a: 1\n']]), ['arc-staging'], dist, { all: true });
    fs.symlinkSync('/etc/passwd', path.join(dist, 'arc-staging', 'passwd.yaml'));
    expect(() => readTree(dist)).toThrow(UsageError);
    const run = spawnSync(process.execPath, ['-r', './scripts/register.js', 'scripts/diff.ts', '--dist', dist, '--cluster', 'arc-staging'], { cwd: REPO, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([`${dist}/arc-staging/passwd.yaml: a symbolic link inside the generated folder, which synth never writes: remove it (npm run synth writes the real files)`]);
    expect(run.stdout + run.stderr).not.toMatch(/root:x:0/);
  });

  it.each([
    ['EACCES', 'permission denied: make it (and its folder) writable by you, or pass --dist DIR (EACCES)'],
    ['EPERM', 'operation not permitted: make it (and its folder) writable by you, or pass --dist DIR (EPERM)'],
    ['ENOSPC', 'no space left on the device: free some space and run again (ENOSPC)'],
    ['EROFS', 'read-only file system: pass --dist DIR on a writable one (EROFS)'],
  ])('turns %s into one line naming the path and what to do', (code, advice) => {
    const e = Object.assign(new Error(`${code}: raw message`), { code, path: '/x/dist/.dist.next-1' });
    const err = fsError(e, '/x/dist');
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(`/x/dist/.dist.next-1: ${advice}; dist/ was left as it was`);
  });

  it('reports a real permission failure that way: synth into a folder the user cannot write', () => {
    const dir = tmpDir('ro');
    fs.chmodSync(dir, 0o555);
    // root writes through any mode: run the real CLI as an unprivileged user then
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const canRead = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(path.join(REPO, 'main.ts'))})`], asUser).status === 0;
    if (!canRead) {
      // a checkout inside a private home folder: the unprivileged user cannot even start the CLI
      console.warn('skipped: the checkout is not readable by an unprivileged user (the errno mapping is tested above)');
      return;
    }
    const run = spawnSync(process.execPath, ['-r', './scripts/register.js', 'main.ts', '--cluster', 'arc-staging', '--dist', path.join(dir, 'dist')],
      { cwd: REPO, encoding: 'utf8', ...asUser });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n').filter((l) => !l.startsWith('warning:'))).toEqual([
      `${path.join(dir, 'dist')}.lock.${run.pid}: permission denied: make it (and its folder) writable by you, or pass --dist DIR (EACCES); dist/ was left as it was`,
    ]);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
