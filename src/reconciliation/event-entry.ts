import type { DisputeClass } from './reconciliation-store.js';

/** One side's record of an event: where it is (the batch's number in the index, the record's index). */
export interface SideRecord {
  readonly batchNo: number;
  readonly index: number;
}

export type EventClass = 'matched' | DisputeClass;

/**
 * What the index keeps of one event. While one side is known: the low 128 bits of its commitment (to
 * compare with the other side's when it comes) and its locator, stored under a key that names the side (so the
 * one-sided events of a side are a key range: the only-A / only-B dispute lists without a second
 * copy). Once both are known: a mismatched event keeps both locators (the disputes list shows
 * them); a matched event, the bulk, keeps nothing but its class (its key still catches repeats).
 */
export type EventEntry =
  | { readonly kind: 'one'; readonly side: 0 | 1; readonly commitmentLow: Uint8Array; readonly record: SideRecord }
  | { readonly kind: 'matched' }
  | { readonly kind: 'mismatched'; readonly a: SideRecord; readonly b: SideRecord };

// Layouts (big-endian). Record indexes are < 65,536 (MAX_BATCH_RECORDS), so a u16 each.
//   one side     commitment's last 16 bytes ‖ batch no u32 ‖ index u16      (22 bytes; the side is in the key)
//   matched      tag 3                                                          (1 byte)
//   mismatched   tag 7 ‖ A no u32 ‖ A index u16 ‖ B no u32 ‖ B index u16       (13 bytes)
export const ONE_SIDE_BYTES = 22;
/**
 * How much of a commitment the index compares: its low 128 bits (a commitment is a BN254 field element,
 * 32 bytes big-endian; the low half is uniform). Two views that agree have equal commitments, hence equal
 * halves; two that differ look matched with probability 2^-128, and an operator that wanted its altered
 * record to pass as matched would need a 128-bit second preimage of Poseidon. Only the node's
 * classification rests on it: verdicts are made from the records themselves. 16 bytes fewer per pending
 * event (~28 B/CDR of index on one-sided traffic).
 */
export const COMMITMENT_COMPARED_BYTES = 16;
const COMMITMENT_BYTES = 32;
const MATCHED_BYTES = 1;
const MISMATCHED_BYTES = 13;
const MATCHED_TAG = 3;
const MISMATCHED_TAG = 7;
const MAX_INDEX = 0xffff;

export function classOfEntry(e: EventEntry): EventClass {
  if (e.kind === 'one') return e.side === 0 ? 'only_a' : 'only_b';
  return e.kind;
}

/** Adds one record of `side`; undefined when that side is already known (a repeat: it changes nothing). */
export function withRecord(e: EventEntry | undefined, side: 0 | 1, commitment: Uint8Array, record: SideRecord): EventEntry | undefined {
  if (commitment.length !== COMMITMENT_BYTES) throw new RangeError(`a commitment is ${COMMITMENT_BYTES} bytes`);
  const low = commitment.subarray(COMMITMENT_BYTES - COMMITMENT_COMPARED_BYTES);
  if (!e) return { kind: 'one', side, commitmentLow: low, record };
  if (e.kind !== 'one' || e.side === side) return undefined;
  if (Buffer.compare(e.commitmentLow, low) === 0) return { kind: 'matched' };
  return side === 0 ? { kind: 'mismatched', a: record, b: e.record } : { kind: 'mismatched', a: e.record, b: record };
}

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index > MAX_INDEX) throw new RangeError(`record index ${index} does not fit the index's u16`);
}

/** The value of a one-sided event (its side is in the key). */
export function encodeOneSide(commitmentLow: Uint8Array, record: SideRecord): Buffer {
  checkIndex(record.index);
  if (commitmentLow.length !== COMMITMENT_COMPARED_BYTES) throw new RangeError(`the index keeps ${COMMITMENT_COMPARED_BYTES} bytes of a commitment`);
  const b = Buffer.allocUnsafe(ONE_SIDE_BYTES);
  b.set(commitmentLow, 0);
  b.writeUInt32BE(record.batchNo, 16);
  b.writeUInt16BE(record.index, 20);
  return b;
}

export function decodeOneSide(side: 0 | 1, v: Uint8Array): EventEntry {
  if (v.length !== ONE_SIDE_BYTES) throw new RangeError(`not a one-sided reconciliation entry (${v.length} bytes)`);
  const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return { kind: 'one', side, commitmentLow: Uint8Array.from(b.subarray(0, 16)), record: { batchNo: b.readUInt32BE(16), index: b.readUInt16BE(20) } };
}

/** The value of an event both sides submitted. */
export function encodeBoth(e: Extract<EventEntry, { kind: 'matched' | 'mismatched' }>): Buffer {
  if (e.kind === 'matched') return Buffer.from([MATCHED_TAG]);
  checkIndex(e.a.index);
  checkIndex(e.b.index);
  const b = Buffer.allocUnsafe(MISMATCHED_BYTES);
  b[0] = MISMATCHED_TAG;
  b.writeUInt32BE(e.a.batchNo, 1);
  b.writeUInt16BE(e.a.index, 5);
  b.writeUInt32BE(e.b.batchNo, 7);
  b.writeUInt16BE(e.b.index, 11);
  return b;
}

/** Throws RangeError on bytes this module did not write (a damaged index). */
export function decodeBoth(v: Uint8Array): EventEntry {
  const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (b[0] === MATCHED_TAG && b.length === MATCHED_BYTES) return { kind: 'matched' };
  if (b[0] === MISMATCHED_TAG && b.length === MISMATCHED_BYTES) {
    return { kind: 'mismatched', a: { batchNo: b.readUInt32BE(1), index: b.readUInt16BE(5) }, b: { batchNo: b.readUInt32BE(7), index: b.readUInt16BE(11) } };
  }
  throw new RangeError(`not a reconciliation event entry (${b.length} bytes, tag ${b[0]})`);
}
