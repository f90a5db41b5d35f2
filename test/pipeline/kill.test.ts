// A synth killed at any moment (SIGKILL, SIGINT, SIGTERM) leaves dist/ either as it was or
// completely new, and the next synth succeeds without anyone deleting a lock or a folder.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readTree } from '../../lib/pipeline/dist';
import { clustersDir, rawCluster, REPO, setPath, tmpDir } from '../support/clusters';

const synth = (clusters: string, dist: string) =>
  spawnSync(process.execPath, ['-r', './scripts/register.js', 'main.ts', '--clusters-dir', clusters, '--dist', dist], { cwd: REPO, encoding: 'utf8' });

/** Two versions of one cluster whose outputs differ, so "old" and "new" can be told apart. */
function versions() {
  const a = clustersDir({ 'arc-staging': rawCluster('arc-staging') });
  const b = clustersDir({ 'arc-staging': setPath(rawCluster('arc-staging'), 'namespaces[1].podSecurity', 'restricted') });
  return { a, b };
}

// a deterministic spread of kill times over a whole synth (about 0.3-1 s here), and signals
const RUNS = 30;
const SIGNALS: NodeJS.Signals[] = ['SIGKILL', 'SIGINT', 'SIGTERM'];

function killAfter(clusters: string, dist: string, ms: number, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', './scripts/register.js', 'main.ts', '--clusters-dir', clusters, '--dist', dist], { cwd: REPO, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill(signal), ms);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('a synth killed at a random moment', () => {
  it(`leaves dist/ old or new, and the next synth succeeds (${RUNS} kills)`, async () => {
    const { a, b } = versions();
    const ref = tmpDir('kill-ref');
    expect(synth(a, path.join(ref, 'a')).status).toBe(0);
    expect(synth(b, path.join(ref, 'b')).status).toBe(0);
    const trees = { a: readTree(path.join(ref, 'a')), b: readTree(path.join(ref, 'b')) };
    expect(trees.a).not.toEqual(trees.b);

    // two lanes at once (two cores); each lane alternates a -> b -> a on its own dist/
    const lane = async (id: number) => {
      const root = tmpDir(`kill-${id}`);
      const dist = path.join(root, 'dist');
      fs.cpSync(path.join(ref, 'a'), dist, { recursive: true });
      let current: 'a' | 'b' = 'a';
      for (let i = id; i < RUNS; i += 2) {
        const next: 'a' | 'b' = current === 'a' ? 'b' : 'a';
        // spread over the whole run, denser near its end where publishing happens
        const ms = Math.round(150 + ((i * 7919) % 900) * (i % 3 === 0 ? 0.3 : 1));
        await killAfter(next === 'a' ? a : b, dist, ms, SIGNALS[i % SIGNALS.length]);
        const after = readTree(dist);
        const state = JSON.stringify(after) === JSON.stringify(trees[current]) ? current
          : JSON.stringify(after) === JSON.stringify(trees[next]) ? next : 'broken';
        expect(`${i}: ${state}`).not.toBe(`${i}: broken`);
        // the next synth needs no help: no lock to delete, no leftovers in the way
        const again = synth(next === 'a' ? a : b, dist);
        expect(again.stderr.split('\n').filter((l) => /lock|another synth/.test(l))).toEqual([]);
        expect(again.status).toBe(0);
        expect(readTree(dist)).toEqual(trees[next]);
        expect(fs.readdirSync(root)).toEqual(['dist']);
        current = next;
      }
    };
    await Promise.all([lane(0), lane(1)]);
  }, 120000);
});
