import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_CIRCUIT_ID_BYTES } from '../codec/batch-proof-tx.js';
import { toHex } from '../codec/bytes.js';
import { CHUNK_CIRCUIT, chunkCircuitName, isChunkSize, TEST_CHUNK_RECORDS } from '../proofs/circuit.js';
import { ProofEncodingError } from '../proofs/errors.js';
import { encodeVerificationKey, parseVerificationKey, verificationKeyId, type VerificationKey } from '../proofs/verification-key.js';
import { findPackageRoot } from '../wasm/load.js';

/**
 * A circuit whose proofs the chain verifies (issue 13, P6; docs/proofs.md): its Groth16 verification
 * key registered under (id, version, records per chunk), like the consensus constants fixed by the
 * genesis since every validator must decide a batch proof the same way.
 */
export interface GenesisCircuit {
  readonly id: string;
  readonly version: number;
  /** Records per chunk proof (the batch-chunk circuit's N): a batch proof's encoding names it. */
  readonly chunkRecords: number;
  readonly vkey: VerificationKey;
  /** Canonical bytes of `vkey` (encodeVerificationKey): what the verification workers are sent. */
  readonly vkeyBytes: Uint8Array;
  /** SHA-256 of `vkeyBytes` (verificationKeyId), hex. */
  readonly vkeyId: string;
}

export interface GenesisCircuitJson {
  id: string;
  version: number;
  chunkRecords: number;
  /** The key as snarkjs exports it (only the fields verification reads are kept). */
  vkey: object;
}

export class GenesisCircuitError extends Error {
  override readonly name = 'GenesisCircuitError';
}

const CIRCUIT_ID = /^[\x21-\x7e]+$/;

/** The registry key of a circuit. */
export function circuitKey(id: string, version: number, chunkRecords: number): string {
  return `${id}@${version}/${chunkRecords}`;
}

export function genesisCircuit(id: string, version: number, chunkRecords: number, vkeyJson: unknown): GenesisCircuit {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_CIRCUIT_ID_BYTES || !CIRCUIT_ID.test(id)) {
    throw new GenesisCircuitError(`circuit id must be 1-${MAX_CIRCUIT_ID_BYTES} printable ASCII characters`);
  }
  if (!Number.isInteger(version) || version < 0 || version > 0xffff_ffff) throw new GenesisCircuitError(`circuit ${id}: version must be a u32`);
  if (!isChunkSize(chunkRecords)) throw new GenesisCircuitError(`circuit ${id}: chunkRecords must be a power of two up to 65536`);
  let vkey: VerificationKey;
  try {
    vkey = parseVerificationKey(vkeyJson);
  } catch (err) {
    if (err instanceof ProofEncodingError) throw new GenesisCircuitError(`circuit ${id}@${version}/${chunkRecords}: ${err.message}`);
    throw err;
  }
  return Object.freeze({ id, version, chunkRecords, vkey, vkeyBytes: encodeVerificationKey(vkey), vkeyId: toHex(verificationKeyId(vkey)) });
}

/** Checks the section: each (id, version, chunkRecords) once; keys valid. */
export function genesisCircuitsFromJson(raw: unknown): readonly GenesisCircuit[] {
  if (!Array.isArray(raw)) throw new GenesisCircuitError('circuits must be a list');
  if (raw.length > 64) throw new GenesisCircuitError('at most 64 circuits');
  const seen = new Set<string>();
  const out = raw.map((c: unknown) => {
    const o = (typeof c === 'object' && c !== null ? c : {}) as Partial<Record<keyof GenesisCircuitJson, unknown>>;
    const circuit = genesisCircuit(o.id as string, o.version as number, o.chunkRecords as number, o.vkey);
    const key = circuitKey(circuit.id, circuit.version, circuit.chunkRecords);
    if (seen.has(key)) throw new GenesisCircuitError(`circuit ${key} listed twice`);
    seen.add(key);
    return circuit;
  });
  return Object.freeze(out);
}

/** In the order given (the chain identity hashes this JSON); keys in their canonical form. */
export function genesisCircuitsToJson(circuits: readonly GenesisCircuit[]): GenesisCircuitJson[] {
  return circuits.map((c) => ({ id: c.id, version: c.version, chunkRecords: c.chunkRecords, vkey: JSON.parse(Buffer.from(c.vkeyBytes).toString('utf8')) as object }));
}

let devnet: readonly GenesisCircuit[] | undefined;

/**
 * The devnet's circuits: the test-size chunk circuit (N = 4) with the committed key of the
 * INSECURE dev setup (circuits/keys, docs/proofs.md §4): anyone can forge proofs under it.
 */
export function devnetCircuits(): readonly GenesisCircuit[] {
  if (devnet === undefined) {
    const path = join(findPackageRoot(), 'circuits', 'keys', `${chunkCircuitName(TEST_CHUNK_RECORDS)}.vkey.json`);
    devnet = Object.freeze([genesisCircuit(CHUNK_CIRCUIT.id, CHUNK_CIRCUIT.version, TEST_CHUNK_RECORDS, JSON.parse(readFileSync(path, 'utf8')) as unknown)]);
  }
  return devnet;
}
