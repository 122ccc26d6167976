import type { KeyObject } from 'node:crypto';
import { canonicalBatchHeader, recordsDigest, type DecodedBatch } from '../codec/batch.js';
import { equalBytes } from '../codec/bytes.js';
import { RejectCode } from '../codec/ingest-reply.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { ed25519Verify } from '../crypto/ed25519.js';
import type { PoseidonWasm } from '../wasm/poseidon.js';

export interface CheckVerdict {
  readonly code: RejectCode;
  readonly detail: string;
}

export const PASSED: CheckVerdict = { code: RejectCode.None, detail: '' };

/**
 * The cryptographic checks of a batch, cheapest first so forgeries cost the node least:
 * Ed25519 over the canonical header bound to `chain` (this node's chain identity; ~0.16 ms),
 * SHA-256 over the records (binds every public field), then the Poseidon Merkle root over the
 * commitments in WASM (~32 µs a record).
 */
export function checkBatchCryptography(batch: DecodedBatch, submitterKey: KeyObject, poseidon: PoseidonWasm, chain: Uint8Array): CheckVerdict {
  const { header, records, signature } = batch;
  if (!ed25519Verify(canonicalBatchHeader(header, chain), signature, submitterKey)) {
    return { code: RejectCode.BadSignature, detail: 'signature does not verify under the submitter key for this chain' };
  }
  if (!equalBytes(recordsDigest(records), header.recordsDigest)) {
    return { code: RejectCode.BadRecordsDigest, detail: 'records digest does not match the records' };
  }
  const tree = poseidon.merkleRootStridedOrBadLeaf(records, header.recordCount, PUBLIC_RECORD_BYTES, RECORD_OFFSET.commitment);
  if ('badLeaf' in tree) {
    return { code: RejectCode.OutOfRange, detail: `commitment of record ${tree.badLeaf} is not a field element` };
  }
  if (!equalBytes(tree.root, header.merkleRoot)) {
    return { code: RejectCode.BadMerkleRoot, detail: 'Merkle root does not match the commitments' };
  }
  return PASSED;
}
