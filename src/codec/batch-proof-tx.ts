import { Builder, ByteBuffer } from 'flatbuffers';
import { BatchProofTx } from './generated/cdrchain/wire/batch-proof-tx.js';
import { CHAIN_IDENTITY_BYTES } from './batch.js';
import { CanonicalWriter } from './bytes.js';
import { addHash, createBytes } from './builder.js';
import { MalformedFrameError, UnsupportedVersionError } from './errors.js';
import { ED25519_SIGNATURE_BYTES, MAX_BATCH_RECORDS } from './limits.js';
import { structBytes, vectorBytes } from './read.js';
import { verifyRoot, type TableSpec } from './verify.js';
import { sha256 } from '../crypto/hash.js';

export const BATCH_PROOF_TX_FILE_IDENTIFIER = 'CDRZ';
export const BATCH_PROOF_TX_VERSION = 1;
/** A circuit id: printable ASCII, e.g. "cdrchain/batch-chunk". */
export const MAX_CIRCUIT_ID_BYTES = 64;
const CIRCUIT_ID = /^[\x21-\x7e]{1,64}$/;
/** One chunk of an encoded batch proof (src/proofs/batch-proof.ts): root, totals commitment, 256-byte proof. */
export const BATCH_PROOF_CHUNK_BYTES = 32 + 32 + 256;
const BATCH_PROOF_HEADER_BYTES = 9;
/** Structural bound: one-record chunks of the largest batch. Admission applies its own, smaller one. */
const MAX_PROOF_BYTES = BATCH_PROOF_HEADER_BYTES + MAX_BATCH_RECORDS * BATCH_PROOF_CHUNK_BYTES;

/**
 * Largest batch proof transaction frame for a batch of `records` proved in chunks of `chunkRecords`:
 * the encoded proof plus room for the table, the circuit id and the signature.
 */
export function batchProofTxFrameBytes(records: number, chunkRecords: number): number {
  return BATCH_PROOF_HEADER_BYTES + Math.ceil(records / chunkRecords) * BATCH_PROOF_CHUNK_BYTES + 512;
}

/** The signed content of a batch proof transaction. */
export interface BatchProofTxFields {
  readonly version: number;
  readonly signer: number;
  readonly sequence: bigint;
  readonly batchId: Uint8Array;
  readonly circuitId: string;
  readonly circuitVersion: number;
  /** encodeBatchProof's bytes. */
  readonly proof: Uint8Array;
  /**
   * The batch's role (docs/settlement.md, "The link"): `billing` (absent: the default) adds its chunks
   * to the charge aggregate of submitter → counterparty; `view` proves the batch and adds to none.
   */
  readonly role?: BatchRole;
}

export type BatchRole = 'billing' | 'view';

/** A verified batch proof transaction frame; byte fields are views into `bytes`. */
export interface DecodedBatchProofTx extends BatchProofTxFields {
  readonly signature: Uint8Array;
  readonly bytes: Uint8Array;
}

export const BATCH_PROOF_TX_SPEC: TableSpec = {
  name: 'BatchProofTx',
  fields: [
    { index: 0, kind: 'scalar', size: 2 },
    { index: 1, kind: 'scalar', size: 4 },
    { index: 2, kind: 'scalar', size: 8 },
    { index: 3, kind: 'struct', size: 32 },
    { index: 4, kind: 'string', maxBytes: MAX_CIRCUIT_ID_BYTES },
    { index: 5, kind: 'scalar', size: 4 },
    { index: 6, kind: 'vector', elementSize: 1, maxLength: MAX_PROOF_BYTES },
    { index: 7, kind: 'vector', elementSize: 1, maxLength: ED25519_SIGNATURE_BYTES },
    { index: 8, kind: 'scalar', size: 1 },
  ],
  required: [3, 4, 6, 7],
};

// 14 characters, NUL-padded to 16 like the batch and contract tags, and distinct from both.
const TX_TAG = 'cdrchain:bpf:1\0\0';
export const CANONICAL_BATCH_PROOF_TX_BYTES = 16 + CHAIN_IDENTITY_BYTES + 2 + 4 + 8 + 32 + 32 + 4 + 32;

/**
 * The bytes the signer signs and the transaction hash covers: fixed layout, big-endian,
 * domain-tagged, bound to chain `chain` (its identity); the circuit id and the proof by SHA-256.
 */
export function canonicalBatchProofTx(t: BatchProofTxFields, chain: Uint8Array): Uint8Array {
  const view = t.role === 'view';
  // A view's role byte is appended: a billing proof keeps the bytes (and hash) it had before roles.
  const w = new CanonicalWriter(CANONICAL_BATCH_PROOF_TX_BYTES + (view ? 1 : 0))
    .tag(TX_TAG)
    .raw(chain, CHAIN_IDENTITY_BYTES)
    .u16(t.version)
    .u32(t.signer)
    .u64(t.sequence)
    .raw(t.batchId, 32)
    .raw(sha256(new TextEncoder().encode(t.circuitId)), 32)
    .u32(t.circuitVersion)
    .raw(sha256(t.proof), 32);
  if (view) w.u8(1);
  return w.finish();
}

/** The transaction's hash on chain `chain` (its id in the tx store and blocks). */
export function batchProofTxHash(t: BatchProofTxFields, chain: Uint8Array): Uint8Array {
  return sha256(canonicalBatchProofTx(t, chain));
}

export function encodeBatchProofTx(t: BatchProofTxFields, signature: Uint8Array): Uint8Array {
  const builder = new Builder(t.proof.length + 256);
  const circuit = builder.createString(t.circuitId);
  const proof = createBytes(builder, t.proof);
  const sig = createBytes(builder, signature);
  BatchProofTx.startBatchProofTx(builder);
  BatchProofTx.addVersion(builder, t.version);
  BatchProofTx.addSigner(builder, t.signer);
  BatchProofTx.addSequence(builder, t.sequence);
  addHash(builder, BatchProofTx.addBatchId, t.batchId);
  BatchProofTx.addCircuitId(builder, circuit);
  BatchProofTx.addCircuitVersion(builder, t.circuitVersion);
  BatchProofTx.addProof(builder, proof);
  BatchProofTx.addSignature(builder, sig);
  if (t.role === 'view') BatchProofTx.addRole(builder, 1);
  BatchProofTx.finishBatchProofTxBuffer(builder, BatchProofTx.endBatchProofTx(builder));
  return builder.asUint8Array();
}

/** True when `frame` carries the batch proof transaction file identifier (offset 4). */
export function isBatchProofTxFrame(frame: Uint8Array): boolean {
  if (frame.length < 8) return false;
  for (let i = 0; i < 4; i++) if (frame[4 + i] !== BATCH_PROOF_TX_FILE_IDENTIFIER.charCodeAt(i)) return false;
  return true;
}

/**
 * Verifies the frame's structure, then reads it. Throws MalformedFrameError or
 * UnsupportedVersionError; the proof's own encoding, the signature, the batch and the circuit
 * belong to admission.
 */
export function decodeBatchProofTx(bytes: Uint8Array): DecodedBatchProofTx {
  verifyRoot(bytes, BATCH_PROOF_TX_SPEC, BATCH_PROOF_TX_FILE_IDENTIFIER);
  const bb = new ByteBuffer(bytes);
  const tx = BatchProofTx.getRootAsBatchProofTx(bb);
  const version = tx.version();
  if (version !== BATCH_PROOF_TX_VERSION) throw new UnsupportedVersionError('batch proof transaction', version, tx.sequence());
  const circuitId = tx.circuitId() ?? '';
  if (!CIRCUIT_ID.test(circuitId)) throw new MalformedFrameError('circuit id must be 1-64 printable ASCII characters');
  const signature = vectorBytes(bb, tx.bb_pos, 18, 1);
  if (signature.length !== ED25519_SIGNATURE_BYTES) throw new MalformedFrameError(`signature must be ${ED25519_SIGNATURE_BYTES} bytes`);
  const role = tx.role();
  if (role > 1) throw new MalformedFrameError(`role must be 0 (billing) or 1 (view), got ${role}`);
  return {
    ...(role === 1 ? { role: 'view' as const } : {}),
    version,
    signer: tx.signer(),
    sequence: tx.sequence(),
    batchId: structBytes(bb, tx.bb_pos, 10),
    circuitId,
    circuitVersion: tx.circuitVersion(),
    proof: vectorBytes(bb, tx.bb_pos, 16, 1),
    signature,
    bytes,
  };
}
