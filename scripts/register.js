// Minimal require hook: strips types with swc, no type-checking (that is `npm run typecheck`).
// Lighter than ts-node or @swc-node/register, and it caches the output by content hash, so a warm
// `npm run synth` does not even load swc. The cache can be deleted at any time.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const OPTIONS = {
  sourceMaps: 'inline',
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs' },
  swcrc: false,
  configFile: false,
};
const CACHE = path.join(__dirname, '..', 'node_modules', '.cache', 'swc-register');
let swc;

// swc's own version is part of the key: an upgrade never reuses output of the old one
const SWC_VERSION = JSON.parse(fs.readFileSync(require.resolve('@swc/core/package.json'), 'utf8')).version;

function cached(source, filename) {
  const key = crypto.createHash('sha256').update(`${SWC_VERSION}\0${JSON.stringify(OPTIONS)}\0${filename}\0${source}`).digest('hex');
  const file = path.join(CACHE, `${key}.js`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    swc ??= require('@swc/core');
    const code = swc.transformSync(source, { ...OPTIONS, filename }).code;
    try {
      fs.mkdirSync(CACHE, { recursive: true });
      const tmp = `${file}.${process.pid}`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, file); // atomic: concurrent runs never read half a file
    } catch {
      // read-only checkout: run without the cache
    }
    return code;
  }
}

require.extensions['.ts'] = (module, filename) => {
  module._compile(cached(fs.readFileSync(filename, 'utf8'), filename), filename);
};
