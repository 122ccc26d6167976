import { describe, expect, it } from 'vitest';
import { MalformedFrameError } from '../codec/errors.js';
import { BlsSigner } from './bls-crypto.js';
import { ConsensusConfigError } from './errors.js';
import { memberKey } from './in-process-consortium.js';
import { Heights, consensusPolicy } from './policy.js';
import { bitmapFromIndices, indicesFromBitmap } from './signer-bitmap.js';
import { ValidatorSet } from './validator-set.js';

const key = (id: number) => new BlsSigner(id, memberKey(id)).publicKey;
const set = (powers: number[]) => ValidatorSet.create(powers.map((power, i) => ({ id: 30_000 - i, power, publicKey: key(30_000 - i) })));

describe('ValidatorSet', () => {
  it('orders by id and computes quorum (> 2/3) and f+1 (> 1/3) in integers', () => {
    const s = set([1, 1, 1, 1]);
    expect(s.validators.map((v) => v.id)).toEqual([29_997, 29_998, 29_999, 30_000]);
    expect([s.totalPower, s.quorum, s.oneThirdPlus]).toEqual([4, 3, 2]);
    const cases: [number[], number, number][] = [
      [[1], 1, 1], [[1, 1, 1], 3, 2], [[1, 1, 1, 1, 1, 1], 5, 3], [[1, 1, 1, 1, 1, 1, 1], 5, 3], [[50, 25, 25], 67, 34], [[2 ** 40, 2 ** 40, 2 ** 40], 2 ** 41 + 1, 2 ** 40 + 1],
    ];
    for (const [powers, q, f] of cases) {
      const v = set(powers);
      expect([v.quorum, v.oneThirdPlus], powers.join(',')).toEqual([q, f]);
      // Two quorums always overlap in more than a third of the power.
      expect(2 * v.quorum - v.totalPower).toBeGreaterThan(v.totalPower / 3);
    }
  });

  it('refuses bad sets: duplicate ids or keys, zero or fractional power, invalid keys, too much power', () => {
    const k = key(1);
    expect(() => ValidatorSet.create([])).toThrow(ConsensusConfigError);
    expect(() => ValidatorSet.create([{ id: 1, power: 1, publicKey: k }, { id: 1, power: 1, publicKey: key(2) }])).toThrow(/twice/);
    expect(() => ValidatorSet.create([{ id: 1, power: 1, publicKey: k }, { id: 2, power: 1, publicKey: k }])).toThrow(/shares/);
    expect(() => ValidatorSet.create([{ id: 1, power: 0, publicKey: k }])).toThrow(/power/);
    expect(() => ValidatorSet.create([{ id: 1, power: 1.5, publicKey: k }])).toThrow(/power/);
    expect(() => ValidatorSet.create([{ id: 1, power: 1, publicKey: new Uint8Array(48) }])).toThrow(/BLS/);
    expect(() => ValidatorSet.create([{ id: 1, power: 2 ** 48, publicKey: k }, { id: 2, power: 1, publicKey: key(2) }])).toThrow(/exceeds/);
  });

  it('round-trips its records; records out of order or with bad keys are malformed', () => {
    const s = set([3, 1, 2]);
    const back = ValidatorSet.fromRecords(s.records());
    expect(back.equals(s)).toBe(true);
    expect(back.validators).toEqual(s.validators);
    const swapped = new Uint8Array(s.records());
    swapped.set(s.records().subarray(60, 120), 0);
    swapped.set(s.records().subarray(0, 60), 60);
    expect(() => ValidatorSet.fromRecords(swapped)).toThrow(MalformedFrameError);
    const badKey = new Uint8Array(s.records());
    badKey[12] = badKey[12]! ^ 0xff;
    expect(() => ValidatorSet.fromRecords(badKey)).toThrow(MalformedFrameError);
    expect(() => ValidatorSet.fromRecords(new Uint8Array(59))).toThrow(MalformedFrameError);
  });

  it('signer bitmaps are canonical: exact length, no bits beyond n', () => {
    expect(Array.from(bitmapFromIndices(10, [0, 3, 9]))).toEqual([0b1001, 0b10]);
    expect(indicesFromBitmap(10, Uint8Array.of(0b1001, 0b10))).toEqual([0, 3, 9]);
    expect(indicesFromBitmap(10, Uint8Array.of(0b1001, 0b110))).toBeUndefined(); // bit 10
    expect(indicesFromBitmap(10, Uint8Array.of(1))).toBeUndefined();
    expect(indicesFromBitmap(10, Uint8Array.of(1, 0, 0))).toBeUndefined();
    expect(() => bitmapFromIndices(4, [4])).toThrow(ConsensusConfigError);
    const s = set([1, 2, 3]);
    expect(s.powerOf(s.signersOf(Uint8Array.of(0b101))!)).toBe(s.byIndex(0).power + s.byIndex(2).power);
  });
});

describe('consensus policy and heights', () => {
  it('validates and freezes; the producer timeout must outlast the empty-block interval', () => {
    const p = consensusPolicy();
    expect(Object.isFrozen(p)).toBe(true);
    expect(p.blocksPerBatch).toBe(32);
    expect(() => consensusPolicy({ blocksPerBatch: 1 })).toThrow(ConsensusConfigError);
    expect(() => consensusPolicy({ producerTimeoutMs: 500, emptyBlockIntervalMs: 500 })).toThrow(/exceed/);
    expect(() => consensusPolicy({ maxForkProofsPerBlock: 17 })).toThrow(ConsensusConfigError);
  });

  it('places macro and election heights and epochs', () => {
    const h = new Heights({ blocksPerBatch: 32, batchesPerEpoch: 4 });
    expect([0, 32, 64, 128].map((x) => h.isMacro(x))).toEqual([true, true, true, true]);
    expect([1, 31, 33].map((x) => h.isMacro(x))).toEqual([false, false, false]);
    expect([0, 128, 256].every((x) => h.isElection(x))).toBe(true);
    expect(h.isElection(96)).toBe(false);
    expect([h.macroAtOrAfter(1), h.macroAtOrAfter(32), h.macroAtOrAfter(33)]).toEqual([32, 32, 64]);
    expect([h.macroBefore(1), h.macroBefore(32), h.macroBefore(33)]).toEqual([0, 0, 32]);
    expect([h.epochOf(0), h.epochOf(1), h.epochOf(128), h.epochOf(129)]).toEqual([0, 0, 0, 1]);
  });
});
