// What a test needs from the machine: a Debian tool (haproxy, promtool, a python3 with the
// Kubernetes client) or the reference files in ../shared. In CI a missing one fails the test;
// outside CI the test is skipped with a message that says what is missing.
// A user's own repository has no ../shared: its CI (.github/workflows/manifests.yml) sets
// SHARED_OPTIONAL=1, so only the checks against the reference files skip there.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO } from './clusters';

export const SHARED = path.join(REPO, '..', 'shared');

function missing(what: string, strict: boolean): false {
  if (strict) throw new Error(`${what} is required in CI but missing`);
  console.warn(`skipped: ${what} is missing (required in CI)`);
  return false;
}

/** A path under ../shared, or undefined (then the caller skips) outside CI. */
export function shared(...parts: string[]): string | undefined {
  const p = path.join(SHARED, ...parts);
  if (fs.existsSync(p)) return p;
  missing(`../shared/${parts.join('/')}`, !!process.env.CI && !process.env.SHARED_OPTIONAL);
  return undefined;
}

/** Whether `cmd` runs (`cmd args` exits 0); throws in CI when it does not. */
export function tool(cmd: string, args: string[] = ['--version'], hint = `apt-get install ${cmd}`): boolean {
  const ok = spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
  return ok || missing(`${cmd} (${hint})`, !!process.env.CI);
}

let pythonFound: string | null | undefined;
/** A python3 that has the `kubernetes` and `yaml` modules: $PYTHON, else the first that works. */
export function python(): string | undefined {
  if (pythonFound === undefined) {
    const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
    pythonFound = candidates.find((c) => spawnSync(c, ['-c', 'import kubernetes, yaml'], { stdio: 'ignore' }).status === 0) ?? null;
  }
  if (pythonFound) return pythonFound;
  missing('python3 with the kubernetes and yaml modules (apt-get install python3-kubernetes python3-yaml)', !!process.env.CI);
  return undefined;
}
