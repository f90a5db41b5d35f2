import Ajv2020 from 'ajv/dist/2020';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { PRESETS } from '../../lib/config/load';
import { schemaFiles } from '../../scripts/schema';
import { builtInClusters, rawCluster, REPO } from '../support/clusters';

const SCHEMA_DIR = path.join(REPO, 'schema');
const files = schemaFiles();
const compile = (name: string) =>
  new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(files.get(path.join(SCHEMA_DIR, name))!));
const full = compile('cluster.schema.json');
const partial = compile('cluster-partial.schema.json');
const preset = compile('preset.schema.json');
const modeline = (text: string) => /^# yaml-language-server: \$schema=(\S+)$/.exec(text.split('\n')[0])?.[1];

describe('exported JSON Schemas of cluster files', () => {
  it('are up to date (run `npm run schema` after changing lib/config)', () => {
    for (const [file, content] of files) expect(fs.readFileSync(file, 'utf8')).toBe(content);
  });

  it.each(builtInClusters())('%s: its modeline names the schema that accepts it, and the merged config passes the full one', (name) => {
    const text = fs.readFileSync(path.join(REPO, 'clusters', `${name}.yaml`), 'utf8');
    const raw = parse(text);
    expect(modeline(text)).toBe(raw.extends ? '../schema/cluster-partial.schema.json' : '../schema/cluster.schema.json');
    expect((raw.extends ? partial : full)(raw)).toBe(true);
    expect(full(rawCluster(name))).toBe(true);
  });

  it('accept every preset as a partial cluster', () => {
    const dir = path.join(REPO, 'clusters', PRESETS);
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      expect(modeline(text)).toBe('../../schema/preset.schema.json');
      expect(preset(parse(text))).toBe(true);
      expect(preset({ ...parse(text), extends: 'other' })).toBe(false);
    }
  });

  it('reject unknown keys and wrong types, as editors will show', () => {
    expect(full({ ...rawCluster('arc-staging'), extra: 1 })).toBe(false);
    expect(full({ name: 'x', provider: 'gcp' })).toBe(false);
    expect(partial({ buildkit: { haproxy: { replicas: 'one' } } })).toBe(false);
    expect(partial({ extends: 'eks-buildkit-farm', monitoring: { grafana: { folder: 'x' } } })).toBe(true);
  });
});
