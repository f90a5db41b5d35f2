// What an editor shows (the JSON Schemas in schema/, through the yaml-language-server modeline)
// and what synth refuses agree: the bad-input cases' files are fed to both. Rules JSON Schema
// cannot express (zod refinements: plausible quantities, cross-field checks) are the only
// refusals an editor may miss, and no file the editor flags is accepted by synth.
import Ajv2020 from 'ajv/dist/2020';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../../lib/core/errors';
import { CLUSTERS_DIR, loadClusters, PRESETS, resolveClusterText } from '../../lib/config/load';
import { parseConfig } from '../../lib/config/parse';
import { formatPath } from '../../lib/core/paths';
import { Case, edit as setIn, loadCases } from '../bad-inputs/run';
import { REPO, tmpDir } from '../support/clusters';

const schema = (name: string) => JSON.parse(fs.readFileSync(path.join(REPO, 'schema', name), 'utf8'));
const full = new Ajv2020({ strict: false, allErrors: true }).compile(schema('cluster.schema.json'));

/** The case's cluster file (and preset) written as the bad-input runner writes them; undefined for cases about files, folders and arguments. */
function caseFile(c: Case): string | undefined {
  if (!c.cluster || c.empty || c.files || c.args || c.distFiles || c.distUnderFile) return undefined;
  if (!c.set && !c.presetSet && c.text === undefined && !c.append && !c.replace) return undefined;
  const dir = tmpDir(`editor-${c.id}`);
  fs.cpSync(path.join(CLUSTERS_DIR, PRESETS), path.join(dir, PRESETS), { recursive: true });
  const file = path.join(dir, `${c.cluster}.yaml`);
  fs.copyFileSync(path.join(CLUSTERS_DIR, `${c.cluster}.yaml`), file);
  setIn(file, c.set);
  const ext = /^extends:\s*(\S+)/m.exec(fs.readFileSync(file, 'utf8'))?.[1];
  if (ext) setIn(path.join(dir, PRESETS, `${ext}.yaml`), c.presetSet);
  if (c.text !== undefined) fs.writeFileSync(file, c.text);
  if (c.append) fs.appendFileSync(file, c.append);
  for (const [from, to] of c.replace ?? []) fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(new RegExp(from, 'm'), to));
  return file;
}

/** The JSON Schema's complaints as field paths (an unknown or missing key named at the key). */
function schemaPaths(raw: unknown): string[] {
  if (full(raw)) return [];
  return full.errors!.map((e) => {
    const keys: PropertyKey[] = e.instancePath.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~')).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    if (e.keyword === 'additionalProperties') keys.push((e.params as { additionalProperty: string }).additionalProperty);
    if (e.keyword === 'required') keys.push((e.params as { missingProperty: string }).missingProperty);
    return formatPath(keys);
  });
}

const cases = loadCases(path.join(REPO, 'test', 'bad-inputs', 'cases'))
  .map((c) => ({ c, file: caseFile(c) }))
  .filter((x): x is { c: Case; file: string } => x.file !== undefined);

describe('editors and synth agree on the bad-input files', () => {
  let shapeErrors = 0;

  it.each(cases.map(({ c, file }) => [c.id, c, file] as const))('%s', (_id, c, file) => {
    let raw: unknown;
    try {
      raw = resolveClusterText(fs.readFileSync(file, 'utf8'), file);
    } catch (e) {
      // not YAML, or a preset that cannot be read: the editor's YAML parser flags it, synth refuses it
      expect(e).toBeInstanceOf(ConfigError);
      return;
    }
    const parsed = parseConfig(raw);
    const issues = 'issues' in parsed ? parsed.issues : [];
    // the issues JSON Schema can express: types, enums, bounds, patterns, unknown and missing keys
    const shape = issues.filter((i) => i.code !== 'custom').flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys.map((k) => formatPath([...i.path, k])) : [formatPath(i.path)]));
    const editor = schemaPaths(raw);
    for (const p of shape) expect(editor.some((e) => e === p || e.startsWith(`${p}.`) || e.startsWith(`${p}[`))).toBe(true);
    if (shape.length > 0) shapeErrors++;
    // what the editor flags, synth refuses (at that field, or the file as a whole)
    if (editor.length > 0) {
      let refused: ConfigError | undefined;
      try {
        loadClusters(path.dirname(file), [c.cluster!]);
      } catch (e) {
        refused = e as ConfigError;
      }
      expect(refused).toBeInstanceOf(ConfigError);
      expect(refused!.problems.some((p) => editor.some((e) => e === p.path || e.startsWith(p.path) || p.path.startsWith(e)))).toBe(true);
    }
  });

  afterAll(() => {
    // the comparison is about something: 15 of the value cases are shape errors both must see
    expect(shapeErrors).toBeGreaterThanOrEqual(10);
  });
});
