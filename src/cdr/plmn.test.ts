import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CdrValueError } from './errors.js';
import {
  CONSORTIUM_PLMNS,
  OPERATORS,
  countryOfPlmn,
  formatPlmn,
  homeCurrencyOf,
  isValidPlmn,
  operatorInfo,
  parsePlmn,
  plmnMcc,
  plmnMnc,
} from './plmn.js';

describe('PLMN ids', () => {
  it('round-trips 5- and 6-digit ids', () => {
    expect(parsePlmn('26201')).toBe(26201);
    expect(parsePlmn('310260')).toBe(310260);
    expect(formatPlmn(26201)).toBe('26201');
    expect(formatPlmn(310260)).toBe('310260');
    expect(formatPlmn(parsePlmn('405840'))).toBe('405840');
  });
  it('keeps 2- and 3-digit MNCs apart (26201 vs 262001)', () => {
    expect(parsePlmn('262001')).not.toBe(parsePlmn('26201'));
    expect(plmnMnc(26201)).toBe('01');
    expect(plmnMnc(262001)).toBe('001');
    expect(plmnMcc(26201)).toBe(262);
    expect(plmnMcc(262001)).toBe(262);
    expect(plmnMcc(310260)).toBe(310);
  });
  it.each(['2620', '2620100', '02620', '12345', '82345', '26a01', ' 26201', '26201 ', '', '2.6201', '-26201'])(
    'rejects %j',
    (s) => {
      expect(() => parsePlmn(s)).toThrow(CdrValueError);
    },
  );
  it('validates integers by range', () => {
    for (const ok of [20000, 79999, 200000, 799999, 26201, 310260]) expect(isValidPlmn(ok)).toBe(true);
    for (const bad of [19999, 80000, 99999, 100000, 199999, 800000, 26201.5, -26201, NaN]) expect(isValidPlmn(bad)).toBe(false);
    expect(() => formatPlmn(12345)).toThrow(CdrValueError);
  });
  it('parse(format(n)) = n for every valid id', () => {
    const arb = fc.oneof(fc.integer({ min: 20000, max: 79999 }), fc.integer({ min: 200000, max: 799999 }));
    fc.assert(fc.property(arb, (n) => parsePlmn(formatPlmn(n)) === n));
  });
});

describe('operator reference data', () => {
  it('lists the consortium with consistent MCC/MNC', () => {
    expect(CONSORTIUM_PLMNS).toEqual([26201, 26202, 23415, 23410, 20801, 20810, 310260, 310410, 52501, 52505, 40445, 405840]);
    for (const o of OPERATORS) {
      expect(formatPlmn(o.plmn)).toBe(`${o.mcc}${o.mnc}`);
      expect(countryOfPlmn(o.plmn)?.country).toBe(o.country);
    }
    expect(new Set(OPERATORS.map((o) => o.plmn)).size).toBe(OPERATORS.length);
  });
  it('knows names, countries and home currencies', () => {
    expect(operatorInfo(26201)?.name).toBe('Telekom Deutschland');
    expect(operatorInfo(310260)?.name).toBe('T-Mobile US');
    expect(homeCurrencyOf(23415)).toBe('GBP');
    expect(homeCurrencyOf(20810)).toBe('EUR');
    expect(homeCurrencyOf(310410)).toBe('USD');
    expect(homeCurrencyOf(52505)).toBe('SGD');
    expect(homeCurrencyOf(405840)).toBe('INR');
    expect(() => homeCurrencyOf(72405)).toThrow(CdrValueError); // Brazil: not in the table
  });
});
