// The explorer's settlement amounts, against the node's exact minor-unit parser (src/cdr/currency.ts).
import { describe, expect, it } from 'vitest';
import { parseMinorUnits } from '../../src/cdr/currency.js';
import { amountText } from './settlement-amounts.js';

describe('settlement amounts in the explorer', () => {
  it("places the decimal point by the currency's exponent, exactly, with separators in the integer part", () => {
    expect(amountText('850000', 'XDR')).toBe('0.850000 XDR');
    expect(amountText('1150001', 'XDR')).toBe('1.150001 XDR');
    expect(amountText('0', 'XDR')).toBe('0.000000 XDR');
    expect(amountText('7', 'EUR')).toBe('0.07 EUR');
    expect(amountText('123456789', 'EUR')).toBe('1,234,567.89 EUR');
    // The largest amount a transfer carries (below 2^96): every digit kept, no float rounding.
    const max = (2n ** 96n - 1n).toString();
    const text = amountText(max, 'XDR');
    expect(text).toBe('79,228,162,514,264,337,593,543.950335 XDR');
    expect(parseMinorUnits(text.replace(/,/g, '').replace(' XDR', ''), 'XDR').toString()).toBe(max);
  });

  it('keeps minor units for a currency it does not know, and shows anything else as sent', () => {
    expect(amountText('850000', 'ABC')).toBe('850000 minor units of ABC');
    expect(amountText('-5', 'EUR')).toBe('-5');
    expect(amountText('1e6', 'EUR')).toBe('1e6');
  });
});
