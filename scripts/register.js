// Minimal require hook: strips types with swc, no type-checking (that is `npm run typecheck`).
// Lighter than ts-node or @swc-node/register, which keeps `npm run synth` near the bare-node floor.
const fs = require('fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    swcrc: false,
    configFile: false,
  });
  module._compile(code, filename);
};
