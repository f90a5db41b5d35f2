// The README's promises that code can check: its two set-up commands, and that the cluster files
// it shows (the minimal one, a farm extending the preset) really synthesize.
import * as fs from 'fs';
import * as path from 'path';
import { synthToDist } from '../../lib/pipeline/synth';
import { CLUSTERS_DIR, PRESETS } from '../../lib/config/load';
import { clustersDir, REPO, tmpDir } from '../support/clusters';

const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');

describe('README', () => {
  it('opens with exactly the two set-up commands', () => {
    const first = /```sh\n([\s\S]*?)```/.exec(readme)![1];
    expect(first.trim().split('\n')).toEqual(['npm ci && npm run synth', 'npm test']);
    expect(readme.indexOf('```sh')).toBeLessThan(readme.indexOf('\n## '));
  });

  it('shows a minimal cluster that synthesizes', () => {
    const section = readme.slice(readme.indexOf('## Adding a cluster'));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)![1];
    const name = /^name: (.+)$/m.exec(example)![1];
    const dist = tmpDir('dist');
    const { files } = synthToDist({ clustersDir: clustersDir({ [name]: example }), dist });
    expect([...files.keys()].every((f) => f.startsWith(`${name}/`))).toBe(true);
    expect(fs.readdirSync(dist).filter((f) => !f.startsWith('.'))).toEqual([name]);
  });

  it('shows a new BuildKit farm that is a short file extending the preset, and synthesizes', () => {
    const section = readme.slice(readme.indexOf('## Adding a cluster'));
    const example = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1].replace(/^ {2}/gm, '')).find((y) => /^extends:/m.test(y))!;
    const name = /^name: (.+)$/m.exec(example)![1];
    const dir = clustersDir({ [name]: example });
    fs.cpSync(path.join(CLUSTERS_DIR, PRESETS), path.join(dir, PRESETS), { recursive: true });
    const { files } = synthToDist({ clustersDir: dir, dist: tmpDir('dist') });
    expect(files.has(`${name}/buildkit/haproxy.cfg`)).toBe(true);
    expect([...files.keys()].some((f) => f.startsWith(`${name}/buildkit/scaledobject-`))).toBe(true);
    expect(example.trim().split('\n').length).toBeLessThan(15);
  });
});
