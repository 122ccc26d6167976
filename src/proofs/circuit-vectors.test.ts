// The circuits against published vectors and the project's own hash: circomlib's Poseidon templates (the
// ones batch-chunk.circom uses) give the published circomlib values, and the circuit's Merkle template
// gives the root the node computes with build/poseidon.wasm.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wtns } from 'snarkjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { findPackageRoot } from '../wasm/load.js';
import { PoseidonWasm, bytesToField, packFields } from '../wasm/poseidon.js';
import type { ChunkArtifacts } from './artifacts.js';
import { BUILD_TIMEOUT_MS, builtTestCircuits, circuitsDir } from './test-helpers/built-circuits.js';
import { encodeVerificationKey, parseVerificationKey } from './verification-key.js';
import { PUBLIC_INPUTS } from './circuit.js';
import { loadLinkArtifacts } from './link/link-artifacts.js';
import { LINK_PUBLIC_INPUT_COUNT, linkCircuitName, TEST_LINK_LINES } from './link/link-circuit.js';

const poseidon = PoseidonWasm.load();
let artifacts: ChunkArtifacts;

beforeAll(async () => {
  artifacts = await builtTestCircuits();
}, BUILD_TIMEOUT_MS);

/** Witness of circuits/test/poseidon-vectors.circom: [1, hashTwo, hashFive, root, ...inputs]. */
async function vectorsWitness(input: Record<string, string[]>): Promise<bigint[]> {
  const out: { type: 'mem'; data?: Uint8Array } = { type: 'mem' };
  await wtns.calculate(input, join(circuitsDir(), 'poseidon_vectors', 'poseidon-vectors_js', 'poseidon-vectors.wasm'), out);
  return wtns.exportJson(out);
}

describe('circuit Poseidon and Merkle tree', () => {
  it('circomlib Poseidon in the circuit gives the published vectors, and the WASM Poseidon agrees', async () => {
    const leaves = [11n, 22n, 33n, 0n];
    const w = await vectorsWitness({ two: ['1', '2'], five: ['1', '2', '3', '4', '5'], leaves: leaves.map(String) });
    // circomlibjs test/poseidon.js: poseidon([1, 2]).
    expect(w[1]).toBe(0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189an);
    // poseidon([1, 2, 3, 4, 5]), the value circomlib-compatible implementations publish (src/wasm/poseidon.test.ts).
    expect(w[2]).toBe(0x0dab9449e4a1398a15224c0b15a49d598b2174d305a316c918125f8feeb123c0n);
    expect(w[1]).toBe(poseidon.hash([1n, 2n]));
    expect(w[2]).toBe(poseidon.hash([1n, 2n, 3n, 4n, 5n]));
    expect(w[3]).toBe(bytesToField(poseidon.merkleRoot(packFields(leaves), 4)));
    // Three leaves: the node pads with a zero leaf, exactly the circuit's padding slot.
    expect(w[3]).toBe(bytesToField(poseidon.merkleRoot(packFields(leaves.slice(0, 3)), 3)));
  });

  it('the circuit hashes arbitrary field elements as the WASM Poseidon does', async () => {
    const r = poseidon.hash([7n]);
    const two = [r, poseidon.hash([r])];
    const five = [1n, 2n ** 200n, r, 0n, 21888242871839275222246405745257275088548364400416034343698204186575808495616n];
    const leaves = [r, two[1]!, 5n, 6n];
    const w = await vectorsWitness({ two: two.map(String), five: five.map(String), leaves: leaves.map(String) });
    expect(w[1]).toBe(poseidon.hash(two));
    expect(w[2]).toBe(poseidon.hash(five));
    expect(w[3]).toBe(bytesToField(poseidon.merkleRoot(packFields(leaves), 4)));
  });
});

describe('dev setup', () => {
  it('is reproducible: the built verification key is the committed one (circuits/keys/)', () => {
    const committed = parseVerificationKey(JSON.parse(readFileSync(join(findPackageRoot(), 'circuits', 'keys', `${artifacts.name}.vkey.json`), 'utf8')) as unknown);
    expect(Buffer.from(encodeVerificationKey(artifacts.verificationKey)).toString()).toBe(Buffer.from(encodeVerificationKey(committed)).toString());
    expect(artifacts.insecureDevSetup).toBe(true);
    // Version 2: the Pedersen charge commitment (two more public signals, ~1,200 more constraints than v1's 3,871).
    expect(committed.nPublic).toBe(PUBLIC_INPUTS.length);
    expect(PUBLIC_INPUTS.length).toBe(7);
    expect(artifacts.constraints).toBeGreaterThan(5000);
  });

  it('the link circuit too: its built key is the committed one the devnet registers (18 public inputs)', () => {
    const link = loadLinkArtifacts(TEST_LINK_LINES);
    const committed = parseVerificationKey(JSON.parse(readFileSync(join(findPackageRoot(), 'circuits', 'keys', `${linkCircuitName(TEST_LINK_LINES)}.vkey.json`), 'utf8')) as unknown, LINK_PUBLIC_INPUT_COUNT);
    expect(Buffer.from(encodeVerificationKey(link.verificationKey)).toString()).toBe(Buffer.from(encodeVerificationKey(committed)).toString());
    expect(link.insecureDevSetup).toBe(true);
    expect(link.constraints).toBe(8057);
  });
});
