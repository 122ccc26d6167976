import type { DisputeClass } from './reconciliation-store.js';

/** One side's record of an event: where it is (the batch's number in the index, the record's index). */
export interface SideRecord {
  readonly batchNo: number;
  readonly index: number;
}

export type EventClass = 'matched' | DisputeClass;

/**
 * What the index keeps of one event. While one side is known, its commitment (to compare with the
 * other side's when it comes); once both are, only the class and the two locators: the entries of
 * matched events, the bulk, stay small (fewer B-tree pages to copy per index transaction).
 */
export type EventEntry =
  | { readonly kind: 'one'; readonly side: 0 | 1; readonly commitment: Uint8Array; readonly record: SideRecord }
  | { readonly kind: 'both'; readonly mismatched: boolean; readonly a: SideRecord; readonly b: SideRecord };

// Layouts (big-endian): one side  tag 1 (A) or 2 (B) ‖ commitment 32 ‖ batch no u32 ‖ index u32  (41 bytes)
//                       both       tag 3 (matched) or 7 (mismatched) ‖ A no ‖ A index ‖ B no ‖ B index (17 bytes)
const ONE_BYTES = 41;
const BOTH_BYTES = 17;

export function classOfEntry(e: EventEntry): EventClass {
  if (e.kind === 'one') return e.side === 0 ? 'only_a' : 'only_b';
  return e.mismatched ? 'mismatched' : 'matched';
}

/** Adds one record of `side`; undefined when that side is already known (a repeat: it changes nothing). */
export function withRecord(e: EventEntry | undefined, side: 0 | 1, commitment: Uint8Array, record: SideRecord): EventEntry | undefined {
  if (!e) return { kind: 'one', side, commitment, record };
  if (e.kind === 'both' || e.side === side) return undefined;
  const mismatched = Buffer.compare(e.commitment, commitment) !== 0;
  return side === 0 ? { kind: 'both', mismatched, a: record, b: e.record } : { kind: 'both', mismatched, a: e.record, b: record };
}

export function encodeEntry(e: EventEntry): Buffer {
  if (e.kind === 'one') {
    const b = Buffer.allocUnsafe(ONE_BYTES);
    b[0] = e.side === 0 ? 1 : 2;
    b.set(e.commitment, 1);
    b.writeUInt32BE(e.record.batchNo, 33);
    b.writeUInt32BE(e.record.index, 37);
    return b;
  }
  const b = Buffer.allocUnsafe(BOTH_BYTES);
  b[0] = e.mismatched ? 7 : 3;
  b.writeUInt32BE(e.a.batchNo, 1);
  b.writeUInt32BE(e.a.index, 5);
  b.writeUInt32BE(e.b.batchNo, 9);
  b.writeUInt32BE(e.b.index, 13);
  return b;
}

/** Throws RangeError on bytes this module did not write (a damaged index). */
export function decodeEntry(b: Uint8Array): EventEntry {
  const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if ((v[0] === 1 || v[0] === 2) && v.length === ONE_BYTES) {
    return { kind: 'one', side: v[0] === 1 ? 0 : 1, commitment: Uint8Array.from(v.subarray(1, 33)), record: { batchNo: v.readUInt32BE(33), index: v.readUInt32BE(37) } };
  }
  if ((v[0] === 3 || v[0] === 7) && v.length === BOTH_BYTES) {
    return { kind: 'both', mismatched: v[0] === 7, a: { batchNo: v.readUInt32BE(1), index: v.readUInt32BE(5) }, b: { batchNo: v.readUInt32BE(9), index: v.readUInt32BE(13) } };
  }
  throw new RangeError(`not a reconciliation event entry (${v.length} bytes, tag ${v[0]})`);
}
