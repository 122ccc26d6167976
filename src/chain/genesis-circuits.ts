import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_CIRCUIT_ID_BYTES } from '../codec/batch-proof-tx.js';
import { toHex } from '../codec/bytes.js';
import { CHUNK_CIRCUIT, chunkCircuitName, isChunkSize, TEST_CHUNK_RECORDS } from '../proofs/circuit.js';
import { FULL_LINK_LINES, LINK_CIRCUIT, LINK_PUBLIC_INPUT_COUNT, linkCircuitName, TEST_LINK_LINES } from '../proofs/link/link-circuit.js';
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
  /** Records per chunk proof (the batch-chunk circuit's N): a batch proof's encoding names it. 0 for the link circuit. */
  readonly chunkRecords: number;
  /** The link circuit's (`cdrchain/bilateral-link`) lines per (direction, currency); absent for chunk circuits. */
  readonly linesPerCurrency?: number;
  readonly vkey: VerificationKey;
  /** Canonical bytes of `vkey` (encodeVerificationKey): what the verification workers are sent. */
  readonly vkeyBytes: Uint8Array;
  /** SHA-256 of `vkeyBytes` (verificationKeyId), hex. */
  readonly vkeyId: string;
}

export interface GenesisCircuitJson {
  id: string;
  version: number;
  /** A chunk circuit's size; a link circuit names `linesPerCurrency` instead. */
  chunkRecords?: number;
  linesPerCurrency?: number;
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

/** The link circuit registered under `version` and `lines`, if the genesis has it. */
export function linkCircuitKey(version: number, lines: number): string {
  return `${LINK_CIRCUIT.id}@${version}/lines-${lines}`;
}

/** The registry key of a chunk circuit or of the link circuit. */
export function registryKey(c: GenesisCircuit): string {
  return c.linesPerCurrency === undefined ? circuitKey(c.id, c.version, c.chunkRecords) : linkCircuitKey(c.version, c.linesPerCurrency);
}

/** The link circuit's entry (id `cdrchain/bilateral-link`): lines per (direction, currency) in 1..5, 18 public inputs. */
export function genesisLinkCircuit(version: number, lines: number, vkeyJson: unknown): GenesisCircuit {
  if (!Number.isInteger(version) || version < 0 || version > 0xffff_ffff) throw new GenesisCircuitError(`circuit ${LINK_CIRCUIT.id}: version must be a u32`);
  if (!Number.isInteger(lines) || lines < 1 || lines > FULL_LINK_LINES) throw new GenesisCircuitError(`circuit ${LINK_CIRCUIT.id}: linesPerCurrency must be in 1..${FULL_LINK_LINES}`);
  let vkey: VerificationKey;
  try {
    vkey = parseVerificationKey(vkeyJson, LINK_PUBLIC_INPUT_COUNT);
  } catch (err) {
    if (err instanceof ProofEncodingError) throw new GenesisCircuitError(`circuit ${linkCircuitKey(version, lines)}: ${err.message}`);
    throw err;
  }
  return Object.freeze({ id: LINK_CIRCUIT.id, version, chunkRecords: 0, linesPerCurrency: lines, vkey, vkeyBytes: encodeVerificationKey(vkey), vkeyId: toHex(verificationKeyId(vkey)) });
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
    const circuit = o.id === LINK_CIRCUIT.id
      ? genesisLinkCircuit(o.version as number, o.linesPerCurrency as number, o.vkey)
      : genesisCircuit(o.id as string, o.version as number, o.chunkRecords as number, o.vkey);
    const key = registryKey(circuit);
    if (seen.has(key)) throw new GenesisCircuitError(`circuit ${key} listed twice`);
    seen.add(key);
    return circuit;
  });
  return Object.freeze(out);
}

/** In the order given (the chain identity hashes this JSON); keys in their canonical form. */
export function genesisCircuitsToJson(circuits: readonly GenesisCircuit[]): GenesisCircuitJson[] {
  return circuits.map((c) => ({
    id: c.id,
    version: c.version,
    ...(c.linesPerCurrency === undefined ? { chunkRecords: c.chunkRecords } : { linesPerCurrency: c.linesPerCurrency }),
    vkey: JSON.parse(Buffer.from(c.vkeyBytes).toString('utf8')) as object,
  }));
}

let devnet: readonly GenesisCircuit[] | undefined;

let devnetLink: GenesisCircuit | undefined;
const committedKey = (name: string): unknown => JSON.parse(readFileSync(join(findPackageRoot(), 'circuits', 'keys', `${name}.vkey.json`), 'utf8')) as unknown;

/**
 * The devnet's circuits: the test-size chunk circuit (N = 4) with the committed key of the INSECURE
 * dev setup (circuits/keys, docs/proofs.md §4): anyone can forge proofs under it. With `link`, also
 * the test-size link circuit (one line per direction and currency), which makes link proofs mandatory
 * for committed statements (`devnetGenesis({ linkProofs: true })`).
 */
export function devnetCircuits(opts: { link?: boolean } = {}): readonly GenesisCircuit[] {
  devnet ??= Object.freeze([genesisCircuit(CHUNK_CIRCUIT.id, CHUNK_CIRCUIT.version, TEST_CHUNK_RECORDS, committedKey(chunkCircuitName(TEST_CHUNK_RECORDS)))]);
  if (opts.link !== true) return devnet;
  devnetLink ??= genesisLinkCircuit(LINK_CIRCUIT.version, TEST_LINK_LINES, committedKey(linkCircuitName(TEST_LINK_LINES)));
  return Object.freeze([...devnet, devnetLink]);
}

/** The registered link circuits (empty: statements carry no link proof). */
export function linkCircuits(circuits: readonly GenesisCircuit[]): readonly GenesisCircuit[] {
  return circuits.filter((c) => c.linesPerCurrency !== undefined);
}
