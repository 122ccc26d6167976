import { randomBytes } from 'node:crypto';
import { ristretto255_hasher } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../codec/bytes.js';
import { batchContext } from '../context.js';
import { deal } from './feldman.js';
import { GROUP_ORDER, GroupEncodingError, Point, decodeElement, encodeElement, hashToScalar, mul, mulBaseToBytes, mulToBytes, randomScalar } from './group.js';
import { LawfulAccessSetup } from './lawful-access-setup.js';
import { INVALID, MULTIPLES } from './test-helpers/rfc9496-vectors.js';
import { decodeLawfulWrap, lawfulWrapLabel, openLawfulWrap, sealLawfulGroups, verifyLawfulWrap } from './lawful-wrap.js';

// libsodium (the secret multiplications) against @noble/curves (everything else, and the old code)
// and both against RFC 9496: the two must agree byte for byte, or wraps made on one side would not
// open, or verify, on the other.

// RFC 9496 Appendix A.3: the element derivation (libsodium's from_hash, noble's deriveToCurve) on
// 64 uniform bytes; the last four, from the draft it came from, feed non-canonical field elements.
const FROM_HASH: readonly (readonly [string, string])[] = [
  ['5d1be09e3d0c82fc538112490e35701979d99e06ca3e2b5b54bffe8b4dc772c14d98b696a1bbfb5ca32c436cc61c16563790306c79eaca7705668b47dffe5bb6', '3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a46'],
  ['f116b34b8f17ceb56e8732a60d913dd10cce47a6d53bee9204be8b44f6678b270102a56902e2488c46120e9276cfe54638286b9e4b3cdb470b542d46c2068d38', 'f26e5b6f7d362d2d2a94c5d0e7602cb4773c95a2e5c31a64f133189fa76ed61b'],
  ['8422e1bbdaab52938b81fd602effb6f89110e1e57208ad12d9ad767e2e25510c27140775f9337088b982d83d7fcf0b2fa1edffe51952cbe7365e95c86eaf325c', '006ccd2a9e6867e6a2c5cea83d3302cc9de128dd2a9a57dd8ee7b9d7ffe02826'],
  ['ac22415129b61427bf464e17baee8db65940c233b98afce8d17c57beeb7876c2150d15af1cb1fb824bbd14955f2b57d08d388aab431a391cfc33d5bafb5dbbaf', 'f8f0c87cf237953c5890aec3998169005dae3eca1fbb04548c635953c817f92a'],
  ['165d697a1ef3d5cf3c38565beefcf88c0f282b8e7dbd28544c483432f1cec7675debea8ebb4e5fe7d6f6e5db15f15587ac4d4d4a1de7191e0c1ca6664abcc413', 'ae81e7dedf20a497e10c304a765c1767a42d6e06029758d2d7e8ef7cc4c41179'],
  ['a836e6c9a9ca9f1e8d486273ad56a78c70cf18f0ce10abb1c7172ddd605d7fd2979854f47ae1ccf204a33102095b4200e5befc0465accc263175485f0e17ea5c', 'e2705652ff9f5e44d3e841bf1c251cf7dddb77d140870d1ab2ed64f1a9ce8628'],
  ['2cdc11eaeb95daf01189417cdddbf95952993aa9cb9c640eb5058d09702c74622c9965a697a3b345ec24ee56335b556e677b30e6f90ac77d781064f866a3c982', '80bd07262511cdde4863f8a7434cef696750681cb9510eea557088f76d9e5065'],
  ['edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff1200000000000000000000000000000000000000000000000000000000000000', '304282791023b73128d277bdcb5c7746ef2eac08dde9f2983379cb8e5ef0517f'],
  ['edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', '304282791023b73128d277bdcb5c7746ef2eac08dde9f2983379cb8e5ef0517f'],
  ['0000000000000000000000000000000000000000000000000000000000000080ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', '304282791023b73128d277bdcb5c7746ef2eac08dde9f2983379cb8e5ef0517f'],
  ['00000000000000000000000000000000000000000000000000000000000000001200000000000000000000000000000000000000000000000000000000000080', '304282791023b73128d277bdcb5c7746ef2eac08dde9f2983379cb8e5ef0517f'],
];

const scalarArb = fc.bigInt({ min: 1n, max: GROUP_ORDER - 1n });

beforeAll(async () => {
  await sodium.ready;
});

describe('ristretto255 on libsodium, against noble and RFC 9496', () => {
  it('fixed base: k·G for k = 1..15 is A.1, and any scalar gives noble’s encoding', () => {
    MULTIPLES.forEach((hex, k) => {
      if (k === 0) return; // 0·G, the identity, is no valid base or result here
      expect(toHex(mulBaseToBytes(BigInt(k)))).toBe(hex);
      expect(toHex(mulToBytes(fromHex(MULTIPLES[1]!), BigInt(k)))).toBe(hex);
    });
    fc.assert(
      fc.property(scalarArb, (s) => {
        expect(toHex(mulBaseToBytes(s))).toBe(toHex(Point.BASE.multiply(s).toBytes()));
      }),
      { numRuns: 50 },
    );
    // The top of the range: libsodium clears only bit 255, so reduced scalars reach it whole.
    for (const s of [GROUP_ORDER - 1n, GROUP_ORDER - 2n, (1n << 252n) + 1n]) expect(toHex(mulBaseToBytes(s))).toBe(toHex(Point.BASE.multiply(s).toBytes()));
  });

  it('variable base: s·P for random P and s is noble’s encoding; mul gives noble’s point', () => {
    fc.assert(
      fc.property(scalarArb, scalarArb, (p, s) => {
        const P = Point.BASE.multiply(p);
        const expected = P.multiply(s);
        expect(toHex(mulToBytes(P.toBytes(), s))).toBe(toHex(expected.toBytes()));
        expect(mul(P, s).equals(expected)).toBe(true);
        expect(mul(Point.BASE, s).equals(Point.BASE.multiply(s))).toBe(true);
      }),
      { numRuns: 40 },
    );
    expect(mul(Point.ZERO, 5n).is0()).toBe(true);
  });

  it('element derivation: libsodium’s from_hash and noble’s deriveToCurve give A.3', () => {
    for (const [input, output] of FROM_HASH) {
      expect(toHex(sodium.crypto_core_ristretto255_from_hash(fromHex(input)))).toBe(output);
      expect(toHex(ristretto255_hasher.deriveToCurve!(fromHex(input)).toBytes())).toBe(output);
    }
  });

  it('refuses what noble refuses: invalid encodings, the identity, scalars out of range', () => {
    for (const hex of INVALID) {
      expect(() => decodeElement(fromHex(hex))).toThrow(GroupEncodingError);
      expect(() => mulToBytes(fromHex(hex), 7n)).toThrow(GroupEncodingError);
    }
    expect(() => mulToBytes(new Uint8Array(32), 7n)).toThrow(GroupEncodingError);
    expect(() => mulToBytes(new Uint8Array(31), 7n)).toThrow(GroupEncodingError);
    for (const s of [0n, GROUP_ORDER, GROUP_ORDER + 1n, -1n]) {
      expect(() => mulBaseToBytes(s)).toThrow(RangeError);
      expect(() => mulToBytes(fromHex(MULTIPLES[1]!), s)).toThrow(RangeError);
      expect(() => mul(Point.BASE, s)).toThrow(RangeError);
    }
  });

  it('hashToScalar on node:crypto is noble’s ristretto255 hashToScalar of the length-prefixed parts', () => {
    const framed = (parts: readonly Uint8Array[]): Uint8Array => {
      const out: number[] = [];
      for (const p of parts) out.push(p.length >>> 24, (p.length >>> 16) & 0xff, (p.length >>> 8) & 0xff, p.length & 0xff, ...p);
      return Uint8Array.from(out);
    };
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), (dst, parts) => {
        fc.pre(new TextEncoder().encode(dst).length <= 255);
        expect(hashToScalar(dst, ...parts)).toBe(ristretto255_hasher.hashToScalar(framed(parts), { DST: dst }));
      }),
      { numRuns: 200 },
    );
    expect(() => hashToScalar('', new Uint8Array(1))).toThrow(RangeError);
    expect(() => hashToScalar('x'.repeat(256))).toThrow(RangeError);
  });

  it('wraps sealed on libsodium verify and open with noble’s arithmetic (W = s·U on noble)', () => {
    const secret = randomScalar();
    const setup = LawfulAccessSetup.fromCommitments({ threshold: 2, holders: 3 }, deal({ threshold: 2, holders: 3 }, 1, secret).commitments);
    expect(toHex(setup.publicKeyBytes())).toBe(toHex(Point.BASE.multiply(secret).toBytes()));
    const pair = batchContext({ chainId: new Uint8Array(32).fill(9), submitter: 26201, counterparty: 23415, sequence: 1n });
    const labels = Array.from({ length: 8 }, (_, i) => lawfulWrapLabel(pair, new Uint8Array(32).fill(i + 1)));
    sealLawfulGroups(setup, labels).forEach(({ wrap, groupKey }, i) => {
      const parts = verifyLawfulWrap(setup, labels[i]!, wrap);
      expect(decodeLawfulWrap(wrap).uBytes).toEqual(encodeElement(parts.u));
      expect(openLawfulWrap(parts.u.multiply(secret), labels[i]!, wrap)).toEqual(groupKey);
    });
  });
});
