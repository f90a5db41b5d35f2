// The workers' CiliumNetworkPolicy against the Cilium CRD's own schema: the copy `npm run import`
// extracted into imports/ (what synthesis validates with) and, when ../shared is here, the CRD it
// came from.
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { K8sObject, validateObject } from '../../lib/pipeline/validate';
import { REPO } from '../support/clusters';
import { shared } from '../support/env';
import { airflowFiles } from './support';

const files = airflowFiles();
const cnps = [...files].filter(([f]) => f.startsWith('ciliumnetworkpolicy-')).map(([, text]) => parse(text) as K8sObject);

describe('CiliumNetworkPolicy', () => {
  it('is generated for the workers, and validates against the imported CRD schema', () => {
    expect(cnps.map((p) => p.metadata.name)).toEqual(['airflow-worker-fqdn-egress']);
    for (const p of cnps) expect(validateObject(p)).toEqual([]);
  });

  it.each([
    ['a protocol Cilium does not know', (p: any) => { p.spec.egress[1].toPorts[0].ports[0].protocol = 'HTTPS'; }, /protocol|allowed values/],
    ['a host name with a space', (p: any) => { p.spec.egress[1].toFQDNs[0] = { matchName: 'not a name' }; }, /pattern/],
    ['a port as a number', (p: any) => { p.spec.egress[1].toPorts[0].ports[0].port = 443; }, /must be string/],
  ])('refuses %s (the validation can fail)', (_what, spoil, message) => {
    const p = structuredClone(cnps[0]);
    spoil(p);
    const errors = validateObject(p);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(message);
  });

  const crds = shared('crds');
  (crds ? it : it.skip)('the imported schema is the CRD\'s openAPIV3Schema, unchanged', () => {
    const [crd] = parseAllDocuments(fs.readFileSync(path.join(crds!, 'cilium.io_ciliumnetworkpolicies.yaml'), 'utf8')).map((d) => d.toJS());
    const imported = JSON.parse(fs.readFileSync(path.join(REPO, 'imports', 'cilium-networkpolicies.schema.json'), 'utf8'));
    const v2 = crd.spec.versions.find((v: any) => v.name === 'v2');
    expect(imported['cilium.io/v2/CiliumNetworkPolicy']).toEqual(v2.schema.openAPIV3Schema);
  });
});
