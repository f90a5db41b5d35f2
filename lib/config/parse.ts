// Schema validation of a cluster config, remembered. Validation is a pure function of the input and
// of the schema's source (everything under lib/config/), so a passing result is cached by their
// hash: a repeated synth neither parses YAML nor loads zod (together about a fifth of a synth).
// Failures are never cached, and a clean checkout (CI) validates everything.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { z } from 'zod';
import type { ClusterConfig } from './schema';

const CACHE = path.join(__dirname, '..', '..', 'node_modules', '.cache', 'config-valid');

let schemaSource: string | undefined;
/** Hash of every source file of the schema (this folder): any change to it invalidates the cache. */
function schemaHash(): string {
  if (schemaSource === undefined) {
    const hash = createHash('sha256');
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.[jt]s$/.test(entry.name)) hash.update(entry.name).update(fs.readFileSync(full));
      }
    };
    walk(__dirname);
    schemaSource = hash.digest('hex');
  }
  return schemaSource;
}

function cacheFile(input: string): string {
  return path.join(CACHE, `${createHash('sha256').update(schemaHash()).update(input).digest('hex')}.json`);
}

function remember(file: string, config: ClusterConfig): void {
  try {
    fs.mkdirSync(CACHE, { recursive: true });
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(config));
    fs.renameSync(tmp, file);
  } catch {
    // read-only checkout: validate every time
  }
}

function recall(file: string): ClusterConfig | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

export type Parsed = { config: ClusterConfig } | { raw: unknown; issues: z.core.$ZodIssue[] };

/** Validates a raw config object against the schema (defaults applied). */
export function parseConfig(raw: unknown): Parsed {
  const file = cacheFile(`object\0${JSON.stringify(raw)}`);
  const known = recall(file);
  if (known) return { config: known };
  // loaded only on a cache miss: zod is the largest module of a synth
  const { clusterSchema } = require('./schema') as typeof import('./schema');
  const parsed = clusterSchema.safeParse(raw);
  if (!parsed.success) return { raw, issues: parsed.error.issues };
  remember(file, parsed.data);
  return { config: parsed.data };
}

/**
 * Validates the text of a cluster file: `yaml` turns it into a raw object (and reports syntax
 * errors), then parseConfig. A text seen before skips both steps.
 */
export function parseConfigText(text: string, toRaw: (text: string) => unknown): Parsed {
  const file = cacheFile(`text\0${text}`);
  const known = recall(file);
  if (known) return { config: known };
  const result = parseConfig(toRaw(text));
  if ('config' in result) remember(file, result.config);
  return result;
}
