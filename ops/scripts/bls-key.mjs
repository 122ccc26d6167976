#!/usr/bin/env node
// A validator's BLS key, made on the validator's own machine (docs/operating.md, "BLS keys"):
//   node ops/scripts/bls-key.mjs --plmn 26201 --out /etc/cdrchain/validator/bls.key.json [--power 1] [--force]
// writes the key file (mode 0600; the secret never leaves the machine) and prints the validator's
// genesis entry { plmn, blsKey, pop, power } on stdout: the public key and its proof of possession,
// which the operator sends to whoever assembles the genesis (ops/scripts/genesis-validators.mjs).
// Uses the built node (npm run build): dist/.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';

const dist = (p) => new URL(`../../dist/src/${p}`, import.meta.url).href;
const { blsKeyPairFromSeed } = await import(dist('crypto/bls/bls.js'));
const { writeBlsKeyFile } = await import(dist('crypto/bls/key-file.js'));
const { genesisValidator } = await import(dist('chain/genesis.js'));
const { toHex } = await import(dist('codec/bytes.js'));

function fail(message) {
  process.stderr.write(`bls-key: ${message}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({ options: { plmn: { type: 'string' }, out: { type: 'string' }, power: { type: 'string', default: '1' }, force: { type: 'boolean', default: false } } }));
} catch (err) {
  fail(err.message);
}
const plmn = Number(values.plmn);
const power = Number(values.power);
if (!Number.isInteger(plmn) || plmn < 10000 || plmn > 999999) fail('--plmn must be the validator operator\'s PLMN id (5 or 6 digits)');
if (!Number.isSafeInteger(power) || power < 1) fail('--power must be a positive integer');
if (!values.out) fail('--out FILE is required');
if (existsSync(values.out) && !values.force) fail(`${values.out} exists; pass --force to replace it (a validator whose key changes needs a new genesis)`);

const key = blsKeyPairFromSeed(randomBytes(32));
writeBlsKeyFile(values.out, { plmn, blsSecretKey: toHex(key.secretKey), blsPublicKey: toHex(key.publicKey) });
const v = genesisValidator(plmn, key.secretKey, power);
process.stdout.write(`${JSON.stringify({ plmn, blsKey: toHex(v.blsKey), pop: toHex(v.pop), power })}\n`);
