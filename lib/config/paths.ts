// Field paths inside a cluster file, as problems name them: "buildkit.architectures[0].max".

/** Splits "a.b[0].c" (or takes a key list) into keys; numeric segments index arrays. */
function keysOf(at: string | PropertyKey[]): PropertyKey[] {
  if (typeof at !== 'string') return at;
  return (at.match(/[^.[\]]+/g) ?? []).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
}

/** The value at a field path, or undefined when any step is missing. */
export function valueAt(root: unknown, at: string | PropertyKey[]): unknown {
  let v: any = root;
  for (const k of keysOf(at)) v = v == null ? undefined : v[k as any];
  return v;
}

/** The path of a key list, as problems print it: keys joined by dots, indices in brackets. */
export function formatPath(at: PropertyKey[]): string {
  return at
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`))
    .join('');
}
