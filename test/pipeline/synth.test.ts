// The pipeline end to end, through the real commands users run.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { loadClusters } from '../../lib/config/load';
import { defaultDist, MARKER, readTree, startTime } from '../../lib/pipeline/dist';
import { render } from '../../lib/pipeline/render';
import { clustersDir, rawCluster, REPO, setPath, tmpDir } from '../support/clusters';

const node = (script: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['-r', './scripts/register.js', script, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });

/** A dist/ folder with known content, to prove a command did not touch it. */
function seededDist(): string {
  const dist = tmpDir('dist');
  fs.writeFileSync(path.join(dist, MARKER), 'written by an earlier synth\n');
  fs.mkdirSync(path.join(dist, 'scw-ml-prod'));
  fs.writeFileSync(path.join(dist, 'scw-ml-prod', 'marker.yaml'), 'previous output\n');
  return dist;
}

describe('synthesis', () => {
  it('is deterministic: the same input renders byte-identical files', () => {
    const a = render(loadClusters());
    const b = render(loadClusters());
    expect([...a.entries()]).toEqual([...b.entries()]);
  });

  it('writes one folder per cluster, one file per object, in a folder per component', () => {
    const files = [...render(loadClusters()).keys()];
    // beside the component folders, only the cluster's kustomization (test/output/gitops.test.ts)
    for (const f of files) expect(f).toMatch(/^[a-z0-9-]+\/([a-z0-9-]+\/.+|kustomization\.yaml)$/);
    expect(files).toContain('scw-ml-prod/airflow/namespace-airflow.yaml');
  });

  it('leaves dist/ untouched and prints every problem when a cluster is invalid', () => {
    const dist = seededDist();
    const before = readTree(dist);
    const clusters = clustersDir({
      'arc-staging': setPath(rawCluster('arc-staging'), 'buildkit.architectures[0].podsPerNode', 0),
      'scw-ml-prod': rawCluster('scw-ml-prod'),
    });
    const run = node('main.ts', ['--clusters-dir', clusters, '--dist', dist]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('synthesis refused, nothing written');
    expect(run.stderr).toMatch(/cluster arc-staging: buildkit\.architectures\[0\]\.podsPerNode = 0/);
    expect(readTree(dist)).toEqual(before);
    // no staging folder, lock or backup left beside it
    expect(fs.readdirSync(path.dirname(dist)).filter((f) => f.includes(path.basename(dist)) && f !== path.basename(dist))).toEqual([]);
  });

  it('refuses to replace a folder it did not write, and a missing clusters folder, without a stack trace', () => {
    const foreign = tmpDir('not-dist');
    fs.writeFileSync(path.join(foreign, 'notes.txt'), 'mine\n');
    const run = node('main.ts', ['--dist', foreign]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/refusing to replace .*not-dist.*: it is not empty and has no \.generated file/);
    expect(fs.readdirSync(foreign)).toEqual(['notes.txt']);
    const missing = node('main.ts', ['--clusters-dir', path.join(foreign, 'nope'), '--dist', tmpDir('dist')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\/: no such clusters folder/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  it('lets one synth at a time write a folder, takes over the lock of a dead one, and cleans up', () => {
    const dist = seededDist();
    // a live holder: this test process
    fs.writeFileSync(`${dist}.lock`, JSON.stringify({ pid: process.pid, start: startTime(process.pid) }));
    const blocked = node('main.ts', ['--cluster', 'arc-staging', '--dist', dist]);
    expect(blocked.status).toBe(2);
    expect(blocked.stderr).toContain(`another synth (pid ${process.pid}) is writing ${dist}`);
    // a holder that is gone: a finished process's PID
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    fs.writeFileSync(`${dist}.lock`, JSON.stringify({ pid: Number(gone.stdout), start: '1' }));
    expect(node('main.ts', ['--cluster', 'arc-staging', '--dist', dist]).status).toBe(0);
    expect(fs.readdirSync(path.dirname(dist)).filter((f) => f.includes(path.basename(dist)) && f !== path.basename(dist))).toEqual([]);
  });

  it('with --cluster, replaces only that cluster', () => {
    const dist = seededDist();
    const run = node('main.ts', ['--cluster', 'arc-staging', '--dist', dist]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(fs.readFileSync(path.join(dist, 'scw-ml-prod', 'marker.yaml'), 'utf8')).toBe('previous output\n');
    expect(fs.readdirSync(dist).sort()).toEqual([MARKER, 'arc-staging', 'scw-ml-prod']);
  });

  it('gives the same dist/ through `npx cdk8s synth` as through `npm run synth`', () => {
    const viaNpm = tmpDir('dist-npm');
    const viaCli = tmpDir('dist-cli');
    expect(node('main.ts', ['--dist', viaNpm]).status).toBe(0);
    // CDK8S_CHECK_UPGRADE=false is what the CLI reads (yargs .env('CDK8S') for --check-upgrade):
    // without it the CLI fetches its latest version first, and offline prints that fetch's stack
    const cli = spawnSync('npx', ['--no-install', 'cdk8s', 'synth'], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, DIST_DIR: viaCli, CDK8S_CHECK_UPGRADE: 'false' },
    });
    expect(cli.status).toBe(0);
    expect(readTree(viaCli)).toEqual(readTree(viaNpm));
    expect(readTree(viaNpm).size).toBeGreaterThan(0);
    expect(cli.stderr).not.toMatch(/\n\s+at |No manifests synthesized|A new version/);
    // what the CLI lists instead: one kustomization per cluster, pointing at the output
    const clusters = [...new Set([...readTree(viaCli).keys()].map((f) => f.split('/')[0]))];
    expect(cli.stdout.match(/^ {2}- .*$/gm)).toEqual(clusters.map((c) => `  - .cdk8s.out/${c}/kustomization.yaml`));
    const pointer = parse(fs.readFileSync(path.join(REPO, '.cdk8s.out', clusters[0], 'kustomization.yaml'), 'utf8'));
    expect(path.resolve(REPO, '.cdk8s.out', clusters[0], pointer.resources[0])).toBe(path.join(viaCli, clusters[0]));
  });

  it('npm run diff reads dist/ but never writes it, and exits 1 on a difference', () => {
    const before = readTree(defaultDist());
    const changed = clustersDir({
      'arc-staging': setPath(rawCluster('arc-staging'), 'namespaces[1].podSecurity', 'restricted'),
    });
    const run = node('scripts/diff.ts', ['--clusters-dir', changed, '--cluster', 'arc-staging']);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/Namespace arc-runners: metadata\.labels\."pod-security\.kubernetes\.io\/enforce" baseline -> restricted/);
    expect(readTree(defaultDist())).toEqual(before);
    // a failure is never reported as a difference (exit 1): CI would take it for one
    expect(node('scripts/diff.ts', ['--dist', path.join(REPO, 'README.md')]).status).toBe(2);
    const same = node('scripts/diff.ts', ['--cluster', 'arc-staging']);
    expect(same.stdout).toMatch(/up to date/);
    expect(same.status).toBe(0);
  });
});
