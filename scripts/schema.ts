// `npm run schema`: writes schema/cluster.schema.json from the zod schema, for editors
// (each cluster file starts with `# yaml-language-server: $schema=../schema/cluster.schema.json`).
import * as fs from 'fs';
import * as path from 'path';
import { clusterJsonSchema } from '../lib/config/schema';

export const SCHEMA_FILE = path.join(__dirname, '..', 'schema', 'cluster.schema.json');
export const schemaText = (): string => JSON.stringify(clusterJsonSchema(), null, 2) + '\n';

if (require.main === module) {
  fs.mkdirSync(path.dirname(SCHEMA_FILE), { recursive: true });
  fs.writeFileSync(SCHEMA_FILE, schemaText());
  console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
}
