// Helpers for the Airflow tests: the built-in cluster's props and rendered files, and the Python
// runner. What a test needs from the machine (../shared, python3 with the Kubernetes client) comes
// from test/support/env.ts.
import { spawnSync } from 'child_process';
import * as path from 'path';
import type { AirflowWorkersProps } from '../../lib/airflow';
import { airflowWorkersProps } from '../../lib/config/components/airflow';
import { rawCluster } from '../support/clusters';
import { componentFiles, configOf } from '../support/render';

export const CLUSTER = 'scw-ml-prod';

/** The raw built-in config of the Airflow cluster (a fresh copy to modify). */
export const raw = (): any => rawCluster(CLUSTER);

/** Validated config from a raw one, as the loader would produce it. */
export const config = (r: any = raw()) => configOf(r);

/** The construct's props, mapped from a (modified) raw config as synth maps the cluster file. */
export const workersProps = (r: any = raw()): AirflowWorkersProps => airflowWorkersProps(config(r))!;

/** The airflow component's files, keyed by their path under dist/<cluster>/airflow/. */
export const airflowFiles = (r: any = raw()): Map<string, string> => componentFiles(r, 'airflow');

/** Runs a Python script of this folder, returning its JSON output. */
export function runPython(py: string, script: string, args: string[]): any {
  const run = spawnSync(py, [path.join(__dirname, script), ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${script} failed (${run.status}):\n${run.stderr}`);
  return JSON.parse(run.stdout);
}
