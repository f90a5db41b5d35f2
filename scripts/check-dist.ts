// Last step of `npm test`: the committed dist/ must be exactly what the code generates now.
import { defaultDist, readTree } from '../lib/output/dist';
import { diffTrees, formatText } from '../lib/output/diff';
import { synthFiles } from '../lib/output/synth';

const changes = diffTrees(readTree(defaultDist()), synthFiles().files);
if (changes.length > 0) {
  console.error(`dist/ is stale: run \`npm run synth\` and commit the result.\n${formatText(changes)}`);
  process.exit(1);
}
console.log('dist/ matches a fresh synth');
