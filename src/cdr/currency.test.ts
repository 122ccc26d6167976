import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CURRENCIES,
  CURRENCY_INFO,
  currencyExponent,
  currencyFromNumeric,
  currencyNumeric,
  formatMinorUnits,
  isCurrency,
  parseCurrency,
  parseMinorUnits,
} from './currency.js';
import { CdrValueError } from './errors.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof CdrValueError) return e.code;
    throw e;
  }
  return undefined;
}

describe('currency table', () => {
  it('has the ISO 4217 numeric codes and exponents', () => {
    expect(CURRENCIES.map((c) => [c, currencyNumeric(c), currencyExponent(c)])).toEqual([
      ['EUR', 978, 2],
      ['GBP', 826, 2],
      ['USD', 840, 2],
      ['SGD', 702, 2],
      ['INR', 356, 2],
      ['XDR', 960, 6],
    ]);
  });
  it('maps numeric codes back', () => {
    for (const c of CURRENCIES) expect(currencyFromNumeric(CURRENCY_INFO[c].numeric)).toBe(c);
    expect(codeOf(() => currencyFromNumeric(392))).toBe('unknown_value');
  });
  it('parses only supported alphabetic codes', () => {
    expect(parseCurrency('EUR')).toBe('EUR');
    expect(isCurrency('eur')).toBe(false);
    expect(isCurrency('toString')).toBe(false);
    expect(codeOf(() => parseCurrency('JPY'))).toBe('unknown_value');
  });
});

describe('parseMinorUnits', () => {
  it('converts exactly', () => {
    expect(parseMinorUnits('12.34', 'EUR')).toBe(1234n);
    expect(parseMinorUnits('12', 'EUR')).toBe(1200n);
    expect(parseMinorUnits('12.3', 'GBP')).toBe(1230n);
    expect(parseMinorUnits('0.05', 'USD')).toBe(5n);
    expect(parseMinorUnits('-0.05', 'USD')).toBe(-5n);
    expect(parseMinorUnits('1.500', 'EUR')).toBe(150n); // trailing zeros carry no precision
    expect(parseMinorUnits('9999999999.99', 'EUR')).toBe(999999999999n);
  });
  it('has no floating-point drift: 0.1 + 0.2 = 0.3', () => {
    expect(0.1 + 0.2).not.toBe(0.3); // the trap we avoid
    expect(parseMinorUnits('0.1', 'EUR') + parseMinorUnits('0.2', 'EUR')).toBe(parseMinorUnits('0.3', 'EUR'));
    expect(parseMinorUnits('1.15', 'EUR')).toBe(115n); // 1.15 * 100 = 114.99999999999999 in floats
    expect(parseMinorUnits('4.35', 'EUR')).toBe(435n); // 4.35 * 100 = 434.99999999999994
  });
  it('rejects excess precision instead of rounding', () => {
    expect(codeOf(() => parseMinorUnits('1.005', 'EUR'))).toBe('precision');
    expect(codeOf(() => parseMinorUnits('0.001', 'INR'))).toBe('precision');
    expect(codeOf(() => parseMinorUnits('1.2345671', 'XDR'))).toBe('precision');
  });
  it('uses each currency exponent (INR 2, XDR 6)', () => {
    expect(parseMinorUnits('12.34', 'INR')).toBe(1234n);
    expect(parseMinorUnits('1.234567', 'XDR')).toBe(1234567n);
    expect(parseMinorUnits('0.000001', 'XDR')).toBe(1n);
    expect(parseMinorUnits('1', 'XDR')).toBe(1000000n);
  });
  it.each(['', '.5', '1.', '1,00', '+1', '1e3', ' 1', '1 ', 'NaN', '--1', '0x10', '١٢'])('rejects format %j', (s) => {
    expect(codeOf(() => parseMinorUnits(s, 'EUR'))).toBe('format');
  });
  it('matches a pure-bigint reference on random decimals', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CURRENCIES),
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.nat({ max: 6 }),
        fc.bigInt({ min: 0n, max: 999999n }),
        (cur, int, fdig, fracRaw) => {
          const exp = currencyExponent(cur);
          const frac = fdig === 0 ? '' : (fracRaw % 10n ** BigInt(fdig)).toString().padStart(fdig, '0');
          const s = frac === '' ? int.toString() : `${int}.${frac}`;
          if (fdig > exp && !/^0*$/.test(frac.slice(exp))) {
            expect(codeOf(() => parseMinorUnits(s, cur))).toBe('precision');
          } else {
            const ref = int * 10n ** BigInt(exp) + BigInt((frac.slice(0, exp) || '0').padEnd(exp, '0'));
            expect(parseMinorUnits(s, cur)).toBe(ref);
          }
        },
      ),
    );
  });
});

describe('formatMinorUnits', () => {
  it('formats with exactly the exponent decimals', () => {
    expect(formatMinorUnits(1234n, 'EUR')).toBe('12.34');
    expect(formatMinorUnits(5n, 'EUR')).toBe('0.05');
    expect(formatMinorUnits(0n, 'GBP')).toBe('0.00');
    expect(formatMinorUnits(-5n, 'USD')).toBe('-0.05');
    expect(formatMinorUnits(1n, 'XDR')).toBe('0.000001');
    expect(formatMinorUnits(10n ** 12n, 'INR')).toBe('10000000000.00');
  });
  it('round-trips with parseMinorUnits', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CURRENCIES), fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), (cur, v) => {
        expect(parseMinorUnits(formatMinorUnits(v, cur), cur)).toBe(v);
      }),
    );
  });
});
