// Every custom resource we emit, validated against the upstream CRD it targets (../shared/crds)
// with unknown fields refused. The model packages accept unknown fields, and the imported L1
// classes drop fields outside their schema silently: this is where a misplaced field (a Karpenter
// v1beta1 location, a KEDA typo) is caught.
import Ajv from 'ajv';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, parse } from 'yaml';
import { loadClusters } from '../../lib/config/load';
import { render } from '../../lib/pipeline/render';
import { shared } from '../support/env';

const crdDir = shared('crds');

/** Object schemas that list their properties get additionalProperties: false, like the API server's pruning would reveal. */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) {
    // Go's inline flags, e.g. "^(?i)(abort|warn)?$", have no JavaScript equivalent: skip that pattern
    if (k === 'pattern' && String(v).includes('(?')) continue;
    // and its one-letter Unicode classes (\PC) are \P{C} in JavaScript (Cilium's CRD uses one)
    if (k === 'pattern') {
      out[k] = String(v).replace(/\\([pP])([A-Z])/g, '\\$1{$2}');
      continue;
    }
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, strict(s)])) : strict(v);
  }
  if (schema.type === 'object' && schema.properties && schema.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields'])
    out.additionalProperties = false;
  return out;
}

function crdSchemas(dir: string): Map<string, object> {
  const schemas = new Map<string, object>();
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const v of crd.spec.versions) schemas.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, strict(v.schema.openAPIV3Schema));
    }
  }
  return schemas;
}

// describe.skip still runs its body, so without ../shared the suite is a single skipped test
const describeWithCrds = crdDir ? describe : (name: string) => describe.skip(name, () => it('needs ../shared/crds', () => {}));

describeWithCrds('custom resources against their upstream CRDs', () => {
  const schemas = crdSchemas(crdDir!);
  const CRD_GROUPS = new Set([...schemas.keys()].map((k) => k.split('/')[0]));
  // formats (int64, date-time...) are the upstream models' job; this test is about unknown fields
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const objects = [...render(loadClusters())]
    .filter(([f]) => f.endsWith('.yaml'))
    .map(([f, text]) => [f, parse(text)] as const)
    .filter(([, o]) => typeof o?.apiVersion === 'string' && CRD_GROUPS.has(o.apiVersion.split('/')[0]));

  it('emits custom resources of every imported group', () => {
    const groups = new Set(objects.map(([, o]) => o.apiVersion.split('/')[0]));
    expect([...groups].sort()).toEqual(['cilium.io', 'karpenter.k8s.aws', 'karpenter.sh', 'keda.sh', 'monitoring.coreos.com']);
  });

  it.each(objects.map(([f, o]) => [f, o]))('%s has only fields its CRD defines', (_file, obj: any) => {
    const schema = schemas.get(`${obj.apiVersion}/${obj.kind}`);
    expect(schema).toBeDefined();
    const validate = ajv.compile(schema!);
    const ok = validate(obj);
    expect(ok ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`)).toEqual([]);
  });

  it('would catch a misplaced field', () => {
    const [, pool] = objects.find(([, o]) => o.kind === 'NodePool')!;
    const wrong = structuredClone(pool) as any;
    wrong.spec.template.spec.kubelet = { maxPods: 110 }; // the v1beta1 place; v1 moved it to EC2NodeClass
    const validate = ajv.compile(schemas.get('karpenter.sh/v1/NodePool')!);
    expect(validate(wrong)).toBe(false);
  });
});
