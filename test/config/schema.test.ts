import Ajv2020 from 'ajv/dist/2020';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { SCHEMA_FILE, schemaText } from '../../scripts/schema';
import { builtInClusters, REPO } from '../support/clusters';

describe('exported JSON Schema of the cluster file', () => {
  it('is up to date (run `npm run schema` after changing lib/config)', () => {
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaText());
  });

  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(schemaText()));

  it.each(builtInClusters())('accepts %s and is referenced by its modeline', (name) => {
    const text = fs.readFileSync(path.join(REPO, 'clusters', `${name}.yaml`), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/cluster.schema.json');
    expect(validate(parse(text))).toBe(true);
  });

  it('rejects unknown keys and wrong types, as editors will show', () => {
    expect(validate({ ...parse(fs.readFileSync(path.join(REPO, 'clusters', 'arc-staging.yaml'), 'utf8')), extra: 1 })).toBe(false);
    expect(validate({ name: 'x', provider: 'gcp' })).toBe(false);
  });
});
