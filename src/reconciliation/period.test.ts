import { describe, expect, it } from 'vitest';
import { PeriodOutOfRangeError, ReconciliationInputError } from './errors.js';
import { formatOperatorPair, parseOperatorPair, sideOf } from './pair.js';
import { batchPeriod, calendarMonthBounds, calendarMonthOf, formatCalendarMonth, monthFromIndex, monthIndex, parseCalendarMonth } from './period.js';

describe('calendar month periods (UTC)', () => {
  it('agrees with Date.UTC on every month boundary from 2000 to 2100, and one second either side', () => {
    for (let year = 2000; year <= 2100; year++) {
      for (let month = 1; month <= 12; month++) {
        const start = Date.UTC(year, month - 1, 1) / 1000;
        expect(calendarMonthBounds({ year, month }).start).toBe(start);
        expect(calendarMonthOf(start)).toEqual({ year, month });
        expect(calendarMonthOf(start - 1)).toEqual(month === 1 ? { year: year - 1, month: 12 } : { year, month: month - 1 });
        expect(batchPeriod(BigInt(start) + 86_399n)).toEqual({ year, month });
      }
    }
    expect(calendarMonthBounds({ year: 2024, month: 2 })).toEqual({ start: Date.UTC(2024, 1, 1) / 1000, end: Date.UTC(2024, 2, 1) / 1000 });
  });

  it('parses and formats YYYY-MM, refusing anything else with a reason', () => {
    expect(parseCalendarMonth('2026-11')).toEqual({ year: 2026, month: 11 });
    expect(formatCalendarMonth({ year: 2026, month: 1 })).toBe('2026-01');
    for (const bad of ['2026-13', '2026-00', '2026-1', '26-11', '1999-12', '2026/11', '2026-11-01', '', 'x'.repeat(100)]) {
      expect(() => parseCalendarMonth(bad), bad).toThrow(ReconciliationInputError);
    }
    expect(monthFromIndex(monthIndex({ year: 2026, month: 12 }))).toEqual({ year: 2026, month: 12 });
  });

  it('refuses batch periods outside 2000-9999', () => {
    expect(() => batchPeriod(0n)).toThrow(PeriodOutOfRangeError);
    expect(() => batchPeriod(2n ** 63n)).toThrow(PeriodOutOfRangeError);
  });
});

describe('operator pairs', () => {
  it('are unordered: either order names the same pair, lower PLMN id first', () => {
    expect(parseOperatorPair('23415-20801')).toEqual({ a: 20801, b: 23415 });
    expect(formatOperatorPair(parseOperatorPair('23415-20801'))).toBe('20801-23415');
    expect(sideOf(parseOperatorPair('20801-23415'), 23415)).toBe('b');
    expect(sideOf(parseOperatorPair('20801-23415'), 26201)).toBeUndefined();
  });
  it('refuse what is not two different PLMN ids', () => {
    for (const bad of ['20801-20801', '20801', '20801-', '12345-23415', '20801_23415', '20801-23415-26201', '208011234-23415']) {
      expect(() => parseOperatorPair(bad), bad).toThrow(ReconciliationInputError);
    }
  });
});
