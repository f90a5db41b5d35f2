// `npm run schema`: writes the JSON Schemas of cluster files from the zod schema, for editors (each
// cluster file starts with `# yaml-language-server: $schema=...`): cluster.schema.json for a whole
// cluster, cluster-partial.schema.json for a cluster that extends a preset, preset.schema.json for
// a preset.
import * as fs from 'fs';
import * as path from 'path';
import { clusterJsonSchema, partialClusterJsonSchema } from '../lib/config/schema';
import { commandArgs } from './usage';

const USAGE = `npm run schema
  Rewrites schema/cluster.schema.json, schema/cluster-partial.schema.json and schema/preset.schema.json
  from the zod schema in lib/config/ (a test fails when they are stale).
  --help, -h  print this and exit 0`;

const DIR = path.join(__dirname, '..', 'schema');
const text = (schema: Record<string, unknown>): string => JSON.stringify(schema, null, 2) + '\n';

/** File -> content of every exported schema. */
export const schemaFiles = (): Map<string, string> =>
  new Map([
    [path.join(DIR, 'cluster.schema.json'), text(clusterJsonSchema())],
    [path.join(DIR, 'cluster-partial.schema.json'), text(partialClusterJsonSchema('extending'))],
    [path.join(DIR, 'preset.schema.json'), text(partialClusterJsonSchema('preset'))],
  ]);

if (require.main === module && commandArgs(USAGE)) {
  fs.mkdirSync(DIR, { recursive: true });
  for (const [file, content] of schemaFiles()) {
    fs.writeFileSync(file, content);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}
