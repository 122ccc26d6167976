import { batchId, canonicalBatchHeader, recordsDigest, type BatchHeaderFields } from '../../codec/batch.js';
import { blockHash, type BlockHeaderFields } from '../../codec/block.js';
import { equalBytes } from '../../codec/bytes.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../../codec/limits.js';
import type { PrunedBatch } from '../../codec/pruned-batch.js';
import { ed25519Verify, publicKeyObject } from '../../crypto/ed25519.js';
import { verifySha256MerkleProof } from '../../crypto/hash.js';
import { bytesToField, merkleDepth, PoseidonWasm } from '../../wasm/poseidon.js';

/**
 * Inclusion of a retained record after the node pruned its batch's records. The node keeps the
 * batch's signed header (Merkle root, records digest, count), the submitter's signature, and the
 * batch's path to its block's transaction root; the operator keeps its own records. Together they
 * prove: this 128-byte record is record `index` of a batch the submitter signed for this chain,
 * and that batch is transaction `index` of block `height`, whose header the node keeps.
 */

/** A record's place in its batch's Poseidon Merkle tree (the leaves are the records' commitments). */
export interface RecordInclusionProof {
  readonly index: number;
  /** The 128-byte public record. */
  readonly record: Uint8Array;
  /** Siblings of the record's commitment, bottom-up, as 32-byte field encodings. */
  readonly siblings: readonly Uint8Array[];
}

/** Builds the proof of record `index` from the operator's own copy of the batch's records. */
export function proveRecord(records: Uint8Array, index: number, poseidon: PoseidonWasm = PoseidonWasm.load()): RecordInclusionProof {
  const n = records.length / PUBLIC_RECORD_BYTES;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${records.length} bytes is not a whole number of records`);
  return {
    index,
    record: records.slice(index * PUBLIC_RECORD_BYTES, (index + 1) * PUBLIC_RECORD_BYTES),
    siblings: poseidon.merkleProofStrided(records, n, PUBLIC_RECORD_BYTES, RECORD_OFFSET.commitment, index),
  };
}

/** Whether the proof folds the record's commitment up to the header's Merkle root (WASM Poseidon). */
export function verifyRecordInMerkleRoot(header: Pick<BatchHeaderFields, 'merkleRoot' | 'recordCount'>, proof: RecordInclusionProof, poseidon: PoseidonWasm = PoseidonWasm.load()): boolean {
  const { index, record, siblings } = proof;
  if (record.length !== PUBLIC_RECORD_BYTES || !Number.isInteger(index) || index < 0 || index >= header.recordCount) return false;
  if (siblings.length !== merkleDepth(header.recordCount)) return false;
  let node = record.subarray(RECORD_OFFSET.commitment, RECORD_OFFSET.commitment + 32);
  let position = index;
  try {
    for (const sibling of siblings) {
      const pair = new Uint8Array(64);
      pair.set(position % 2 === 0 ? node : sibling, 0);
      pair.set(position % 2 === 0 ? sibling : node, 32);
      node = poseidon.hashBytes(pair, 2);
      position = Math.floor(position / 2);
    }
    // A non-canonical encoding anywhere is no proof.
    bytesToField(node);
  } catch {
    return false;
  }
  return equalBytes(node, header.merkleRoot);
}

/** Whether `records` (the whole batch, as the operator kept it) are exactly what the header's digest binds, record `index` included. */
export function verifyRecordsDigest(header: Pick<BatchHeaderFields, 'recordsDigest' | 'recordCount'>, records: Uint8Array, proof?: RecordInclusionProof): boolean {
  if (records.length !== header.recordCount * PUBLIC_RECORD_BYTES) return false;
  if (!equalBytes(recordsDigest(records), header.recordsDigest)) return false;
  if (!proof) return true;
  return equalBytes(records.subarray(proof.index * PUBLIC_RECORD_BYTES, (proof.index + 1) * PUBLIC_RECORD_BYTES), proof.record);
}

export interface RetainedRecordCheck {
  /** The batch id recomputed from the kept header on this chain. */
  readonly batchId: Uint8Array;
  /** The submitter's signature over the kept header verifies under `submitterKey`. */
  readonly signed: boolean;
  /** The batch id folds up to the block header's transaction root, and the block is the one the stub names. */
  readonly inBlock: boolean;
  /** The record's commitment folds up to the kept Merkle root. */
  readonly inMerkleRoot: boolean;
  /** The operator's copy of the whole batch matches the kept records digest (only when given). */
  readonly digestMatches?: boolean;
  readonly ok: boolean;
}

/**
 * Every check from record to block header. `block` is the kept header of the block at the stub's
 * height (GET /blocks/:height, or the node's store); `blockHashHex`, when given, pins that header
 * to a hash the verifier trusts (a later block's prevHash chain, a finality certificate).
 */
export function verifyRetainedRecord(args: {
  readonly stub: PrunedBatch;
  readonly chain: Uint8Array;
  readonly submitterKey: Uint8Array;
  readonly block: BlockHeaderFields;
  readonly expectedBlockHash?: Uint8Array;
  readonly proof: RecordInclusionProof;
  readonly records?: Uint8Array;
  readonly poseidon?: PoseidonWasm;
}): RetainedRecordCheck {
  const { stub, chain, block, proof } = args;
  const id = batchId(stub.header, chain);
  const signed = ed25519Verify(canonicalBatchHeader(stub.header, chain), stub.signature, publicKeyObject(args.submitterKey));
  const blockPinned = args.expectedBlockHash === undefined || equalBytes(blockHash(block), args.expectedBlockHash);
  const inBlock = blockPinned && Number(block.height) === stub.height && verifySha256MerkleProof(id, stub.txPath, block.txRoot);
  const inMerkleRoot = verifyRecordInMerkleRoot(stub.header, proof, args.poseidon);
  const digestMatches = args.records === undefined ? undefined : verifyRecordsDigest(stub.header, args.records, proof);
  return {
    batchId: id, signed, inBlock, inMerkleRoot,
    ...(digestMatches === undefined ? {} : { digestMatches }),
    ok: signed && inBlock && inMerkleRoot && digestMatches !== false,
  };
}
