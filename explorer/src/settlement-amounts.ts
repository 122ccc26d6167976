// Settlement amounts as people read them: the node sends minor units of the settlement currency as
// decimal strings (up to 2^96, beyond a double's exact range); the currency's ISO 4217 exponent
// (src/cdr/currency.ts, the node's own table) places the decimal point, digit by digit, no floats.
import { formatMinorUnits, isCurrency } from '../../src/cdr/currency.js';

const MINOR = /^[0-9]{1,30}$/;

/**
 * "0.850000 XDR" for "850000" in XDR (exponent 6); a currency the explorer does not know keeps its
 * minor units ("850000 minor units of ABC"), and text that is not a digit string is shown as sent.
 */
export function amountText(minor: string, currency: string): string {
  if (!MINOR.test(minor)) return minor;
  if (!isCurrency(currency)) return `${minor} minor units of ${currency}`;
  return `${groupThousands(formatMinorUnits(BigInt(minor), currency))} ${currency}`;
}

/** "1234567.25" → "1,234,567.25": separators in the integer part only (the decimals stay exact). */
function groupThousands(decimal: string): string {
  const [whole = '', fraction] = decimal.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}
