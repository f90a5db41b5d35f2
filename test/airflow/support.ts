// Helpers for the Airflow tests: the component's rendered files, and the external things some
// tests need (../shared, the Kubernetes Python client): required in CI, skipped with a message outside.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { parseCluster } from '../../lib/config/load';
import { render } from '../../lib/output/render';
import { rawCluster, REPO } from '../support/clusters';

export const CLUSTER = 'scw-ml-prod';

/** The raw built-in config of the Airflow cluster (a fresh copy to modify). */
export const raw = (): any => rawCluster(CLUSTER);

/** Validated config from a raw one, as the loader would produce it. */
export const config = (r: any = raw()) => parseCluster(stringify(r), `clusters/${CLUSTER}.yaml`).config;

/** The airflow component's files, keyed by their path under dist/<cluster>/airflow/. */
export function airflowFiles(r: any = raw()): Map<string, string> {
  const prefix = `${CLUSTER}/airflow/`;
  const files = render([parseCluster(stringify(r), `clusters/${CLUSTER}.yaml`)]);
  return new Map([...files].filter(([p]) => p.startsWith(prefix)).map(([p, text]) => [p.slice(prefix.length), text]));
}

/** `value`, or undefined with a skip message; in CI a missing requirement fails the suite. */
export function required<T>(what: string, value: T | undefined): T | undefined {
  if (value !== undefined) return value;
  if (process.env.CI) throw new Error(`${what} is required in CI but missing`);
  console.warn(`skipping: ${what} is not available here (these tests run in CI)`);
  return undefined;
}

/** A python3 that has the Kubernetes client and PyYAML (Debian python3-kubernetes, python3-yaml). */
export function findPython(): string | undefined {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  return candidates.find((py) => spawnSync(py, ['-c', 'import kubernetes, yaml'], { encoding: 'utf8' }).status === 0);
}

/** Runs a Python script of this folder, returning its JSON output. */
export function runPython(py: string, script: string, args: string[]): any {
  const run = spawnSync(py, [path.join(__dirname, script), ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${script} failed (${run.status}):\n${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** The official chart's reference files in ../shared (absent in a user's clone). */
export const CHART_DIR = path.join(REPO, '..', 'shared', 'reference', 'airflow-chart');
export const chartDir = (): string | undefined => (fs.existsSync(CHART_DIR) ? CHART_DIR : undefined);
