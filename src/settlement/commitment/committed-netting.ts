// Multilateral netting over Pedersen commitments (docs/settlement.md, "Committed netting").
//
// Operators 0..n−1 in consortium order. Every pair i < j has one bilateral commitment C_ij to
// d_ij = (what i owes j) − (what j owes i), signed, mod ℓ, with blinding r_ij known to the pair.
// Operator k's net commitment is
//     N_k = Σ_{i<k} C_ik − Σ_{j>k} C_kj            (what it is owed minus what it owes)
// which, by the homomorphism, commits to the plain net position net_k with blinding
//     ρ_k = Σ_{i<k} r_ik − Σ_{j>k} r_kj   (mod ℓ).
// Every C_ij appears once with + and once with −, so Σ_k N_k is the identity whatever the amounts:
// cycles cancel by construction. Operator k's transfer to (net_k < 0) or from (net_k > 0) the
// consortium settlement account is committed as T_k = commit(net_k, ρ_k), which must equal N_k.

import { NettingInputError } from '../errors.js';
import type { BilateralAmount } from '../netting-reference.js';
import { checkOperators } from '../netting-reference.js';
import { commit, JubjubPoint, scalar, type JubjubPoint as Point } from './pedersen.js';

/** Number of unordered pairs of n operators. */
export const pairCount = (n: number): number => (n * (n - 1)) / 2;

/** Position of pair (i, j), i < j, in row-major order of the upper triangle. */
export function pairIndex(n: number, i: number, j: number): number {
  if (!(Number.isInteger(i) && Number.isInteger(j) && 0 <= i && i < j && j < n)) throw new NettingInputError(`(${i}, ${j}) is not a pair i < j of ${n} operators`);
  return i * n - (i * (i + 1)) / 2 + (j - i - 1);
}

/** For every pair i < j in pair order: what operator i owes operator j, net of what j owes i. */
export function pairwiseAmounts(operators: readonly number[], amounts: readonly BilateralAmount[]): bigint[] {
  const index = checkOperators(operators);
  const n = operators.length;
  const d = new Array<bigint>(pairCount(n)).fill(0n);
  for (const { debtor, creditor, amount } of amounts) {
    const a = index.get(debtor);
    const b = index.get(creditor);
    if (a === undefined || b === undefined || a === b) throw new NettingInputError(`${debtor} → ${creditor} is not a pair of consortium operators`);
    if (typeof amount !== 'bigint' || amount < 0n) throw new NettingInputError(`${debtor} → ${creditor}: amount must be a non-negative bigint`);
    if (a < b) d[pairIndex(n, a, b)]! += amount;
    else d[pairIndex(n, b, a)]! -= amount;
  }
  return d;
}

export interface Opening {
  /** Signed amount (the committed value is its residue mod ℓ). */
  readonly amount: bigint;
  readonly blinding: bigint;
}

/** The pairs' commitments, in pair order, from their openings. */
export function commitPairs(openings: readonly Opening[]): Point[] {
  return openings.map((o) => commit(o.amount, o.blinding));
}

function checkPairs<T>(n: number, pairs: readonly T[]): void {
  if (!Number.isInteger(n) || n < 2) throw new NettingInputError(`a consortium has at least 2 operators, got ${n}`);
  if (pairs.length !== pairCount(n)) throw new NettingInputError(`${n} operators have ${pairCount(n)} pairs, got ${pairs.length} commitments`);
}

/** Walks the pairs once: for pair (i, j), `credit(j, x)` and `debit(i, x)`. */
function fold<T>(n: number, pairs: readonly T[], credit: (k: number, x: T) => void, debit: (k: number, x: T) => void): void {
  checkPairs(n, pairs);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const x = pairs[p++]!;
      credit(j, x);
      debit(i, x);
    }
  }
}

/** N_k for every operator, from the pairs' commitments (what the ledger and the VM compute). */
export function netCommitments(n: number, pairs: readonly Point[]): Point[] {
  const owed = new Array<Point>(n).fill(JubjubPoint.ZERO);
  const owes = new Array<Point>(n).fill(JubjubPoint.ZERO);
  fold(n, pairs, (k, c) => (owed[k] = owed[k]!.add(c)), (k, c) => (owes[k] = owes[k]!.add(c)));
  return owed.map((o, k) => o.subtract(owes[k]!));
}

/** (net_k, ρ_k) for every operator, from the pairs' openings (what the settlement bank learns of k). */
export function netOpenings(n: number, openings: readonly Opening[]): Opening[] {
  const amount = new Array<bigint>(n).fill(0n);
  const blinding = new Array<bigint>(n).fill(0n);
  fold(
    n,
    openings,
    (k, o) => ((amount[k]! += o.amount), (blinding[k]! += o.blinding)),
    (k, o) => ((amount[k]! -= o.amount), (blinding[k]! -= o.blinding)),
  );
  return amount.map((a, k) => ({ amount: a, blinding: scalar(blinding[k]!) }));
}

/** The transfer commitments T_k = commit(net_k, ρ_k). */
export function transferCommitments(nets: readonly Opening[]): Point[] {
  return nets.map((o) => commit(o.amount, o.blinding));
}

export interface CommittedNettingVerdict {
  readonly ok: boolean;
  /** Σ N_k is the identity (always, unless the computation itself is wrong). */
  readonly sumIsIdentity: boolean;
  /** Operators whose transfer commitment is not their net commitment, ascending. */
  readonly mismatched: readonly number[];
}

/** The check the settlement contract makes: nets from the pairs, their sum, each transfer against its net. */
export function checkCommittedNetting(n: number, pairs: readonly Point[], transfers: readonly Point[]): CommittedNettingVerdict {
  if (transfers.length !== n) throw new NettingInputError(`${n} operators need ${n} transfer commitments, got ${transfers.length}`);
  const nets = netCommitments(n, pairs);
  const sumIsIdentity = nets.reduce((s, p) => s.add(p), JubjubPoint.ZERO).is0();
  const mismatched = nets.flatMap((p, k) => (p.equals(transfers[k]!) ? [] : [k]));
  return { ok: sumIsIdentity && mismatched.length === 0, sumIsIdentity, mismatched };
}
