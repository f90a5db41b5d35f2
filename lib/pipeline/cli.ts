// The command-line face of the pipeline, as a function: `npm run synth` (main.ts) calls it, and so
// do the bad-input tests, in-process. Whatever goes wrong ends as lines on stderr and an exit code,
// never a stack trace: 1 = the config breaks a rule (or, with --check, dist/ is stale), 2 = the
// command or the files around it are wrong (usage, an empty clusters folder, an unwritable dist/),
// 3 = a bug of ours. `--help` prints the usage and exits 0.
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, formatProblem, Problem, UsageError } from '../core/errors';
import { CLUSTERS_DIR, withPosition } from '../config/load';
import { CliOptions, HelpRequested, oneOf, parseArgs } from './args';
import { defaultDist, fsError, readTree } from './dist';
import { Change, diffTrees, formatText } from './diff';
import { synthFiles, synthToDist } from './synth';

export interface Io {
  log(line: string): void;
  error(line: string): void;
  /** Progress of a long run (shown when stdout is a terminal); absent: no progress. */
  progress?(line: string): void;
  /** Also print every problem and warning as a GitHub Actions workflow command (main.ts: GITHUB_ACTIONS=true). */
  annotate?: boolean;
}

export const USAGE = `npm run synth -- [--cluster NAME]... [--clusters-dir DIR] [--dist DIR] [--check] [--watch] [--format text|json] [--delete-foreign]
  Checks every cluster file, builds and validates all objects, then replaces dist/ in one step.
  --cluster NAME      only this cluster (repeatable); other clusters' folders in dist/ are kept
  --clusters-dir DIR  read cluster files from DIR (default clusters/)
  --dist DIR          publish to DIR (default dist/); a non-empty DIR must carry synth's .generated marker
  --check             write nothing: exit 0 when dist/ is what a synth would write, 1 (with the differences) when stale
  --watch             synthesize, then again on every change below the clusters folder (Ctrl-C stops)
  --format json       print the outcome (problems with file, line, column) as one JSON object on stdout
  --delete-foreign    delete files in dist/ that synth did not write, instead of refusing
  --help, -h          print this and exit 0
Exit codes: 0 done, 1 a rule refused the config (--check: dist/ is stale), 2 usage or environment (bad arguments,
empty clusters folder, unwritable or foreign dist/), 3 a bug in the generator. With GITHUB_ACTIONS=true every
problem is also printed as an ::error workflow command, so it shows on the pull request's changed line.`;

const FORMATS = ['text', 'json'] as const;

/** Runs one synth (or check) with `argv`; returns the exit code. `--watch` keeps running after it (see watchSynth). */
export function runSynth(argv: string[], io: Io): number {
  let json = argv.includes('--format=json') || argv.some((a, i) => a === '--format' && argv[i + 1] === 'json');
  try {
    const opts = parseArgs(argv, USAGE, ['--delete-foreign', '--check', '--watch'], ['--format']);
    json = oneOf('--format', opts.values.get('--format'), FORMATS, USAGE) === 'json';
    if (opts.flags.has('--check') && (opts.flags.has('--watch') || opts.flags.has('--delete-foreign')))
      throw new UsageError(`--check writes nothing: it cannot be combined with ${opts.flags.has('--watch') ? '--watch' : '--delete-foreign'}`);
    return opts.flags.has('--check') ? check(opts, io, json) : synth(opts, io, json);
  } catch (e) {
    return reportFailure(e, io, undefined, json);
  }
}

const shownDir = (dir: string | undefined): string => `${path.relative(process.cwd(), dir ?? defaultDist()) || '.'}/`;

function synth(opts: CliOptions, io: Io, json: boolean): number {
  const { files, clusters, warnings } = synthToDist({ ...opts, deleteForeign: opts.flags.has('--delete-foreign'), progress: io.progress });
  for (const w of warnings) {
    io.error(`warning: ${w}`);
    if (io.annotate) io.log(workflowCommand('warning', w, { title: 'synth warning' }));
  }
  if (json) io.log(JSON.stringify({ ok: true, exitCode: 0, clusters, files: files.size, dist: shownDir(opts.dist), warnings }));
  else io.log(`synthesized ${clusters.join(', ')}: ${files.size} files in ${shownDir(opts.dist)}`);
  return 0;
}

/** `--check`: a synth in memory compared with dist/ on disk; dist/ is only read. */
function check(opts: CliOptions, io: Io, json: boolean): number {
  const { files, clusters } = synthFiles({ ...opts, progress: io.progress });
  const committed = readTree(opts.dist ?? defaultDist());
  // with --cluster, only those clusters' folders
  const scope = opts.only.length > 0 ? new Map([...committed].filter(([f]) => clusters.includes(f.split('/')[0]))) : committed;
  const changes: Change[] = diffTrees(scope, files);
  if (json) io.log(JSON.stringify({ ok: changes.length === 0, exitCode: changes.length === 0 ? 0 : 1, clusters, stale: changes.map(({ file, kind }) => ({ file, kind })) }));
  if (changes.length === 0) {
    if (!json) io.log(`${shownDir(opts.dist)} is up to date (${clusters.join(', ')})`);
    return 0;
  }
  io.error(`${shownDir(opts.dist)} is stale: run \`npm run synth\` and commit the result.\n${formatText(changes)}`);
  if (io.annotate) io.log(workflowCommand('error', `${shownDir(opts.dist)} is stale: run npm run synth and commit the result`, { title: 'stale dist/' }));
  return 1;
}

/**
 * `--watch`: the first run has happened (its exit code is returned by runSynth); this re-runs the
 * same synth on every change below the clusters folder, with the same guarantees (each run is a
 * whole synth: all problems or a complete new dist/). Returns a function that stops watching.
 */
export function watchSynth(argv: string[], io: Io): () => void {
  const opts = parseArgs(argv, USAGE, ['--delete-foreign', '--check', '--watch'], ['--format']);
  const dir = path.resolve(opts.clustersDir ?? CLUSTERS_DIR);
  let timer: NodeJS.Timeout | undefined;
  // editors write a file in several steps: one run per burst of changes
  const watcher = fs.watch(dir, { recursive: true }, () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      io.log(`change in ${shownDir(dir)}: synthesizing again`);
      runSynth(argv, io);
      io.log('watching for changes (Ctrl-C stops)');
    }, 150);
  });
  io.log('watching for changes (Ctrl-C stops)');
  return () => {
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}

// GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=T::message`. Escaping as
// actions/toolkit does (command.ts): data %, CR, LF; properties also ':' and ','.
const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function workflowCommand(command: 'error' | 'warning', message: string, props: Record<string, string | number | undefined> = {}): string {
  const list = Object.entries(props).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${escapeProperty(String(v))}`);
  return `::${command}${list.length > 0 ? ` ${list.join(',')}` : ''}::${escapeData(message)}`;
}

/** A problem as a workflow command: on the pull request's changed line when the file and position are known. */
export function problemCommand(p: Problem): string {
  return workflowCommand('error', formatProblem(p), {
    file: p.file,
    line: p.line,
    col: p.column,
    title: `cluster ${p.cluster}${p.path ? `: ${p.path}` : ''}`,
  });
}

/** A problem for other tools: every field, `value` only when there is one. */
const problemJson = (p: Problem) => ({
  cluster: p.cluster, file: p.file, line: p.line, column: p.column, path: p.path, value: p.value, rule: p.rule, fix: p.fix, message: formatProblem(p),
});

/** Prints a failure the way every CLI of this project does, and returns its exit code. */
export function reportFailure(e: unknown, io: Io, refused = 'synthesis refused, nothing written', json = false): number {
  if (e instanceof HelpRequested) {
    io.log(e.usage);
    return 0;
  }
  const err = fsError(e, '.');
  const result = (code: number, fields: Record<string, unknown>): number => {
    if (json) io.log(JSON.stringify({ ok: false, exitCode: code, ...fields }));
    return code;
  };
  if (err instanceof UsageError) {
    io.error(err.message);
    if (io.annotate) io.log(workflowCommand('error', err.message, { title: 'usage or environment' }));
    return result(2, { error: err.message });
  }
  if (err instanceof ConfigError) {
    io.error(`${refused}:\n${err.message}`);
    // positions only for those who show them: finding them re-reads the files
    const located = io.annotate || json ? err.problems.map(withPosition) : err.problems;
    if (io.annotate) for (const p of located) io.log(problemCommand(p));
    return result(1, { problems: located.map(problemJson) });
  }
  const message = String((err as any)?.message ?? err).split('\n')[0];
  const line = `internal error: ${message} (a bug in the generator, not in your config: please report it with the command you ran${process.env.SYNTH_DEBUG ? '' : '; SYNTH_DEBUG=1 prints the stack'})`;
  io.error(line);
  if (process.env.SYNTH_DEBUG) io.error(String((err as any)?.stack ?? err));
  if (io.annotate) io.log(workflowCommand('error', line, { title: 'internal error' }));
  return result(3, { error: line });
}
