// Bad and hostile inputs, kept as data (cases/*.yaml) with the exact outcome each must have.
import * as path from 'path';
import { loadCases, runCase } from './run';

const cases = loadCases(path.join(__dirname, 'cases'));

/** Lines of stderr that are problems: not the header, a fix, or a warning. */
const problemLines = (stderr: string[]) =>
  stderr.filter((l) => l !== '' && !/^(synthesis refused, nothing written:|  fix: |warning: )/.test(l));

describe('bad inputs', () => {
  it('are many and named uniquely', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', (_, c) => {
    const out = runCase(c);
    expect({ exit: out.exit, problems: problemLines(out.stderr) }).toEqual({ exit: c.exit, problems: expect.arrayContaining([out.expected]) });
    expect(problemLines(out.stderr)).toHaveLength(c.problems ?? 1);
    expect(out.exit).not.toBe(0);
    // never a stack trace, never an internal error
    expect(out.stderr.filter((l) => /^\s+at |internal error/.test(l))).toEqual([]);
    expect(out.stdout).toEqual([]);
    // dist/ (and the clusters folder) byte-identical; no lock or staging folder left beside it
    expect(out.distAfter).toEqual(out.distBefore);
    expect(out.siblings).toEqual([]);
  });
});
