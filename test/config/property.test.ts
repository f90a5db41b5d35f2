// Property: any cluster file either synthesizes schema-valid objects (render validates every object
// against its upstream schema) or is refused with the project's ConfigError, never with another
// exception, and a refused config never writes anything.
import fc from 'fast-check';
import * as fs from 'fs';
import { stringify } from 'yaml';
import { ConfigError } from '../../lib/core/errors';
import { readTree } from '../../lib/pipeline/dist';
import { synthToDist } from '../../lib/pipeline/synth';
import { builtInClusters, clustersDir, rawCluster, tmpDir } from '../support/clusters';

type Path = (string | number)[];

function leaves(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (v && typeof v === 'object') {
    if (at.length > 0) out.push(at); // whole subtrees can be replaced too
    for (const [k, child] of Object.entries(v)) leaves(child, [...at, Array.isArray(v) ? Number(k) : k], out);
  } else out.push(at);
  return out;
}

function mutate(raw: any, at: Path, value: unknown): any {
  const copy = structuredClone(raw);
  let o = copy;
  for (const k of at.slice(0, -1)) {
    o = o?.[k];
    if (!o || typeof o !== 'object') return copy; // an earlier edit removed this subtree
  }
  const last = at[at.length - 1];
  if (value === undefined) {
    if (Array.isArray(o)) o.splice(Number(last), 1);
    else delete o[last];
  } else o[last] = value;
  return copy;
}

/** Values that are plausible edits of `current`: scaled numbers, nearby quantities, wrong types. */
function replacement(current: unknown): fc.Arbitrary<unknown> {
  const anything = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -10, max: 1000 }),
    fc.string({ maxLength: 8 }),
    fc.constantFrom('0', '1', '500m', '0.5', '64Gi', '1Ti', '-1', 'x'),
    fc.constant({}),
    fc.constant([]),
  );
  if (typeof current === 'number') {
    return fc.oneof(
      { weight: 3, arbitrary: fc.double({ min: 0, max: 4, noNaN: true }).map((f) => Math.round(current * f * 100) / 100) },
      { weight: 3, arbitrary: fc.integer({ min: 0, max: Math.max(10, Math.ceil(current * 4)) }) },
      { weight: 1, arbitrary: anything },
    );
  }
  if (typeof current === 'string' && /^\d+(\.\d+)?(m|Mi|Gi)?$/.test(current)) {
    const [, n, unit = ''] = /^(\d+(?:\.\d+)?)(.*)$/.exec(current)!;
    return fc.oneof(
      { weight: 3, arbitrary: fc.double({ min: 0, max: 5, noNaN: true }).map((f) => `${Math.round(Number(n) * f * 10) / 10}${unit}`) },
      { weight: 1, arbitrary: anything },
    );
  }
  return anything;
}

const edits = (raw: unknown) =>
  fc.array(
    fc.constantFrom(...leaves(raw)).chain((at) => replacement(at.reduce((o: any, k) => o?.[k], raw)).map((v) => [at, v] as const)),
    { minLength: 1, maxLength: 3 },
  );

describe.each(builtInClusters())('any edit of %s', (name) => {
  const raw = rawCluster(name);

  it('synthesizes valid objects or fails with a ConfigError, writing nothing', () => {
    const dist = tmpDir('dist');
    fc.assert(
      fc.property(edits(raw), (changes) => {
        const config = changes.reduce((c, [at, v]) => mutate(c, at, v), raw);
        const dir = clustersDir({ [name]: stringify(config) });
        const before = readTree(dist);
        try {
          const { files } = synthToDist({ clustersDir: dir, dist });
          expect(files.size).toBeGreaterThan(0);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          for (const p of e.problems) {
            expect(p.cluster).toBe(name);
            expect(p.rule.length).toBeGreaterThan(0);
          }
          expect(readTree(dist)).toEqual(before);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 40, seed: 20261123 },
    );
  });
});
