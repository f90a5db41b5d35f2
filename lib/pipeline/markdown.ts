// The PR comment of `npm run diff -- --markdown`. GitHub refuses a comment over 65,536 characters,
// and a preset change touches every cluster that extends it, so the comment is built to fit:
// - one collapsed <details> per cluster, and inside it one per component;
// - a long text (an alert description) shows only its changed words, `[-old-]{+new+}` as
//   `git diff --word-diff=plain` writes them, and a text change that appears again (the same
//   alert in the ConfigMap, the rule file and the PrometheusRule, or in another cluster) is shown
//   once and named where it repeats;
// - checksums are abbreviated (only the fact that they change matters: the pods roll);
// - when the whole comment would still be too long, it degrades to the summary table and a link to
//   the full diff (uploaded by the workflow as an artifact).
import { Change, FieldChange, summary } from './diff';

/** GitHub's limit on an issue or PR comment body, in characters. */
export const COMMENT_LIMIT = 65536;

export interface MarkdownOptions {
  /** Characters the comment may use (default COMMENT_LIMIT minus room for the workflow's marker); 0: no limit. */
  limit?: number;
  /** Where the full diff is, for the degraded comment (the workflow's artifact URL). */
  fullDiffUrl?: string;
}

/** Texts longer than this are shown as word-level changes. */
const LONG = 60;
/** Words of unchanged context kept around each changed word. */
const CONTEXT = 4;
/** Changed lines shown per text when a limit applies (the full diff has them all). */
const MAX_LINES = 20;

const CHECKSUM = /^(sha256:)?[0-9a-f]{64}$/;
const abbreviate = (v: unknown): unknown => (typeof v === 'string' && CHECKSUM.test(v) ? `${v.replace(/^sha256:/, '').slice(0, 12)}…` : v);
const show = (v: unknown): string => {
  v = abbreviate(v);
  return v === undefined ? '(none)' : typeof v === 'string' && !v.includes('\n') ? v : JSON.stringify(v);
};
const code = (s: string): string => `\`${s.replace(/\|/g, '\\|').replace(/`/g, "'")}\``;
const SIGN = { added: '+', removed: '-', changed: '~' } as const;

interface Op {
  kind: 'same' | 'removed' | 'added';
  text: string;
}

/** Token-level difference (longest common subsequence); each run of changes is one removal then one addition. */
function tokenDiff(x: string[], y: string[]): Op[] {
  const lcs: number[][] = Array.from({ length: x.length + 1 }, () => new Array(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--)
    for (let j = y.length - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const ops: Op[] = [];
  let run = { removed: '', added: '' };
  const flush = () => {
    if (run.removed) ops.push({ kind: 'removed', text: run.removed });
    if (run.added) ops.push({ kind: 'added', text: run.added });
    run = { removed: '', added: '' };
  };
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      flush();
      ops.push({ kind: 'same', text: x[i] });
      i++;
      j++;
    } else if (j < y.length && (i === x.length || lcs[i][j + 1] >= lcs[i + 1][j])) run.added += y[j++];
    else run.removed += x[i++];
  }
  flush();
  return ops;
}

/** Word-level difference of two one-line texts: changed words as `[-old-]{+new+}`, CONTEXT words around them, `…` for the rest. */
export function wordDiff(a: string, b: string): string {
  const tokens = (s: string) => s.split(/(\s+)/).filter((t) => t !== '');
  const ops = tokenDiff(tokens(a), tokens(b));
  // distance (in words) from each token to the nearest change
  const distance = ops.map(() => Infinity);
  for (const dir of [1, -1]) {
    let words = Infinity;
    for (let k = dir > 0 ? 0 : ops.length - 1; k >= 0 && k < ops.length; k += dir) {
      if (ops[k].kind !== 'same') words = 0;
      else if (/\S/.test(ops[k].text)) words++;
      distance[k] = Math.min(distance[k], words);
    }
  }
  const out: string[] = [];
  ops.forEach((o, k) => {
    if (o.kind === 'same' && distance[k] > CONTEXT) {
      if (out[out.length - 1] !== ' … ') out.push(' … ');
    } else out.push(o.kind === 'same' ? o.text : o.kind === 'removed' ? `[-${o.text}-]` : `{+${o.text}+}`);
  });
  return out.join('').replace(/\s*…\s*/g, ' … ').trim();
}

/** A line of YAML or a field value reduced to its text: no indent, list dash, key or quotes. */
function textOf(line: string): string {
  let s = line.trim().replace(/^- /, '').replace(/^[\w.$"'/-]+:\s+/, '');
  if (/^".*"$/.test(s)) {
    try {
      s = JSON.parse(s);
    } catch {
      s = s.slice(1, -1);
    }
  } else if (/^'.*'$/.test(s)) s = s.slice(1, -1).replace(/''/g, "'");
  return s;
}

/**
 * A text as it reads to a reviewer: an alert description with its template placeholders
 * (`{{ $labels.proxy }}`) is the same text as its runbook's copy that spells them `<proxy>`.
 */
const sameText = (line: string): string => textOf(line).replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, '<$1>');

/** Remembers long text changes and whole line diffs, so each is shown in full once. */
class Seen {
  private readonly first = new Map<string, string>();
  private readonly blocks = new Map<string, string>();
  /** Where the same changed lines were shown before, or undefined (and they are recorded at `where`). */
  block(lines: { removed: string[]; added: string[] }, where: string): string | undefined {
    const key = JSON.stringify(lines);
    const seen = this.blocks.get(key);
    if (seen === undefined) this.blocks.set(key, where);
    return seen;
  }
  /** Where this change of text was shown before, or undefined (and it is recorded at `where`). */
  before(old: string, now: string, where: string): string | undefined {
    const key = `${sameText(old)}\0${sameText(now)}`;
    const seen = this.first.get(key);
    if (seen === undefined) this.first.set(key, where);
    return seen;
  }
}

const isLong = (a: unknown, b: unknown): a is string => typeof a === 'string' && typeof b === 'string' && !a.includes('\n') && !b.includes('\n') && Math.max(a.length, b.length) > LONG;

/** The `change` cell of a field: `old` → `new`, a word diff, or where the same text change was shown. */
function fieldCell(f: FieldChange, where: string, seen: Seen): string {
  if (f.lines) return `+${f.lines.added.length} / -${f.lines.removed.length} lines (below)`;
  if (isLong(f.old, f.new) && abbreviate(f.old) === f.old && abbreviate(f.new) === f.new) {
    const before = seen.before(f.old, f.new as string, where);
    return before ? `same text change as ${before}` : code(wordDiff(f.old, f.new as string));
  }
  return `${code(show(f.old))} → ${code(show(f.new))}`;
}

/** The lines of a ```diff block: paired long lines as word diffs, repeats named. */
function diffBlock(lines: { removed: string[]; added: string[] }, where: string, seen: Seen, maxLines: number): string[] {
  const out: string[] = [];
  if (lines.removed.length === lines.added.length) {
    lines.removed.forEach((old, i) => {
      const now = lines.added[i];
      if (!isLong(old, now)) return out.push(`- ${old}`, `+ ${now}`);
      const before = seen.before(old, now, where);
      const indent = /^\s*(- )?([\w.$"'/-]+:\s+)?/.exec(now)![0];
      out.push(before ? `~ ${indent}(same text change as ${before})` : `~ ${indent}${wordDiff(textOf(old), textOf(now))}`);
    });
  } else out.push(...lines.removed.map((l) => `- ${l}`), ...lines.added.map((l) => `+ ${l}`));
  return out.length <= maxLines ? out : [...out.slice(0, maxLines), `… ${out.length - maxLines} more lines (in the full diff)`];
}

/** The component folder of a change (`(cluster)` for files beside the component folders). */
const componentOf = (c: Change): string => {
  const parts = c.file.split('/');
  return parts.length > 2 ? parts[1] : '(cluster)';
};

const counts = (cs: Change[]) => ['changed', 'added', 'removed'].map((k) => cs.filter((c) => c.kind === k).length);

function summaryTable(changes: Change[], rows = Infinity): string[] {
  const out = ['| cluster | component | changed | added | removed |', '|---|---|--:|--:|--:|'];
  const groups = [...new Set(changes.map((c) => `${c.cluster}\0${componentOf(c)}`))];
  for (const g of groups.slice(0, rows)) {
    const [cluster, component] = g.split('\0');
    out.push(`| ${cluster} | ${component} | ${counts(changes.filter((c) => c.cluster === cluster && componentOf(c) === component)).join(' | ')} |`);
  }
  if (groups.length > rows) out.push(`| … | ${groups.length - rows} more | | | |`);
  return out;
}

function componentSection(cluster: string, component: string, mine: Change[], seen: Seen, maxLines: number): string[] {
  const out = ['<details><summary><code>' + component + '</code> (' + summary(mine) + ')</summary>', '', '| | object or file | field | change |', '|---|---|---|---|'];
  const texts: string[] = [];
  for (const c of mine) {
    const label = c.isObject ? c.subject : `file \`${c.subject}\``;
    for (const f of c.fields) out.push(`| ~ | ${label} | \`${f.path}\` | ${fieldCell(f, `in ${cluster} ${c.subject} \`${f.path}\``, seen)} |`);
    if (c.fields.length > 0) {
      for (const f of c.fields.filter((x) => x.lines)) texts.push(...textSection(`${c.subject}: ${f.path}`, f.lines!, `in ${cluster} ${c.subject}`, seen, maxLines));
      continue;
    }
    if (c.kind === 'changed') {
      out.push(`| ~ | ${label} | | +${c.lines.added.length} / -${c.lines.removed.length} lines (below) |`);
      texts.push(...textSection(c.subject, c.lines, `in ${cluster} ${c.subject}`, seen, maxLines));
    } else out.push(`| ${SIGN[c.kind]} | ${label} | | ${c.kind} |`);
  }
  return [...out, ...texts, '', '</details>', ''];
}

function textSection(title: string, lines: { removed: string[]; added: string[] }, where: string, seen: Seen, maxLines: number): string[] {
  const before = seen.block(lines, where);
  if (before) return ['', `**${title}**: the same changed lines as ${before}`];
  return ['', `**${title}**`, '', '```diff', ...diffBlock(lines, where, seen, maxLines), '```'];
}

const HEADER = '### Generated manifests';
const LEGEND = 'Field paths are YAML paths inside each object; `old` → `new`; a long text shows its changed words as `[-old-]{+new+}` and is shown once where it repeats; checksums are abbreviated (a changed checksum rolls the pods).';

/** The PR comment: a summary table, then per cluster and component collapsed details; degraded to fit `limit`. */
export function formatMarkdown(changes: Change[], opts: MarkdownOptions = {}): string {
  const limit = opts.limit ?? COMMENT_LIMIT - 100;
  if (changes.length === 0) return `${HEADER}\n\nNo change to \`dist/\`.\n`;
  const head = [HEADER, '', `**${summary(changes)}** in ${new Set(changes.map((c) => c.cluster)).size} cluster(s).`, ''];
  const seen = new Seen();
  const body: string[] = [LEGEND, '', ...summaryTable(changes), ''];
  for (const cluster of [...new Set(changes.map((c) => c.cluster))]) {
    const mine = changes.filter((x) => x.cluster === cluster);
    body.push(`<details><summary><b>${cluster}</b> (${summary(mine)})</summary>`, '');
    for (const component of [...new Set(mine.map(componentOf))])
      body.push(...componentSection(cluster, component, mine.filter((c) => componentOf(c) === component), seen, limit ? MAX_LINES : Infinity));
    body.push('</details>', '');
  }
  const full = [...head, ...body].join('\n');
  if (!limit || full.length <= limit) return full;
  // too long for a comment: the table, and where the whole diff is
  const where = opts.fullDiffUrl
    ? `The full diff is in the workflow run's artifact: [download it](${opts.fullDiffUrl}).`
    : 'Run `npm run diff` (or `npm run diff -- --markdown --limit 0`) for the full diff.';
  const tail = ['', `The full diff has ${full.length} characters, more than a comment can hold. ${where}`, ''];
  for (let rows = Infinity; ; rows = rows === Infinity ? 200 : Math.floor(rows / 2)) {
    const short = [...head, ...summaryTable(changes, rows), ...tail].join('\n');
    if (short.length <= limit || rows <= 1) return short;
  }
}
