// Reads and validates cluster files. Every problem names the file, the field path, the value and
// the rule, and all problems of all files are reported together.
import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, Problem } from './errors';
import { checkProfiles } from './fit';
import { formatPath, valueAt } from './paths';
import { checkReferences } from './references';
import { parseConfigText } from './parse';
import type { Cluster } from './schema';

export const CLUSTERS_DIR = path.join(__dirname, '..', '..', 'clusters');

/** Keys the schema allows at `at` (for "did you mean" style messages). */
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

/** Parses one cluster file's text; returns the cluster or the problems found. */
export function parseCluster(text: string, file: string): Cluster {
  const expected = path.basename(file).replace(/\.ya?ml$/, '');
  const parsed = parseConfigText(text, (yamlText) => {
    const doc = parseDocument(yamlText);
    if (doc.errors.length > 0) {
      throw new ConfigError(
        doc.errors.map((e) => ({ cluster: expected, file, path: '', value: undefined, rule: `invalid YAML at line ${e.linePos?.[0].line}: ${e.message.split(' at line')[0]}` })),
      );
    }
    return doc.toJS();
  });
  if (!('config' in parsed)) throw new ConfigError(issueProblems(expected, file, parsed.raw, parsed.issues));
  const config = parsed.config;
  const problems: Problem[] = [];
  if (config.name !== expected) {
    problems.push({ cluster: expected, file, path: 'name', value: config.name, rule: `must equal the file name (${expected})` });
  }
  const references = checkReferences(config, file);
  problems.push(...references);
  // arithmetic on profiles only once every name they use resolves
  if (references.length === 0) problems.push(...checkProfiles(config, file));
  if (problems.length > 0) throw new ConfigError(problems);
  return { config, file };
}

/** Loads every clusters/*.yaml (or only `only`), sorted by name; throws one ConfigError listing every problem. */
export function loadClusters(dir = CLUSTERS_DIR, only?: string[]): Cluster[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new ConfigError([{ cluster: '(all)', path: '', value: dir, rule: 'no such clusters folder' }]);
  }
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const wanted = only && only.length > 0 ? only : undefined;
  const clusters: Cluster[] = [];
  const problems: Problem[] = [];
  for (const f of files) {
    if (wanted && !wanted.includes(f.replace(/\.ya?ml$/, ''))) continue;
    const file = path.relative(process.cwd(), path.join(dir, f)) || f;
    try {
      clusters.push(parseCluster(fs.readFileSync(path.join(dir, f), 'utf8'), file));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  for (const name of wanted ?? []) {
    if (!clusters.some((c) => c.config.name === name) && !problems.some((p) => p.cluster === name)) {
      problems.push({ cluster: name, path: '', value: name, rule: `no cluster file ${path.join(path.relative(process.cwd(), dir) || '.', `${name}.yaml`)}` });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return clusters;
}
