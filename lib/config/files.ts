// Reading the files a user gives us: cluster files, presets. A cluster file is data from a pull
// request, so it is read as untrusted: only regular files inside the clusters folder (a symlink could
// point at /proc/self/environ and its content would end up in an error or a diff), strict UTF-8,
// bounded size, YAML with no unknown tags, no alias bombs, no keys that JavaScript treats specially.
// Every failure is a Problem naming the file, never a stack trace.
import * as fs from 'fs';
import { isCollection, isScalar, parseDocument, visit } from 'yaml';
import { ConfigError, Problem } from '../core/errors';

/** A cluster file is a page of YAML: anything this large is a mistake (or an attack). */
export const MAX_FILE_BYTES = 1 << 20;
/** YAML aliases a file may use: presets and anchors need a handful, an alias bomb needs thousands. */
export const MAX_ALIASES = 100;

type Refuse = (rule: string, value?: unknown) => never;

const refuser = (cluster: string, file: string): Refuse => (rule, value) => {
  throw new ConfigError([{ cluster, file, path: '', value, rule }]);
};

/**
 * Why `full` cannot be a config file, or undefined when it is a regular file. Uses lstat: a symlink
 * is refused whatever it points at, and a dangling one (an editor's `.#x.yaml` lock) does not throw.
 */
export function notARegularFile(full: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(full);
  } catch (e: any) {
    return e?.code === 'ENOENT' ? 'does not exist' : `cannot be read (${e?.code ?? e}): check its permissions`;
  }
  if (stat.isSymbolicLink()) return 'is a symbolic link: config files must be regular files inside the repository (copy the file instead of linking it; an editor lock file such as .#x.yaml goes away when the editor saves)';
  if (stat.isDirectory()) return 'is a directory, not a cluster file: rename it so it does not end in .yaml/.yml';
  if (!stat.isFile()) return 'is not a regular file: remove it from the folder';
  if (stat.size > MAX_FILE_BYTES) return `is ${stat.size} bytes, more than the ${MAX_FILE_BYTES} a config file may have`;
  return undefined;
}

/** The text of a config file: a regular file, valid UTF-8 (the line of the first bad byte is named). */
export function readConfigText(full: string, cluster: string, file: string): string {
  const refuse = refuser(cluster, file);
  const why = notARegularFile(full);
  if (why) refuse(why);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(full);
  } catch (e: any) {
    return refuse(`cannot be read (${e?.code ?? e}): check its permissions`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const line = lineOfBadByte(bytes);
    return refuse(`is not valid UTF-8 (first bad byte on line ${line}): save the file as UTF-8`);
  }
}

function lineOfBadByte(bytes: Buffer): number {
  let line = 1;
  for (let i = 0, start = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return line;
}

/** Keys that would change an object's prototype or shadow its methods once the YAML is an object. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses YAML text strictly: syntax errors, the parser's warnings (an unknown tag such as
 * `!!python/object` would otherwise be dropped silently), non-scalar or special keys, merge keys
 * and more than MAX_ALIASES aliases are all problems, each with its line.
 */
export function parseYaml(text: string, cluster: string, file: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, merge: false });
  const problems: Problem[] = [];
  const at = (line: number | undefined, rule: string) =>
    problems.push({ cluster, file, path: '', value: undefined, rule: `invalid YAML at line ${line ?? '?'}: ${rule}` });
  const lineOf = (offset: number | undefined): number | undefined =>
    offset === undefined ? undefined : text.slice(0, offset).split('\n').length;
  for (const e of [...doc.errors, ...doc.warnings]) at(e.linePos?.[0].line, e.message.split(' at line')[0]);
  let aliases = 0;
  visit(doc, {
    Pair(_, pair) {
      const key = pair.key;
      const line = lineOf((key as any)?.range?.[0]);
      if (key !== null && !isScalar(key)) at(line, `keys must be plain strings, not ${isCollection(key) ? 'a list or mapping' : 'an alias'}`);
      else if (isScalar(key) && typeof key.value === 'string' && FORBIDDEN_KEYS.has(key.value))
        at(line, `the key "${key.value}" is not allowed (it would change the object it belongs to)`);
      else if (isScalar(key) && key.value === '<<') at(line, 'merge keys (<<) are not supported: write the values out, or use a preset');
    },
    Alias() {
      aliases++;
    },
  });
  if (aliases > MAX_ALIASES) at(undefined, `${aliases} aliases, more than ${MAX_ALIASES}: write the values out`);
  if (problems.length > 0) throw new ConfigError(problems);
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e: any) {
    // "Excessive alias count": an alias bomb (nested aliases that would expand to millions of values)
    return refuser(cluster, file)(`invalid YAML: ${String(e?.message ?? e).split('\n')[0]}: write the values out instead of nesting aliases`);
  }
}
