// Conversion of an amount in minor units of one currency to minor units of another, at an exact
// rational rate, with the conversion fee. Rounding rule (docs/settlement.md):
//   exact  = amount · rate · 10^exp(to) / 10^exp(from)      (a rational number of minor units of `to`)
//   gross  = exact rounded half to even                      (|exact − gross| ≤ ½ minor unit: `residue`)
//   fee    = (gross · feeRate) rounded half to even          (same sign as gross)
//   net    = gross − fee                                     (what the payee is credited)
// so net + fee = gross to the last minor unit, and gross + residue = exact: no unit is lost or
// created, the only rounding is named and bounded.

import { currencyExponent, type Currency } from '../../cdr/currency.js';
import { AmountError, BadRateError } from '../errors.js';
import { compare, mul, rational, roundHalfEven, sub, type Rational } from './rational.js';

/** The consortium's default conversion fee: 0.15 %. */
export const DEFAULT_CONVERSION_FEE: Rational = rational(15n, 10_000n);
/** Amounts in minor units stay below 2^96 (far beyond any settlement volume). */
export const MAX_AMOUNT = 1n << 96n;

export interface Conversion {
  readonly from: Currency;
  readonly to: Currency;
  /** Minor units of `from`. */
  readonly amount: bigint;
  /** Major units of `to` per major unit of `from`. */
  readonly rate: Rational;
  readonly feeRate: Rational;
  /** The converted amount before rounding, in minor units of `to`. */
  readonly exact: Rational;
  /** Minor units of `to`: exact rounded half to even. */
  readonly gross: bigint;
  /** exact − gross, within [−½, ½]. */
  readonly residue: Rational;
  /** Minor units of `to`, kept by the clearing (0 when from = to). */
  readonly fee: bigint;
  /** gross − fee: what the payee is credited. */
  readonly net: bigint;
}

export function assertAmount(amount: bigint): void {
  if (typeof amount !== 'bigint' || amount <= -MAX_AMOUNT || amount >= MAX_AMOUNT) {
    throw new AmountError(`amount must be an integer number of minor units below 2^96 in magnitude, got ${String(amount)}`);
  }
}

/** A fee rate in [0, 1). */
export function assertFeeRate(feeRate: Rational): void {
  if (feeRate.num < 0n || compare(feeRate, rational(1n)) >= 0) throw new BadRateError(`fee rate must be in [0, 1), got ${feeRate.num}/${feeRate.den}`);
}

export function convertMinorUnits(amount: bigint, from: Currency, to: Currency, rate: Rational, feeRate: Rational = DEFAULT_CONVERSION_FEE): Conversion {
  assertAmount(amount);
  assertFeeRate(feeRate);
  if (rate.num <= 0n) throw new BadRateError(`rate must be positive, got ${rate.num}/${rate.den}`);
  if (from === to) {
    if (rate.num !== rate.den) throw new BadRateError(`the rate of ${from} to itself is 1, got ${rate.num}/${rate.den}`);
    const zero = rational(0n);
    return Object.freeze({ from, to, amount, rate, feeRate: zero, exact: rational(amount), gross: amount, residue: zero, fee: 0n, net: amount });
  }
  const scale = rational(10n ** BigInt(currencyExponent(to)), 10n ** BigInt(currencyExponent(from)));
  const exact = mul(mul(rational(amount), rate), scale);
  const gross = roundHalfEven(exact);
  const fee = roundHalfEven(mul(rational(gross), feeRate));
  return Object.freeze({ from, to, amount, rate, feeRate, exact, gross, residue: sub(exact, rational(gross)), fee, net: gross - fee });
}
