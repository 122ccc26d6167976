// The link proof's public statement, always built by the verifier from chain state: the pair's two
// billing aggregates (GET /proofs/aggregate), the statement's commitment C, and the period's rate set.
// Nothing here comes from the prover.

import { CURRENCY_INFO, currencyFromNumeric, type Currency } from '../../cdr/currency.js';
import { CURRENCY_GENERATORS } from '../../settlement/commitment/currency-generators.js';
import { commitmentFromAffine, PEDERSEN_G, toAffine, type AffinePoint } from '../../settlement/commitment/pedersen.js';
import type { FxRateSet } from '../../settlement/fx/fx-rate-book.js';
import { LinkInputError } from './link-errors.js';
import { LINK_LIMITS } from './link-circuit.js';

/** The identity point: the aggregate of a direction without a proven billing batch. */
export const IDENTITY: AffinePoint = Object.freeze({ x: 0n, y: 1n });

/** One currency's conversion to the settlement currency: gross = round_half_even(amount · mul / div). */
export interface LinkRate {
  readonly mul: bigint;
  readonly div: bigint;
}

export interface LinkStatement {
  /** A(first → second, period): the first operator's proven billing of the second. */
  readonly billedByFirst: AffinePoint;
  /** A(second → first, period). */
  readonly billedBySecond: AffinePoint;
  /** The bilateral statement's C = (firstOwesSecond − secondOwesFirst)·G + r·H. */
  readonly commitment: AffinePoint;
  /** Per currency of the generator table, in table order. */
  readonly rates: readonly LinkRate[];
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * The circuit's rate per currency of the generator table: mul = num·10^exp(base), div = den·10^exp(cur),
 * reduced (rounding the exact quotient does not depend on the fraction's form). The settlement currency
 * converts at 1/1; a currency the set does not rate gets 0/1, so its lines convert to nothing (the
 * prover refuses them: `rate`). Throws LinkInputError('rate') for parts of 2^64 or more.
 */
export function linkRates(set: FxRateSet): LinkRate[] {
  const base = CURRENCY_INFO[set.base];
  return CURRENCY_GENERATORS.map((g) => {
    const currency: Currency = currencyFromNumeric(g.numeric);
    const r = currency === set.base ? { num: 1n, den: 1n } : set.rates.get(currency);
    if (r === undefined) return Object.freeze({ mul: 0n, div: 1n });
    let mul = r.num * 10n ** BigInt(base.exponent);
    let div = r.den * 10n ** BigInt(CURRENCY_INFO[currency].exponent);
    const k = gcd(mul, div);
    mul /= k;
    div /= k;
    if (mul >= 1n << BigInt(LINK_LIMITS.rateBits) || div >= 1n << BigInt(LINK_LIMITS.rateBits) || mul < 0n || div <= 0n) {
      throw new LinkInputError('rate', `the ${currency} rate of period ${set.periodId} does not fit the link circuit's ${LINK_LIMITS.rateBits}-bit parts`);
    }
    return Object.freeze({ mul, div });
  });
}

/** 2^64·G: the circuit proves C + 2^64·G = (d + 2^64)·G + r·H, so its scalar is never negative. */
const SHIFT = PEDERSEN_G.multiply(1n << BigInt(LINK_LIMITS.grossBits));

/** The public signals (decimal strings, the circuit's order). Throws CommitmentError for a point outside the subgroup. */
export function linkPublicSignals(s: LinkStatement): string[] {
  if (s.rates.length !== CURRENCY_GENERATORS.length) throw new LinkInputError('rate', `a link statement has one rate per currency of the table (${CURRENCY_GENERATORS.length})`);
  const point = (a: AffinePoint): AffinePoint => toAffine(commitmentFromAffine(a));
  const a12 = point(s.billedByFirst);
  const a21 = point(s.billedBySecond);
  const shifted = toAffine(commitmentFromAffine(s.commitment).add(SHIFT));
  return [a12.x, a12.y, a21.x, a21.y, shifted.x, shifted.y, ...s.rates.map((r) => r.mul), ...s.rates.map((r) => r.div)].map(String);
}
