import { loadClusters } from '../../lib/config/load';
import { render } from '../../lib/pipeline/render';
import { parse } from 'yaml';

const clusters = loadClusters();
const files = render(clusters);
const namespaces = (cluster: string) =>
  [...files].filter(([f]) => f.startsWith(`${cluster}/`) && /\/namespace-[^/]+\.yaml$/.test(f)).map(([, text]) => parse(text));

describe.each(clusters.map((c) => c.config))('namespaces of $name', (config) => {
  it('exist for every declared namespace, in the folder of the component that owns them', () => {
    const owned = config.namespaces.map((ns) => `${config.name}/${ns.component}/namespace-${ns.name}.yaml`).sort();
    expect([...files.keys()].filter((f) => /\/namespace-/.test(f) && f.startsWith(`${config.name}/`)).sort()).toEqual(owned);
  });

  it('enforce, warn and audit the declared Pod Security level, pinned to a version', () => {
    for (const ns of config.namespaces) {
      const labels = namespaces(config.name).find((o) => o.metadata.name === ns.name).metadata.labels;
      for (const mode of ['enforce', 'warn', 'audit']) {
        expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe(ns.podSecurity);
        expect(labels[`pod-security.kubernetes.io/${mode}-version`]).toBe(config.podSecurityVersion);
      }
    }
  });

  it('match the snapshot', () => {
    expect(namespaces(config.name)).toMatchSnapshot();
  });
});
