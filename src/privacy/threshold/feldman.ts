import { PrivacyInputError, ShareVerificationError } from '../errors.js';
import { GROUP_ORDER, type Point, base, mod, mul, mulPublic, randomScalar } from './group.js';
import { MAX_HOLDERS, checkHolderIndex } from './lagrange.js';

/**
 * Shamir sharing of the lawful-access secret with Feldman's verifiable secret sharing (Feldman 1987):
 * the dealer publishes A_k = a_k·G for its polynomial f(x) = a_0 + a_1 x + … + a_{t−1} x^{t−1}, and
 * holder i checks its share f(i) against Σ_k i^k·A_k without learning anything about a_0 beyond
 * A_0 = a_0·G.
 *
 * Two set-ups use this module. Dealer-based: one trusted dealer runs `deal` once and forgets the
 * polynomial. Dealerless (Joint-Feldman, Pedersen 1991): every holder deals its own random
 * polynomial, each holder sums the shares it receives (`combineShares`) and everyone sums the
 * commitments (`combineCommitments`); the joint secret Σ a_0 is never in one place, not even at
 * set-up. (Gennaro et al. 1999 show a rushing dealer can bias the joint public key's distribution;
 * that does not help it decrypt ElGamal ciphertexts, and docs/privacy.md discusses it.)
 */

export interface ThresholdParams {
  /** t: how many holders a decryption needs. */
  readonly threshold: number;
  /** n: how many holders there are (indices 1..n). */
  readonly holders: number;
}

export function thresholdParams(p: ThresholdParams): ThresholdParams {
  if (!Number.isInteger(p.holders) || p.holders < 1 || p.holders > MAX_HOLDERS) {
    throw new PrivacyInputError(`holders must be an integer in 1..${MAX_HOLDERS}`);
  }
  if (!Number.isInteger(p.threshold) || p.threshold < 1 || p.threshold > p.holders) {
    throw new PrivacyInputError(`threshold must be an integer in 1..holders (${p.holders})`);
  }
  return Object.freeze({ threshold: p.threshold, holders: p.holders });
}

/** One dealer's output: public commitments, and the share meant for each holder (sent to it privately). */
export interface Dealing {
  readonly dealer: number;
  readonly commitments: readonly Point[];
  readonly shares: ReadonlyMap<number, bigint>;
}

/** f(x) at x by Horner's rule, mod ℓ. */
function evaluate(coefficients: readonly bigint[], x: bigint): bigint {
  let acc = 0n;
  for (let k = coefficients.length - 1; k >= 0; k--) acc = mod(acc * x + coefficients[k]!);
  return acc;
}

/** Deals a fresh random secret (or `secret`, for tests and re-sharing) to holders 1..n. */
export function deal(params: ThresholdParams, dealer: number, secret?: bigint): Dealing {
  const p = thresholdParams(params);
  checkHolderIndex(dealer);
  const coefficients: bigint[] = [];
  for (let k = 0; k < p.threshold; k++) coefficients.push(k === 0 && secret !== undefined ? mod(secret) : randomScalar());
  if (coefficients[0] === 0n) throw new PrivacyInputError('the shared secret must be non-zero');
  const commitments = coefficients.map((a) => mul(base(), a));
  const shares = new Map<number, bigint>();
  for (let i = 1; i <= p.holders; i++) shares.set(i, evaluate(coefficients, BigInt(i)));
  coefficients.fill(0n);
  return Object.freeze({ dealer, commitments: Object.freeze(commitments), shares });
}

/** Σ_k i^k·A_k: what share i times G must equal; for the joint commitments it is holder i's verification key. */
export function shareCommitment(commitments: readonly Point[], holder: number): Point {
  checkHolderIndex(holder);
  const x = BigInt(holder);
  let acc = commitments[commitments.length - 1]!;
  for (let k = commitments.length - 2; k >= 0; k--) acc = mulPublic(acc, x).add(commitments[k]!);
  return acc;
}

/** Holder `holder` checks the share it received from `dealer`; a mismatch is the evidence for a complaint. */
export function verifyShare(commitments: readonly Point[], dealer: number, holder: number, share: bigint): void {
  if (commitments.length < 1) throw new PrivacyInputError('a dealing has at least one commitment');
  const ok = share > 0n && share < GROUP_ORDER && mul(base(), share).equals(shareCommitment(commitments, holder));
  if (!ok) throw new ShareVerificationError(dealer, holder, `share from dealer ${dealer} to holder ${holder} does not match the dealer's commitments`);
}

/** Joint-Feldman: holder i's final share is the sum of the (verified) shares every dealer sent it. */
export function combineShares(holder: number, received: readonly { dealer: number; commitments: readonly Point[]; share: bigint }[]): bigint {
  if (received.length === 0) throw new PrivacyInputError('no dealings to combine');
  let sum = 0n;
  const dealers = new Set<number>();
  for (const r of received) {
    if (dealers.has(r.dealer)) throw new PrivacyInputError(`dealer ${r.dealer} appears twice`);
    dealers.add(r.dealer);
    verifyShare(r.commitments, r.dealer, holder, r.share);
    sum = mod(sum + r.share);
  }
  return sum;
}

/** Joint-Feldman: the group's commitments are the pointwise sums of every qualified dealer's. */
export function combineCommitments(dealings: readonly (readonly Point[])[]): Point[] {
  if (dealings.length === 0) throw new PrivacyInputError('no dealings to combine');
  const t = dealings[0]!.length;
  if (t < 1 || dealings.some((c) => c.length !== t)) throw new PrivacyInputError('every dealing must have the same threshold');
  return Array.from({ length: t }, (_, k) => dealings.slice(1).reduce((acc, c) => acc.add(c[k]!), dealings[0]![k]!));
}
