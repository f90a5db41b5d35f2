// Alert annotations carry Prometheus/Grafana templates ({{ $labels.pod }}). The committed files are
// applied as they are; a user who copies them into a Helm chart's templates/ would have Helm
// execute those braces itself. With `monitoring.escapeForHelm` every `{{` and `}}` in the strings
// becomes a Go-template action printing that token literally ({{`{{`}} and {{`}}`}}), so Helm's
// rendering gives back exactly the original text. Raw-string actions need no quoting, and the
// escaped strings stay valid YAML, so the escaped files can still be checked before Helm sees them.

const TOKEN = /\{\{|\}\}/g;

export const helmEscape = (text: string): string => text.replace(TOKEN, (token) => `{{\`${token}\`}}`);

/** A copy of a JSON-like value with every string escaped. */
export function helmEscapeAll<T>(value: T): T {
  if (typeof value === 'string') return helmEscape(value) as T;
  if (Array.isArray(value)) return value.map(helmEscapeAll) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, helmEscapeAll(v)])) as T;
  return value;
}
