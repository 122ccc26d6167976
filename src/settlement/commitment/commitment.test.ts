import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { blsKeyPairFromSeed } from '../../crypto/bls/bls.js';
import { BadSignatureError, CommitmentError, NettingInputError } from '../errors.js';
import { netBilateralAmounts } from '../netting-reference.js';
import { syntheticConsortium } from '../random-consortium.js';
import {
  checkCommittedNetting, commit, commitmentFromAffine, commitPairs, decodeAffine, deriveH, encodeAffine, H_DOMAIN, JUBJUB_ORDER, JUBJUB_P,
  JubjubPoint, makeBilateralStatement, netCommitments, netOpenings, opens, pairCount, pairIndex, pairwiseAmounts, PEDERSEN_G, PEDERSEN_H,
  randomBlinding, signBilateralStatement, statementOpens, toAffine, toAffineBatch, transferCommitments, verifyBilateralStatement,
  type Opening,
} from './index.js';

/** Blindings for tests, uniform mod ℓ from a seed. */
const blindingOf = (seed: string, i: number): bigint => BigInt(`0x${createHash('sha512').update(`${seed}:${i}`).digest('hex')}`) % JUBJUB_ORDER;

// circomlibjs (iden3's reference, the one circuits match) as an independent implementation.
interface CircomBabyJub {
  F: { e(x: bigint | string): unknown; toObject(x: unknown): bigint };
  Base8: [unknown, unknown];
  addPoint(a: unknown[], b: unknown[]): [unknown, unknown];
  mulPointEscalar(p: unknown[], e: bigint): [unknown, unknown];
  inSubgroup(p: unknown[]): boolean;
}
const circomlibjsName: string = 'circomlibjs';
let babyJub: CircomBabyJub;
beforeAll(async () => {
  babyJub = await ((await import(circomlibjsName)) as { buildBabyjub(): Promise<CircomBabyJub> }).buildBabyjub();
});

describe('Pedersen commitments on Baby Jubjub', () => {
  it('uses circomlib Base8 as G and a hash-derived H in the prime-order subgroup', () => {
    const g = toAffine(PEDERSEN_G);
    expect([g.x, g.y]).toEqual(babyJub.Base8.map((c) => babyJub.F.toObject(c)));
    expect(deriveH(H_DOMAIN).equals(PEDERSEN_H)).toBe(true);
    expect(PEDERSEN_H.is0() || PEDERSEN_H.equals(PEDERSEN_G)).toBe(false);
    expect(PEDERSEN_H.isTorsionFree()).toBe(true);
    const h = toAffine(PEDERSEN_H);
    expect(babyJub.inSubgroup([babyJub.F.e(h.x), babyJub.F.e(h.y)])).toBe(true);
    expect(deriveH('another domain').equals(PEDERSEN_H)).toBe(false);
    expect(JUBJUB_P).toBe(21888242871839275222246405745257275088548364400416034343698204186575808495617n);
  });

  it('agrees with circomlibjs and is additively homomorphic', () => {
    const h = toAffine(PEDERSEN_H);
    const H = [babyJub.F.e(h.x), babyJub.F.e(h.y)];
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 64n), max: 1n << 64n }), fc.bigInt({ min: 0n, max: JUBJUB_ORDER - 1n }), fc.bigInt({ min: 0n, max: 1n << 64n }), (a, r, b) => {
        const c = commit(a, r);
        const mod = (x: bigint): bigint => ((x % JUBJUB_ORDER) + JUBJUB_ORDER) % JUBJUB_ORDER;
        const ref = babyJub.addPoint(babyJub.mulPointEscalar(babyJub.Base8, mod(a)), babyJub.mulPointEscalar(H, r));
        expect(toAffine(c)).toEqual({ x: babyJub.F.toObject(ref[0]), y: babyJub.F.toObject(ref[1]) });
        const s = randomBlinding();
        expect(c.add(commit(b, s)).equals(commit(a + b, r + s))).toBe(true);
        expect(c.subtract(commit(b, s)).equals(commit(a - b, r - s))).toBe(true);
        expect(opens(c, a, r)).toBe(true);
        expect(opens(c, a + 1n, r)).toBe(false);
        expect(opens(c, a, r + 1n)).toBe(false);
      }),
      { numRuns: 25 },
    );
    expect(commit(0n, 0n).is0()).toBe(true);
  });

  it('accepts only points of the prime-order subgroup as commitments', () => {
    const c = toAffine(commit(42n, 7n));
    expect(commitmentFromAffine(c).equals(commit(42n, 7n))).toBe(true);
    expect(decodeAffine(encodeAffine(c))).toEqual(c);
    expect(() => commitmentFromAffine({ x: c.x, y: c.y + 1n })).toThrow(/not on Baby Jubjub/);
    expect(() => commitmentFromAffine({ x: JUBJUB_P, y: 1n })).toThrow(/outside the field/);
    // (0, −1) is on the curve with order 2; adding it leaves the subgroup.
    const order2 = { x: 0n, y: JUBJUB_P - 1n };
    expect(() => commitmentFromAffine(order2)).toThrow(/subgroup/);
    const dirty = JubjubPoint.fromAffine(order2).add(commit(42n, 7n));
    expect(() => commitmentFromAffine(toAffine(dirty))).toThrow(CommitmentError);
    expect(() => decodeAffine(new Uint8Array(63))).toThrow(CommitmentError);
  });
});

/** A consortium's pair openings from its bilateral amounts, with seeded blindings. */
function committedConsortium(n: number, seed: string) {
  const { operators, amounts } = syntheticConsortium(n, seed);
  const openings: Opening[] = pairwiseAmounts(operators, amounts).map((amount, p) => ({ amount, blinding: blindingOf(seed, p) }));
  return { operators, amounts, openings, pairs: commitPairs(openings) };
}

describe('committed netting', () => {
  function checkAgainstReference(n: number, seed: string): void {
    const { operators, amounts, openings, pairs } = committedConsortium(n, seed);
    const reference = netBilateralAmounts(operators, amounts).positions;
    const nets = netCommitments(n, pairs);
    const opened = netOpenings(n, openings);
    opened.forEach((o, k) => {
      expect(o.amount).toBe(reference[k]!.net);
      expect(nets[k]!.equals(commit(o.amount, o.blinding))).toBe(true);
    });
    expect(nets.reduce((s, p) => s.add(p), JubjubPoint.ZERO).is0()).toBe(true);
    const transfers = transferCommitments(opened);
    expect(checkCommittedNetting(n, pairs, transfers)).toEqual({ ok: true, sumIsIdentity: true, mismatched: [] });
    // A transfer off by one minor unit, or with another blinding, does not match its net.
    const k = n - 1;
    const tampered = transfers.slice();
    tampered[k] = commit(opened[k]!.amount + 1n, opened[k]!.blinding);
    expect(checkCommittedNetting(n, pairs, tampered)).toEqual({ ok: false, sumIsIdentity: true, mismatched: [k] });
    tampered[k] = commit(opened[k]!.amount, opened[k]!.blinding + 1n);
    expect(checkCommittedNetting(n, pairs, tampered).mismatched).toEqual([k]);
  }

  it('opens every operator\'s net commitment to the reference net, on random consortia', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.string({ maxLength: 6 }), (n, seed) => checkAgainstReference(n, seed)),
      { numRuns: 12 },
    );
  });

  it('nets 100 operators with every pair a relation (4,950 commitments)', () => {
    checkAgainstReference(100, 'hundred');
  });

  it('cancels a triangle and refuses a missing or extra pair', () => {
    // 0 owes 1, 1 owes 2, 2 owes 0, the same amount: pairs (0,1) = +x, (0,2) = −x, (1,2) = +x.
    const x = 12_345n;
    const openings = [{ amount: x, blinding: 11n }, { amount: -x, blinding: 22n }, { amount: x, blinding: 33n }];
    const opened = netOpenings(3, openings);
    expect(opened.map((o) => o.amount)).toEqual([0n, 0n, 0n]);
    expect(netCommitments(3, commitPairs(openings)).map((p, k) => p.equals(commit(0n, opened[k]!.blinding)))).toEqual([true, true, true]);
    const pairs = commitPairs(openings);
    expect(() => netCommitments(3, pairs.slice(1))).toThrow(NettingInputError);
    expect(() => checkCommittedNetting(3, pairs, [])).toThrow(NettingInputError);
    // Dropping a pair's commitment (its slot the identity) leaves the nets unmatched.
    const missing = pairs.slice();
    missing[pairIndex(3, 1, 2)] = JubjubPoint.ZERO;
    expect(checkCommittedNetting(3, missing, transferCommitments(opened)).mismatched).toEqual([1, 2]);
    expect(pairCount(600)).toBe(179_700);
    expect(pairIndex(600, 598, 599)).toBe(179_699);
    expect(() => pairIndex(3, 2, 1)).toThrow(NettingInputError);
  });

  it('computes affine coordinates in one batch', () => {
    const pts = [commit(1n, 2n), JubjubPoint.ZERO, commit(-5n, 9n)];
    expect(toAffineBatch(pts)).toEqual(pts.map(toAffine));
  });
});

describe('bilateral statements', () => {
  const keys = new Map([20801, 23415, 26201].map((op, i) => [op, blsKeyPairFromSeed(new Uint8Array(32).fill(40 + i))] as const));
  const keyOf = (op: number): Uint8Array | undefined => keys.get(op)?.publicKey;
  const opening = { firstOwesSecond: 1_500_000n, secondOwesFirst: 400_000n, blinding: blindingOf('stmt', 0) };
  const statement = makeBilateralStatement({ chain: 'ab'.repeat(32), periodId: '2026-11', currency: 'XDR', first: 20801, second: 23415 }, opening);
  const sign = (op: number) => signBilateralStatement(statement, keys.get(op)!.secretKey);

  it('is signed by both operators and opens only with the pair\'s opening', () => {
    const c = verifyBilateralStatement({ statement, firstSignature: sign(20801), secondSignature: sign(23415) }, keyOf);
    expect(c.equals(commit(1_100_000n, opening.blinding))).toBe(true);
    expect(statementOpens(statement, opening)).toBe(true);
    expect(statementOpens(statement, { ...opening, secondOwesFirst: 400_001n })).toBe(false);
  });

  it('refuses a signature from a non-party, a swapped signature and a changed commitment', () => {
    expect(() => verifyBilateralStatement({ statement, firstSignature: sign(20801), secondSignature: sign(26201) }, keyOf)).toThrow(BadSignatureError);
    expect(() => verifyBilateralStatement({ statement, firstSignature: sign(23415), secondSignature: sign(20801) }, keyOf)).toThrow(BadSignatureError);
    const changed = { ...statement, commitment: toAffine(commit(1_100_001n, opening.blinding)) };
    expect(() => verifyBilateralStatement({ statement: changed, firstSignature: sign(20801), secondSignature: sign(23415) }, keyOf)).toThrow(BadSignatureError);
    expect(() => verifyBilateralStatement({ statement, firstSignature: sign(20801), secondSignature: sign(23415) }, () => undefined)).toThrow(/no registered/);
    // Both sign a point outside the subgroup: the signatures verify, the commitment does not.
    const bad = { ...statement, commitment: { x: 0n, y: JUBJUB_P - 1n } };
    const both = { statement: bad, firstSignature: signBilateralStatement(bad, keys.get(20801)!.secretKey), secondSignature: signBilateralStatement(bad, keys.get(23415)!.secretKey) };
    expect(() => verifyBilateralStatement(both, keyOf)).toThrow(CommitmentError);
    expect(() => makeBilateralStatement({ ...statement, second: 20801 }, opening)).toThrow(NettingInputError);
  });
});
