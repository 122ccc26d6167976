import { describe, expect, it } from 'vitest';
import { sha256 } from '../crypto/hash.js';
import { BlsSigner } from './bls-crypto.js';
import { memberKey } from './in-process-consortium.js';
import { drawPowerUnit, drawProducer } from './producer-draw.js';
import { ValidatorSet } from './validator-set.js';

const chain = sha256(Buffer.from('draw test chain'));
const entropy = sha256(Buffer.from('batch seed'));
const set = (powers: number[]) => ValidatorSet.create(powers.map((power, i) => ({ id: 100 + i, power, publicKey: new BlsSigner(100 + i, memberKey(100 + i)).publicKey })));

/** Pearson's chi-squared statistic of observed counts against expected shares. */
function chiSquared(observed: number[], shares: number[], n: number): number {
  const total = shares.reduce((a, b) => a + b, 0);
  return observed.reduce((x, o, i) => {
    const e = (n * shares[i]!) / total;
    return x + ((o - e) * (o - e)) / e;
  }, 0);
}

describe('producer draw', () => {
  it('is deterministic and depends on chain, seed, height and round', () => {
    const s = set([1, 2, 3, 4]);
    const a = drawProducer(s, chain, entropy, 7, 0).id;
    expect(drawProducer(s, chain, entropy, 7, 0).id).toBe(a);
    const draws = (f: (i: number) => number) => new Set(Array.from({ length: 40 }, (_, i) => f(i))).size;
    expect(draws((i) => drawProducer(s, chain, entropy, i, 0).id)).toBe(4);
    expect(draws((i) => drawProducer(s, chain, entropy, 7, i).id)).toBe(4);
    expect(draws((i) => drawProducer(s, chain, sha256(Uint8Array.of(i)), 7, 0).id)).toBe(4);
    expect(draws((i) => drawProducer(s, sha256(Uint8Array.of(i)), entropy, 7, 0).id)).toBe(4);
  });

  it('is uniform in voting power (chi-squared, 20,000 heights, powers 1:2:3:4)', () => {
    const powers = [1, 2, 3, 4];
    const s = set(powers);
    const counts = [0, 0, 0, 0];
    const n = 20_000;
    for (let h = 1; h <= n; h++) counts[s.indexOf(drawProducer(s, chain, entropy, h, 0).id)!]!++;
    // 3 degrees of freedom: 16.27 is the 0.999 quantile; a draw ignoring power would score in the thousands.
    expect(chiSquared(counts, powers, n)).toBeLessThan(16.27);
    expect(chiSquared(counts, [1, 1, 1, 1], n)).toBeGreaterThan(1000);
  });

  it('is uniform over units for a total that does not divide 2^64, and never reaches the total', () => {
    const total = 2 ** 48 - 59; // prime-ish, exercises the rejection bound
    let maxSeen = 0;
    const buckets = new Array<number>(10).fill(0);
    for (let h = 0; h < 20_000; h++) {
      const u = drawPowerUnit(chain, entropy, h, 0, total);
      expect(u >= 0 && u < total).toBe(true);
      maxSeen = Math.max(maxSeen, u);
      buckets[Math.floor((u / total) * 10)]!++;
    }
    expect(chiSquared(buckets, new Array(10).fill(1), 20_000)).toBeLessThan(27.88); // 9 df, 0.999
    expect(drawPowerUnit(chain, entropy, 1, 0, 1)).toBe(0);
  });

  it('a validator with all the power produces every slot', () => {
    const s = set([5]);
    for (let h = 1; h < 50; h++) expect(drawProducer(s, chain, entropy, h, h % 3).id).toBe(100);
  });
});
