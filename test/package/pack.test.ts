// The package as another repository gets it: `npm pack` (prepack compiles lib/ with tsc into
// JavaScript and .d.ts), the tarball installed into a fresh project beside cdk8s, and the example
// app of examples/buildkit-farm (the one README "Use as a library" shows) type-checked against the
// installed .d.ts and run. What it synthesizes must be what the source constructs build from the
// same props, and valid against the upstream schemas.
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { BuildkitFarm } from '../../lib/buildkit';
import { filesOf } from '../../lib/core/chart';
import { validateObject, K8sObject } from '../../lib/pipeline/validate';
import { farmProps } from '../../examples/buildkit-farm/farm';
import { REPO, tmpDir } from '../support/clusters';
import { tool } from '../support/env';

const EXAMPLE = path.join(REPO, 'examples', 'buildkit-farm');
const TSC = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

const root = tmpDir('pack');
const app = path.join(root, 'app');
let tarball = '';
let installed = false;

beforeAll(() => {
  const packed = run('npm', ['pack', '--silent', '--pack-destination', root], REPO).stdout.trim().split('\n').pop()!;
  tarball = path.join(root, packed);
  fs.cpSync(EXAMPLE, app, { recursive: true, filter: (src) => !/node_modules|dist$|\.js$/.test(path.relative(EXAMPLE, src)) });
  const pkg = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
  pkg.dependencies['cluster-manifests'] = `file:${tarball}`;
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify(pkg, null, 2));
  // dependencies come from the registry (npm's cache first): the only network CI allows
  const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, encoding: 'utf8' });
  if (install.status !== 0 && !process.env.CI && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT/.test(install.stderr)) {
    console.warn(`skipped: npm install of the packed tarball needs the npm registry (required in CI):\n${install.stderr}`);
    return;
  }
  if (install.status !== 0) throw new Error(`npm install of the packed tarball failed:\n${install.stderr}`);
  installed = true;
  run(process.execPath, [TSC, '-p', '.'], app);
  run(process.execPath, ['main.js'], app);
}, 180000);

const whenInstalled = (name: string, fn: () => void) => it(name, () => {
  if (installed) fn();
});

describe('the packed package', () => {
  it('holds the compiled library and nothing of the repository', () => {
    const files = run('tar', ['tzf', tarball], root).stdout.trim().split('\n');
    expect(files).toContain('package/build/lib/index.js');
    expect(files).toContain('package/build/lib/index.d.ts');
    expect(files).toContain('package/build/lib/airflow/dag_profiles.py');
    expect(files.filter((f) => /^package\/(test|clusters|dist|examples|scripts|schema)\//.test(f) || /\.ts$/.test(f) && !/\.d\.ts$/.test(f))).toEqual([]);
  });

  whenInstalled('exposes only its public entry: internal modules are not importable', () => {
    const r = spawnSync(process.execPath, ['-e', "require('cluster-manifests/build/lib/buildkit/fleet')"], { cwd: app, encoding: 'utf8' });
    expect(r.stderr).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });

  whenInstalled('the example app builds the same farm as the source constructs, from the same props', () => {
    const manifests = parseAllDocuments(fs.readFileSync(path.join(app, 'dist', 'ci-farm.k8s.yaml'), 'utf8')).map((d) => d.toJS());
    const labels = { 'app.kubernetes.io/part-of': 'ci', 'app.kubernetes.io/component': 'buildkit', 'app.kubernetes.io/managed-by': 'cdk8s' };
    const chart = new Chart(new App(), 'ci-farm', { disableResourceNameHashes: true, labels });
    const farm = new BuildkitFarm(chart, 'farm', farmProps());
    const fromSource = Testing.synth(chart);
    const farmObjects = manifests.filter((o) => o.kind !== 'PrometheusRule' && !(o.kind === 'ConfigMap' && o.metadata.name === 'grafana-alert-rules'));
    expect(farmObjects).toEqual(fromSource);
    expect(fs.readFileSync(path.join(app, 'dist', 'haproxy.cfg'), 'utf8')).toBe(farm.haproxyCfg);
    expect([...filesOf(chart).keys()].every((f) => fs.existsSync(path.join(app, 'dist', f)))).toBe(true);
  });

  whenInstalled('every object it writes is valid against its upstream schema', () => {
    const manifests = parseAllDocuments(fs.readFileSync(path.join(app, 'dist', 'ci-farm.k8s.yaml'), 'utf8')).map((d) => d.toJS() as K8sObject);
    expect(manifests.length).toBeGreaterThan(20);
    expect(manifests.flatMap((o) => validateObject(o).map((e) => `${o.kind}/${o.metadata.name}: ${e}`))).toEqual([]);
  });

  whenInstalled('the example app renders the farm\'s alerts with the guards they need, rules promtool accepts', () => {
    const manifests = parseAllDocuments(fs.readFileSync(path.join(app, 'dist', 'ci-farm.k8s.yaml'), 'utf8')).map((d) => d.toJS());
    const rule = manifests.find((o) => o.kind === 'PrometheusRule');
    const names = rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert)).sort();
    expect(names).toEqual([
      'BuildkitAtMaxReplicas', 'BuildkitLoadBalancerDown', 'BuildkitQueueBacklog', 'BuildkitSlotsExhausted',
      'KarpenterMetricsDown', 'KarpenterNodeLaunchFailing', 'KedaMetricsDown', 'KedaScaledObjectErrors', 'KedaScalerErrors',
      'KubeStateMetricsDown',
    ]);
    if (tool('promtool', ['--version'], 'apt-get install prometheus')) {
      const check = spawnSync('promtool', ['check', 'rules', path.join(app, 'dist', 'prometheus-rules.yaml')], { encoding: 'utf8' });
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    }
  });

  it('README "Use as a library" shows the example app as it is', () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    expect(readme).toContain(fs.readFileSync(path.join(EXAMPLE, 'main.ts'), 'utf8').trim());
  });
});
