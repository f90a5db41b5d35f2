// `npm run diff [-- --markdown] [--cluster NAME]`: synthesizes the working tree in memory and
// compares it with dist/ on disk (the committed output). Never writes dist/.
// Exit 0: identical; 1: different; 2: the config is invalid or the usage is wrong.
import { reportFailure } from '../lib/pipeline/cli';
import { parseArgs, usageLine, UsageError } from '../lib/pipeline/args';
import { defaultDist, readTree } from '../lib/pipeline/dist';
import { diffTrees, formatText } from '../lib/pipeline/diff';
import { COMMENT_LIMIT, formatMarkdown } from '../lib/pipeline/markdown';
import { synthFiles } from '../lib/pipeline/synth';

const USAGE = `npm run diff -- [--markdown [--limit N] [--full-diff-url URL]] [--cluster NAME]... [--clusters-dir DIR] [--dist DIR]
  Synthesizes the working tree in memory and compares it with dist/ on disk (never writes it).
  --markdown          print a pull-request comment (collapsed per cluster and component, under GitHub's size limit)
  --limit N           with --markdown: at most N characters (default ${COMMENT_LIMIT - 100}, under GitHub's ${COMMENT_LIMIT});
                      a longer diff degrades to its summary table; 0: no limit (the full diff)
  --full-diff-url URL with --markdown: where the degraded comment says the full diff is (CI: the artifact's URL)
  --cluster NAME      only this cluster (repeatable)
  --clusters-dir DIR  read cluster files from DIR (default clusters/)
  --dist DIR          compare with DIR (default dist/; CI passes the base branch's)
  --help, -h          print this and exit 0
Exit codes: 0 identical, 1 different, 2 the working tree cannot be synthesized or bad usage, 3 a bug.`;

try {
  const opts = parseArgs(process.argv.slice(2), USAGE, ['--markdown'], ['--limit', '--full-diff-url']);
  const limitText = opts.values.get('--limit');
  if (limitText !== undefined && !/^\d+$/.test(limitText)) throw new UsageError(`--limit must be a whole number of characters (got ${limitText})\nusage: ${usageLine(USAGE)}`);
  const markdown = { limit: limitText === undefined ? undefined : Number(limitText), fullDiffUrl: opts.values.get('--full-diff-url') };
  const { files, clusters } = synthFiles(opts);
  const committed = readTree(opts.dist ?? defaultDist());
  // with --cluster, compare only those clusters' folders
  const scope = opts.only.length > 0 ? new Map([...committed].filter(([f]) => clusters.includes(f.split('/')[0]))) : committed;
  const changes = diffTrees(scope, files);
  console.log(opts.flags.has('--markdown') ? formatMarkdown(changes, markdown) : formatText(changes));
  process.exit(changes.length === 0 ? 0 : 1);
} catch (e) {
  const code = reportFailure(e, console, 'cannot synthesize the working tree');
  // exit 1 means "different": a refused config must be 2, or CI would read it as a diff
  process.exit(code === 1 ? 2 : code);
}
