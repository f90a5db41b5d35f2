// The README's Airflow section against the generator: its install command and pool figures are the
// generated ones, and its DAG examples are valid Python that only calls what dag_profiles.py defines.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { helmInstallCommand } from '../../lib/airflow/values';
import { REPO } from '../support/clusters';
import { python } from '../support/env';
import { airflowFiles, workersProps } from './support';

const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
const start = readme.indexOf('## Airflow worker profiles');
const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
const props = workersProps();
const files = airflowFiles();
const pools = JSON.parse(files.get('pools.json')!);
const examples = [...section.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]);
const dagModule = fs.readFileSync(path.join(REPO, 'lib', 'airflow', 'dag_profiles.py'), 'utf8');

describe('README, Airflow section', () => {
  it('shows the install command of the pinned chart version, as values-prod.yaml does', () => {
    expect(section).toContain(`\`${helmInstallCommand(props)}\``);
    expect(files.get('values-prod.yaml')).toContain(helmInstallCommand(props));
  });

  it('states the pool slots that pools.json has', () => {
    const stated = [...section.matchAll(/`([a-z-]+)` (\d+)[,)]/g)].map((m) => [m[1], Number(m[2])]);
    expect(stated.length).toBe(Object.keys(pools).length);
    for (const [name, slots] of stated) expect(pools[name as string]?.slots).toBe(slots);
  });

  it('no longer says task StatsD is dropped', () => {
    expect(section).not.toMatch(/StatsD[^.]*dropped/);
  });

  it('calls only functions dag_profiles.py defines', () => {
    expect(examples.length).toBeGreaterThan(0);
    const used = new Set(examples.flatMap((e) => [...e.matchAll(/\bprofiles\.(\w+)/g)].map((m) => m[1])));
    expect(used.size).toBeGreaterThan(0);
    for (const name of used) expect(dagModule).toMatch(new RegExp(`^def ${name}\\(`, 'm'));
  });

  const py = python();
  (py ? it : it.skip)('has DAG examples that are valid Python', () => {
    const run = spawnSync(py!, ['-c', 'import ast, json, sys\nfor src in json.load(sys.stdin): ast.parse(src)'], {
      input: JSON.stringify(examples), encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
