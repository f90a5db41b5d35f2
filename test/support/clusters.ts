// Helpers to test with variations of the built-in cluster files without touching clusters/.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { CLUSTERS_DIR, resolveClusterText } from '../../lib/config/load';

export const REPO = path.join(__dirname, '..', '..');

/** The raw (unvalidated) content of a built-in cluster file, with the preset it extends applied. */
export function rawCluster(name: string): any {
  const file = path.join(CLUSTERS_DIR, `${name}.yaml`);
  return resolveClusterText(fs.readFileSync(file, 'utf8'), file);
}

export const builtInClusters = (): string[] =>
  fs.readdirSync(CLUSTERS_DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort();

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** A temporary clusters/ folder holding the given raw configs (name -> object or YAML text). */
export function clustersDir(configs: Record<string, unknown>): string {
  const dir = tmpDir('clusters');
  for (const [name, config] of Object.entries(configs)) {
    fs.writeFileSync(path.join(dir, `${name}.yaml`), typeof config === 'string' ? config : stringify(config));
  }
  return dir;
}

/** Sets `value` at a dotted path ("a.b[0].c") of a raw config, returning the config. */
export function setPath<T>(obj: T, at: string, value: unknown): T {
  const keys = at.match(/[^.[\]]+/g)!;
  let o: any = obj;
  for (const k of keys.slice(0, -1)) o = o[k];
  const last = keys[keys.length - 1];
  if (value === undefined) delete o[last];
  else o[last] = value;
  return obj;
}
