// Compares two renderings of dist/ the way a reviewer thinks about them: per Kubernetes object
// (added, removed, changed fields with old -> new values) and per other file (changed lines).
import { parse } from 'yaml';
import type { FileSet } from './render';

export interface FieldChange {
  path: string;
  old?: unknown;
  new?: unknown;
  /** For multi-line strings (a config file inside a ConfigMap): the changed lines only. */
  lines?: { removed: string[]; added: string[] };
}

export interface Change {
  cluster: string;
  /** `Kind namespace/name` for objects, the path below the cluster for other files. */
  subject: string;
  file: string;
  kind: 'added' | 'removed' | 'changed';
  isObject: boolean;
  fields: FieldChange[];
  lines: { removed: string[]; added: string[] };
}

/** A Grafana dashboard (JSON with a uid and panels): compared per panel, like an object. */
function asDashboard(file: string, content: string): Record<string, any> | undefined {
  try {
    const doc = JSON.parse(content);
    return isPlain(doc) && typeof doc.uid === 'string' && Array.isArray(doc.panels) ? doc : undefined;
  } catch {
    return undefined;
  }
}

function asObject(file: string, content: string): Record<string, any> | undefined {
  if (/\.json$/.test(file)) return asDashboard(file, content);
  if (!/\.ya?ml$/.test(file)) return undefined;
  try {
    const doc = parse(content);
    // a kustomization has apiVersion and kind but is no object of the cluster (no name): a file
    return doc && typeof doc === 'object' && 'apiVersion' in doc && 'kind' in doc && doc.metadata?.name ? doc : undefined;
  } catch {
    return undefined;
  }
}

function subjectOf(obj: Record<string, any>): string {
  if (!('kind' in obj)) return `Dashboard ${obj.uid}`;
  const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : '';
  return `${obj.kind} ${ns}${obj.metadata?.name}`;
}

const isPlain = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Keys that identify a list item: containers, env and groups by name, alerts, Grafana rules, queries, dashboard panels. */
const ITEM_KEYS = ['name', 'alert', 'uid', 'refId', 'title'];

/** Array items are matched by an identifying key when every item has a unique one, else by index. */
function keyed(items: unknown[]): Map<string, unknown> | undefined {
  for (const key of ITEM_KEYS) {
    if (!items.every((i) => isPlain(i) && typeof i[key] === 'string')) continue;
    const ids = items.map((i) => (i as Record<string, string>)[key]);
    if (new Set(ids).size === ids.length) return new Map(items.map((i, n) => [ids[n], i]));
  }
  return undefined;
}

/** Leaf-level differences between two JSON values, with dotted paths. */
export function diffValues(a: unknown, b: unknown, path = '', out: FieldChange[] = []): FieldChange[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return out;
  if (isPlain(a) && isPlain(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const key = /^[A-Za-z_][\w-]*$/.test(k) ? k : JSON.stringify(k);
      diffValues(a[k], b[k], path ? `${path}.${key}` : key, out);
    }
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const ka = keyed(a);
    const kb = keyed(b);
    if (ka && kb) {
      for (const name of [...new Set([...ka.keys(), ...kb.keys()])]) diffValues(ka.get(name), kb.get(name), `${path}[${name}]`, out);
    } else {
      for (let i = 0; i < Math.max(a.length, b.length); i++) diffValues(a[i], b[i], `${path}[${i}]`, out);
    }
    return out;
  }
  const multiline = typeof a === 'string' && typeof b === 'string' && (a.includes('\n') || b.includes('\n'));
  out.push({ path: path || '(root)', old: a, new: b, ...(multiline ? { lines: diffLines(a, b) } : {}) });
  return out;
}

/** Line-level difference (longest common subsequence; generated files are small). */
export function diffLines(a: string, b: string): { removed: string[]; added: string[] } {
  const x = a.split('\n');
  const y = b.split('\n');
  const lcs: number[][] = Array.from({ length: x.length + 1 }, () => new Array(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--)
    for (let j = y.length - 1; j >= 0; j--)
      lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const removed: string[] = [];
  const added: string[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      i++;
      j++;
    } else if (j < y.length && (i === x.length || lcs[i][j + 1] >= lcs[i + 1][j])) added.push(y[j++]);
    else removed.push(x[i++]);
  }
  return { removed, added };
}

/** Changes from `before` (e.g. the committed dist/) to `after` (a fresh synth), sorted by file. */
export function diffTrees(before: FileSet, after: FileSet): Change[] {
  const changes: Change[] = [];
  const files = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const file of files) {
    const a = before.get(file);
    const b = after.get(file);
    if (a === b) continue;
    const [cluster, ...rest] = file.split('/');
    const objA = a === undefined ? undefined : asObject(file, a);
    const objB = b === undefined ? undefined : asObject(file, b);
    const obj = objB ?? objA;
    const kind = a === undefined ? 'added' : b === undefined ? 'removed' : 'changed';
    const isObject = !!obj && (a === undefined || !!objA) && (b === undefined || !!objB);
    changes.push({
      cluster,
      file,
      subject: isObject ? subjectOf(obj!) : rest.join('/'),
      kind,
      isObject,
      fields: isObject && kind === 'changed' ? diffValues(objA, objB) : [],
      lines: !isObject || kind !== 'changed' ? diffLines(a ?? '', b ?? '') : { removed: [], added: [] },
    });
    // same object, different text (a comment, quoting, key order): show the lines, not nothing
    const last = changes[changes.length - 1];
    if (last.isObject && last.kind === 'changed' && last.fields.length === 0) {
      last.isObject = false;
      last.subject = rest.join('/');
      last.lines = diffLines(a!, b!);
    }
  }
  return changes;
}

const MAX_LINES = 20;

function lineDiff(lines: { removed: string[]; added: string[] }, indent: string): string[] {
  const out = [...lines.removed.map((l) => `${indent}- ${l}`), ...lines.added.map((l) => `${indent}+ ${l}`)];
  return out.length <= MAX_LINES ? out : [...out.slice(0, MAX_LINES), `${indent}... ${out.length - MAX_LINES} more lines`];
}

const show = (v: unknown): string => (v === undefined ? '(none)' : typeof v === 'string' && !v.includes('\n') ? v : JSON.stringify(v));
const SIGN = { added: '+', removed: '-', changed: '~' } as const;

export function summary(changes: Change[]): string {
  const count = (k: Change['kind']) => changes.filter((c) => c.kind === k).length;
  return `${count('changed')} changed, ${count('added')} added, ${count('removed')} removed`;
}

/** Plain text, one line per object and per field: `ScaledObject buildkit/x: spec.maxReplicaCount 8 -> 10`. */
export function formatText(changes: Change[]): string {
  if (changes.length === 0) return 'dist/ is up to date: no generated file changes.';
  const out: string[] = [`generated output: ${summary(changes)}`];
  for (const cluster of [...new Set(changes.map((c) => c.cluster))]) {
    out.push('', `${cluster}:`);
    for (const c of changes.filter((x) => x.cluster === cluster)) {
      const label = c.isObject ? c.subject : `file ${c.subject}`;
      if (c.kind !== 'changed' || c.isObject) out.push(`  ${SIGN[c.kind]} ${label}`);
      for (const f of c.fields) {
        if (!f.lines) out.push(`      ${c.subject}: ${f.path} ${show(f.old)} -> ${show(f.new)}`);
        else out.push(`      ${c.subject}: ${f.path} (+${f.lines.added.length} -${f.lines.removed.length} lines)`, ...lineDiff(f.lines, '          '));
      }
      if (c.kind === 'changed' && !c.isObject) {
        out.push(`  ~ ${label} (+${c.lines.added.length} -${c.lines.removed.length} lines)`, ...lineDiff(c.lines, '      '));
      }
    }
  }
  return out.join('\n');
}
