// validateBuildkitFarm on props: paths relative to the props, the same findings the YAML layer
// places under `buildkit.` in a cluster file (the wording of each rule is tested in rules.test.ts).
import { validateBuildkitFarm } from '../../lib/buildkit';
import { checkBuildkit } from '../../lib/config/components/buildkit';
import { STAGING, config, raw } from './support';
import { farmProps } from './props';

describe('validateBuildkitFarm', () => {
  it('finds nothing in the fixture', () => {
    expect(validateBuildkitFarm(farmProps())).toEqual([]);
  });

  it.each([
    ['haproxy.timeoutQueueSeconds', (p: any) => (p.haproxy.timeoutQueueSeconds = p.haproxy.clientConnectTimeoutSeconds)],
    ['drain.settleSeconds', (p: any) => (p.drain.settleSeconds = 1)],
    ['karpenter.terminationGracePeriod', (p: any) => (p.karpenter.terminationGracePeriod = '1m')],
    ['autoscaling.scaleDownHoldMinutes', (p: any) => (p.autoscaling.scaleDownHoldMinutes = 31)],
    ['cache.freePercent', (p: any) => (p.cache.freePercent = 15)],
    ['architectures[1].min', (p: any) => (p.architectures[1].min = 0)],
    ['architectures[0].slots', (p: any) => (p.architectures[0].slots = 1)],
    ['architectures[0].maxNodes', (p: any) => (p.architectures[0].maxNodes = 1)],
    ['architectures[1].podsPerNode', (p: any) => (p.architectures[1].podsPerNode = 111)],
    ['haproxy.maxConnections', (p: any) => (p.haproxy.maxConnections = 2)],
    ['kedaVersion', (p: any) => (p.kedaVersion = '2.13')],
  ])('reports %s, relative to the props', (path, breakIt) => {
    const props = farmProps();
    breakIt(props);
    expect(validateBuildkitFarm(props).map((p) => p.path)).toContain(path);
  });

  it('is what the cluster file\'s check reports under buildkit., after the rules that need other sections', () => {
    const r = raw(STAGING);
    r.buildkit.namespaces.keda = 'nope';
    r.buildkit.architectures[0].min = 0;
    const c = config(r);
    const own = validateBuildkitFarm(c.buildkit!);
    expect(own.map((p) => p.path)).toEqual(['architectures[0].min']);
    expect(checkBuildkit(c)).toEqual([
      expect.objectContaining({ cluster: STAGING, path: 'buildkit.namespaces.keda', value: 'nope' }),
      { ...own[0], cluster: STAGING, path: 'buildkit.architectures[0].min' },
    ]);
  });
});
