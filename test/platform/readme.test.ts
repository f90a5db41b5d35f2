// The README's promises that code can check: its two set-up commands, and that the minimal cluster
// it shows really synthesizes.
import * as fs from 'fs';
import * as path from 'path';
import { synthToDist } from '../../lib/output/synth';
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
});
