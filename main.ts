// Entry point of `npm run synth` and `npx cdk8s synth`: every clusters/*.yaml (or `--cluster NAME`,
// repeatable) is checked, built, validated and only then published to dist/. The cdk8s CLI's own
// output folder (.cdk8s.out, see cdk8s.yaml) is not used: the CLI empties it before running us.
import * as fs from 'fs';
import { runSynth } from './lib/output/cli';

const code = runSynth(process.argv.slice(2), { log: console.log, error: console.error });
// the cdk8s CLI insists its output folder exists; the manifests themselves are in dist/
if (code === 0 && process.env.CDK8S_OUTDIR) fs.mkdirSync(process.env.CDK8S_OUTDIR, { recursive: true });
process.exitCode = code;
