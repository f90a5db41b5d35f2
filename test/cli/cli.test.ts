// The commands as a user and CI run them: real processes, exact stdout, stderr and exit codes.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CLUSTERS_DIR, PRESETS } from '../../lib/config/load';
import { problemCommand } from '../../lib/pipeline/cli';
import { readTree } from '../../lib/pipeline/dist';
import { REPO, tmpDir } from '../support/clusters';

const ENV = { ...process.env, GITHUB_ACTIONS: '', SYNTH_DEBUG: '' };
const run = (script: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['-r', './scripts/register.js', script, ...args], { cwd: REPO, encoding: 'utf8', env: { ...ENV, ...env } });
const rel = (p: string) => path.relative(REPO, p);

/** A clusters folder with arc-staging (and the presets), its file optionally edited. */
function farm(edit: (text: string) => string = (t) => t): { dir: string; file: string } {
  const dir = tmpDir('cli-clusters');
  fs.cpSync(path.join(CLUSTERS_DIR, PRESETS), path.join(dir, PRESETS), { recursive: true });
  const file = path.join(dir, 'arc-staging.yaml');
  fs.writeFileSync(file, edit(fs.readFileSync(path.join(CLUSTERS_DIR, 'arc-staging.yaml'), 'utf8')));
  return { dir, file };
}
const broken = (t: string) => t.replace('podsPerNode: 2,', 'podsPerNode: 0,');

/** 1-based line and column of `needle` in the file: where the problem must point. */
function positionOf(file: string, needle: string): { line: number; col: number } {
  const text = fs.readFileSync(file, 'utf8');
  const before = text.slice(0, text.indexOf(needle));
  return { line: before.split('\n').length, col: before.length - before.lastIndexOf('\n') };
}

describe('--help', () => {
  it.each([
    ['main.ts', 'npm run synth -- '],
    ['scripts/diff.ts', 'npm run diff -- '],
    ['scripts/plan.ts', 'npm run -s plan -- '],
    ['scripts/schema.ts', 'npm run schema'],
    ['scripts/bench.ts', 'npm run bench'],
    ['scripts/check-dist.ts', 'npm run synth -- '],
  ])('%s prints its usage on stdout and exits 0, doing nothing else', (script, first) => {
    const out = run(script, ['--help'], { DIST_DIR: path.join(tmpDir('help'), 'dist') });
    expect({ status: out.status, stderr: out.stderr }).toEqual({ status: 0, stderr: '' });
    expect(out.stdout.startsWith(first)).toBe(true);
    expect(out.stdout).toContain('--help, -h');
  });

  it('documents every flag synth accepts and every exit code', () => {
    const usage = run('main.ts', ['-h']).stdout;
    for (const flag of ['--cluster', '--clusters-dir', '--dist', '--check', '--watch', '--format', '--delete-foreign']) expect(usage).toMatch(new RegExp(`^  ${flag}\\b`, 'm'));
    expect(usage).toMatch(/Exit codes: 0 done, 1 .*, 2 usage or environment .*3 a bug/s);
  });
});

describe('exit codes and messages', () => {
  it('a wrong argument: exit 2, the error and the usage line on stderr, nothing on stdout', () => {
    const out = run('main.ts', ['--frobnicate']);
    expect(out).toMatchObject({ status: 2, stdout: '' });
    expect(out.stderr).toBe(`unknown argument --frobnicate\nusage: ${run('main.ts', ['--help']).stdout.split('\n')[0]} (--help explains each)\n`);
    expect(run('main.ts', ['--format', 'xml']).stderr).toMatch(/^--format must be one of text, json \(got xml\)/);
    expect(run('scripts/diff.ts', ['--markdown', '--limit', 'lots']).status).toBe(2);
    expect(run('scripts/plan.ts', ['--policy', 'safe']).status).toBe(2);
  });

  it('a refused config: exit 1, the problem on stderr, no workflow command outside GitHub Actions', () => {
    const { dir, file } = farm(broken);
    const out = run('main.ts', ['--clusters-dir', dir, '--dist', path.join(tmpDir('d'), 'dist')]);
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe(`synthesis refused, nothing written:\n${rel(file)}: cluster arc-staging: buildkit.architectures[0].podsPerNode = 0: Too small: expected number to be >0\n`);
  });
});

describe('errors where CI shows them', () => {
  it('with GITHUB_ACTIONS=true, each problem is also an ::error command on the offending key\'s line and column', () => {
    const { dir, file } = farm(broken);
    const out = run('main.ts', ['--clusters-dir', dir, '--dist', path.join(tmpDir('d'), 'dist')], { GITHUB_ACTIONS: 'true' });
    expect(out.status).toBe(1);
    const { line, col } = positionOf(file, 'podsPerNode: 0');
    // properties escape ':' and ',' (actions/toolkit's escapeProperty)
    expect(out.stdout).toBe(
      `::error file=${rel(file)},line=${line},col=${col},title=cluster arc-staging%3A buildkit.architectures[0].podsPerNode::` +
        `${rel(file)}: cluster arc-staging: buildkit.architectures[0].podsPerNode = 0: Too small: expected number to be >0\n`,
    );
  });

  it('an unknown key points at the key itself, one command per problem', () => {
    const { dir, file } = farm((t) => t.replace('  nodeRole:', '  nodeRoll:'));
    const out = run('main.ts', ['--clusters-dir', dir, '--dist', path.join(tmpDir('d'), 'dist')], { GITHUB_ACTIONS: 'true' });
    const { line, col } = positionOf(file, 'nodeRoll');
    expect(out.stdout).toContain(`::error file=${rel(file)},line=${line},col=${col},title=cluster arc-staging%3A buildkit.nodeRoll::`);
    for (const l of out.stdout.trim().split('\n')) expect(l).toMatch(/^::error /);
  });

  it('--format json prints the problems for other tools, with file, line and column', () => {
    const { dir, file } = farm(broken);
    const out = run('main.ts', ['--clusters-dir', dir, '--dist', path.join(tmpDir('d'), 'dist'), '--format', 'json']);
    expect(out.status).toBe(1);
    const { line, col } = positionOf(file, 'podsPerNode: 0');
    expect(JSON.parse(out.stdout)).toEqual({
      ok: false,
      exitCode: 1,
      problems: [{
        cluster: 'arc-staging', file: rel(file), line, column: col, path: 'buildkit.architectures[0].podsPerNode', value: 0,
        rule: 'Too small: expected number to be >0',
        message: `${rel(file)}: cluster arc-staging: buildkit.architectures[0].podsPerNode = 0: Too small: expected number to be >0`,
      }],
    });
    const usage = run('main.ts', ['--format', 'json', '--nope']);
    expect(JSON.parse(usage.stdout)).toMatchObject({ ok: false, exitCode: 2, error: expect.stringMatching(/^unknown argument --nope/) });
  });
});

describe('--check (the pre-commit hook)', () => {
  it('writes nothing, exits 0 on a current dist/ and 1 with the differences on a stale one', () => {
    const { dir } = farm();
    const dist = path.join(tmpDir('check'), 'dist');
    expect(run('main.ts', ['--clusters-dir', dir, '--dist', dist]).status).toBe(0);
    const current = run('main.ts', ['--clusters-dir', dir, '--dist', dist, '--check']);
    expect(current).toMatchObject({ status: 0, stderr: '', stdout: `${rel(dist)}/ is up to date (arc-staging)\n` });

    fs.writeFileSync(path.join(dist, 'arc-staging', 'buildkit', 'haproxy.cfg'), 'edited by hand\n');
    const before = readTree(dist);
    const stale = run('main.ts', ['--clusters-dir', dir, '--dist', dist, '--check']);
    expect(stale.status).toBe(1);
    expect(stale.stdout).toBe('');
    expect(stale.stderr).toMatch(new RegExp(`^${rel(dist)}/ is stale: run \`npm run synth\` and commit the result.\ngenerated output: 1 changed, 0 added, 0 removed\n`));
    expect(stale.stderr).toContain('~ file buildkit/haproxy.cfg');
    expect(readTree(dist)).toEqual(before);
  });

  it('the git hook and the pre-commit config run it', () => {
    const hook = path.join(REPO, '.githooks', 'pre-commit');
    expect(fs.statSync(hook).mode & 0o111).not.toBe(0);
    expect(fs.readFileSync(hook, 'utf8')).toMatch(/^exec node -r \.\/scripts\/register\.js main\.ts --check$/m);
    expect(fs.readFileSync(path.join(REPO, '.pre-commit-config.yaml'), 'utf8')).toContain('entry: node -r ./scripts/register.js main.ts --check');
    const dist = path.join(tmpDir('hook'), 'dist');
    fs.mkdirSync(dist);
    // an empty dist/ is stale: the hook refuses the commit
    const out = spawnSync(hook, [], { cwd: REPO, encoding: 'utf8', env: { ...ENV, DIST_DIR: dist } });
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/is stale: run `npm run synth`/);
  });
});

describe('progress', () => {
  const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
  (hasScript ? it : it.skip)('is shown on a terminal, and not in a pipe', () => {
    const { dir } = farm();
    const args = ['-r', './scripts/register.js', 'main.ts', '--clusters-dir', dir, '--dist', path.join(tmpDir('p'), 'dist')];
    // util-linux `script` gives the command a terminal
    const tty = spawnSync('script', ['-qec', [process.execPath, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'], { cwd: REPO, encoding: 'utf8', env: ENV });
    expect(tty.status).toBe(0);
    expect(tty.stdout).toMatch(/\.\.\. building and validating arc-staging \(1\/1\)/);
    const piped = spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8', env: ENV });
    expect(piped.stderr).not.toContain('... ');
    expect(piped.stdout).toMatch(/^synthesized arc-staging: \d+ files in /);
  });
});

describe('--watch', () => {
  it('synthesizes again on each change, refusing a bad one with dist/ kept, until stopped', async () => {
    const { dir, file } = farm();
    const dist = path.join(tmpDir('watch'), 'dist');
    const child = spawn(process.execPath, ['-r', './scripts/register.js', 'main.ts', '--watch', '--clusters-dir', dir, '--dist', dist], { cwd: REPO, env: ENV });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const waitFor = async (what: () => boolean) => {
      for (let i = 0; i < 300 && !what(); i++) await new Promise((r) => setTimeout(r, 100));
      expect(what()).toBe(true);
    };
    try {
      await waitFor(() => out.includes('watching for changes'));
      expect(out).toMatch(/^synthesized arc-staging/);
      const first = readTree(dist);
      fs.writeFileSync(file, broken(fs.readFileSync(file, 'utf8')));
      await waitFor(() => err.includes('synthesis refused, nothing written'));
      expect(readTree(dist)).toEqual(first);
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('podsPerNode: 0, min: 2, max: 8', 'podsPerNode: 2, min: 2, max: 10'));
      await waitFor(() => (out.match(/synthesized arc-staging/g) ?? []).length >= 2);
      expect(readTree(dist).get('arc-staging/buildkit/scaledobject-buildkitd-amd64.yaml')).toMatch(/maxReplicaCount: 10/);
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);
});

describe('workflow command escaping (as actions/toolkit escapes: data %, CR, LF; properties also : and ,)', () => {
  it('keeps a problem with its fix on one line, and a file name with a comma in one property', () => {
    const line = problemCommand({
      cluster: 'x', file: 'clusters/a,b.yaml', line: 3, column: 5, path: 'compute.profiles.p.limits.memory', value: '80Gi',
      rule: 'the limit exceeds 64Gi: 100% of a node', fix: 'lower it\r\nto 64Gi',
    });
    expect(line).toBe(
      '::error file=clusters/a%2Cb.yaml,line=3,col=5,title=cluster x%3A compute.profiles.p.limits.memory::' +
        'clusters/a,b.yaml: cluster x: compute.profiles.p.limits.memory = "80Gi": the limit exceeds 64Gi: 100%25 of a node%0A  fix: lower it%0D%0Ato 64Gi',
    );
  });
});
