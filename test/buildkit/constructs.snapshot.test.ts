// Locks the output of each of the farm's constructs, built from the props fixture: a change shows
// up as a small reviewed diff of the construct that changed (the whole-cluster output is locked
// once, by the dist/ check). As YAML, the form a reviewer reads in dist/.
import { ApiObject, Testing } from 'cdk8s';
import { BuildkitArchPool, BuildkitFarm, BuildkitLoadBalancer, fleet } from '../../lib/buildkit';
import { gateSections } from '../../lib/buildkit/haproxy/config';
import { renderConfig } from '../../lib/render/haproxy';
import { podScripts } from '../../lib/buildkit/pod-scripts';
import { generatedHeader, toYaml } from '../../lib/core/yaml';
import { farmProps } from './props';

const settings = farmProps();
// built outside a cluster file: the library header (the gate script's text feeds the pods' checksums)
const header = generatedHeader(undefined);
const pools = fleet(settings);

// one arch: the others differ only in the numbers fleet() derives (tested in fleet.test.ts and farm.test.ts)
describe('BuildkitArchPool', () => {
  it(`${pools[0].arch} matches the snapshot`, () => {
    const pool = pools[0];
    const chart = Testing.chart();
    new BuildkitArchPool(chart, 'pool', { settings, pool, scripts: podScripts(renderConfig(gateSections(settings), header)) });
    expect(toYaml(Testing.synth(chart))).toMatchSnapshot();
  });
});

describe('BuildkitLoadBalancer', () => {
  it('matches the snapshot (objects and haproxy.cfg)', () => {
    const chart = Testing.chart();
    const lb = new BuildkitLoadBalancer(chart, 'lb', { settings, pools });
    expect(toYaml(Testing.synth(chart))).toMatchSnapshot();
    expect(lb.haproxyCfg).toMatchSnapshot();
  });
});

describe('BuildkitFarm', () => {
  it('its own objects (ServiceAccount, scripts, NetworkPolicies, ServiceMonitors) and gate.cfg match the snapshot', () => {
    const farm = new BuildkitFarm(Testing.chart(), 'farm', farmProps());
    const own = farm.node.children.filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson());
    expect(toYaml(own)).toMatchSnapshot();
    expect(farm.gateCfg).toMatchSnapshot();
  });
});
