// Field paths inside a cluster file, as problems name them: "buildkit.architectures[0].max".

/** Splits `a.b[0]."m6id.24xlarge".c` into keys: quoted segments may hold dots, numbers index arrays. */
export function parsePath(at: string): PropertyKey[] {
  return [...at.matchAll(/"((?:[^"\\]|\\.)*)"|\[(\d+)\]|([^.[\]"]+)/g)].map(([, quoted, index, plain]) =>
    quoted !== undefined ? JSON.parse(`"${quoted}"`) : index !== undefined ? Number(index) : /^\d+$/.test(plain) ? Number(plain) : plain,
  );
}

const keysOf = (at: string | PropertyKey[]): PropertyKey[] => (typeof at === 'string' ? parsePath(at) : at);

/** The value at a field path, or undefined when any step is missing. */
export function valueAt(root: unknown, at: string | PropertyKey[]): unknown {
  let v: any = root;
  for (const k of keysOf(at)) v = v == null ? undefined : v[k as any];
  return v;
}

/** The path of a key list, as problems print it: keys joined by dots, indices in brackets, and keys that hold dots quoted. */
export function formatPath(at: PropertyKey[]): string {
  return at
    .map((k, i) => {
      if (typeof k === 'number') return `[${k}]`;
      const key = /^[A-Za-z_][\w-]*$/.test(String(k)) ? String(k) : JSON.stringify(String(k));
      return i === 0 ? key : `.${key}`;
    })
    .join('');
}
