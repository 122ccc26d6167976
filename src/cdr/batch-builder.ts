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

/** Coarsest first: a batch's period says no more of its records' times than it must. */
const PERIOD_GRAINS = Object.freeze([86_400, 3_600, 1] as const);

/** Limits a batch period must keep (the node's admission limits: 31 days long, at most a day ahead of its clock). */
export interface PeriodLimits {
  readonly maxPeriodSeconds: number;
  readonly maxFutureSeconds: number;
}

const DEFAULT_PERIOD_LIMITS: PeriodLimits = Object.freeze({ maxPeriodSeconds: 31 * 86_400, maxFutureSeconds: 86_400 });

/**
 * The period a batch of records declares: from the start of the first record's UTC day to the end
 * of the last one's. The header is public (P1: no record time on the ledger), so a period of whole
 * days says only which days the records fall on, where [first start, last start + 1 s) would give
 * away a one-record batch's call time. When whole days would break the node's limits (a span near
 * 31 days, a record near the end of a day ahead of the clock) it falls back to whole hours, then to
 * seconds.
 */
export function periodOf(startTimes: Iterable<number>, nowSeconds = Math.floor(Date.now() / 1000), limits: PeriodLimits = DEFAULT_PERIOD_LIMITS): { periodStart: bigint; periodEnd: bigint } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const t of startTimes) {
    if (t < min) min = t;
    if (t > max) max = t;
  }
  if (!Number.isFinite(min)) throw new RangeError('a batch needs at least one record');
  for (const grain of PERIOD_GRAINS) {
    const start = Math.floor(min / grain) * grain;
    const end = (Math.floor(max / grain) + 1) * grain;
    if (grain === 1 || (end - start <= limits.maxPeriodSeconds && end <= nowSeconds + limits.maxFutureSeconds)) {
      return { periodStart: BigInt(start), periodEnd: BigInt(end) };
    }
  }
  throw new Error('unreachable: the last grain is one second');
}
