// Tests run through @swc/jest (no type-checking here: `npm run typecheck` does that once).
const swc = { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } };

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', swc] },
  // The kubernetes-models packages are ES modules: transform them (only them) to CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(kubernetes-models|@kubernetes-models|is-cidr|cidr-regex|ip-regex)/)'],
  resolver: '<rootDir>/test/resolver.js',
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
  testTimeout: 60000,
  // three files at once on two cores: several suites wait on real tools and timers (haproxy's
  // churn scenarios, promtool, the packed-tarball install), and a third worker fills that idle time
  // (measured: 170 s with two workers, 148 s with three, 142 s with four)
  maxWorkers: 3,
};
