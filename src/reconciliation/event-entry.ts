import type { DisputeClass } from './reconciliation-store.js';
import { ENTRY_BYTES, HASH_BYTES, Section } from './runs/run-format.js';

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

// Kept in runs (runs/run-format.ts): one section per state, the side of a one-sided event in its
// section. Record indexes are < 65,536 (MAX_BATCH_RECORDS), so a u16 each.
export const COMMITMENT_COMPARED_BYTES = 16;
const COMMITMENT_BYTES = 32;
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

/** The run entry of an event in its state: the section it belongs to and its bytes (hash first). */
export function encodeEntry(hash: Uint8Array, e: EventEntry): { section: Section; bytes: Buffer } {
  if (hash.length !== HASH_BYTES) throw new RangeError(`an event key hash is ${HASH_BYTES} bytes`);
  const section = sectionOf(e);
  const b = Buffer.allocUnsafe(ENTRY_BYTES[section]);
  b.set(hash, 0);
  if (e.kind === 'one') {
    checkIndex(e.record.index);
    if (e.commitmentLow.length !== COMMITMENT_COMPARED_BYTES) throw new RangeError(`the index keeps ${COMMITMENT_COMPARED_BYTES} bytes of a commitment`);
    b.set(e.commitmentLow, 32);
    b.writeUInt32BE(e.record.batchNo, 48);
    b.writeUInt16BE(e.record.index, 52);
  } else if (e.kind === 'mismatched') {
    checkIndex(e.a.index);
    checkIndex(e.b.index);
    b.writeUInt32BE(e.a.batchNo, 32);
    b.writeUInt16BE(e.a.index, 36);
    b.writeUInt32BE(e.b.batchNo, 38);
    b.writeUInt16BE(e.b.index, 42);
  }
  return { section, bytes: b };
}

/** Throws RangeError on bytes that are not an entry of `section` (a damaged run). */
export function decodeEntry(section: Section, v: Uint8Array): EventEntry {
  if (v.length !== ENTRY_BYTES[section]) throw new RangeError(`not a reconciliation entry of section ${section} (${v.length} bytes)`);
  const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  switch (section) {
    case Section.OnlyA:
    case Section.OnlyB:
      return { kind: 'one', side: section === Section.OnlyA ? 0 : 1, commitmentLow: Uint8Array.from(b.subarray(32, 48)), record: { batchNo: b.readUInt32BE(48), index: b.readUInt16BE(52) } };
    case Section.Matched:
      return { kind: 'matched' };
    case Section.Mismatched:
      return { kind: 'mismatched', a: { batchNo: b.readUInt32BE(32), index: b.readUInt16BE(36) }, b: { batchNo: b.readUInt32BE(38), index: b.readUInt16BE(42) } };
  }
}

export function sectionOf(e: EventEntry): Section {
  if (e.kind === 'one') return e.side === 0 ? Section.OnlyA : Section.OnlyB;
  return e.kind === 'matched' ? Section.Matched : Section.Mismatched;
}
