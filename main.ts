// Entry point of `npm run synth` and `npx cdk8s synth`: every clusters/*.yaml (or `--cluster NAME`,
// repeatable) is checked, built, validated and only then published to dist/. The cdk8s CLI's own
// output folder (.cdk8s.out, see cdk8s.yaml) is not used: the CLI empties it before running us.
import * as fs from 'fs';
import { ConfigError } from './lib/config/errors';
import { synthToDist } from './lib/output/synth';

function clustersFromArgs(argv: string[]): string[] {
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--cluster') only.push(argv[++i]);
    else if (argv[i].startsWith('--cluster=')) only.push(argv[i].slice('--cluster='.length));
    else throw new Error(`unknown argument ${argv[i]} (usage: synth [--cluster NAME]...)`);
  }
  return only;
}

try {
  const { files, clusters } = synthToDist({ only: clustersFromArgs(process.argv.slice(2)) });
  console.log(`synthesized ${clusters.join(', ')}: ${files.size} files in dist/`);
  // the cdk8s CLI insists its output folder exists; the manifests themselves are in dist/
  if (process.env.CDK8S_OUTDIR) fs.mkdirSync(process.env.CDK8S_OUTDIR, { recursive: true });
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(`synthesis refused, dist/ left untouched:\n${e.message}`);
  process.exit(1);
}
