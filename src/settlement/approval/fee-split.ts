// The clearing fee of a settled period, split between the period's block producers (by blocks
// produced) and its validators (by voting power), to the last minor unit: integer shares by the
// largest-remainder method, ties to the lower validator id, so the parts always sum to the fee and
// every node computes the same split.

import { AmountError, SettlementOptionsError } from '../errors.js';
import { compare, rational, roundHalfEven, mul, type Rational } from '../fx/rational.js';

export interface Weighted {
  readonly validator: number;
  /** Blocks produced in the period, or voting power: a non-negative integer. */
  readonly weight: bigint;
}

export interface FeeShare {
  readonly validator: number;
  readonly amount: bigint;
}

/** fee = settledVolume · rate, rounded half to even (minor units). */
export function clearingFee(settledVolume: bigint, rate: Rational): bigint {
  if (settledVolume < 0n) throw new AmountError(`settled volume must be non-negative, got ${settledVolume}`);
  return roundHalfEven(mul(rational(settledVolume), rate));
}

/** `amount` split over `parts` in proportion to their weights, exactly; ascending validator order. */
export function splitProportionally(amount: bigint, parts: readonly Weighted[]): FeeShare[] {
  if (amount < 0n) throw new AmountError(`a fee must be non-negative, got ${amount}`);
  const sorted = [...parts].sort((a, b) => a.validator - b.validator);
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i]!;
    if (p.weight < 0n) throw new SettlementOptionsError(`validator ${p.validator} has a negative weight`);
    if (i > 0 && sorted[i - 1]!.validator === p.validator) throw new SettlementOptionsError(`validator ${p.validator} is listed twice`);
  }
  const total = sorted.reduce((s, p) => s + p.weight, 0n);
  if (total === 0n) {
    if (amount === 0n) return sorted.map((p) => ({ validator: p.validator, amount: 0n }));
    throw new SettlementOptionsError('a non-zero fee needs at least one part with a positive weight');
  }
  const shares = sorted.map((p) => ({ validator: p.validator, amount: (amount * p.weight) / total, remainder: (amount * p.weight) % total }));
  let left = amount - shares.reduce((s, p) => s + p.amount, 0n);
  // Largest remainders first; equal remainders to the lower id (the sort is stable on id order).
  const order = shares.map((s, i) => i).sort((a, b) => {
    const ra = shares[a]!.remainder;
    const rb = shares[b]!.remainder;
    return ra > rb ? -1 : ra < rb ? 1 : a - b;
  });
  for (const i of order) {
    if (left === 0n) break;
    shares[i]!.amount += 1n;
    left -= 1n;
  }
  return shares.map(({ validator, amount: a }) => ({ validator, amount: a }));
}

export interface FeeSplit {
  readonly fee: bigint;
  /** What producers get together: fee · producerShare, rounded half to even. */
  readonly toProducers: bigint;
  readonly toValidators: bigint;
  /** Per validator id, ascending: its producer part plus its validator part. */
  readonly shares: readonly FeeShare[];
}

/**
 * Splits the fee: `producerShare` of it over producers by blocks produced, the rest over validators
 * by voting power. With no blocks produced (an empty period), producers' part goes to validators.
 */
export function splitClearingFee(fee: bigint, producers: readonly Weighted[], validators: readonly Weighted[], producerShare: Rational): FeeSplit {
  if (producerShare.num < 0n || compare(producerShare, rational(1n)) > 0) throw new SettlementOptionsError('producerShare must be in [0, 1]');
  const anyBlocks = producers.some((p) => p.weight > 0n);
  const toProducers = anyBlocks ? roundHalfEven(mul(rational(fee), producerShare)) : 0n;
  const toValidators = fee - toProducers;
  const merged = new Map<number, bigint>();
  for (const s of [...splitProportionally(toProducers, producers), ...splitProportionally(toValidators, validators)]) {
    merged.set(s.validator, (merged.get(s.validator) ?? 0n) + s.amount);
  }
  const shares = [...merged.keys()].sort((a, b) => a - b).map((validator) => ({ validator, amount: merged.get(validator)! }));
  return Object.freeze({ fee, toProducers, toValidators, shares: Object.freeze(shares) });
}
