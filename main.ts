// Entry point of `npm run synth` and `npx cdk8s synth`: every clusters/*.yaml (or `--cluster NAME`,
// repeatable) is checked, built, validated and only then published to dist/. The cdk8s CLI's own
// output folder (.cdk8s.out, see cdk8s.yaml) is not used: the CLI empties it before running us.
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from './lib/config/errors';
import { parseArgs, UsageError } from './lib/output/args';
import { synthToDist } from './lib/output/synth';

const USAGE = 'npm run synth -- [--cluster NAME]... [--clusters-dir DIR] [--dist DIR]';

try {
  const opts = parseArgs(process.argv.slice(2), USAGE);
  const { files, clusters, warnings } = synthToDist(opts);
  for (const w of warnings) console.warn(`warning: ${w}`);
  console.log(`synthesized ${clusters.join(', ')}: ${files.size} files in ${path.relative(process.cwd(), opts.dist ?? 'dist') || '.'}/`);
  // the cdk8s CLI insists its output folder exists; the manifests themselves are in dist/
  if (process.env.CDK8S_OUTDIR) fs.mkdirSync(process.env.CDK8S_OUTDIR, { recursive: true });
} catch (e) {
  if (e instanceof UsageError) {
    console.error(e.message);
    process.exit(2);
  }
  if (!(e instanceof ConfigError)) throw e;
  console.error(`synthesis refused, nothing written:\n${e.message}`);
  process.exit(1);
}
