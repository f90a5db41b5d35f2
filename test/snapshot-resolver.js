// Keeps every snapshot in the top-level __snapshots__/ folder, named after the test file's path.
const path = require('path');

const root = path.join(__dirname, '..');
const dir = path.join(root, '__snapshots__');

module.exports = {
  resolveSnapshotPath: (testPath, snapshotExtension) =>
    path.join(dir, path.relative(path.join(root, 'test'), testPath).split(path.sep).join('__') + snapshotExtension),
  resolveTestPath: (snapshotPath, snapshotExtension) =>
    path.join(root, 'test', path.basename(snapshotPath, snapshotExtension).split('__').join(path.sep)),
  testPathForConsistencyCheck: path.join(root, 'test', 'config', 'example.test.ts'),
};
