// Writes circuits/currency-generators.circom: the per-currency Pedersen generators G_cur and H
// (src/settlement/commitment/currency-generators.ts, pedersen.ts) as circom constants, in the
// table order the chunk circuit selects from. Run after `npm run build:ts`; the test
// src/settlement/commitment/currency-generators.test.ts fails when the file is out of date.
//
//   node scripts/gen-currency-generators.mjs
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { currencyGeneratorsCircom } = await import(join(root, 'dist', 'src', 'settlement', 'commitment', 'currency-generators-circom.js'));
writeFileSync(join(root, 'circuits', 'currency-generators.circom'), currencyGeneratorsCircom());
console.log('wrote circuits/currency-generators.circom');
