// Schema validation of a cluster config, remembered. Validation is a pure function of the input,
// the schema's source (lib/: the components' props schemas and what they import) and the dependency versions, so a passing
// result is cached by their hash: a repeated synth neither parses YAML nor loads zod (together
// about a fifth of a synth). Failures are never cached, nor is a result JSON cannot carry exactly
// (a YAML-tagged date, say), and a clean checkout (CI) validates everything.
import * as path from 'path';
import type { z } from 'zod';
import { cacheDir, cacheKey, recall, remember, sourceHash } from '../core/cache';
import type { ClusterConfig } from './schema';

const CACHE = cacheDir('config-valid');

/**
 * Every source file the schema can be made of: the cluster schema is composed of the components'
 * props schemas (lib/<component>/props.ts and what they import), so any change under lib/
 * invalidates the cache (a few milliseconds of hashing, against a stale accept of a refused file).
 */
const schemaHash = (): string => sourceHash(path.join(__dirname, '..'));

const cacheFile = (input: string): string => path.join(CACHE, `${cacheKey(schemaHash(), input)}.json`);

/** Plain JSON data only: anything else would not come back from the cache as it went in. */
function isJson(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJson);
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v as object).every((x) => x !== undefined && isJson(x));
  return false;
}

function rememberConfig(file: string, config: ClusterConfig): void {
  if (isJson(config)) remember(file, JSON.stringify(config));
}

/** A remembered config, or undefined: an entry that is not a JSON object (cut short, edited by hand) is a miss and gets rewritten. */
function recallConfig(file: string): ClusterConfig | undefined {
  const text = recall(file);
  if (text === undefined) return undefined;
  try {
    const config = JSON.parse(text);
    return config && typeof config === 'object' && !Array.isArray(config) ? config : undefined;
  } catch {
    return undefined;
  }
}

export type Parsed = { config: ClusterConfig } | { raw: unknown; issues: z.core.$ZodIssue[] };

/** Validates a raw config object against the schema (defaults applied). */
export function parseConfig(raw: unknown): Parsed {
  const file = cacheFile(`object\0${JSON.stringify(raw)}`);
  const known = recallConfig(file);
  if (known) return { config: known };
  // loaded only on a cache miss: zod is the largest module of a synth
  const { clusterSchema } = require('./schema') as typeof import('./schema');
  const parsed = clusterSchema.safeParse(raw);
  if (!parsed.success) return { raw, issues: parsed.error.issues };
  rememberConfig(file, parsed.data);
  return { config: parsed.data };
}

/**
 * Validates the text of a cluster file: `yaml` turns it into a raw object (and reports syntax
 * errors), then parseConfig. A text seen before skips both steps.
 */
/** Where the passing validation of a file's text is remembered (tests corrupt it on purpose). */
export const textCacheFile = (text: string): string => cacheFile(`text\0${text}`);

export function parseConfigText(text: string, toRaw: (text: string) => unknown): Parsed {
  const file = textCacheFile(text);
  const known = recallConfig(file);
  if (known) return { config: known };
  const result = parseConfig(toRaw(text));
  if ('config' in result) rememberConfig(file, result.config);
  return result;
}
