// `npm run diff [-- --markdown] [--cluster NAME]`: synthesizes the working tree in memory and
// compares it with dist/ on disk (the committed output). Never writes dist/.
// Exit 0: identical; 1: different; 2: the config is invalid or the usage is wrong.
import { ConfigError } from '../lib/config/errors';
import { parseArgs, UsageError } from '../lib/output/args';
import { DIST, readTree } from '../lib/output/dist';
import { diffTrees, formatMarkdown, formatText } from '../lib/output/diff';
import { synthFiles } from '../lib/output/synth';

const USAGE = 'npm run diff -- [--markdown] [--cluster NAME]... [--clusters-dir DIR] [--dist DIR]';

try {
  const opts = parseArgs(process.argv.slice(2), USAGE, ['--markdown']);
  const { files, clusters } = synthFiles(opts);
  const committed = readTree(opts.dist ?? DIST);
  // with --cluster, compare only those clusters' folders
  const scope = opts.only.length > 0 ? new Map([...committed].filter(([f]) => clusters.includes(f.split('/')[0]))) : committed;
  const changes = diffTrees(scope, files);
  console.log(opts.flags.has('--markdown') ? formatMarkdown(changes) : formatText(changes));
  process.exit(changes.length === 0 ? 0 : 1);
} catch (e) {
  if (e instanceof UsageError) {
    console.error(e.message);
    process.exit(2);
  }
  // exit 1 means "different": any failure must be 2, or CI would read a crash as a diff
  console.error(e instanceof ConfigError ? `cannot synthesize the working tree:\n${e.message}` : e);
  process.exit(2);
}
