import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchContext } from '../context.js';
import { InsufficientPartialsError, InvalidPartialError, LawfulWrapError, PrivacyInputError, ShareVerificationError } from '../errors.js';
import { combinePartials, interpolateInExponent } from './combine.js';
import { combineCommitments, combineShares, deal, verifyShare } from './feldman.js';
import { GROUP_ORDER, base, decodeElement, encodeElement, encodeScalar, mul, randomScalar } from './group.js';
import { type HolderShare, LawfulAccessSetup, checkHolderShare } from './lawful-access-setup.js';
import { LAWFUL_WRAP_BYTES, decodeLawfulWrap, lawfulWrapLabel, openLawfulWrap, sealLawfulGroup, sealLawfulGroups, verifyLawfulWrap } from './lawful-wrap.js';
import { type DecryptionTarget, PARTIAL_BYTES, type PartialDecryption, partialDecrypt } from './partial-decryption.js';

const T = 3;
const N = 5;
const pair = batchContext({ chainId: new Uint8Array(32).fill(3), submitter: 26201, counterparty: 23415, sequence: 1n });

/** A dealerless 3-of-5 setup: every holder deals, every holder sums what it received. */
function dealerless(): { setup: LawfulAccessSetup; shares: HolderShare[]; secret: bigint } {
  const secrets = Array.from({ length: N }, () => randomScalar());
  const dealings = secrets.map((s, d) => deal({ threshold: T, holders: N }, d + 1, s));
  const setup = LawfulAccessSetup.fromCommitments({ threshold: T, holders: N }, combineCommitments(dealings.map((d) => d.commitments)));
  const shares = Array.from({ length: N }, (_, i) => ({
    holder: i + 1,
    share: combineShares(
      i + 1,
      dealings.map((d) => ({ dealer: d.dealer, commitments: d.commitments, share: d.shares.get(i + 1)! })),
    ),
  }));
  // Only the test adds the dealers' secrets up, to check the algebra; the scheme never does.
  return { setup, shares, secret: secrets.reduce((a, b) => (a + b) % GROUP_ORDER, 0n) };
}

function target(wrap: Uint8Array, label: Uint8Array, binding = new Uint8Array(32)): DecryptionTarget {
  const parts = decodeLawfulWrap(wrap);
  return { u: parts.u, uBytes: parts.uBytes, binding: Uint8Array.from([...binding, ...label]) };
}

let setup: LawfulAccessSetup;
let shares: HolderShare[];
let secret: bigint;
const tag = new Uint8Array(32).fill(0x42);
let label: Uint8Array;
let groupKey: Uint8Array;
let wrap: Uint8Array;
let tgt: DecryptionTarget;
let partials: PartialDecryption[];

beforeAll(() => {
  ({ setup, shares, secret } = dealerless());
  label = lawfulWrapLabel(pair, tag);
  ({ groupKey, wrap } = sealLawfulGroup(setup, label));
  tgt = target(wrap, label);
  partials = shares.map((s) => partialDecrypt(setup, s, tgt));
});

function expectPartialRejected(p: PartialDecryption, holder: number, reason: string): void {
  try {
    combinePartials(setup, tgt, [p, ...partials.filter((q) => q.holder !== p.holder)].slice(0, T));
  } catch (err) {
    expect(err).toBeInstanceOf(InsufficientPartialsError);
    const rejected = (err as InsufficientPartialsError).rejected;
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toBeInstanceOf(InvalidPartialError);
    expect(rejected[0]).toMatchObject({ holder, reason });
    return;
  }
  throw new Error('the bad partial was accepted');
}

describe('Feldman VSS and the dealerless setup', () => {
  it('every holder can check its share; the joint public key is the sum of the dealers’ and s·G', () => {
    expect(setup.publicKey.equals(mul(base(), secret))).toBe(true);
    for (const s of shares) checkHolderShare(setup, s);
    for (const s of shares) expect(setup.verificationKey(s.holder).equals(mul(base(), s.share))).toBe(true);
  });

  it('a wrong share is caught and names dealer and holder', () => {
    const d = deal({ threshold: T, holders: N }, 4);
    verifyShare(d.commitments, 4, 2, d.shares.get(2)!);
    expect(() => verifyShare(d.commitments, 4, 2, (d.shares.get(2)! + 1n) % GROUP_ORDER)).toThrow(ShareVerificationError);
    expect(() => verifyShare(d.commitments, 4, 3, d.shares.get(2)!)).toThrow(expect.objectContaining({ dealer: 4, holder: 3 }));
    expect(() => checkHolderShare(setup, { holder: 1, share: shares[1]!.share })).toThrow(ShareVerificationError);
  });

  it('rejects inconsistent parameters', () => {
    expect(() => deal({ threshold: 6, holders: 5 }, 1)).toThrow();
    expect(() => deal({ threshold: 0, holders: 5 }, 1)).toThrow();
    expect(() => LawfulAccessSetup.fromCommitments({ threshold: 3, holders: 5 }, [base()])).toThrow();
  });
});

describe('threshold decryption of a lawful-access wrap', () => {
  it('any t holders open the wrap; the combination equals s·U', () => {
    expect(wrap.length).toBe(LAWFUL_WRAP_BYTES);
    fc.assert(
      fc.property(fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: T, maxLength: N }), (pick) => {
        const c = combinePartials(setup, tgt, pick.map((i) => partials[i]!));
        expect(c.used).toHaveLength(T);
        expect(c.w.equals(mul(tgt.u, secret))).toBe(true);
        expect(openLawfulWrap(c.w, label, wrap)).toEqual(groupKey);
      }),
      { numRuns: 8 },
    );
  });

  it('t − 1 holders combine to a wrong point, which gives another key (one that opens no record)', () => {
    for (const pick of [
      [0, 1],
      [2, 4],
      [3, 1],
    ]) {
      const two = pick.map((i) => partials[i]!);
      expect(() => combinePartials(setup, tgt, two)).toThrow(InsufficientPartialsError);
      const w = interpolateInExponent(two.map((p) => ({ holder: p.holder, d: decodeElement(p.bytes.subarray(0, 32)) })));
      expect(w.equals(mul(tgt.u, secret))).toBe(false);
      expect(openLawfulWrap(w, label, wrap)).not.toEqual(groupKey);
    }
  });

  it('a partial made with a wrong share is rejected by name; the others still combine', () => {
    const wrong = partialDecrypt(setup, { holder: 2, share: (shares[1]!.share + 1n) % GROUP_ORDER }, tgt);
    expectPartialRejected(wrong, 2, 'proof');
    const c = combinePartials(setup, tgt, [wrong, partials[0]!, partials[2]!, partials[3]!]);
    expect(c.rejected.map((r) => [r.holder, r.reason])).toEqual([[2, 'proof']]);
    expect(c.used).toEqual([1, 3, 4]);
    expect(openLawfulWrap(c.w, label, wrap)).toEqual(groupKey);
  });

  it('forged, replayed, misattributed and malformed partials are each named', () => {
    // D = s_2·U is right but the proof is made up.
    const forged = Uint8Array.from(partials[1]!.bytes);
    forged.set(encodeScalar(randomScalar()), 32);
    expectPartialRejected({ holder: 2, bytes: forged }, 2, 'proof');
    // A true partial of holder 2 for another wrap.
    const otherWrap = sealLawfulGroup(setup, label).wrap;
    expectPartialRejected(partialDecrypt(setup, shares[1]!, target(otherWrap, label)), 2, 'proof');
    // Holder 2's partial for this wrap under another order's binding.
    expectPartialRejected(partialDecrypt(setup, shares[1]!, { ...tgt, binding: new Uint8Array(1) }), 2, 'proof');
    // Holder 2's partial claimed by holder 4.
    expectPartialRejected({ holder: 4, bytes: partials[1]!.bytes }, 4, 'proof');
    expectPartialRejected({ holder: 9, bytes: partials[1]!.bytes }, 9, 'unknown_holder');
    expectPartialRejected({ holder: 2, bytes: new Uint8Array(PARTIAL_BYTES) }, 2, 'encoding');
    expectPartialRejected({ holder: 2, bytes: partials[1]!.bytes.subarray(1) }, 2, 'encoding');
    const dup = combinePartials(setup, tgt, [partials[0]!, partials[0]!, partials[1]!, partials[2]!]);
    expect(dup.rejected.map((r) => [r.holder, r.reason])).toEqual([[1, 'duplicate']]);
  });

  it('the proof binds the wrap to its label and its bytes', () => {
    verifyLawfulWrap(setup, label, wrap);
    const otherLabel = lawfulWrapLabel(pair, new Uint8Array(32).fill(0x43));
    expect(() => verifyLawfulWrap(setup, otherLabel, wrap)).toThrow(expect.objectContaining({ reason: 'proof' }));
    // U lifted from this wrap into a new wrap for another label: without r there is no valid proof.
    const lifted = Uint8Array.from(sealLawfulGroup(setup, otherLabel).wrap);
    lifted.set(wrap.subarray(0, 32), 0);
    expect(() => verifyLawfulWrap(setup, otherLabel, lifted)).toThrow(LawfulWrapError);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: LAWFUL_WRAP_BYTES - 1 }), fc.integer({ min: 0, max: 7 }), (at, bit) => {
        const bad = Uint8Array.from(wrap);
        bad[at]! ^= 1 << bit;
        expect(() => verifyLawfulWrap(setup, label, bad)).toThrow(LawfulWrapError);
      }),
      { numRuns: 30 },
    );
    expect(() => verifyLawfulWrap(setup, label, wrap.subarray(1))).toThrow(expect.objectContaining({ reason: 'length' }));
  });

  it('groups sealed together (the client path) verify under their own labels only and open with s·U, like single ones', () => {
    const labels = Array.from({ length: 12 }, (_, i) => lawfulWrapLabel(pair, new Uint8Array(32).fill(i)));
    const groups = sealLawfulGroups(setup, labels);
    const items = groups.map((g, i) => ({ label: labels[i]!, groupKey: g.groupKey }));
    const wraps = groups.map((g) => g.wrap);
    expect(new Set(groups.map((g) => Buffer.from(g.groupKey).toString('hex'))).size).toBe(items.length);
    expect(new Set(wraps.map((w) => Buffer.from(w.subarray(0, 32)).toString('hex'))).size).toBe(items.length);
    wraps.forEach((w, i) => {
      expect(w.length).toBe(LAWFUL_WRAP_BYTES);
      const parts = verifyLawfulWrap(setup, items[i]!.label, w);
      expect(() => verifyLawfulWrap(setup, items[(i + 1) % items.length]!.label, w)).toThrow(expect.objectContaining({ reason: 'proof' }));
      expect(openLawfulWrap(mul(parts.u, secret), items[i]!.label, w)).toEqual(items[i]!.groupKey);
    });
    // Through the holders too: a quorum's combination opens a batched wrap.
    const t = target(wraps[3]!, items[3]!.label);
    const c = combinePartials(setup, t, shares.slice(0, T).map((s) => partialDecrypt(setup, s, t)));
    expect(openLawfulWrap(c.w, items[3]!.label, wraps[3]!)).toEqual(items[3]!.groupKey);
    expect(sealLawfulGroups(setup, [])).toEqual([]);
  });

  it('a wrap opened with the right point but the wrong label gives another key', () => {
    const c = combinePartials(setup, tgt, partials.slice(0, T));
    expect(openLawfulWrap(c.w, lawfulWrapLabel(pair, new Uint8Array(32)), wrap)).not.toEqual(groupKey);
    expect(encodeElement(c.w)).toEqual(encodeElement(mul(tgt.u, secret)));
  });
});
