// The CEL rules (x-kubernetes-validations) of the upstream CRDs, evaluated at synth time the way the
// API server evaluates them on create: an empty Karpenter role or discovery tag passes the OpenAPI
// schema but is refused by `kubectl apply`, so it is refused here first.
//
// As the API server does: a rule runs on every node of the object that its schema position
// reaches (list items, map values), only when that node is present; schema defaults are applied
// first; `integer` fields are CEL ints, `number` fields doubles; transition rules (those reading
// `oldSelf`) run only on update and so not here. Functions: CEL's standard library, the strings
// extension (split, ...) and the Kubernetes regex library (find, findAll). `matches` runs RE2
// itself; `find`/`findAll` check the pattern compiles as RE2, then match with JavaScript's engine,
// which agrees on the patterns the imported CRDs use. An RE2-only construct (inline flags such as
// `(?i)`, `\z`, `(?P<name>...)`) fails closed: "could not be evaluated", never a silent pass. Not
// provided (no imported rule uses them): the quantity, URL, IP/CIDR and lists libraries.
import { celEnv, celMethod, CelScalar, isCelError, listType, plan, parse, type CelInput } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { RE2JS } from '@bufbuild/re2';
import type { K8sObject } from './validate';

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema;
  default?: unknown;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-validations'?: Rule[];
};
export interface Rule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
}

/** The rules file `npm run import` writes (scripts/extract-cel.ts), read on first use. */
let schemas: Record<string, Schema> | undefined;
export function crdValidations(): Record<string, Schema> {
  schemas ??= require('../../imports/crd-validations.json') as Record<string, Schema>;
  return schemas;
}

const regex = (pattern: string): RegExp => {
  RE2JS.compile(pattern); // throws on anything RE2 (the API server's engine) would refuse
  return new RegExp(pattern, 'u');
};

/** The Kubernetes regex library: `<string>.find(<pattern>)` is the first match or "". */
const KUBERNETES_FUNCS = [
  celMethod('find', CelScalar.STRING, [CelScalar.STRING], CelScalar.STRING, function (this: string, pattern: string) {
    return regex(pattern).exec(this)?.[0] ?? '';
  }),
  celMethod('findAll', CelScalar.STRING, [CelScalar.STRING], listType(CelScalar.STRING), function (this: string, pattern: string) {
    return [...this.matchAll(new RegExp(regex(pattern).source, 'gu'))].map((m) => m[0]);
  }),
];
const FUNCS = [...strings, ...KUBERNETES_FUNCS];
let env: ReturnType<typeof celEnv> | undefined;

/** Function names the evaluator provides beyond CEL's standard library (for the "can every rule run" test). */
export const EXTRA_FUNCTIONS = [...new Set(FUNCS.map((f) => f.name))].sort();

/** Transition rules compare with the stored object: they run on update only, never on create. */
export const isTransitionRule = (r: Rule): boolean => /\boldSelf\b/.test(r.rule);

type Program = (self: unknown) => unknown;
const programs = new Map<string, Program>();
function compile(expr: string): Program {
  let p = programs.get(expr);
  if (!p) {
    env ??= celEnv({ funcs: FUNCS });
    const run = plan(env, parse(expr));
    p = (self) => run({ self: self as CelInput });
    programs.set(expr, p);
  }
  return p;
}

/** The value as CEL sees it: objects are maps, `integer` fields ints (bigint), defaults applied. */
function toCel(value: unknown, s: Schema | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => toCel(v, s?.items));
  if (value !== null && typeof value === 'object') {
    const entries: [string, unknown][] = Object.entries(withDefaults(value as Record<string, unknown>, s));
    return new Map(entries.map(([k, v]) => [k, toCel(v, s?.properties?.[k] ?? s?.additionalProperties)]));
  }
  if (typeof value === 'number') {
    const integer = s?.type === 'integer' || s?.['x-kubernetes-int-or-string'] || (s?.type === undefined && Number.isInteger(value));
    return integer && Number.isInteger(value) ? BigInt(value) : value;
  }
  return value;
}

function withDefaults(obj: Record<string, unknown>, s: Schema | undefined): Record<string, unknown> {
  const out = { ...obj };
  for (const [k, p] of Object.entries(s?.properties ?? {})) if (out[k] === undefined && p.default !== undefined) out[k] = p.default;
  return out;
}

/** The rule's message: its messageExpression when that evaluates to a string, else its message, else the rule. */
function messageOf(r: Rule, self: unknown): string {
  if (r.messageExpression) {
    try {
      const m = compile(r.messageExpression)(self);
      if (typeof m === 'string' && m !== '') return m;
    } catch {
      // the API server falls back to message as well
    }
  }
  return r.message ?? `failed rule: ${r.rule}`;
}

/** Evaluates one rule on one node: undefined when it holds, else the message. */
export function evaluate(r: Rule, value: unknown, s: Schema | undefined): string | undefined {
  const self = toCel(value, s);
  let result: unknown;
  try {
    result = compile(r.rule)(self);
  } catch (e: any) {
    return `CEL rule could not be evaluated (${String(e?.message ?? e).split('\n')[0]}): ${r.rule}`;
  }
  if (result === true) return undefined;
  if (result === false) return messageOf(r, self);
  return `CEL rule could not be evaluated (${isCelError(result) ? result.message : `result ${String(result)}`}): ${r.rule}`;
}

/** Every CEL rule of the object's CRD that it breaks, as "<field path>: <message>". */
export function celErrors(obj: K8sObject): string[] {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  const schema = crdValidations()[`${group}/${version}/${obj.kind}`];
  if (!schema) return [];
  const errors: string[] = [];
  const visit = (value: unknown, s: Schema | undefined, at: string): void => {
    if (value === undefined || value === null || !s) return;
    for (const r of s['x-kubernetes-validations'] ?? []) {
      if (isTransitionRule(r)) continue;
      const failed = evaluate(r, value, s);
      if (failed) errors.push(`${at || '(root)'}${r.fieldPath ?? ''}: ${failed}`);
    }
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, s.items, `${at}[${i}]`));
    else if (typeof value === 'object') {
      const full = withDefaults(value as Record<string, unknown>, s);
      for (const [k, v] of Object.entries(full)) {
        const child = s.properties?.[k] ?? s.additionalProperties;
        visit(v, child, s.properties?.[k] ? `${at}${at ? '.' : ''}${k}` : `${at}[${JSON.stringify(k)}]`);
      }
    }
  };
  visit(obj, schema, '');
  return errors;
}
