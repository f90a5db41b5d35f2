import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../../lib/core/errors';
import { CLUSTERS_DIR, loadClusters, parseCluster, PRESETS } from '../../lib/config/load';
import { parseConfig } from '../../lib/config/parse';
import { clusterSchema } from '../../lib/config/schema';
import { render } from '../../lib/pipeline/render';
import { parse, stringify } from 'yaml';
import { builtInClusters, clustersDir, rawCluster, setPath } from '../support/clusters';
import { problemsOf } from '../support/constructs';

const parseRaw = (raw: unknown, name = 'scw-ml-prod') => parseCluster(stringify(raw), `clusters/${name}.yaml`);

describe('loading cluster files', () => {
  it('accepts every built-in cluster', () => {
    const names = loadClusters().map((c) => c.config.name);
    expect(names).toEqual(builtInClusters());
  });

  it('names the file, the field path, the value and the rule of a wrong value', () => {
    const raw = setPath(rawCluster('arc-staging'), 'buildkit.architectures[1].max', -3);
    const [p] = problemsOf(() => parseRaw(raw, 'arc-staging'));
    expect(p).toMatchObject({ cluster: 'arc-staging', file: 'clusters/arc-staging.yaml', path: 'buildkit.architectures[1].max', value: -3 });
    expect(p.rule).toMatch(/>0|positive|greater/i);
    expect(new ConfigError([p]).message).toMatch(/^clusters\/arc-staging\.yaml: cluster arc-staging: buildkit\.architectures\[1\]\.max = -3: /);
  });

  it('rejects unknown keys, naming them', () => {
    const raw = setPath(rawCluster('scw-ml-prod'), 'compute.pools.compute.maxSize', 6);
    const [p] = problemsOf(() => parseRaw(raw));
    expect(p).toMatchObject({ path: 'compute.pools.compute.maxSize', value: 6 });
    expect(p.rule).toMatch(/^unknown key \(known keys: nodeType, min, max, /);
  });

  it('says which required field is missing', () => {
    const raw = setPath(rawCluster('scw-ml-prod'), 'compute.profiles.light.limits', undefined);
    const [p] = problemsOf(() => parseRaw(raw));
    expect(p).toMatchObject({ path: 'compute.profiles.light.limits', value: undefined, rule: 'required: expected object' });
    expect(new ConfigError([p]).message).toContain('compute.profiles.light.limits = missing: required');
  });

  it('rejects a quantity that Kubernetes would not accept', () => {
    const raw = setPath(rawCluster('scw-ml-prod'), 'compute.profiles.heavy.limits.memory', '24GB');
    const [p] = problemsOf(() => parseRaw(raw));
    expect(p).toMatchObject({ path: 'compute.profiles.heavy.limits.memory', value: '24GB' });
    expect(p.rule).toMatch(/memory quantity/);
  });

  it('requires the name to match the file name', () => {
    const [p] = problemsOf(() => parseRaw(rawCluster('arc-staging'), 'arc-copy'));
    expect(p).toMatchObject({ cluster: 'arc-copy', path: 'name', value: 'arc-staging' });
  });

  it('reports every broken reference, not just the first', () => {
    const raw = rawCluster('scw-ml-prod');
    setPath(raw, 'compute.profiles.light.pool', 'gpu');
    setPath(raw, 'capacity.scenarios[0].workloads[0]', 'ftf-turbo');
    const problems = problemsOf(() => parseRaw(raw));
    expect(problems.map((p) => [p.path, p.value])).toEqual(
      expect.arrayContaining([
        ['compute.profiles.light.pool', 'gpu'],
        ['capacity.scenarios[0].workloads[0]', 'ftf-turbo'],
      ]),
    );
  });

  it('refuses a namespace that the cluster does not declare', () => {
    const raw = setPath(rawCluster('arc-staging'), 'buildkit.namespaces.runners', 'runners');
    const [p] = problemsOf(() => parseRaw(raw, 'arc-staging'));
    expect(p).toMatchObject({ path: 'buildkit.namespaces.runners', value: 'runners' });
  });

  it('reports invalid YAML with its line', () => {
    const [p] = problemsOf(() => parseCluster('name: x\n  bad: [', 'clusters/x.yaml'));
    expect(p.rule).toMatch(/invalid YAML at line \d+/);
  });

  it('collects the problems of all files and names a missing cluster', () => {
    const dir = clustersDir({
      'arc-staging': setPath(rawCluster('arc-staging'), 'provider', 'gcp'),
      'scw-ml-prod': setPath(rawCluster('scw-ml-prod'), 'partOf', 'ML Platform'),
    });
    const problems = problemsOf(() => loadClusters(dir));
    expect(problems.map((p) => p.cluster).sort()).toEqual(['arc-staging', 'scw-ml-prod']);
    const [missing] = problemsOf(() => loadClusters(dir, ['nope']));
    expect(missing.cluster).toBe('nope');
    expect(missing.rule).toMatch(new RegExp(`^no cluster file .*${path.basename(dir)}/nope\\.yaml$`));
  });
});

describe('problems found by component rules', () => {
  it('carry the file of the cluster they come from', () => {
    const raw = rawCluster('scw-ml-prod');
    raw.airflow.heavyFactors.push('not_a_factor');
    const problems = problemsOf(() => render([parseRaw(raw)]));
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p.file).toBe('clusters/scw-ml-prod.yaml');
  });
});

describe('provider', () => {
  it('a BuildKit farm needs AWS (its nodes are Karpenter EC2NodeClasses)', () => {
    const raw = setPath(rawCluster('arc-staging'), 'provider', 'scaleway');
    const [p] = problemsOf(() => parseRaw(raw, 'arc-staging'));
    expect(p).toMatchObject({ path: 'provider', value: 'scaleway' });
    expect(p.rule).toMatch(/buildkit section needs provider aws/);
  });
});

describe('quantities', () => {
  it('an unquoted number says how to write the quantity', () => {
    const raw = setPath(rawCluster('scw-ml-prod'), 'compute.profiles.light.requests.cpu', 2);
    const [p] = problemsOf(() => parseRaw(raw));
    expect(p).toMatchObject({ path: 'compute.profiles.light.requests.cpu', value: 2 });
    expect(p.rule).toBe('must be a quoted CPU quantity such as "2", "15.8" or "950m"');
  });
});

describe('images', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  // the farm's images need both: the tag for the reader, the digest for the node
  it.each(['', 'haproxy', 'moby/buildkit:latest', 'registry.local:5000/buildkit', 'moby/buildkit:v0.29.0', `moby/buildkit@${digest}`,
    `moby/buildkit:latest@${digest}`])('refuses %j: not pinned by tag and digest', (image) => {
    const raw = setPath(rawCluster('arc-staging'), 'buildkit.images.buildkit', image);
    const [p] = problemsOf(() => parseRaw(raw, 'arc-staging'));
    expect(p).toMatchObject({ path: 'buildkit.images.buildkit', value: image });
    expect(p.rule).toMatch(/pinned by tag and digest|version tag, not latest/);
  });

  it('accepts a version tag and digest, also behind a registry port', () => {
    for (const image of [`registry.local:5000/moby/buildkit:v0.29.0@${digest}`, `moby/buildkit:v0.29.0@${digest}`]) {
      expect(() => parseRaw(setPath(rawCluster('arc-staging'), 'buildkit.images.buildkit', image), 'arc-staging')).not.toThrow();
    }
  });
});

describe('remembered validation', () => {
  it('gives exactly what the schema gives, the first time and from the cache', () => {
    const raw = rawCluster('scw-ml-prod');
    raw.description = `cache probe ${process.pid} ${Date.now()}`; // a config this cache has never seen
    const fresh = clusterSchema.parse(raw);
    const first = parseConfig(raw);
    const again = parseConfig(raw);
    expect(first).toEqual({ config: fresh });
    expect(again).toEqual({ config: fresh });
  });

  it('never remembers a failure', () => {
    const raw = setPath(rawCluster('arc-staging'), 'buildkit.architectures[0].podsPerNode', 0);
    expect('issues' in parseConfig(raw)).toBe(true);
    expect('issues' in parseConfig(raw)).toBe(true);
  });
});

describe('presets', () => {
  const presetText = fs.readFileSync(path.join(CLUSTERS_DIR, PRESETS, 'eks-buildkit-farm.yaml'), 'utf8');
  const stagingText = fs.readFileSync(path.join(CLUSTERS_DIR, 'arc-staging.yaml'), 'utf8');
  /** A clusters folder with arc-staging (as written: it extends the preset) and the given preset text. */
  function withPreset(preset: string, cluster = stagingText): string {
    const dir = clustersDir({ 'arc-staging': cluster });
    fs.mkdirSync(path.join(dir, PRESETS));
    fs.writeFileSync(path.join(dir, PRESETS, 'eks-buildkit-farm.yaml'), preset);
    return dir;
  }

  it('a cluster gets the preset values, its own win, and lists are replaced whole', () => {
    const [c] = loadClusters(withPreset(presetText));
    const preset = parse(presetText);
    expect(c.config.buildkit!.haproxy.timeoutQueueSeconds).toBe(preset.buildkit.haproxy.timeoutQueueSeconds);
    expect(c.config.buildkit!.autoscaling.enabled).toBe(parse(stagingText).buildkit.autoscaling.enabled);
    expect(c.config.buildkit!.autoscaling.scaleDownHoldMinutes).toBe(preset.buildkit.autoscaling.scaleDownHoldMinutes);
    expect(c.config.buildkit!.architectures).toEqual(parse(stagingText).buildkit.architectures);
    expect(c.preset).toMatch(/presets\/eks-buildkit-farm\.yaml$/);
  });

  it('a problem in a value the preset sets names the preset file; one the cluster sets names the cluster', () => {
    const badPreset = presetText.replace(/timeoutQueueSeconds: \d+/, 'timeoutQueueSeconds: -1');
    const [fromPreset] = problemsOf(() => loadClusters(withPreset(badPreset)));
    expect(fromPreset).toMatchObject({ path: 'buildkit.haproxy.timeoutQueueSeconds', value: -1 });
    expect(fromPreset.file).toMatch(/presets\/eks-buildkit-farm\.yaml$/);
    const badCluster = stagingText.replace(/min: 2, max: 8/, 'min: 9, max: 8');
    const fromCluster = problemsOf(() => render(loadClusters(withPreset(presetText, badCluster))));
    expect(fromCluster.find((p) => p.path.startsWith('buildkit.architectures[0]'))!.file).toMatch(/arc-staging\.yaml$/);
  });

  it('a change to the preset changes every cluster that extends it (no stale cache)', () => {
    const dir = withPreset(presetText);
    expect(loadClusters(dir)[0].config.buildkit!.drain.pollSeconds).toBe(parse(presetText).buildkit.drain.pollSeconds);
    fs.writeFileSync(path.join(dir, PRESETS, 'eks-buildkit-farm.yaml'), presetText.replace(/pollSeconds: \d+/, 'pollSeconds: 7'));
    expect(loadClusters(dir)[0].config.buildkit!.drain.pollSeconds).toBe(7);
  });

  it('an unknown preset is refused at `extends`, naming the known ones', () => {
    const [p] = problemsOf(() => loadClusters(withPreset(presetText, stagingText.replace('extends: eks-buildkit-farm', 'extends: gke-farm'))));
    expect(p).toMatchObject({ path: 'extends', value: 'gke-farm' });
    expect(p.rule).toMatch(/^no preset .*presets\/gke-farm\.yaml \(known: eks-buildkit-farm\)$/);
  });

  it('refuses a preset that is not a mapping, or extends another, naming the preset file', () => {
    const [list] = problemsOf(() => loadClusters(withPreset('- provider: aws\n')));
    expect(list.file).toMatch(/presets\/eks-buildkit-farm\.yaml$/);
    expect(list.rule).toBe('a preset must be a mapping of cluster fields');
    const [chained] = problemsOf(() => loadClusters(withPreset(`extends: base\n${presetText}`)));
    expect(chained).toMatchObject({ path: 'extends', value: 'base' });
    expect(chained.file).toMatch(/presets\/eks-buildkit-farm\.yaml$/);
  });

  it('a removed preset is never hidden by the validation cache', () => {
    // a cluster that sets every field itself, extending an empty preset: the text alone is the same
    // with or without the preset, so the preset's absence must be part of the cache key
    const local = `extends: local\n${stringify(rawCluster('arc-staging'))}`;
    const dir = withPreset(presetText, local);
    fs.writeFileSync(path.join(dir, PRESETS, 'local.yaml'), '');
    expect(loadClusters(dir)).toHaveLength(1);
    fs.rmSync(path.join(dir, PRESETS, 'local.yaml'));
    expect(problemsOf(() => loadClusters(dir))[0]).toMatchObject({ path: 'extends', value: 'local' });
  });

  it('a problem in a preset key that holds dots names the preset, with the key quoted', () => {
    const bad = presetText.replace('vcpu: 96', 'vcpu: "x"');
    const [p] = problemsOf(() => loadClusters(withPreset(bad)));
    expect(p.path).toBe('buildkit.instanceTypes."m6id.24xlarge".vcpu');
    expect(p.file).toMatch(/presets\/eks-buildkit-farm\.yaml$/);
  });

  it('a required field missing because of a typo in the preset names the preset', () => {
    const typo = presetText.replace('timeoutQueueSeconds:', 'timeoutQueueSecond:');
    const problems = problemsOf(() => loadClusters(withPreset(typo)));
    for (const p of problems) expect(p.file).toMatch(/presets\/eks-buildkit-farm\.yaml$/);
    expect(problems.map((p) => p.path).sort()).toEqual(['buildkit.haproxy.timeoutQueueSecond', 'buildkit.haproxy.timeoutQueueSeconds']);
  });
});

describe('robustness', () => {
  it('refuses two files for one cluster', () => {
    const dir = clustersDir({ 'arc-staging': rawCluster('arc-staging') });
    fs.copyFileSync(path.join(dir, 'arc-staging.yaml'), path.join(dir, 'arc-staging.yml'));
    expect(problemsOf(() => loadClusters(dir)).map((p) => p.rule)).toContain('two files for one cluster (arc-staging.yaml and arc-staging.yml): keep one');
  });

  it('a name that is a JavaScript property of every object is still an unknown node type', () => {
    const raw = setPath(rawCluster('scw-ml-prod'), 'compute.pools.compute.nodeType', 'toString');
    expect(problemsOf(() => parseRaw(raw))[0]).toMatchObject({ path: 'compute.pools.compute.nodeType', value: 'toString' });
  });

  it('never caches a config JSON cannot carry exactly (a YAML-tagged date)', () => {
    const text = stringify(rawCluster('scw-ml-prod')).replace(/(sizingDocDifferences:\n\s+- path: \S+\n\s+doc:) [^\n]+/, '$1 !!timestamp 2024-01-01');
    expect(text).toContain('!!timestamp');
    const first = parseCluster(text, 'clusters/scw-ml-prod.yaml').config.capacity!.sizingDocDifferences[0].doc;
    const again = parseCluster(text, 'clusters/scw-ml-prod.yaml').config.capacity!.sizingDocDifferences[0].doc;
    expect(first).toBeInstanceOf(Date);
    expect(again).toBeInstanceOf(Date);
  });
});
