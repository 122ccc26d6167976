import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../codec/bytes.js';
import { EdwardsPoint, GROUP_ORDER, GroupEncodingError, base, decodeElement, decodeScalar, edwardsOf, encodeDoubled, encodeElement, encodeScalar, hashToScalar, mul, mulPublic, randomScalar } from './group.js';
import { lagrangeAtZero } from './lagrange.js';
import { INVALID, MULTIPLES } from './test-helpers/rfc9496-vectors.js';


describe('ristretto255 group (RFC 9496 vectors)', () => {
  it('encodes the multiples of the generator as A.1 lists, and decodes them back', () => {
    MULTIPLES.forEach((hex, k) => {
      const p = mulPublic(base(), BigInt(k));
      expect(toHex(encodeElement(p))).toBe(hex);
      if (k > 0) expect(decodeElement(fromHex(hex)).equals(p)).toBe(true);
    });
  });

  it('refuses every A.2 invalid encoding, and the identity unless allowed', () => {
    for (const hex of INVALID) expect(() => decodeElement(fromHex(hex))).toThrow(GroupEncodingError);
    expect(() => decodeElement(new Uint8Array(32))).toThrow(GroupEncodingError);
    expect(decodeElement(new Uint8Array(32), true).is0()).toBe(true);
    expect(() => decodeElement(new Uint8Array(31))).toThrow(GroupEncodingError);
  });

  it('batched double-and-encode gives the encoding of 2·P for any representative, as one-at-a-time encoding does', () => {
    const y = mul(base(), randomScalar());
    const yE = edwardsOf(y);
    // A.1's multiples: 2·(k·G) for k = 1..7 is the vector of 2k.
    expect(encodeDoubled([1n, 2n, 3n, 4n, 5n, 6n, 7n].map((k) => EdwardsPoint.BASE.multiply(k))).map(toHex)).toEqual([2, 4, 6, 8, 10, 12, 14].map((k) => MULTIPLES[k]));
    const scalars = Array.from({ length: 40 }, () => randomScalar());
    const points = scalars.flatMap((r) => [EdwardsPoint.BASE.multiply(r), yE.multiply(r)]);
    // A representative off the prime-order subgroup (plus a 2-torsion point) names the same element.
    const torsion = EdwardsPoint.fromAffine({ x: 0n, y: EdwardsPoint.Fp.neg(1n) });
    points.push(points[0]!.add(torsion));
    const expected = [...scalars.flatMap((r) => [mul(base(), (2n * r) % GROUP_ORDER), mul(y, (2n * r) % GROUP_ORDER)]), mul(base(), (2n * scalars[0]!) % GROUP_ORDER)].map((p) => toHex(encodeElement(p)));
    expect(encodeDoubled(points).map(toHex)).toEqual(expected);
    expect(encodeDoubled([])).toEqual([]);
  });

  it('scalars: canonical little-endian round trip; ℓ and above refused', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: GROUP_ORDER - 1n }), (s) => {
        expect(decodeScalar(encodeScalar(s))).toBe(s);
      }),
    );
    const l = new Uint8Array(32);
    let x = GROUP_ORDER;
    for (let i = 0; i < 32; i++, x >>= 8n) l[i] = Number(x & 0xffn);
    expect(() => decodeScalar(l)).toThrow(GroupEncodingError);
    expect(() => decodeScalar(new Uint8Array(32).fill(0xff))).toThrow(GroupEncodingError);
  });

  it('challenges are domain-separated and unambiguous in how parts split', () => {
    const a = Buffer.from('ab');
    const c = Buffer.from('c');
    expect(hashToScalar('x', a, c)).not.toBe(hashToScalar('y', a, c));
    expect(hashToScalar('x', a, c)).not.toBe(hashToScalar('x', Buffer.from('a'), Buffer.from('bc')));
    expect(hashToScalar('x', a, c)).toBe(hashToScalar('x', Buffer.from('ab'), Buffer.from('c')));
  });

  it('Lagrange coefficients at 0 interpolate any polynomial of degree < |S| from any set S', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: GROUP_ORDER - 1n }), { minLength: 1, maxLength: 6 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 255 }), { minLength: 6, maxLength: 10 }),
        (coefficients, holders) => {
          const f = (x: bigint) => coefficients.reduceRight((acc, a) => (acc * x + a) % GROUP_ORDER, 0n);
          const set = holders.slice(0, coefficients.length);
          const lambdas = lagrangeAtZero(set);
          const at0 = set.reduce((acc, i) => (acc + lambdas.get(i)! * f(BigInt(i))) % GROUP_ORDER, 0n);
          expect(at0).toBe(coefficients[0]);
        },
      ),
    );
    expect(() => lagrangeAtZero([1, 1])).toThrow();
    expect(() => lagrangeAtZero([0])).toThrow();
  });
});
