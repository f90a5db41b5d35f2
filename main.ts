// Entry point of `npm run synth` and `npx cdk8s synth`: every clusters/*.yaml (or `--cluster NAME`,
// repeatable) is checked, built, validated and only then published to dist/.
import * as fs from 'fs';
import * as path from 'path';
import { Io, runSynth, watchSynth } from './lib/pipeline/cli';
import { defaultDist } from './lib/pipeline/dist';
import { cdk8sEntryPoints } from './lib/pipeline/gitops';

const argv = process.argv.slice(2);
const io: Io = {
  log: console.log,
  error: console.error,
  // progress only for a person watching a terminal: logs and pipes get the result lines alone
  progress: process.stdout.isTTY ? (line) => process.stderr.write(`... ${line}\n`) : undefined,
  annotate: process.env.GITHUB_ACTIONS === 'true',
};
const code = runSynth(argv, io);
process.exitCode = code;
if (argv.includes('--watch') && code !== 2) watchSynth(argv, io);

// Under `npx cdk8s synth` the CLI counts the .yaml files in its output folder (CDK8S_OUTDIR) and
// says "No manifests synthesized" when there are none. The manifests are in dist/; the folder gets
// one kustomization per cluster pointing at them, so `kubectl kustomize .cdk8s.out/<cluster>` works.
const outdir = process.env.CDK8S_OUTDIR;
if (code === 0 && outdir) {
  for (const [file, text] of cdk8sEntryPoints(path.resolve(outdir), defaultDist())) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
}
