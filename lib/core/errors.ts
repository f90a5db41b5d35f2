// Errors are values: every configuration or rule failure carries where it is and what would fix
// it, and the CLI prints all of them at once before anything is written.

export interface Problem {
  cluster: string;
  /** Cluster file the value came from, when known. */
  file?: string;
  /** Field path in the cluster file, e.g. "buildkit.architectures[0].max". */
  path: string;
  value: unknown;
  /** The rule that was broken, in words. */
  rule: string;
  /** The cheapest change that would satisfy the rule, when one can be computed. */
  fix?: string;
  /** 1-based line and column in `file` of the offending key (or the nearest enclosing one that exists). */
  line?: number;
  column?: number;
}

export function formatProblem(p: Problem): string {
  const where = p.file ? `${p.file}: ` : '';
  const value = p.value === undefined ? 'missing' : JSON.stringify(p.value);
  // a problem of the whole file (its YAML syntax) has no field to name
  const field = p.path === '' && p.value === undefined ? '' : `${p.path || '(root)'} = ${value}: `;
  const lines = [`${where}cluster ${p.cluster}: ${field}${p.rule}`];
  if (p.fix) lines.push(`  fix: ${p.fix}`);
  return lines.join('\n');
}

/** One or more problems; thrown by the loader, the rules and the output validation. */
export class ConfigError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Collects problems from many rules so a user sees all of them in one run. */
export class Problems {
  readonly list: Problem[] = [];
  constructor(readonly cluster: string, readonly file?: string) {}

  add(path: string, value: unknown, rule: string, fix?: string): void {
    this.list.push({ cluster: this.cluster, file: this.file, path, value, rule, fix });
  }

  /** Records a problem unless `ok` holds. */
  check(ok: boolean, path: string, value: unknown, rule: string, fix?: string): void {
    if (!ok) this.add(path, value, rule, fix);
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw new ConfigError(this.list);
  }
}

/**
 * A command used wrongly, or an input that is not a config at all (an empty clusters folder, an
 * unwritable dist/): one line, exit code 2, nothing written.
 */
export class UsageError extends Error {}
