import { UsageError } from '../core/errors';

export { UsageError };

/** `--help` or `-h`: the command prints its usage on stdout and exits 0. */
export class HelpRequested extends Error {
  constructor(readonly usage: string) {
    super(usage);
  }
}

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
 * and the `valued` options (`--name value` or `--name=value`). Unknown arguments are errors;
 * `--help` anywhere wins over everything else.
 */
export function parseArgs(argv: string[], usage: string, flags: string[] = [], valued: string[] = []): CliOptions {
  if (argv.includes('--help') || argv.includes('-h')) throw new HelpRequested(usage);
  const opts: CliOptions = { only: [], flags: new Set(), values: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${key} needs a value\nusage: ${usageLine(usage)}`);
      return v;
    };
    if (key === '--cluster') opts.only.push(value());
    else if (key === '--clusters-dir') opts.clustersDir = value();
    else if (key === '--dist') opts.dist = value();
    else if (flags.includes(key) && inline === undefined) opts.flags.add(key);
    else if (valued.includes(key)) opts.values.set(key, value());
    else throw new UsageError(`unknown argument ${argv[i]}\nusage: ${usageLine(usage)}`);
  }
  return opts;
}

/** The first line of a usage text (the command and its flags), for one-line errors. */
export const usageLine = (usage: string): string => `${usage.split('\n')[0]} (--help explains each)`;

/** `value` when it is one of `allowed`, else a usage error naming them. */
export function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], usage: string): T | undefined {
  if (value === undefined || (allowed as readonly string[]).includes(value)) return value as T | undefined;
  throw new UsageError(`${name} must be one of ${allowed.join(', ')} (got ${value})\nusage: ${usageLine(usage)}`);
}
