// cache-cleanup.sh, the BuildKit pods' init step, run for real (sh, ls, grep, mv, rm) against a
// temporary cache root and a stand-in for the kubelet's pods directory.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CACHE_CLEANUP_SCRIPT } from '../../lib/buildkit/pod-scripts';
import { tmpDir } from '../support/clusters';

const uid = (n: number) => `0000000${n}-aaaa-4bbb-8ccc-00000000000${n}`;

describe('cache-cleanup.sh', () => {
  let dir: string;
  let root: string;
  let pods: string;
  let script: string;

  beforeEach(() => {
    dir = tmpDir('cache-cleanup');
    root = path.join(dir, 'cache');
    pods = path.join(dir, 'kubelet-pods');
    script = path.join(dir, 'cache-cleanup.sh');
    fs.mkdirSync(root);
    fs.mkdirSync(pods);
    fs.writeFileSync(script, CACHE_CLEANUP_SCRIPT, { mode: 0o555 });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A pod's cache with one file in it, last modified `age` seconds ago. */
  function cache(name: string, age: number, alive = false): void {
    fs.mkdirSync(path.join(root, name));
    fs.writeFileSync(path.join(root, name, 'layer'), name);
    const t = Date.now() / 1000 - age;
    fs.utimesSync(path.join(root, name), t, t);
    if (alive) fs.mkdirSync(path.join(pods, name));
  }

  const run = (self: string) => spawnSync('sh', [script, root, pods, self], { encoding: 'utf8' });
  const listing = () => fs.readdirSync(root).sort();

  it('adopts the newest orphan as the new pod\'s cache, removes the other orphans, keeps live pods\' caches', () => {
    cache(uid(1), 300); // orphan, older
    cache(uid(2), 60); // orphan, newest
    cache(uid(3), 10, true); // a live (or draining) pod on this node
    cache(uid(4), 5, true);
    const self = uid(9);
    fs.mkdirSync(path.join(pods, self));
    const out = run(self);
    expect(out.status).toBe(0);
    expect(listing()).toEqual([uid(3), uid(4), self].sort());
    // the adopted directory is the newest orphan's, contents and all
    expect(fs.readFileSync(path.join(root, self, 'layer'), 'utf8')).toBe(uid(2));
    expect(fs.readFileSync(path.join(root, uid(3), 'layer'), 'utf8')).toBe(uid(3));
    expect(out.stdout).toMatch(new RegExp(`adopted the cache of gone pod ${uid(2)}`));
    expect(out.stdout).toMatch(new RegExp(`removing the cache of gone pod ${uid(1)}`));
  });

  it('starts cold when there is no orphan, and leaves directories it did not create alone', () => {
    cache(uid(3), 10, true);
    fs.mkdirSync(path.join(pods, uid(9)));
    fs.mkdirSync(path.join(root, 'buildkitd-amd64-7d9f-abcde')); // a cache named the old way (by pod name)
    const out = run(uid(9));
    expect(out.status).toBe(0);
    expect(listing()).toEqual([uid(3), uid(9), 'buildkitd-amd64-7d9f-abcde'].sort());
    expect(fs.readdirSync(path.join(root, uid(9)))).toEqual([]);
    expect(out.stdout).toMatch(/starting cold/);
  });

  it('keeps its own cache on a container restart and still removes orphans', () => {
    cache(uid(9), 100, true);
    cache(uid(1), 50);
    const out = run(uid(9));
    expect(out.status).toBe(0);
    expect(listing()).toEqual([uid(9)]);
    expect(fs.readFileSync(path.join(root, uid(9), 'layer'), 'utf8')).toBe(uid(9));
  });

  it('never lets two pods starting together share or half-delete an orphan', () => {
    for (let i = 1; i <= 6; i++) cache(uid(i), 100 * i);
    const a = uid(8);
    const b = uid(9);
    // the kubelet creates a pod's directory before it starts the pod's containers
    for (const self of [a, b]) fs.mkdirSync(path.join(pods, self));
    // both at once, as two pods scheduled together on a node
    const both = [a, b].map((self) => new Promise<number>((resolve) =>
      require('child_process').spawn('sh', [script, root, pods, self]).on('exit', resolve)));
    return Promise.all(both).then((codes) => {
      expect(codes).toEqual([0, 0]);
      expect(listing()).toEqual([a, b].sort());
      // each adopted a whole orphan (one file, untouched) or started cold; never the same one
      const contents = [a, b].map((self) => fs.readdirSync(path.join(root, self)).map((f) => fs.readFileSync(path.join(root, self, f), 'utf8')));
      for (const c of contents) expect(c.length).toBeLessThanOrEqual(1);
      const adopted = contents.flat();
      expect(new Set(adopted).size).toBe(adopted.length);
    });
  });
});
