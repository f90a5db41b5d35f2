// Reads and validates cluster files. Every problem names the file, the field path, the value and
// the rule, and all problems of all files are reported together.
import * as fs from 'fs';
import * as path from 'path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, Problem, UsageError } from '../core/errors';
import { notARegularFile, parseYaml, readConfigText } from './files';
import { checkProfiles } from './fit';
import { formatPath, parsePath, valueAt } from '../core/paths';
import { checkReferences } from './references';
import { parseConfigText } from './parse';
import type { Cluster } from './schema';

export const CLUSTERS_DIR = path.join(__dirname, '..', '..', 'clusters');

/** Keys the schema allows at `at`, for unknown-key messages (zod is loaded here only on this error path). */
function knownKeys(at: PropertyKey[]): string[] {
  let schema: any = (require('./schema') as typeof import('./schema')).clusterSchema;
  for (const k of at) {
    while (schema?.def?.innerType || schema?.def?.in) schema = schema.def.innerType ?? schema.def.in;
    if (schema?.def?.type === 'object') schema = schema.def.shape[k as string];
    else if (schema?.def?.type === 'array') schema = schema.def.element;
    else if (schema?.def?.type === 'record') schema = schema.def.valueType;
    else return [];
  }
  while (schema?.def?.innerType || schema?.def?.in) schema = schema.def.innerType ?? schema.def.in;
  return schema?.def?.type === 'object' ? Object.keys(schema.def.shape) : [];
}

function issueProblems(cluster: string, file: string, raw: unknown, issues: z.core.$ZodIssue[]): Problem[] {
  return issues.flatMap((issue) => {
    // one problem per unknown key, at the key itself: `compute.poolLabell`, not the whole parent
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        cluster,
        file,
        path: formatPath([...issue.path, key]),
        value: valueAt(raw, [...issue.path, key]),
        rule: `unknown key (known keys: ${knownKeys(issue.path).join(', ')})`,
      }));
    }
    const value = valueAt(raw, issue.path);
    const rule = issue.code === 'invalid_type' && value === undefined ? `required: expected ${issue.expected}` : issue.message;
    return [{ cluster, file, path: formatPath(issue.path), value, rule }];
  });
}

/** Folder (inside the clusters folder) of presets: partial cluster files that clusters extend. */
export const PRESETS = 'presets';

const isPlain = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The preset's values with the cluster's on top: objects merge key by key, anything else (lists too) is replaced. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlain(base) || !isPlain(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/** A preset is named like a cluster: a DNS-1123 label, so `extends` can never leave the presets folder. */
const PRESET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The presets folder next to a cluster file, and the names of the presets in it. */
function presetsOf(file: string): { dir: string; names: string[] } {
  const dir = path.join(path.dirname(file), PRESETS);
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, '')).sort();
  } catch {
    // no presets folder: no presets
  }
  return { dir, names };
}

/** The file of the preset a cluster file extends (`extends: <name>` on a top-level line), if any. */
function presetOf(text: string, file: string): { name: string; file: string } | undefined {
  const name = /^extends:\s*["']?([a-z0-9][-a-z0-9]*)["']?\s*(#.*)?$/m.exec(text)?.[1];
  if (name === undefined || !PRESET_NAME.test(name)) return undefined;
  const { dir } = presetsOf(file);
  const yml = path.join(dir, `${name}.yml`);
  return { name, file: notARegularFile(yml) === undefined ? yml : path.join(dir, `${name}.yaml`) };
}

/** The raw config of a cluster file with its preset applied; `extends` itself is gone. */
export function resolveClusterText(text: string, file: string): unknown {
  const cluster = path.basename(file).replace(/\.ya?ml$/, '');
  const own = parseYaml(text, cluster, file);
  if (!isPlain(own) || own.extends === undefined) return own;
  const refuse = (at: string, value: unknown, rule: string, where = file): never => {
    throw new ConfigError([{ cluster, file: where, path: at, value, rule }]);
  };
  const { dir, names } = presetsOf(file);
  const known = `known: ${names.join(', ') || `none, ${dir}/ has no presets`}`;
  if (typeof own.extends !== 'string' || !PRESET_NAME.test(own.extends))
    refuse('extends', own.extends, `not a preset name: write the name of a preset in ${dir}/, not a path (${known})`);
  const preset = presetOf(text, file);
  if (!preset || preset.name !== own.extends) refuse('extends', own.extends, 'must be written on its own top-level line, `extends: <preset>`');
  const missing = notARegularFile(preset!.file);
  if (missing === 'does not exist') refuse('extends', own.extends, `no preset ${preset!.file} (${known})`);
  const base = parseYaml(readConfigText(preset!.file, cluster, preset!.file), cluster, preset!.file) ?? {}; // an empty preset sets nothing
  if (!isPlain(base)) refuse('', undefined, 'a preset must be a mapping of cluster fields', preset!.file);
  if ((base as Record<string, unknown>).extends !== undefined)
    refuse('extends', (base as Record<string, unknown>).extends, 'a preset cannot extend another preset (one level keeps every value easy to find)', preset!.file);
  const { extends: _, ...rest } = own;
  return deepMerge(base, rest);
}

/**
 * Where a field's value comes from: the cluster file, or the preset it extends when only the
 * preset sets it (or, for a missing field, only the preset sets the object around it). Only
 * called for problems, so re-reading the files costs nothing in a good run.
 */
export function fileOf(file: string, preset: string | undefined, at: string): string {
  if (!preset) return file;
  try {
    const own = parseYaml(readConfigText(file, '', file), '', file);
    const base = parseYaml(readConfigText(preset, '', preset), '', preset);
    for (let keys = parsePath(at); keys.length > 0; keys = keys.slice(0, -1)) {
      if (valueAt(own, keys) !== undefined) return file;
      if (valueAt(base, keys) !== undefined) return preset;
    }
    return file;
  } catch {
    return file;
  }
}

/**
 * Line and column (1-based) in `file` of the key `at` names, or of the nearest enclosing key that
 * the file has (a missing field points at the object that lacks it; a field missing at the top,
 * at the file's first line). Undefined when the file cannot be read as YAML. Only called for
 * problems, so parsing the file again costs a good run nothing.
 */
export function positionOf(file: string, at: string): { line: number; column: number } | undefined {
  try {
    const lineCounter = new LineCounter();
    const doc = parseDocument(readConfigText(file, '', file), { lineCounter });
    let node: unknown = doc.contents;
    let offset: number | undefined;
    for (const key of parsePath(at)) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
        if (!pair) break;
        offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number' && key < node.items.length) {
        node = node.items[key];
        offset = (node as { range?: number[] })?.range?.[0];
      } else break;
    }
    if (offset === undefined) return isMap(doc.contents) ? { line: 1, column: 1 } : undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  } catch {
    return undefined;
  }
}

/** The problem with the position of its key in its file, when it has a file and no position yet (the CLI asks, for annotations and JSON). */
export const withPosition = (p: Problem): Problem =>
  p.file === undefined || p.line !== undefined ? p : { ...p, ...positionOf(p.file, p.path) };

/** Parses one cluster file's text (and the preset it extends); returns the cluster or the problems found. */
export function parseCluster(text: string, file: string): Cluster {
  const expected = path.basename(file).replace(/\.ya?ml$/, '');
  const preset = presetOf(text, file)?.file;
  // only a regular file's text goes into the key: a symlinked preset is refused when it is read
  const presetText = preset && notARegularFile(preset) === undefined ? fs.readFileSync(preset, 'utf8') : undefined;
  // the preset (its path and text, or its absence) is part of the key: changing, adding or
  // removing a preset invalidates the clusters that extend it
  const key = `${text}\0${preset ?? ''}\0${presetText ?? '\0missing'}`;
  const parsed = parseConfigText(key, () => resolveClusterText(text, file));
  const attribute = (problems: Problem[]) => problems.map((p) => ({ ...p, file: fileOf(file, preset, p.path) }));
  if (!('config' in parsed)) throw new ConfigError(attribute(issueProblems(expected, file, parsed.raw, parsed.issues)));
  const config = parsed.config;
  const problems: Problem[] = [];
  if (config.name !== expected) {
    problems.push({ cluster: expected, file, path: 'name', value: config.name, rule: `must equal the file name (${expected})` });
  }
  const references = checkReferences(config, file);
  problems.push(...references);
  // arithmetic on profiles only once every name they use resolves
  if (references.length === 0) problems.push(...checkProfiles(config, file));
  if (problems.length > 0) throw new ConfigError(attribute(problems));
  return { config, file, preset };
}

/** Loads every clusters/*.yaml (or only `only`), sorted by name; throws one ConfigError listing every problem. */
export function loadClusters(dir = CLUSTERS_DIR, only?: string[]): Cluster[] {
  const shown = path.relative(process.cwd(), dir) || '.';
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (e: any) {
    const why = e?.code === 'ENOENT' ? 'no such clusters folder' : e?.code === 'ENOTDIR' ? 'not a folder' : `cannot be read (${e?.code ?? e}): check its permissions`;
    throw new UsageError(`${shown}/: ${why} (the clusters folder holds one <name>.yaml per cluster; see README "Adding a cluster")`);
  }
  const all = entries.filter((f) => /\.ya?ml$/i.test(f)).sort();
  if (all.length === 0) {
    // an empty folder is a mistake (a wrong --clusters-dir, a bad checkout), never "no clusters":
    // publishing nothing would delete every cluster's output
    throw new UsageError(`${shown}/: no cluster files (<name>.yaml) in this folder, nothing synthesized and dist/ left as it was: add a cluster file (see README "Adding a cluster") or pass the right --clusters-dir`);
  }
  const clusters: Cluster[] = [];
  const problems: Problem[] = [];
  const base = (f: string) => f.replace(/\.ya?ml$/i, '');
  const files = all.filter((f) => {
    const why = notARegularFile(path.join(dir, f));
    if (why) problems.push({ cluster: base(f), file: path.join(shown, f), path: '', value: undefined, rule: why });
    return why === undefined;
  });
  const wanted = only && only.length > 0 ? only : undefined;
  // a second file for one cluster is reported, not read: its problems would only be noise
  const unique = files.filter((f, i) => {
    if (files.findIndex((g) => base(g) === base(f)) === i) return true;
    problems.push({ cluster: base(f), file: path.join(shown, f), path: '', value: undefined, rule: `two files for one cluster (${base(f)}.yaml and ${base(f)}.yml): keep one` });
    return false;
  });
  for (const f of unique) {
    if (wanted && !wanted.includes(base(f))) continue;
    const file = path.relative(process.cwd(), path.join(dir, f)) || f;
    try {
      clusters.push(parseCluster(readConfigText(path.join(dir, f), base(f), file), file));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  for (const name of wanted ?? []) {
    if (!clusters.some((c) => c.config.name === name) && !problems.some((p) => p.cluster === name)) {
      const preset = presetsOf(path.join(dir, 'x.yaml')).names.includes(name) ? ' (that is a preset: clusters extend it)' : '';
      problems.push({ cluster: name, path: '', value: name, rule: `no cluster file ${path.join(path.relative(process.cwd(), dir) || '.', `${name}.yaml`)}${preset}` });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return clusters;
}
