// Settlement currencies and exact decimal <-> minor-unit conversion. Money never touches floating
// point: amounts are bigint minor units, and text is converted digit by digit.
import { CdrValueError } from './errors.js';

export type Currency = 'EUR' | 'GBP' | 'USD' | 'SGD' | 'INR' | 'XDR';

export interface CurrencyInfo {
  readonly code: Currency;
  /** ISO 4217 numeric code (what the flatbuffers wire format carries). */
  readonly numeric: number;
  /** Decimal places of the minor unit: 1 major = 10^exponent minor. */
  readonly exponent: number;
  readonly name: string;
}

// ISO 4217 lists XDR's minor unit as "N.A."; wholesale roaming (TAP) quotes SDR with several
// decimals, so we fix 6 (micro-SDR), which also matches the IMF's 6-decimal SDR valuations.
export const CURRENCY_INFO: Readonly<Record<Currency, CurrencyInfo>> = {
  EUR: { code: 'EUR', numeric: 978, exponent: 2, name: 'Euro' },
  GBP: { code: 'GBP', numeric: 826, exponent: 2, name: 'Pound sterling' },
  USD: { code: 'USD', numeric: 840, exponent: 2, name: 'US dollar' },
  SGD: { code: 'SGD', numeric: 702, exponent: 2, name: 'Singapore dollar' },
  INR: { code: 'INR', numeric: 356, exponent: 2, name: 'Indian rupee' },
  XDR: { code: 'XDR', numeric: 960, exponent: 6, name: 'Special drawing right (IMF)' },
};

export const CURRENCIES: readonly Currency[] = Object.freeze(
  Object.keys(CURRENCY_INFO) as Currency[],
);

const BY_NUMERIC: ReadonlyMap<number, Currency> = new Map(
  CURRENCIES.map((c) => [CURRENCY_INFO[c].numeric, c] as const),
);

export function isCurrency(s: unknown): s is Currency {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(CURRENCY_INFO, s);
}

/** Alphabetic ISO code -> Currency (exact, upper case). */
export function parseCurrency(s: string): Currency {
  if (!isCurrency(s)) throw new CdrValueError('unknown_value', `unsupported currency "${s}"`);
  return s;
}

export function currencyNumeric(c: Currency): number {
  return CURRENCY_INFO[c].numeric;
}

/** ISO 4217 numeric code -> Currency (for decoding the wire format). */
export function currencyFromNumeric(n: number): Currency {
  const c = BY_NUMERIC.get(n);
  if (c === undefined) throw new CdrValueError('unknown_value', `unsupported ISO 4217 numeric code ${n}`);
  return c;
}

export function currencyExponent(c: Currency): number {
  return CURRENCY_INFO[c].exponent;
}

// "12", "12.3", "12.34", "-0.5", ".5" is rejected (a leading digit keeps the grammar unambiguous).
const DECIMAL_RE = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Decimal string in major units -> integer minor units, exactly: "12.34" EUR -> 1234n.
 * Trailing zeros beyond the exponent are accepted ("1.500" EUR = 150n); any non-zero excess digit
 * is a 'precision' error ("1.005" EUR), never silently rounded.
 */
export function parseMinorUnits(s: string, currency: Currency): bigint {
  const m = DECIMAL_RE.exec(s);
  if (m === null) throw new CdrValueError('format', `"${s}" is not a decimal amount`);
  const exp = CURRENCY_INFO[currency].exponent;
  const neg = m[1] === '-';
  const intPart = m[2] ?? '0';
  let frac = m[3] ?? '';
  if (frac.length > exp) {
    if (!/^0*$/.test(frac.slice(exp))) {
      throw new CdrValueError('precision', `"${s}" has more than ${exp} decimals for ${currency}`);
    }
    frac = frac.slice(0, exp);
  }
  const minor = BigInt(intPart + frac.padEnd(exp, '0'));
  return neg ? -minor : minor;
}

/** Integer minor units -> decimal string with exactly `exponent` decimals: 1234n EUR -> "12.34". */
export function formatMinorUnits(minor: bigint, currency: Currency): string {
  const exp = CURRENCY_INFO[currency].exponent;
  const neg = minor < 0n;
  const digits = (neg ? -minor : minor).toString();
  if (exp === 0) return neg ? '-' + digits : digits;
  const padded = digits.padStart(exp + 1, '0');
  const out = padded.slice(0, padded.length - exp) + '.' + padded.slice(padded.length - exp);
  return neg ? '-' + out : out;
}
