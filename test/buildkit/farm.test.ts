// BuildkitFarm built from props, as a library user builds it: its derived values, the objects and
// files it adds, the rules its constructor enforces and the shape its validation checks.
import { spawnSync } from 'child_process';
import { Testing } from 'cdk8s';
import { BuildkitFarm, BuildkitFarmProps, fleet } from '../../lib/buildkit';
import { ComponentChart, LABEL, filesOf } from '../../lib/core/chart';
import { formatCpu, formatMemory, memoryBytes } from '../../lib/core/quantity';
import { K8sObject, validateObject } from '../../lib/pipeline/validate';
import { REPO } from '../support/clusters';
import { labelledChart, objectsByName, refusalOf, validationErrors } from '../support/constructs';
import { farmProps } from './props';
import { STAGING, config, raw } from './support';
import { buildkit } from '../../lib/config/components/buildkit';

const build = (props: BuildkitFarmProps = farmProps()) => {
  const chart = Testing.chart();
  return { chart, farm: new BuildkitFarm(chart, 'farm', props) };
};

describe('BuildkitFarm', () => {
  it('exposes the per-arch values fleet() derives, which its objects use', () => {
    const { chart, farm } = build();
    const props = farmProps();
    expect(farm.pools).toEqual(fleet(props));
    expect(farm.archPools.map((p) => p.pool)).toEqual(farm.pools);
    const objs = objectsByName(chart);
    for (const pool of farm.pools) {
      // HAProxy's slots, the NodePool limits and the pod size are the pool's numbers
      expect(farm.haproxyCfg).toContain(`server-template pod ${pool.slots} ${pool.name}-pods.buildkit.svc.cluster.local:1234 `);
      const limits = objs.get(`NodePool/${pool.nodePool}`).spec.limits;
      expect(limits).toEqual({ cpu: formatCpu(pool.maxNodes * pool.instance.vcpu), memory: formatMemory(pool.maxNodes * memoryBytes(pool.instance.memory)) });
      const buildkitd = objs.get(`Deployment/${pool.name}`).spec.template.spec.containers[0];
      expect(buildkitd.resources.limits).toEqual({ cpu: String(pool.pod.cpu), memory: `${pool.pod.memoryGiB}Gi` });
    }
  });

  it('adds haproxy.cfg and gate.cfg as files, the same text as its members and ConfigMaps', () => {
    const { chart, farm } = build();
    const files = filesOf(chart);
    expect([...files.keys()].sort()).toEqual(['gate.cfg', 'haproxy.cfg']);
    expect(files.get('haproxy.cfg')).toBe(farm.haproxyCfg);
    expect(files.get('gate.cfg')).toBe(farm.gateCfg);
    const objs = objectsByName(chart);
    expect(objs.get('ConfigMap/buildkit-lb').data['haproxy.cfg']).toBe(farm.haproxyCfg);
    expect(objs.get('ConfigMap/buildkitd-scripts').data['gate.cfg']).toBe(farm.gateCfg);
    // the header names the cluster the props say
    expect(farm.haproxyCfg.split('\n')[0]).toBe('# Generated from clusters/test.yaml by `npm run synth`. Do not edit.');
  });

  it('puts the ServiceMonitors in the monitoring namespace and lets it scrape', () => {
    const props = { ...farmProps(), monitoringNamespace: 'observability' };
    const { chart } = build(props);
    const objs = objectsByName(chart);
    for (const name of ['buildkit-lb', 'buildkitd', 'keda-operator'])
      expect(objs.get(`ServiceMonitor/${name}`).metadata.namespace).toBe('observability');
    const from = objs.get('NetworkPolicy/buildkitd').spec.ingress.flatMap((rule: any) => rule.from);
    expect(from).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } });
  });

  it('labels its pod templates with the chart\'s component and part-of labels, and nothing else of the chart', () => {
    const chart = labelledChart({ [LABEL.component]: 'ci', [LABEL.partOf]: 'builds', team: 'platform' });
    const farm = new BuildkitFarm(chart, 'farm', farmProps());
    const objs = objectsByName(chart);
    for (const name of [...farm.pools.map((p) => p.name), 'buildkit-lb']) {
      const labels = objs.get(`Deployment/${name}`).spec.template.metadata.labels;
      expect(labels[LABEL.component]).toBe('ci');
      expect(labels[LABEL.partOf]).toBe('builds');
      expect(labels.team).toBeUndefined();
      // the Deployment itself carries every chart label (cdk8s)
      expect(objs.get(`Deployment/${name}`).metadata.labels.team).toBe('platform');
    }
    // without chart labels the pods get only their selector
    const bare = objectsByName(build().chart).get('Deployment/buildkit-lb').spec.template.metadata.labels;
    expect(bare).toEqual({ [LABEL.name]: 'buildkit-lb' });
  });

  it('adds a ScaledObject per arch only when autoscaled', () => {
    const scaled = objectsByName(build().chart);
    expect([...scaled.keys()].filter((k) => k.startsWith('ScaledObject/'))).toEqual(['ScaledObject/buildkitd-amd64', 'ScaledObject/buildkitd-arm64']);
    const props = farmProps();
    props.autoscaling.enabled = false;
    props.architectures.forEach((a) => (a.replicas = a.min));
    const { chart, farm } = build(props);
    const fixed = objectsByName(chart);
    expect([...fixed.keys()].filter((k) => k.startsWith('ScaledObject/'))).toEqual([]);
    expect(farm.archPools.every((p) => p.scaledObject === undefined)).toBe(true);
    expect(fixed.get('Deployment/buildkitd-amd64').spec.replicas).toBe(2);
  });
});

describe('the YAML path and the props path', () => {
  it('arc-staging\'s buildkit section, through the config mapping, builds exactly the farm its props (the fixture) build', () => {
    const c = config(raw(STAGING));
    const chartOf = () => new ComponentChart(Testing.app(), { cluster: STAGING, component: 'buildkit', partOf: c.partOf });
    const viaMapping = chartOf();
    buildkit.build(viaMapping, c);
    const viaProps = chartOf();
    new BuildkitFarm(viaProps, 'farm', { ...farmProps(), cluster: STAGING, eksCluster: STAGING, nodeRole: `KarpenterNodeRole-${STAGING}` });
    expect(Testing.synth(viaProps)).toEqual(Testing.synth(viaMapping));
    expect(filesOf(viaProps)).toEqual(filesOf(viaMapping));
    expect(filesOf(viaProps).size).toBe(2);
  });
});

describe('BuildkitFarm refuses props that break a rule', () => {
  it('names the construct, the field relative to the props, the value, the rule and the fix', () => {
    const props = farmProps();
    props.architectures[0].min = 0;
    const problems = refusalOf(() => build(props));
    expect(problems).toEqual([
      'cluster test/farm: architectures[0].min = 0: must be >= 1: with no pod HAProxy refuses a build instead of queueing it, ' +
        'so the session gauge KEDA scales on stays 0 and the arch never scales up\n  fix: min: 1',
    ]);
  });

  it('reports every broken rule at once and builds nothing', () => {
    const props = farmProps();
    props.haproxy.replicas = 2;
    props.architectures[1].instanceType = 'm9x.huge';
    const chart = Testing.chart();
    const problems = refusalOf(() => new BuildkitFarm(chart, 'farm', props));
    expect(problems.map((p) => p.split(':').slice(0, 2).join(':'))).toEqual([
      'cluster test/farm: haproxy.replicas = 2',
      'cluster test/farm: architectures[1].instanceType = "m9x.huge"',
    ]);
    expect(Testing.synth(chart)).toEqual([]);
  });
});

describe('BuildkitFarm checks the shape of its props on synth', () => {
  it('refuses at once, with the shape\'s problems, props the rules cannot even read', () => {
    const props: any = farmProps();
    delete props.drain;
    expect(refusalOf(() => build(props))).toEqual(['cluster test/farm: drain = missing: Invalid input: expected object, received undefined']);
  });

  it('accepts the fixture', () => {
    expect(validationErrors(build().farm)).toEqual([]);
  });

  it('refuses an image not pinned by digest and an unknown field, naming each', () => {
    const props: any = { ...farmProps(), typo: true };
    props.images.buildkit = 'moby/buildkit:latest';
    const errors = validationErrors(build(props).farm);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^cluster test\/farm: images\.buildkit = "moby\/buildkit:latest": must be pinned by tag and digest/);
    expect(errors[1]).toMatch(/^cluster test\/farm: .*typo/);
  });
});

describe('importing the farm', () => {
  it('loads neither zod nor the props schema (the YAML path validated the section already)', () => {
    const script = "require('./lib/buildkit'); const loaded = Object.keys(require.cache);" +
      "console.log(JSON.stringify(loaded.filter((f) => /node_modules[\\/]zod[\\/]|lib[\\/]buildkit[\\/]props/.test(f))))";
    const run = spawnSync(process.execPath, ['-r', './scripts/register.js', '-e', script], { cwd: REPO, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([]);
  });
});

describe('BuildkitFarm output', () => {
  const fixed = (): BuildkitFarmProps => {
    const props = farmProps();
    props.autoscaling.enabled = false;
    props.architectures.forEach((a) => (a.replicas = a.max));
    return { ...props, ipFamily: 'dual' };
  };
  it.each([['autoscaled, IPv4', farmProps], ['fixed, dual-stack', fixed]])(
    '%s: every object is valid against the Kubernetes and CRD schemas', (_, props) => {
      const chart = new ComponentChart(Testing.app(), { cluster: 'test', component: 'buildkit', partOf: 'ci' });
      new BuildkitFarm(chart, 'farm', props());
      const objects = Testing.synth(chart) as K8sObject[];
      expect(objects.length).toBeGreaterThan(20);
      for (const o of objects) expect([`${o.kind}/${o.metadata.name}`, validateObject(o, { cache: true })]).toEqual([`${o.kind}/${o.metadata.name}`, []]);
    });
});
