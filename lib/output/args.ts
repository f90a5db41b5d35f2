import { UsageError } from '../config/errors';

export { UsageError };
// Command-line options shared by synth, diff and plan.
export interface CliOptions {
  only: string[];
  clustersDir?: string;
  dist?: string;
  flags: Set<string>;
  values: Map<string, string>;
}

/**
 * Parses `--cluster NAME` (repeatable), `--clusters-dir DIR`, `--dist DIR`, the boolean `flags`
 * and the `valued` options (`--name value` or `--name=value`). Unknown arguments are errors.
 */
export function parseArgs(argv: string[], usage: string, flags: string[] = [], valued: string[] = []): CliOptions {
  const opts: CliOptions = { only: [], flags: new Set(), values: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${key} needs a value\nusage: ${usage}`);
      return v;
    };
    if (key === '--cluster') opts.only.push(value());
    else if (key === '--clusters-dir') opts.clustersDir = value();
    else if (key === '--dist') opts.dist = value();
    else if (flags.includes(key) && inline === undefined) opts.flags.add(key);
    else if (valued.includes(key)) opts.values.set(key, value());
    else throw new UsageError(`unknown argument ${argv[i]}\nusage: ${usage}`);
  }
  return opts;
}

