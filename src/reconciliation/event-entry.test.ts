import { describe, expect, it } from 'vitest';
import { COMMITMENT_COMPARED_BYTES, decodeEntry, encodeEntry, withRecord } from './event-entry.js';
import { Section } from './runs/run-format.js';

const commitment = (fill: number): Uint8Array => new Uint8Array(32).fill(fill);
const at = (batchNo: number, index: number): { batchNo: number; index: number } => ({ batchNo, index });

describe('reconciliation event entries', () => {
  it('match two sides whose commitments agree, mismatch on any byte of the compared low half', () => {
    const a = withRecord(undefined, 0, commitment(5), at(1, 2))!;
    expect(withRecord(a, 1, commitment(5), at(3, 4))).toEqual({ kind: 'matched' });
    for (let i = 32 - COMMITMENT_COMPARED_BYTES; i < 32; i++) {
      const other = commitment(5);
      other[i] = 6;
      expect(withRecord(a, 1, other, at(3, 4))).toEqual({ kind: 'mismatched', a: at(1, 2), b: at(3, 4) });
    }
    // A repeat of a known side changes nothing.
    expect(withRecord(a, 0, commitment(9), at(7, 7))).toBeUndefined();
    expect(() => withRecord(undefined, 0, new Uint8Array(31), at(0, 0))).toThrow(RangeError);
  });

  it('encode and decode run entries: one side in 54 bytes, matched in 32, mismatched in 44, each in its section; damaged bytes refused', () => {
    const hash = new Uint8Array(32).fill(0x11);
    const one = withRecord(undefined, 1, commitment(0xab), at(70_000, 65_535))!;
    const e1 = encodeEntry(hash, one);
    expect([e1.section, e1.bytes.length]).toEqual([Section.OnlyB, 54]);
    expect(Buffer.from(e1.bytes.subarray(0, 32))).toEqual(Buffer.from(hash));
    expect(decodeEntry(Section.OnlyB, e1.bytes)).toEqual(one);
    if (one.kind !== 'one') throw new Error('expected one side');
    expect(() => encodeEntry(hash, { ...one, record: at(0, 65_536) })).toThrow(RangeError);
    const matched = encodeEntry(hash, { kind: 'matched' });
    expect([matched.section, matched.bytes.length]).toEqual([Section.Matched, 32]);
    const mismatched = { kind: 'mismatched', a: at(1, 2), b: at(3, 65_535) } as const;
    const e3 = encodeEntry(hash, mismatched);
    expect([e3.section, e3.bytes.length]).toEqual([Section.Mismatched, 44]);
    expect(decodeEntry(Section.Mismatched, e3.bytes)).toEqual(mismatched);
    expect(() => decodeEntry(Section.Mismatched, e3.bytes.subarray(1))).toThrow(RangeError);
    expect(() => decodeEntry(Section.OnlyA, e1.bytes.subarray(1))).toThrow(RangeError);
    expect(() => encodeEntry(hash.subarray(1), one)).toThrow(RangeError);
  });
});
