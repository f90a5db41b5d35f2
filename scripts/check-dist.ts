// Last step of `npm test`: the committed dist/ must be exactly what the code generates now. The
// same as `npm run synth -- --check` (the pre-commit hook).
import { runSynth } from '../lib/pipeline/cli';

process.exitCode = runSynth(['--check', ...process.argv.slice(2)], console);
