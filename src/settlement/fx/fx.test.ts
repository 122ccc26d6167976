import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURRENCIES, currencyExponent, type Currency } from '../../cdr/currency.js';
import { blsKeyPairFromSeed, blsSign } from '../../crypto/bls/bls.js';
import { AmountError, BadRateError, BadSignatureError, MissingRateError, RateMoveTooLargeError, SettlementOptionsError, UnknownCurrencyError } from '../errors.js';
import { DEFAULT_SETTLEMENT_PERIOD_OPTIONS } from '../settlement-period.js';
import {
  add, compare, convertMinorUnits, DEFAULT_CONVERSION_FEE, encodeFxRateSet, formatRational, FxRateBook, fxPolicy, mul, parseDecimal,
  rateBetween, rational, roundHalfEven, signFxRateSet, sub, type FxRateSet, type Rational,
} from './index.js';

const HALF = rational(1n, 2n);

describe('rationals', () => {
  it('round half to even, exactly', () => {
    const r = (n: bigint, d: bigint): bigint => roundHalfEven(rational(n, d));
    expect([r(5n, 2n), r(7n, 2n), r(-5n, 2n), r(-7n, 2n), r(1n, 3n), r(2n, 3n), r(-2n, 3n), r(0n, 1n)]).toEqual([2n, 4n, -2n, -4n, 0n, 1n, -1n, 0n]);
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 80n), max: 1n << 80n }), fc.bigInt({ min: 1n, max: 1n << 40n }), (n, d) => {
        const q = rational(n, d);
        const x = roundHalfEven(q);
        expect(compare(sub(q, rational(x)), HALF) <= 0 && compare(sub(rational(x), q), HALF) <= 0).toBe(true);
      }),
    );
  });

  it('parses and formats decimals without floats', () => {
    expect(parseDecimal('1.0845')).toEqual({ num: 2169n, den: 2000n });
    expect(formatRational(parseDecimal('1.0845'))).toBe('1.0845');
    expect(formatRational(rational(1n, 3n))).toBe('1/3');
    expect(() => parseDecimal('1e3')).toThrow(BadRateError);
    expect(() => rational(1n, 0n)).toThrow(BadRateError);
  });
});

describe('currency conversion', () => {
  it('converts minor units with the stated rounding and fee', () => {
    // 100.00 EUR at 1.0845 USD/EUR = 108.45 USD; fee 0.15 % of 10845 = 16.2675 → 16; net 10829.
    const c = convertMinorUnits(10_000n, 'EUR', 'USD', parseDecimal('1.0845'));
    expect([c.gross, c.fee, c.net]).toEqual([10_845n, 16n, 10_829n]);
    expect(c.residue).toEqual(rational(0n));
    // Exponents: 1.00 EUR at 0.8 XDR/EUR is 0.800000 XDR (6 decimals).
    expect(convertMinorUnits(100n, 'EUR', 'XDR', parseDecimal('0.8')).gross).toBe(800_000n);
    // XDR → INR: 0.000001 XDR at 110.123 INR/XDR = 0.000110123 INR → 0 paise, residue 0.0110123.
    const tiny = convertMinorUnits(1n, 'XDR', 'INR', parseDecimal('110.123'));
    expect(tiny.gross).toBe(0n);
    expect(tiny.residue).toEqual(parseDecimal('0.0110123'));
    // Ties go to even: 0.5 → 0, 1.5 → 2 (at a rate of 1/2 between equal exponents).
    expect(convertMinorUnits(1n, 'EUR', 'GBP', HALF).gross).toBe(0n);
    expect(convertMinorUnits(3n, 'EUR', 'GBP', HALF).gross).toBe(2n);
    // The same currency: no rate but 1, no fee.
    expect(convertMinorUnits(12_345n, 'SGD', 'SGD', rational(1n)).net).toBe(12_345n);
    expect(() => convertMinorUnits(1n, 'SGD', 'SGD', HALF)).toThrow(BadRateError);
    expect(() => convertMinorUnits(1n << 96n, 'EUR', 'USD', HALF)).toThrow(AmountError);
    expect(() => convertMinorUnits(1n, 'EUR', 'USD', rational(0n))).toThrow(BadRateError);
    expect(() => convertMinorUnits(1n, 'EUR', 'USD', HALF, rational(1n))).toThrow(BadRateError);
  });

  const currency = fc.constantFrom(...CURRENCIES);
  const rate = fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 12n })).map(([n, d]) => rational(n, d));
  const fee = fc.oneof(fc.constant(DEFAULT_CONVERSION_FEE), fc.bigInt({ min: 0n, max: 9_999n }).map((n) => rational(n, 10_000n)));

  it('accounts for every minor unit: net + fee = gross, gross + residue = exact', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), currency, currency, rate, fee, (amount, from, to, r0, f) => {
        const r = from === to ? rational(1n) : r0;
        const c = convertMinorUnits(amount, from, to, r, f);
        // The exact value, recomputed independently.
        const exact = rational(amount * r.num * 10n ** BigInt(currencyExponent(to)), r.den * 10n ** BigInt(currencyExponent(from)));
        expect(c.exact).toEqual(exact);
        expect(add(rational(c.gross), c.residue)).toEqual(exact);
        expect(compare(c.residue, HALF) <= 0 && compare(c.residue, rational(-1n, 2n)) >= 0).toBe(true);
        expect(c.net + c.fee).toBe(c.gross);
        // The fee is the exact fee on the gross, within half a unit, with the gross's sign.
        const exactFee = mul(rational(c.gross), c.feeRate);
        expect(compare(sub(rational(c.fee), exactFee), HALF) <= 0 && compare(sub(exactFee, rational(c.fee)), HALF) <= 0).toBe(true);
        expect(c.fee === 0n || c.fee > 0n === c.gross > 0n).toBe(true);
      }),
      { numRuns: 3_000 },
    );
  });

  it('sums of fees and nets equal the sum of grosses over many conversions', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { minLength: 1, maxLength: 50 }), rate, (amounts, r) => {
        const cs = amounts.map((a) => convertMinorUnits(a, 'INR', 'EUR', r));
        const sum = (f: (c: (typeof cs)[number]) => bigint): bigint => cs.reduce((s, c) => s + f(c), 0n);
        expect(sum((c) => c.net) + sum((c) => c.fee)).toBe(sum((c) => c.gross));
      }),
    );
  });
});

describe('rate sets signed by publishers', () => {
  const keys = [1, 2, 3, 4].map((i) => blsKeyPairFromSeed(new Uint8Array(32).fill(i)));
  const policy = fxPolicy({ publishers: keys.map((k) => k.publicKey), overrideThreshold: 3 });
  const CHAIN = 'ab'.repeat(32);
  const set = (periodId: string, rates: Record<string, string>, override = false): FxRateSet => ({
    chain: CHAIN,
    periodId,
    base: 'XDR',
    override,
    rates: new Map(Object.entries(rates).map(([c, r]) => [c as Currency, parseDecimal(r)])),
  });
  const sign = (s: FxRateSet, who: number[]) => ({ set: s, signatures: who.map((i) => signFxRateSet(s, i, keys[i]!.secretKey)) });
  const NOV = { EUR: '0.86', GBP: '0.98', USD: '0.74', SGD: '0.57', INR: '0.0088' };

  it('validates its policy', () => {
    expect(policy.overrideThreshold).toBe(3);
    expect(fxPolicy({ publishers: keys.map((k) => k.publicKey) }).overrideThreshold).toBe(3);
    expect(() => fxPolicy({ publishers: [] })).toThrow(SettlementOptionsError);
    expect(() => fxPolicy({ publishers: [keys[0]!.publicKey, keys[0]!.publicKey] })).toThrow(/twice/);
    expect(() => fxPolicy({ publishers: [new Uint8Array(48)] })).toThrow(/not a valid BLS/);
    expect(() => fxPolicy({ publishers: [keys[0]!.publicKey], overrideThreshold: 2 })).toThrow(SettlementOptionsError);
    expect(() => fxPolicy({ publishers: [keys[0]!.publicKey], base: 'JPY' as Currency })).toThrow(UnknownCurrencyError);
  });

  it('accepts a signed set and converts with cross rates', () => {
    const book = new FxRateBook(policy, DEFAULT_SETTLEMENT_PERIOD_OPTIONS, CHAIN);
    expect(book.publish(sign(set('2026-11', NOV), [2])).signers).toEqual([2]);
    const s = book.ratesFor('2026-11');
    expect(rateBetween(s, 'EUR', 'XDR')).toEqual(parseDecimal('0.86'));
    expect(rateBetween(s, 'EUR', 'GBP')).toEqual(rational(86n, 98n));
    // 100.00 EUR → XDR: 86.000000 XDR, fee 0.129000.
    const c = book.convert('2026-11', 10_000n, 'EUR', 'XDR');
    expect([c.gross, c.fee, c.net]).toEqual([86_000_000n, 129_000n, 85_871_000n]);
    expect(() => book.convert('2026-12', 1n, 'EUR', 'XDR')).toThrow(MissingRateError);
    expect(() => book.convert('2026-11', 1n, 'JPY', 'XDR')).toThrow(UnknownCurrencyError);
    const partial = new FxRateBook(policy, DEFAULT_SETTLEMENT_PERIOD_OPTIONS, CHAIN);
    partial.publish(sign(set('2026-11', { EUR: '0.86' }), [0]));
    expect(() => partial.convert('2026-11', 1n, 'INR', 'XDR')).toThrow(MissingRateError);
  });

  it('refuses bad signatures, non-publishers, replays on another chain and stale periods', () => {
    const book = new FxRateBook(policy, DEFAULT_SETTLEMENT_PERIOD_OPTIONS, CHAIN);
    const good = sign(set('2026-11', NOV), [0]);
    const forged = { set: set('2026-11', { ...NOV, EUR: '0.87' }), signatures: good.signatures };
    expect(() => book.publish(forged)).toThrow(BadSignatureError);
    const outsider = blsKeyPairFromSeed(new Uint8Array(32).fill(9));
    expect(() => book.publish({ set: good.set, signatures: [{ publisher: 7, signature: blsSign(outsider.secretKey, encodeFxRateSet(good.set)) }] })).toThrow(/not a designated/);
    expect(() => book.publish({ set: good.set, signatures: [{ publisher: 1, signature: good.signatures[0]!.signature }] })).toThrow(BadSignatureError);
    expect(() => book.publish({ set: good.set, signatures: [...good.signatures, ...good.signatures] })).toThrow(/twice/);
    expect(() => book.publish({ set: good.set, signatures: [] })).toThrow(/needs 1/);
    const elsewhere = new FxRateBook(policy, DEFAULT_SETTLEMENT_PERIOD_OPTIONS, 'cd'.repeat(32));
    expect(() => elsewhere.publish(good)).toThrow(BadSignatureError);
    expect(() => book.publish(sign(set('2026-11', { JPY: '0.006' }), [0]))).toThrow(UnknownCurrencyError);
    expect(() => book.publish(sign(set('2026-11', { XDR: '1' }), [0]))).toThrow(BadRateError);
    expect(() => book.ratesFor('2026-11')).toThrow(MissingRateError); // nothing was accepted
    book.publish(good);
    expect(() => book.publish(sign(set('2026-11', NOV), [1]))).toThrow(/not after/);
    expect(() => book.publish(sign(set('2026-10', NOV), [1]))).toThrow(/not after/);
  });

  it('refuses a move of more than 10 % unless k-of-n publishers sign an override', () => {
    const book = new FxRateBook(policy, DEFAULT_SETTLEMENT_PERIOD_OPTIONS, CHAIN);
    book.publish(sign(set('2026-11', NOV), [0]));
    // Exactly 10 % is allowed: 0.86 · 1.1 = 0.946.
    book.publish(sign(set('2026-12', { ...NOV, EUR: '0.946' }), [0]));
    const jump = set('2027-01', { ...NOV, EUR: '0.946', INR: '0.00791' }); // −10.11 %
    let err: unknown;
    try {
      book.publish(sign(jump, [0, 1, 2, 3]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RateMoveTooLargeError);
    expect((err as RateMoveTooLargeError).currency).toBe('INR');
    const override = { ...jump, override: true };
    expect(() => book.publish(sign(override, [0, 1]))).toThrow(/override needs 3/);
    expect(book.publish(sign(override, [0, 2, 3])).signers).toEqual([0, 2, 3]);
    expect(book.ratesFor('2027-01').rates.get('INR')).toEqual(parseDecimal('0.00791'));
  });
});
