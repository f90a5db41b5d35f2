// `npm run build` (run by prepack): the installable package in build/. Starts from an empty
// folder, so a module deleted from lib/ never ships from an older build; compiles the public API
// and what it reaches with tsc (JavaScript and .d.ts, tsconfig.build.json); then copies the files
// the compiled code reads at run time: the Python module the Airflow component emits.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const build = path.join(root, 'build');
fs.rmSync(build, { recursive: true, force: true });

const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

for (const file of ['lib/airflow/dag_profiles.py']) {
  const target = path.join(build, file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(path.join(root, file), target);
}
