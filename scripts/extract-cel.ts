// Part of `npm run import`: keeps from each imported CRD what the API server checks beyond the
// OpenAPI schema, its CEL rules (x-kubernetes-validations), with just enough schema around them to
// evaluate them as the API server would (types for int vs double, defaults applied before
// validation). Writes imports/crd-validations.json, read by lib/pipeline/cel.ts at synth time, so a
// user's clone needs neither ../shared nor the network.
// usage: node -r ./scripts/register.js scripts/extract-cel.ts <crd.yaml>...
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

type Schema = Record<string, any>;

/** The schema below `s` reduced to what evaluating rules needs, or undefined when no rule lives there. */
function slim(s: Schema | undefined, underRule: boolean): Schema | undefined {
  if (!s || typeof s !== 'object') return undefined;
  const rules = (s['x-kubernetes-validations'] ?? []).map((v: Schema) =>
    Object.fromEntries(['rule', 'message', 'messageExpression', 'reason', 'fieldPath'].filter((k) => v[k] !== undefined).map((k) => [k, v[k]])),
  );
  const keep = underRule || rules.length > 0;
  const out: Schema = {};
  const props: Schema = {};
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    const child = slim(v as Schema, keep);
    if (child) props[k] = child;
  }
  if (Object.keys(props).length > 0) out.properties = props;
  const items = slim(s.items, keep);
  if (items) out.items = items;
  const additional = typeof s.additionalProperties === 'object' ? slim(s.additionalProperties, keep) : undefined;
  if (additional) out.additionalProperties = additional;
  if (!keep && Object.keys(out).length === 0) return undefined;
  if (s.type) out.type = s.type;
  if (s.default !== undefined) out.default = s.default;
  if (s['x-kubernetes-int-or-string']) out['x-kubernetes-int-or-string'] = true;
  if (rules.length > 0) out['x-kubernetes-validations'] = rules;
  return out;
}

const out: Record<string, Schema> = {};
for (const file of process.argv.slice(2)) {
  const crd = parse(fs.readFileSync(file, 'utf8'));
  for (const version of crd.spec.versions) {
    if (!version.served) continue;
    const schema = slim(version.schema?.openAPIV3Schema, false);
    // kinds without rules are listed too: "no rules" is then a fact of the CRD, not a missing entry
    out[`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`] = schema ?? {};
  }
}
const sorted = Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
const target = path.join(__dirname, '..', 'imports', 'crd-validations.json');
fs.writeFileSync(target, `${JSON.stringify(sorted, null, 1)}\n`);
console.log(`wrote ${path.relative(process.cwd(), target)}: ${Object.keys(sorted).length} kinds`);
