import { describe, expect, it } from 'vitest';
import { COMMITMENT_COMPARED_BYTES, ONE_SIDE_BYTES, decodeBoth, decodeOneSide, encodeBoth, encodeOneSide, withRecord } from './event-entry.js';

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

  it('encode and decode: one side in 22 bytes, matched in 1, mismatched in 13; damaged bytes refused', () => {
    const one = withRecord(undefined, 1, commitment(0xab), at(70_000, 65_535))!;
    if (one.kind !== 'one') throw new Error('expected one side');
    const bytes = encodeOneSide(one.commitmentLow, one.record);
    expect(bytes.length).toBe(ONE_SIDE_BYTES);
    expect(decodeOneSide(1, bytes)).toEqual(one);
    expect(() => encodeOneSide(one.commitmentLow, at(0, 65_536))).toThrow(RangeError);
    expect(encodeBoth({ kind: 'matched' }).length).toBe(1);
    const mismatched = { kind: 'mismatched', a: at(1, 2), b: at(3, 65_535) } as const;
    expect(decodeBoth(encodeBoth(mismatched))).toEqual(mismatched);
    expect(() => decodeBoth(Uint8Array.of(3, 0))).toThrow(RangeError);
    expect(() => decodeOneSide(0, bytes.subarray(1))).toThrow(RangeError);
  });
});
