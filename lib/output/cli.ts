// The command-line face of the pipeline, as a function: `npm run synth` (main.ts) calls it, and so
// do the bad-input tests, in-process. Whatever goes wrong ends as lines on stderr and an exit code,
// never a stack trace: 1 = the config breaks a rule, 2 = the command or the files around it are
// wrong (usage, an empty clusters folder, an unwritable dist/), 3 = a bug of ours.
import * as path from 'path';
import { ConfigError, UsageError } from '../config/errors';
import { parseArgs } from './args';
import { fsError } from './dist';
import { synthToDist } from './synth';

export interface Io {
  log(line: string): void;
  error(line: string): void;
}

export const USAGE = 'npm run synth -- [--cluster NAME]... [--clusters-dir DIR] [--dist DIR] [--delete-foreign]';

/** Runs one synth with `argv`; returns the exit code. */
export function runSynth(argv: string[], io: Io): number {
  try {
    const opts = parseArgs(argv, USAGE, ['--delete-foreign']);
    const { files, clusters, warnings } = synthToDist({ ...opts, deleteForeign: opts.flags.has('--delete-foreign') });
    for (const w of warnings) io.error(`warning: ${w}`);
    io.log(`synthesized ${clusters.join(', ')}: ${files.size} files in ${path.relative(process.cwd(), opts.dist ?? 'dist') || '.'}/`);
    return 0;
  } catch (e) {
    return reportFailure(e, io);
  }
}

/** Prints a failure the way every CLI of this project does, and returns its exit code. */
export function reportFailure(e: unknown, io: Io, refused = 'synthesis refused, nothing written'): number {
  const err = fsError(e, '.');
  if (err instanceof UsageError) {
    io.error(err.message);
    return 2;
  }
  if (err instanceof ConfigError) {
    io.error(`${refused}:\n${err.message}`);
    return 1;
  }
  const message = String((err as any)?.message ?? err).split('\n')[0];
  io.error(`internal error: ${message} (a bug in the generator, not in your config: please report it with the command you ran${process.env.SYNTH_DEBUG ? '' : '; SYNTH_DEBUG=1 prints the stack'})`);
  if (process.env.SYNTH_DEBUG) io.error(String((err as any)?.stack ?? err));
  return 3;
}
