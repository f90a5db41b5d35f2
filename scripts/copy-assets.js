// Files the compiled package reads at run time besides its JavaScript: the Python module the
// Airflow component emits next to its contract.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const assets = ['lib/airflow/dag_profiles.py'];
for (const file of assets) {
  const target = path.join(root, 'build', file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(path.join(root, file), target);
}
