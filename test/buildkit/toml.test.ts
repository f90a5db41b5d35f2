// buildkitd.toml read back by a real TOML parser (Python's tomllib, one run for every file):
// what the ConfigMaps hold parses to exactly the model the generator built.
import { spawnSync } from 'child_process';
import { buildkitdToml } from '../../lib/buildkit/arch-pool';
import { fleet } from '../../lib/buildkit/fleet';
import { tool } from '../support/env';
import { PRODUCTION, STAGING, config, objects, raw } from './support';

const python = process.env.PYTHON ?? 'python3';
const itIf = tool(python, ['-c', 'import tomllib'], 'python3 >= 3.11, for tomllib') ? it : it.skip;

const READ = `
import json, sys, tomllib
print(json.dumps([tomllib.loads(text) for text in json.load(sys.stdin)]))
`;

describe('buildkitd.toml', () => {
  itIf('parses (tomllib) to the generator\'s model for every arch of both clusters', () => {
    const cases = [STAGING, PRODUCTION].flatMap((name) =>
      fleet(config(raw(name)).buildkit!).map((a) => ({
        model: buildkitdToml(config(raw(name)).buildkit!, a),
        text: objects(raw(name)).get(`configmap-${a.name}-config.yaml`).data['buildkitd.toml'] as string,
      })),
    );
    const run = spawnSync(python, ['-c', READ], { input: JSON.stringify(cases.map((c) => c.text)), encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(cases.map((c) => c.model));
  });
});
