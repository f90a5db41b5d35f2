// `npm run bench`: how fast synthesis is, against the floor of merely loading cdk8s.
// Prints the median wall time of `npm run synth` and of the app alone, the floor (a bare node
// that only loads cdk8s and cdk8s-plus-28), their ratio, and the growth with cluster count.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { CLUSTERS_DIR, resolveClusterText } from '../lib/config/load';
import { commandArgs } from './usage';

const USAGE = `npm run bench
  Times \`npm run synth\` and the app alone (median of BENCH_RUNS runs, default 9) against the floor of
  loading cdk8s, and the growth on 1, 10 and 50 generated clusters. Writes only to a temporary folder.
  --help, -h  print this and exit 0`;
if (!commandArgs(USAGE)) process.exit();

const ROOT = path.join(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
const dist = path.join(scratch, 'dist');

function time(cmd: string, args: string[], env: Record<string, string> = {}): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(cmd, args, { cwd: ROOT, env: { ...process.env, DIST_DIR: dist, ...env }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${run.stderr}`);
  return ms;
}

function median(cmd: string, args: string[], runs = RUNS): number {
  time(cmd, args); // warm the file cache
  const samples = Array.from({ length: runs }, () => time(cmd, args)).sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/** A clusters/ folder with `n` clusters, copies of the built-in ones under new names. */
function generatedClusters(n: number): string {
  const dir = path.join(scratch, `clusters-${n}`);
  fs.mkdirSync(dir);
  const sources = fs.readdirSync(CLUSTERS_DIR).filter((f) => f.endsWith('.yaml')).sort();
  for (let i = 0; i < n; i++) {
    const source = path.join(CLUSTERS_DIR, sources[i % sources.length]);
    const raw = resolveClusterText(fs.readFileSync(source, 'utf8'), source) as { name: string };
    raw.name = `${raw.name}-${i}`;
    fs.writeFileSync(path.join(dir, `${raw.name}.yaml`), stringify(raw));
  }
  return dir;
}

const app = ['-r', './scripts/register.js', 'main.ts'];
const floor = median(process.execPath, ['-e', "require('cdk8s'); require('cdk8s-plus-28')"]);
const npmSynth = median('npm', ['run', '--silent', 'synth']);
const appOnly = median(process.execPath, app);
const f = (ms: number) => `${ms.toFixed(0).padStart(6)} ms`;

console.log(`median of ${RUNS} runs, ${os.cpus().length} CPUs, node ${process.version}`);
console.log(`floor (node loading cdk8s + cdk8s-plus-28) ${f(floor)}`);
console.log(`npm run synth                              ${f(npmSynth)}  ratio ${(npmSynth / floor).toFixed(2)}`);
console.log(`  of which the app (node main.ts)          ${f(appOnly)}  ratio ${(appOnly / floor).toFixed(2)}`);
console.log(`  of which npm's own start-up              ${f(npmSynth - appOnly)}`);
console.log('growth (the app on generated clusters):');
for (const n of [1, 10, 50]) {
  const ms = median(process.execPath, [...app, '--clusters-dir', generatedClusters(n)], Math.min(RUNS, 3));
  console.log(`  ${String(n).padStart(2)} clusters ${f(ms)}  (${(ms / n).toFixed(0)} ms per cluster)`);
}
fs.rmSync(scratch, { recursive: true, force: true });
