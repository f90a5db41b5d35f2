// Validates every synthesized object against the upstream schemas that kubernetes-models ships
// (built-in kinds, KEDA, Karpenter, prometheus-operator) or, for Cilium, the CRD's own schema,
// then the CRDs' CEL rules, plus the conventions of this project: the four app.kubernetes.io
// labels, and a namespace exactly on namespaced kinds.
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir, cacheKey, remember, sourceHash } from '../core/cache';
import { LABEL } from '../core/chart';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

/** Packages holding the model of each API group ('' is the core group). */
const MODEL_PACKAGES: Record<string, string> = {
  'keda.sh': '@kubernetes-models/keda',
  'karpenter.sh': '@kubernetes-models/karpenter',
  'karpenter.k8s.aws': '@kubernetes-models/karpenter',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'argoproj.io': '@kubernetes-models/argo-cd',
};

const CLUSTER_SCOPED = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass',
  'StorageClass', 'PersistentVolume', 'NodePool', 'EC2NodeClass', 'ValidatingAdmissionPolicy',
]);

export const isClusterScoped = (kind: string): boolean => CLUSTER_SCOPED.has(kind);

const packageDirs = new Map<string, string>();
function packageDir(pkg: string): string {
  let dir = packageDirs.get(pkg);
  if (!dir) {
    dir = path.dirname(require.resolve(`${pkg}/package.json`));
    packageDirs.set(pkg, dir);
  }
  return dir;
}

type Validator = (data: unknown) => void;
const validators = new Map<string, Validator | null>();

/**
 * API groups no model package covers: their objects are validated against the CRD's
 * openAPIV3Schema, which `npm run import` writes next to the imported classes.
 */
const CRD_SCHEMA_FILES: Record<string, string> = { 'cilium.io': 'cilium-networkpolicies.schema.json' };

function crdValidator(apiVersion: string, key: string): Validator | null {
  const schemas = JSON.parse(crdSchemaText(apiVersion));
  if (!schemas[key]) return null;
  // loaded here, not at import time: most synths never meet such a kind (and the cache spares the rest)
  const Ajv = require('ajv').default;
  // CRD patterns are Go (RE2) syntax: its one-letter Unicode classes (\PC) are \P{C} in JavaScript
  const regExp = (source: string, flags: string) => new RegExp(source.replace(/\\([pP])([A-Z])/g, '\\$1{$2}'), flags);
  // the schema is large: unoptimized code compiles in a third of the time and validates the same
  const check = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp, optimize: false } })
    .compile(schemas[key]);
  return (data) => {
    if (!check(data))
      throw new Error(check.errors.map((e: any) => `${e.instancePath || '/'} ${e.message}`).join('; '));
  };
}

/**
 * The model's validate() for an apiVersion/kind, or null when no upstream schema exists.
 * The model packages are ES modules that only export an `import` condition, so the file is
 * required by path (Node >= 20.19 loads ES modules through require; Jest transforms them).
 */
function validatorFor(apiVersion: string, kind: string): Validator | null {
  const key = `${apiVersion}/${kind}`;
  if (validators.has(key)) return validators.get(key)!;
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (CRD_SCHEMA_FILES[group]) {
    const validator = crdValidator(apiVersion, key);
    validators.set(key, validator);
    return validator;
  }
  const pkg = MODEL_PACKAGES[group] ?? 'kubernetes-models';
  const file = path.join(packageDir(pkg), group, version, `${kind}.js`);
  let validator: Validator | null = null;
  try {
    const Model = require(file)[kind];
    validator = (data) => new Model(data).validate();
  } catch (e: any) {
    if (e?.code !== 'MODULE_NOT_FOUND' && e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  }
  validators.set(key, validator);
  return validator;
}

/**
 * Upstream validation is a pure function of the object and the model packages' versions
 * (package-lock.json, which pins them and their ajv, ObjectMeta and format dependencies), so a
 * passing result is remembered by content hash: a repeated synth skips loading the models' ES
 * module graph, the slowest part of a synth. Failures are never cached; a clean checkout (CI)
 * validates everything.
 */
const CACHE = cacheDir('schema-valid');

/** The CEL rules and their evaluator decide a result too: a change to either is a new key. */
const celHash = (): string => sourceHash(path.join(__dirname, '..', '..', 'imports', 'crd-validations.json'), path.join(__dirname, 'cel.ts'));
const schemaTexts = new Map<string, string>();
/** The CRD schema an object of a model-less group is judged by: part of its cache key. */
function crdSchemaText(apiVersion: string): string {
  const file = CRD_SCHEMA_FILES[apiVersion.split('/')[0]];
  if (!file) return '';
  if (!schemaTexts.has(file)) schemaTexts.set(file, fs.readFileSync(path.join(__dirname, '..', '..', 'imports', file), 'utf8'));
  return schemaTexts.get(file)!;
}
const cacheFile = (obj: K8sObject): string => path.join(CACHE, cacheKey(celHash(), JSON.stringify(obj), crdSchemaText(obj.apiVersion)));

function schemaErrors(obj: K8sObject, cache: boolean): string[] {
  const cached = cache ? cacheFile(obj) : undefined;
  if (cached && fs.existsSync(cached)) return [];
  const validate = validatorFor(obj.apiVersion, obj.kind);
  if (!validate) return [`no upstream schema for ${obj.apiVersion} ${obj.kind}`];
  try {
    validate(obj);
  } catch (e: any) {
    return [`schema: ${e.message}`];
  }
  // the API server runs the CRD's CEL rules after the schema: so do we
  // loaded only on a cache miss, like the models
  const { celErrors } = require('./cel') as typeof import('./cel');
  const cel = celErrors(obj).map((e) => `CEL rule: ${e}`);
  if (cel.length > 0) return cel;
  if (cached) remember(cached, '');
  return [];
}

/** Problems of one object, as messages; empty when it is valid. `cache` remembers passing results. */
export function validateObject(obj: K8sObject, { cache = false } = {}): string[] {
  const errors = schemaErrors(obj, cache);
  const labels = obj.metadata?.labels ?? {};
  for (const label of Object.values(LABEL)) {
    if (!labels[label]) errors.push(`missing label ${label}`);
  }
  if (isClusterScoped(obj.kind) && obj.metadata?.namespace !== undefined)
    errors.push(`cluster-scoped ${obj.kind} must not have a namespace (has ${obj.metadata.namespace})`);
  if (!isClusterScoped(obj.kind) && !obj.metadata?.namespace) errors.push(`namespaced ${obj.kind} needs a namespace`);
  return errors;
}
