// Writes docs/openapi.json from the node's OpenAPI document (src/api/openapi.ts, built into dist/ by
// `npm run build:ts`): `npm run gen:openapi`. src/api/openapi.test.ts fails while the two differ.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { NODE_OPENAPI_JSON } = await import(join(root, 'dist', 'src', 'api', 'openapi.js'));
writeFileSync(join(root, 'docs', 'openapi.json'), NODE_OPENAPI_JSON);
console.log(`docs/openapi.json written (${NODE_OPENAPI_JSON.length} bytes)`);
