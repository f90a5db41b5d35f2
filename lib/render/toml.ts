// A minimal TOML model and renderer (buildkitd.toml is its user): scalars, arrays of scalars and nested
// tables. Output is deterministic (insertion order) and every string is a TOML basic string.

export type TomlScalar = string | number | boolean;
export type TomlValue = TomlScalar | TomlScalar[];
export interface TomlTable {
  [key: string]: TomlValue | TomlTable;
}

const isTable = (v: TomlValue | TomlTable): v is TomlTable => typeof v === 'object' && !Array.isArray(v);

function key(k: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(k)) throw new Error(`TOML key needs quoting, not supported: ${k}`);
  return k;
}

function scalar(v: TomlScalar): string {
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`TOML number must be finite: ${v}`);
  // JSON strings of printable text are valid TOML basic strings
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

const value = (v: TomlValue): string => (Array.isArray(v) ? `[${v.map(scalar).join(', ')}]` : scalar(v));

function renderTable(t: TomlTable, path: string[], out: string[]): void {
  const entries = Object.entries(t);
  const plain = entries.filter(([, v]) => !isTable(v));
  if (plain.length > 0 || path.length === 0) {
    if (path.length > 0) out.push(`${out.length > 0 ? '\n' : ''}[${path.join('.')}]`);
    for (const [k, v] of plain) out.push(`${key(k)} = ${value(v as TomlValue)}`);
  }
  for (const [k, v] of entries) if (isTable(v)) renderTable(v, [...path, key(k)], out);
}

export function renderToml(doc: TomlTable, header = ''): string {
  const out: string[] = [];
  renderTable(doc, [], out);
  return header + out.join('\n') + '\n';
}
