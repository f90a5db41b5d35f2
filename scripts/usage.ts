// The arguments of a script that takes only `--help` (and what it lists): usage on stdout and exit 0
// for --help, one line and exit 2 for anything else it does not know.
import { CliOptions, parseArgs } from '../lib/pipeline/args';
import { reportFailure } from '../lib/pipeline/cli';

/** The parsed options, or undefined when the script must stop now (process.exitCode is set). */
export function commandArgs(usage: string, flags: string[] = [], valued: string[] = []): CliOptions | undefined {
  try {
    return parseArgs(process.argv.slice(2), usage, flags, valued);
  } catch (e) {
    process.exitCode = reportFailure(e, console);
    return undefined;
  }
}
