// Writes docs/config.schema.json from the node's settings table (src/cli/node-settings.ts, built in dist/).
// Run after changing a setting: `npx tsc -p tsconfig.build.json && node scripts/write-config-schema.mjs`;
// src/cli/config.test.ts fails while the committed file is stale.
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { nodeConfigSchema } = await import(join(root, 'dist', 'src', 'cli', 'node-settings.js'));
writeFileSync(join(root, 'docs', 'config.schema.json'), `${JSON.stringify(nodeConfigSchema(), null, 2)}\n`);
console.log('wrote docs/config.schema.json');
