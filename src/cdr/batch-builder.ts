import type { KeyObject } from 'node:crypto';
import { batchId, canonicalBatchHeader, encodeBatch, recordsDigest, type BatchHeaderFields } from '../codec/batch.js';
import { BATCH_VERSION, PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { ed25519Sign } from '../crypto/ed25519.js';
import type { PoseidonWasm } from '../wasm/poseidon.js';

export interface BatchParams {
  readonly submitter: number;
  readonly counterparty: number;
  readonly sequence: bigint;
  readonly periodStart: bigint;
  readonly periodEnd: bigint;
}

export interface BuiltBatch {
  readonly frame: Uint8Array;
  readonly id: Uint8Array;
  readonly header: BatchHeaderFields;
}

/**
 * Seals public records into a signed batch frame: Merkle root, records digest, header, Ed25519
 * over the header bound to chain `chain` (its identity: only that chain's nodes accept the frame).
 */
export function sealBatch(records: Uint8Array, params: BatchParams, chain: Uint8Array, signingKey: KeyObject, poseidon: PoseidonWasm): BuiltBatch {
  const recordCount = records.length / PUBLIC_RECORD_BYTES;
  const header: BatchHeaderFields = {
    version: BATCH_VERSION,
    ...params,
    recordCount,
    merkleRoot: poseidon.merkleRootStrided(records, recordCount, PUBLIC_RECORD_BYTES, RECORD_OFFSET.commitment),
    recordsDigest: recordsDigest(records),
  };
  return signBatch(records, header, chain, signingKey);
}

/** Signs a complete header over `records` for chain `chain` and encodes the frame. */
export function signBatch(records: Uint8Array, header: BatchHeaderFields, chain: Uint8Array, signingKey: KeyObject): BuiltBatch {
  const signature = ed25519Sign(canonicalBatchHeader(header, chain), signingKey);
  return { frame: encodeBatch(header, records, signature), id: batchId(header, chain), header };
}

/** The period a set of records covers: [first start, last start + 1 s), whole seconds. */
export function periodOf(startTimes: Iterable<number>): { periodStart: bigint; periodEnd: bigint } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const t of startTimes) {
    if (t < min) min = t;
    if (t > max) max = t;
  }
  if (!Number.isFinite(min)) throw new RangeError('a batch needs at least one record');
  return { periodStart: BigInt(min), periodEnd: BigInt(max + 1) };
}
