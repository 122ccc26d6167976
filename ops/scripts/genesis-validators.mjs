#!/usr/bin/env node
// Adds the validators to a genesis (docs/operating.md, "Genesis"):
//   node ops/scripts/genesis-validators.mjs --genesis operators.json --validator 26201.json --validator 23415.json ... --out genesis.json
// operators.json is what `cdrchain genesis --chain-id ID --operator NAME=KEYFILE ...` writes; each
// --validator file is one line that ops/scripts/bls-key.mjs printed. The consensus constants are the
// defaults unless --policy FILE gives some of blocksPerBatch, batchesPerEpoch, producerTimeoutMs,
// maxBlockTxs, maxForkProofsPerBlock. Every proof of possession is verified (as every node does when
// it loads the genesis); the output is the canonical form that every validator must receive byte for byte.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const dist = (p) => new URL(`../../dist/src/${p}`, import.meta.url).href;
const { GENESIS_POLICY_FIELDS, genesisFromJson, genesisToJson, genesisId } = await import(dist('chain/genesis.js'));
const { DEFAULT_CONSENSUS_POLICY } = await import(dist('consensus/policy.js'));

function fail(message) {
  process.stderr.write(`genesis-validators: ${message}\n`);
  process.exit(2);
}
const readJson = (path) => {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return fail(`cannot read ${path}: ${err.message}`);
  }
};

let values;
try {
  ({ values } = parseArgs({ options: { genesis: { type: 'string' }, validator: { type: 'string', multiple: true }, policy: { type: 'string' }, out: { type: 'string' } } }));
} catch (err) {
  fail(err.message);
}
if (!values.genesis) fail('--genesis FILE (from `cdrchain genesis --operator ...`) is required');
if (!values.validator?.length) fail('at least one --validator FILE (printed by bls-key.mjs) is required');
if (!values.out) fail('--out FILE is required');

const json = readJson(values.genesis);
if (json.consensus !== undefined) fail(`${values.genesis} already has validators`);
const policy = values.policy ? readJson(values.policy) : {};
for (const k of Object.keys(policy)) if (!GENESIS_POLICY_FIELDS.includes(k)) fail(`--policy: ${k} is not a genesis constant (${GENESIS_POLICY_FIELDS.join(', ')})`);
json.consensus = {
  policy: Object.fromEntries(GENESIS_POLICY_FIELDS.map((f) => [f, policy[f] ?? DEFAULT_CONSENSUS_POLICY[f]])),
  validators: values.validator.map(readJson).sort((a, b) => a.plmn - b.plmn),
};
let genesis;
try {
  genesis = genesisFromJson(json);
} catch (err) {
  fail(err.message);
}
writeFileSync(values.out, `${JSON.stringify(genesisToJson(genesis), null, 2)}\n`);
process.stdout.write(`${JSON.stringify({ chainId: genesis.chainId, validators: genesis.consensus.validators.length, genesisId: genesisId(genesis), out: values.out })}\n`);
