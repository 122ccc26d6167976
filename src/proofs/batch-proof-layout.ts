// The byte layout of an encoded batch proof (batch-proof.ts encodeBatchProof), readable without
// snarkjs: the chain's state transition and admission read a verified proof's public values in place.
import { toHex } from '../codec/bytes.js';

/** Encoding version of a batch proof (2: chunks carry their Pedersen charge commitment). */
export const BATCH_PROOF_VERSION = 2;
/** version u8 ‖ records per chunk u32 ‖ chunks u32. */
export const BATCH_PROOF_HEADER_BYTES = 1 + 4 + 4;
/** Per chunk: root ‖ totals commitment ‖ charge commitment x ‖ y (32 bytes each, big-endian) ‖ Groth16 proof (256). */
export const BATCH_PROOF_CHUNK_BYTES = 32 + 32 + 64 + 256;
export const CHUNK_FIELD_OFFSET = Object.freeze({ root: 0, totalsCommitment: 32, chargeX: 64, chargeY: 96, proof: 128 });

/** The public values of each chunk of an encoded batch proof, read in place. */
export interface BatchProofPublicValues {
  readonly chunkRecords: number;
  /** Per chunk, the Poseidon totals commitment (hex, 32 bytes). */
  readonly totalsCommitments: readonly string[];
  /** Per chunk, the Pedersen charge commitment's affine coordinates. */
  readonly chargeCommitments: readonly { readonly x: bigint; readonly y: bigint }[];
}

/** Reads the chunks' public values; undefined when the version or the length does not hold. */
export function batchProofPublicValues(proof: Uint8Array): BatchProofPublicValues | undefined {
  if (proof.length < BATCH_PROOF_HEADER_BYTES || proof[0] !== BATCH_PROOF_VERSION) return undefined;
  const view = new DataView(proof.buffer, proof.byteOffset, proof.byteLength);
  const count = view.getUint32(5);
  if (proof.length !== BATCH_PROOF_HEADER_BYTES + count * BATCH_PROOF_CHUNK_BYTES) return undefined;
  const totalsCommitments: string[] = [];
  const chargeCommitments: { x: bigint; y: bigint }[] = [];
  const word = (at: number): bigint => BigInt(`0x${toHex(proof.subarray(at, at + 32))}`);
  for (let i = 0; i < count; i++) {
    const at = BATCH_PROOF_HEADER_BYTES + i * BATCH_PROOF_CHUNK_BYTES;
    totalsCommitments.push(toHex(proof.subarray(at + CHUNK_FIELD_OFFSET.totalsCommitment, at + CHUNK_FIELD_OFFSET.totalsCommitment + 32)));
    chargeCommitments.push({ x: word(at + CHUNK_FIELD_OFFSET.chargeX), y: word(at + CHUNK_FIELD_OFFSET.chargeY) });
  }
  return { chunkRecords: view.getUint32(1), totalsCommitments, chargeCommitments };
}

/** How many chunk proofs an encoded batch proof holds by its length (at least 1): the verification job's weight. */
export function batchProofChunkCount(proof: Uint8Array): number {
  return Math.max(1, Math.floor((proof.length - BATCH_PROOF_HEADER_BYTES) / BATCH_PROOF_CHUNK_BYTES));
}
