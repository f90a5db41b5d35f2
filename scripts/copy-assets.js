// Files the compiled package reads at run time besides its JavaScript: the Python module the
// Airflow component emits, and the CRDs' CEL rules and model-less schemas the validator reads.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const assets = [
  'lib/airflow/dag_profiles.py',
  ...fs.readdirSync(path.join(root, 'imports')).filter((f) => f.endsWith('.json')).map((f) => `imports/${f}`),
];
for (const file of assets) {
  const target = path.join(root, 'build', file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(path.join(root, file), target);
}
