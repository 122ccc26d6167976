// Exact rationals over bigint for FX: rates, fees and conversions never touch floating point.
// A Rational is always reduced with a positive denominator, so equal values have equal fields.

import { BadRateError } from '../errors.js';

export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** num/den reduced; BadRateError for a zero denominator. */
export function rational(num: bigint, den: bigint = 1n): Rational {
  if (den === 0n) throw new BadRateError('denominator is zero');
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const g = gcd(num, den);
  return Object.freeze(g > 1n ? { num: num / g, den: den / g } : { num, den });
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** "1.0845" → 10845/2000 exactly. BadRateError for anything but a plain decimal. */
export function parseDecimal(s: string): Rational {
  const m = DECIMAL.exec(s);
  if (!m) throw new BadRateError(`"${s}" is not a decimal number`);
  const frac = m[3] ?? '';
  const num = BigInt((m[1] ?? '') + (m[2] ?? '0') + frac);
  return rational(num, 10n ** BigInt(frac.length));
}

export const mul = (a: Rational, b: Rational): Rational => rational(a.num * b.num, a.den * b.den);
export const div = (a: Rational, b: Rational): Rational => rational(a.num * b.den, a.den * b.num);
export const sub = (a: Rational, b: Rational): Rational => rational(a.num * b.den - b.num * a.den, a.den * b.den);
export const add = (a: Rational, b: Rational): Rational => rational(a.num * b.den + b.num * a.den, a.den * b.den);

/** -1, 0 or 1 as a < b, a = b, a > b. */
export function compare(a: Rational, b: Rational): -1 | 0 | 1 {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

export function abs(a: Rational): Rational {
  return a.num < 0n ? rational(-a.num, a.den) : a;
}

/**
 * The integer nearest to a, ties to the even integer (banker's rounding: unbiased over many
 * amounts, and the same on every node).
 */
export function roundHalfEven(a: Rational): bigint {
  const { num, den } = a;
  // Floor division for negative numerators (bigint division truncates toward zero).
  let q = num / den;
  let r = num % den;
  if (r < 0n) {
    q -= 1n;
    r += den;
  }
  const twice = 2n * r;
  if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
  return q;
}

/** "1.0845" style text of a rational with a finite decimal expansion, else "num/den". */
export function formatRational(a: Rational): string {
  let d = a.den;
  let twos = 0;
  let fives = 0;
  while (d % 2n === 0n) (d /= 2n), twos++;
  while (d % 5n === 0n) (d /= 5n), fives++;
  if (d !== 1n) return `${a.num}/${a.den}`;
  const places = Math.max(twos, fives);
  const scaled = (a.num * 10n ** BigInt(places)) / a.den;
  const neg = scaled < 0n;
  const digits = (neg ? -scaled : scaled).toString().padStart(places + 1, '0');
  const text = places === 0 ? digits : `${digits.slice(0, digits.length - places)}.${digits.slice(digits.length - places)}`;
  return neg ? `-${text}` : text;
}
