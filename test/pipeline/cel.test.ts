// The CEL rules (x-kubernetes-validations) of the imported CRDs, as lib/pipeline/cel.ts evaluates
// them at synth time:
// - every non-transition rule has a case in cel-cases.yaml, with a value it accepts and one it
//   refuses with the CRD's own message (a rule added by a re-import fails here until it has one);
// - the transition rules (reading oldSelf) are exactly the known update-only ones, and are skipped;
// - the objects the built-in clusters render pass, and breaking a field the config controls gives
//   the API server's error through validateObject;
// - imports/crd-validations.json is what scripts/extract-cel.ts makes of ../shared/crds.
import { celEnv, parse as parseCel, plan } from '@bufbuild/cel';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { loadClusters } from '../../lib/config/load';
import { celErrors, crdValidations, evaluate, isTransitionRule, type Rule } from '../../lib/pipeline/cel';
import { render } from '../../lib/pipeline/render';
import { validateObject, type K8sObject } from '../../lib/pipeline/validate';

const REPO = path.join(__dirname, '..', '..');
const CRDS = path.join(__dirname, '..', '..', '..', 'shared', 'crds');

type Schema = ReturnType<typeof crdValidations>[string];

interface Case {
  kind: string; // NodePool, or group/version/kind when the kind has several versions
  path: string; // schema path: a.b, [] = list items, {} = map values
  rule: string; // the rule text, or a prefix unique at that path
  valid: unknown;
  invalid: unknown;
  message?: string; // only for rules with a messageExpression: the message expected for `invalid`
}

/** A rule of the CRDs with where it lives. */
interface Located {
  key: string; // group/version/Kind
  kind: string;
  path: string;
  node: Schema;
  rule: Rule;
}
const label = (l: { kind: string; path: string; rule: Rule | string }): string =>
  `${l.kind} ${l.path}: ${typeof l.rule === 'string' ? l.rule : l.rule.rule}`;

/** Every rule of every kind in imports/crd-validations.json, walking properties, items and additionalProperties. */
function allRules(): Located[] {
  const out: Located[] = [];
  for (const [key, root] of Object.entries(crdValidations())) {
    const kind = key.split('/')[2];
    const walk = (s: Schema | undefined, at: string): void => {
      if (!s) return;
      for (const rule of s['x-kubernetes-validations'] ?? []) out.push({ key, kind, path: at, node: s, rule });
      for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, at ? `${at}.${k}` : k);
      walk(s.items, `${at}[]`);
      walk(s.additionalProperties, `${at}{}`);
    };
    walk(root, '');
  }
  return out;
}

/** The schema node at a case's path, or an error naming the part that does not exist. */
function nodeAt(c: Pick<Case, 'kind' | 'path'>): { key: string; node: Schema } {
  const all = crdValidations();
  const keys = Object.keys(all).filter((k) => k === c.kind || k.split('/')[2] === c.kind);
  if (keys.length !== 1) throw new Error(`kind ${c.kind} names ${keys.length} entries of crd-validations.json: ${keys.join(', ')}`);
  let node: Schema | undefined = all[keys[0]];
  for (const part of c.path.match(/[^.[\]{}]+|\[\]|\{\}/g) ?? []) {
    node = part === '[]' ? node?.items : part === '{}' ? node?.additionalProperties : node?.properties?.[part];
    if (!node) throw new Error(`${c.kind}: no schema node at ${c.path} (at ${part})`);
  }
  return { key: keys[0], node: node! };
}

const matches = (c: Case, r: Rule): boolean => r.rule === c.rule || r.rule.startsWith(c.rule);

const CASES: Case[] = parse(fs.readFileSync(path.join(__dirname, 'cel-cases.yaml'), 'utf8'));
const RULES = allRules();
const CHECKED = RULES.filter((l) => !isTransitionRule(l.rule));

/** The case's rule at its path; throws when it names none or several. */
function ruleOf(c: Case): { node: Schema; rule: Rule } {
  const { node } = nodeAt(c);
  const found = (node['x-kubernetes-validations'] ?? []).filter((r) => matches(c, r));
  if (found.length !== 1) throw new Error(`case ${label(c)} matches ${found.length} rules at that path${found.map((r) => `\n  ${r.rule}`).join('')}`);
  return { node, rule: found[0] };
}

/** The upstream message of the rule at (kind, path) whose text starts with `rule`. */
const message = (kind: string, at: string, rule: string): string => ruleOf({ kind, path: at, rule } as Case).rule.message!;

describe('CEL rule cases (test/output/cel-cases.yaml)', () => {
  it('the JSON has the rules the cases are about', () => {
    const kinds = new Set(CHECKED.map((l) => l.kind));
    expect([...kinds].sort()).toEqual(['EC2NodeClass', 'NodePool', 'ScaledObject']);
    expect(CHECKED.length).toBeGreaterThanOrEqual(70);
  });

  it('every non-transition rule of every kind has exactly one case, and each case names exactly one rule', () => {
    const problems: string[] = [];
    const covered = new Map<Rule, Case[]>();
    for (const c of CASES) {
      try {
        const { rule } = ruleOf(c);
        if (isTransitionRule(rule)) problems.push(`case ${label(c)} is about a transition rule, which never runs on create`);
        covered.set(rule, [...(covered.get(rule) ?? []), c]);
      } catch (e: any) {
        problems.push(e.message);
      }
    }
    for (const l of CHECKED) {
      const cs = covered.get(l.rule) ?? [];
      if (cs.length === 0) problems.push(`no case for ${l.key} ${l.path}: ${l.rule.rule}`);
      if (cs.length > 1) problems.push(`${cs.length} cases for ${l.key} ${l.path}: ${l.rule.rule}`);
    }
    expect(problems).toEqual([]);
    expect(CASES.length).toBe(CHECKED.length);
  });

  it.each(CASES.map((c) => [label(c).slice(0, 110), c] as const))('%s', (_name, c) => {
    const { node, rule } = ruleOf(c);
    expect(evaluate(rule, c.valid, node)).toBeUndefined();
    // the CRD's text, read from the JSON; a messageExpression rule needs the case to say what it gives
    const expected = rule.messageExpression ? c.message : rule.message;
    expect(expected).toEqual(expect.any(String));
    expect(evaluate(rule, c.invalid, node)).toBe(expected);
  });
});

describe('transition rules', () => {
  // The rules the API server runs on update only (they compare with the stored object, oldSelf).
  const UPDATE_ONLY = [
    { kind: 'NodePool', path: 'spec', rule: 'has(self.replicas) == has(oldSelf.replicas)' },
    { kind: 'NodePool', path: 'spec.template.spec.nodeClassRef', rule: 'self.group == oldSelf.group' },
    { kind: 'NodePool', path: 'spec.template.spec.nodeClassRef', rule: 'self.kind == oldSelf.kind' },
  ];

  it('are exactly the known update-only rules', () => {
    const transition = RULES.filter((l) => isTransitionRule(l.rule));
    expect(transition.map(label).sort()).toEqual(UPDATE_ONLY.map(label).sort());
    // and isTransitionRule is what "reads oldSelf" means
    for (const l of RULES) expect(isTransitionRule(l.rule)).toBe(l.rule.rule.includes('oldSelf'));
  });

  it('are not run on create: celErrors is silent on an object that breaks them on update', () => {
    const nodeClassRef = { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' };
    const requirements = [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }];
    // stored: a dynamic NodePool of another node class group and kind
    const oldSpec = { template: { spec: { nodeClassRef: { group: 'example.com', kind: 'OtherNodeClass', name: 'default' }, requirements } } };
    // new: static (replicas set), with a changed nodeClassRef group and kind
    const spec = { replicas: 3, limits: { nodes: 5 }, template: { spec: { nodeClassRef, requirements } } };
    const pool: K8sObject = { apiVersion: 'karpenter.sh/v1', kind: 'NodePool', metadata: { name: 'static' }, spec };

    // on update the API server would refuse it, with each rule's message
    const env = celEnv({});
    for (const t of UPDATE_ONLY) {
      const { rule } = ruleOf(t as Case);
      const pick = (s: any) => (t.path === 'spec' ? s : s.template.spec.nodeClassRef);
      expect(plan(env, parseCel(rule.rule))({ self: pick(spec), oldSelf: pick(oldSpec) })).toBe(false);
      expect(rule.message).toEqual(expect.any(String));
      // run without oldSelf, each would be reported (as failing, or as not evaluable)
      expect(evaluate(rule, pick(spec), nodeAt(t).node)).toEqual(expect.any(String));
    }
    expect(celErrors(pool)).toEqual([]);
  });
});

describe('rendered objects through the synth path', () => {
  const KINDS = ['EC2NodeClass', 'NodePool', 'ScaledObject'];
  const objects: [string, K8sObject][] = [...render(loadClusters())]
    .filter(([f]) => f.endsWith('.yaml'))
    .map(([f, text]) => [f, parse(text)] as [string, K8sObject])
    .filter(([, o]) => KINDS.includes(o?.kind));
  const first = (kind: string): K8sObject => structuredClone(objects.find(([, o]) => o.kind === kind)![1]);

  it('renders objects of every kind with CEL rules', () => {
    expect([...new Set(objects.map(([, o]) => o.kind))].sort()).toEqual(KINDS);
  });

  it.each(objects)('%s breaks no CEL rule', (_file, obj) => {
    expect(celErrors(obj)).toEqual([]);
  });

  it('refuses an empty EC2NodeClass role', () => {
    const nc: any = first('EC2NodeClass');
    nc.spec.role = '';
    expect(validateObject(nc)).toEqual([`CEL rule: spec.role: ${message('EC2NodeClass', 'spec.role', "self != ''")}`]);
  });

  it('refuses an empty karpenter.sh/discovery subnet tag value', () => {
    const nc: any = first('EC2NodeClass');
    const i = nc.spec.subnetSelectorTerms.findIndex((t: any) => t.tags?.['karpenter.sh/discovery'] !== undefined);
    expect(i).toBeGreaterThanOrEqual(0);
    nc.spec.subnetSelectorTerms[i].tags['karpenter.sh/discovery'] = '';
    const msg = message('EC2NodeClass', 'spec.subnetSelectorTerms[].tags', "self.all(k, k != '' && self[k] != '')");
    expect(validateObject(nc)).toEqual([`CEL rule: spec.subnetSelectorTerms[${i}].tags: ${msg}`]);
  });

  it('refuses a ScaledObject whose minReplicaCount exceeds its maxReplicaCount', () => {
    const so: any = first('ScaledObject');
    so.spec.minReplicaCount = so.spec.maxReplicaCount + 1;
    expect(validateObject(so)).toEqual([`CEL rule: spec: ${message('ScaledObject', 'spec', '!has(self.minReplicaCount)')}`]);
    // without maxReplicaCount the bound is KEDA's default, 100
    delete so.spec.maxReplicaCount;
    so.spec.minReplicaCount = 100;
    expect(validateObject(so)).toEqual([]);
    so.spec.minReplicaCount = 101;
    expect(validateObject(so)).toHaveLength(1);
  });

  it('refuses a NodePool requirement on kubernetes.io/hostname', () => {
    const np: any = first('NodePool');
    const i = np.spec.template.spec.requirements.length;
    np.spec.template.spec.requirements.push({ key: 'kubernetes.io/hostname', operator: 'In', values: ['ip-10-0-12-34.eu-west-1.compute.internal'] });
    const msg = message('NodePool', 'spec.template.spec.requirements[].key', 'self != "kubernetes.io/hostname"');
    expect(validateObject(np)).toEqual([`CEL rule: spec.template.spec.requirements[${i}].key: ${msg}`]);
  });
});

// ../shared/crds: the reference copies `npm run import` reads. Missing outside CI: skipped.
const strict = !!process.env.CI && !process.env.SHARED_OPTIONAL;
const haveCrds = fs.existsSync(CRDS);
if (!haveCrds && !strict) console.warn(`skipped: ${CRDS} is missing (required in CI): crd-validations.json not compared with the CRDs`);

/**
 * The CRD files `npm run import` passes to extract-cel.ts, in its order (scripts/import-crds.sh):
 * the copy named as the URL's file, else the first `<group>_<file name>`.
 */
function importedCrdFiles(): string[] {
  const names = fs.readdirSync(CRDS).sort();
  return [...fs.readFileSync(path.join(REPO, 'cdk8s.yaml'), 'utf8').matchAll(/^ {2}- (.*:=.*)$/gm)].map((m) => {
    const base = path.basename(m[1].split(':=')[1]);
    const found = names.includes(base) ? base : names.find((n) => n.endsWith(`_${base}`));
    if (!found) throw new Error(`${CRDS} has no ${base} (needed for ${m[1].split(':=')[0]})`);
    return path.join(CRDS, found);
  });
}

// scripts/register.js, without its cache (a temporary file would leave a new entry on every run)
const TS_HOOK = `
const fs = require('fs');
const swc = require('@swc/core');
const options = { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' }, swcrc: false, configFile: false };
require.extensions['.ts'] = (m, filename) => m._compile(swc.transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename }).code, filename);
const [script, ...args] = process.argv.slice(1);
process.argv = [process.argv[0], script, ...args];
require(script);
`;

/** extract-cel.ts, unchanged, run on the CRDs from a copy in a temporary folder, so it writes there. */
function runExtract(files: string[]): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'extract-cel-'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.mkdirSync(path.join(dir, 'imports'));
  const script = path.join(dir, 'scripts', 'extract-cel.ts');
  fs.copyFileSync(path.join(REPO, 'scripts', 'extract-cel.ts'), script);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', TS_HOOK, script, ...files], {
      cwd: REPO,
      env: { ...process.env, NODE_PATH: path.join(REPO, 'node_modules') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        if (code !== 0) reject(new Error(`extract-cel.ts exited ${code}: ${stderr}`));
        else resolve(fs.readFileSync(path.join(dir, 'imports', 'crd-validations.json'), 'utf8'));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

(haveCrds || strict ? describe : describe.skip)('imports/crd-validations.json against ../shared/crds', () => {
  // started now, in parallel with the tests above; awaited below
  const extracted = haveCrds ? (async () => runExtract(importedCrdFiles()))() : Promise.reject(new Error('unused'));
  extracted.catch(() => {});

  it('exists', () => {
    expect(haveCrds ? CRDS : `${CRDS} (missing: required in CI; SHARED_OPTIONAL=1 skips)`).toBe(CRDS);
  });

  it('holds every rule of the imported CRDs, wherever it is in their schemas', () => {
    if (!haveCrds) return;
    const json = crdValidations();
    const inJson = new Set(RULES.map((l) => `${l.key} ${l.path}: ${JSON.stringify(l.rule)}`));
    const inCrds = new Set<string>();
    const elsewhere: string[] = [];
    const served: string[] = [];
    for (const file of importedCrdFiles()) {
      const text = fs.readFileSync(file, 'utf8');
      // a CRD without rules has none to find (its kinds being listed is the byte-for-byte check's job)
      if (!text.includes('x-kubernetes-validations')) continue;
      const crd = parse(text);
      for (const version of crd.spec.versions) {
        if (!version.served) continue;
        const key = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
        served.push(key);
        // any key holding x-kubernetes-validations, not only where extract-cel.ts looks
        const walk = (s: any, at: string, schemaPath: string | undefined): void => {
          if (!s || typeof s !== 'object') return;
          for (const v of s['x-kubernetes-validations'] ?? []) {
            const rule = Object.fromEntries(['rule', 'message', 'messageExpression', 'reason', 'fieldPath'].filter((k) => v[k] !== undefined).map((k) => [k, v[k]]));
            if (schemaPath === undefined) elsewhere.push(`${key} ${at}: ${v.rule}`);
            else inCrds.add(`${key} ${schemaPath}: ${JSON.stringify(rule)}`);
          }
          for (const [k, v] of Object.entries(s)) {
            if (k === 'properties' && v && typeof v === 'object')
              for (const [p, ps] of Object.entries(v)) walk(ps, `${at}.properties.${p}`, schemaPath === undefined ? undefined : schemaPath ? `${schemaPath}.${p}` : p);
            else if (k === 'items') walk(v, `${at}.items`, schemaPath === undefined ? undefined : `${schemaPath}[]`);
            else if (k === 'additionalProperties') walk(v, `${at}.additionalProperties`, schemaPath === undefined ? undefined : `${schemaPath}{}`);
            else if (k !== 'x-kubernetes-validations' && v && typeof v === 'object') walk(v, `${at}.${k}`, undefined);
          }
        };
        walk(version.schema?.openAPIV3Schema, 'openAPIV3Schema', '');
      }
    }
    expect(elsewhere).toEqual([]); // rules under allOf, anyOf, ...: extract-cel.ts would miss them
    expect(served.filter((k) => !(k in json))).toEqual([]);
    expect([...inCrds].filter((r) => !inJson.has(r))).toEqual([]); // in the CRDs, not (or not so) in the JSON: stale
    expect([...inJson].filter((r) => !inCrds.has(r))).toEqual([]); // in the JSON, gone from the CRDs
  });

  it('is byte for byte what scripts/extract-cel.ts writes from them', async () => {
    if (!haveCrds) return;
    const current = fs.readFileSync(path.join(REPO, 'imports', 'crd-validations.json'), 'utf8');
    expect((await extracted) === current ? 'up to date' : 'stale: run `npm run import`').toBe('up to date');
  });
});
