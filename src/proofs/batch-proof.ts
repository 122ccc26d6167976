import type { BatchHeaderFields } from '../codec/batch.js';
import type { AffinePoint } from '../settlement/commitment/pedersen.js';
import { MAX_BATCH_RECORDS } from '../codec/limits.js';
import { FIELD_MODULUS, bytesToField, fieldToBytes, type Hash2, type PoseidonWasm } from '../wasm/poseidon.js';
import type { ChunkArtifacts } from './artifacts.js';
import { chunkLayout, chunkRootsMatchBatch } from './chunks.js';
import { isChunkSize } from './circuit.js';
import { ProofEncodingError } from './errors.js';
import { decodeProof, encodeProof, type Groth16Proof } from './proof-codec.js';
import { chunkWitness, proveChunk } from './prove.js';
import type { RecordOpening } from './record-opening.js';
import type { ChunkStatement } from './statement.js';
import type { ChunkTotals } from './totals.js';
import { verifyChunkProof } from './verify.js';
import { BATCH_PROOF_CHUNK_BYTES, BATCH_PROOF_HEADER_BYTES, BATCH_PROOF_VERSION, CHUNK_FIELD_OFFSET } from './batch-proof-layout.js';

/** One chunk's part of a batch proof: what the header does not already fix, and the proof. */
export interface BatchProofChunk {
  readonly root: bigint;
  readonly totalsCommitment: bigint;
  /** The chunk's Pedersen charge commitment (affine Baby Jubjub): what the ledger adds up. */
  readonly chargeCommitment: AffinePoint;
  readonly proof: Groth16Proof;
}

/** The proof of a whole batch: one chunk proof per chunkLayout span, in order. */
export interface BatchProof {
  /** Records per chunk: selects the circuit (and its registered verification key). */
  readonly chunkRecords: number;
  readonly chunks: readonly BatchProofChunk[];
}

/** The header fields a batch proof is checked against. */
export type BatchProofHeader = Pick<BatchHeaderFields, 'merkleRoot' | 'recordCount' | 'periodStart' | 'periodEnd'>;

/** The statements a batch proof's chunks must prove: count and period come from the header, not the prover. */
export function chunkStatements(header: BatchProofHeader, proof: BatchProof): readonly ChunkStatement[] {
  const spans = chunkLayout(header.recordCount, proof.chunkRecords);
  if (spans.length !== proof.chunks.length) throw new ProofEncodingError('length', `a batch of ${header.recordCount} records needs ${spans.length} chunk proofs`);
  return spans.map((span, i) => {
    const chunk = proof.chunks[i]!;
    return Object.freeze({ root: chunk.root, count: span.count, periodStart: header.periodStart, periodEnd: header.periodEnd, totalsCommitment: chunk.totalsCommitment, chargeCommitment: chunk.chargeCommitment });
  });
}

/**
 * Whether `proof` proves, for the batch `header` describes, that every leaf is the commitment of a
 * record's private fields within the CDR limits and period, and that each chunk's committed totals are
 * the sums of its records. `vk` must be the key registered for `proof.chunkRecords`. The chunk roots
 * must compose to the header's Merkle root (checked first: no curve work for a proof of another batch).
 * A proof with another number of chunks than the header's record count needs is a ProofEncodingError
 * ('length'), as are malformed points; a well-formed proof of anything else is `false`.
 */
export async function verifyBatchProof(vk: Parameters<typeof verifyChunkProof>[0], header: BatchProofHeader, proof: BatchProof, hash2: Hash2): Promise<boolean> {
  const statements = chunkStatements(header, proof);
  const roots = statements.map((s) => s.root);
  if (!chunkRootsMatchBatch(bytesToField(header.merkleRoot), header.recordCount, proof.chunkRecords, roots, hash2)) return false;
  for (let i = 0; i < statements.length; i++) {
    if (!(await verifyChunkProof(vk, statements[i]!, proof.chunks[i]!.proof))) return false;
  }
  return true;
}

export interface BatchClaim {
  readonly periodStart: bigint;
  readonly periodEnd: bigint;
  /** The totals salt of chunk k (totals.ts totalsSalt with the pair secret and the batch context). */
  totalsSalt(chunk: number): bigint;
  /** The charge commitment's blinding of chunk k (totals.ts chargeSalt, likewise). */
  chargeSalt(chunk: number): bigint;
}

/** Proves every chunk of a batch whose records (in batch order) are `openings`. */
export async function proveBatch(
  artifacts: ChunkArtifacts,
  openings: readonly RecordOpening[],
  claim: BatchClaim,
  poseidon: PoseidonWasm,
): Promise<{ readonly proof: BatchProof; readonly totals: readonly ChunkTotals[] }> {
  const chunks: BatchProofChunk[] = [];
  const totals: ChunkTotals[] = [];
  for (const span of chunkLayout(openings.length, artifacts.records)) {
    const witness = chunkWitness(openings.slice(span.first, span.first + span.count), artifacts.records, {
      periodStart: claim.periodStart,
      periodEnd: claim.periodEnd,
      totalsSalt: claim.totalsSalt(span.index),
      chargeSalt: claim.chargeSalt(span.index),
    }, poseidon);
    const { statement, proof } = await proveChunk(artifacts, witness);
    chunks.push(Object.freeze({ root: statement.root, totalsCommitment: statement.totalsCommitment, chargeCommitment: statement.chargeCommitment, proof }));
    totals.push(witness.totals);
  }
  return Object.freeze({ proof: Object.freeze({ chunkRecords: artifacts.records, chunks: Object.freeze(chunks) }), totals: Object.freeze(totals) });
}

export { BATCH_PROOF_VERSION } from './batch-proof-layout.js';
const HEADER_BYTES = BATCH_PROOF_HEADER_BYTES;
const CHUNK_BYTES = BATCH_PROOF_CHUNK_BYTES;
const AT = CHUNK_FIELD_OFFSET;

/**
 * version u8 ‖ records per chunk u32 ‖ chunks u32 ‖ per chunk: root (32) ‖ totals commitment (32) ‖
 * charge commitment x (32) ‖ y (32) ‖ proof (256); field elements big-endian.
 */
export function encodeBatchProof(p: BatchProof): Uint8Array {
  if (!isChunkSize(p.chunkRecords)) throw new ProofEncodingError('length', 'records per chunk must be a power of two');
  const out = new Uint8Array(HEADER_BYTES + p.chunks.length * CHUNK_BYTES);
  const view = new DataView(out.buffer);
  view.setUint8(0, BATCH_PROOF_VERSION);
  view.setUint32(1, p.chunkRecords);
  view.setUint32(5, p.chunks.length);
  p.chunks.forEach((c, i) => {
    const at = HEADER_BYTES + i * CHUNK_BYTES;
    out.set(fieldToBytes(c.root), at + AT.root);
    out.set(fieldToBytes(c.totalsCommitment), at + AT.totalsCommitment);
    out.set(fieldToBytes(c.chargeCommitment.x), at + AT.chargeX);
    out.set(fieldToBytes(c.chargeCommitment.y), at + AT.chargeY);
    out.set(encodeProof(c.proof), at + AT.proof);
  });
  return out;
}

/** Decodes encodeBatchProof's bytes; sizes and counts are checked before anything is allocated. */
export function decodeBatchProof(bytes: Uint8Array): BatchProof {
  if (bytes.length < HEADER_BYTES) throw new ProofEncodingError('length', 'batch proof too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(0) !== BATCH_PROOF_VERSION) throw new ProofEncodingError('version', 'unknown batch proof version');
  const chunkRecords = view.getUint32(1);
  const count = view.getUint32(5);
  if (!isChunkSize(chunkRecords)) throw new ProofEncodingError('length', 'records per chunk must be a power of two');
  if (count < 1 || count > Math.ceil(MAX_BATCH_RECORDS / chunkRecords)) throw new ProofEncodingError('length', 'chunk count out of range');
  if (bytes.length !== HEADER_BYTES + count * CHUNK_BYTES) throw new ProofEncodingError('length', 'batch proof length does not match its chunk count');
  const chunks: BatchProofChunk[] = [];
  for (let i = 0; i < count; i++) {
    const at = HEADER_BYTES + i * CHUNK_BYTES;
    const field = (o: number): bigint => {
      const v = BigInt(`0x${Buffer.from(bytes.subarray(o, o + 32)).toString('hex')}`);
      if (v >= FIELD_MODULUS) throw new ProofEncodingError('field', `chunk ${i}: not a canonical field element`);
      return v;
    };
    chunks.push(Object.freeze({
      root: field(at + AT.root),
      totalsCommitment: field(at + AT.totalsCommitment),
      chargeCommitment: Object.freeze({ x: field(at + AT.chargeX), y: field(at + AT.chargeY) }),
      proof: decodeProof(bytes.subarray(at + AT.proof, at + CHUNK_BYTES)),
    }));
  }
  return Object.freeze({ chunkRecords, chunks: Object.freeze(chunks) });
}
