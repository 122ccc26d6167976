// The explorer's period stepping, checked against the node's own rule (src/settlement/settlement-period.ts).
import { describe, expect, it } from 'vitest';
import { PeriodFormatError } from '../../src/settlement/errors.js';
import { parsePeriodId, periodContaining, settlementPeriodOptions } from '../../src/settlement/settlement-period.js';
import { gridFromRefusal, gridOf, periodBefore, periodIdAt, rateDecimal } from './settlement-periods.js';

describe('settlement periods as the explorer steps through them', () => {
  it('names the period containing an instant and the ones before it as the node does (months, weeks, 10-day periods)', () => {
    const rules = [settlementPeriodOptions(), settlementPeriodOptions({ rule: 'weekly' }), settlementPeriodOptions({ rule: { days: 10, anchorSeconds: Date.UTC(2026, 0, 5) / 1000 } })];
    for (const opts of rules) {
      for (const ms of [Date.UTC(2026, 0, 1), Date.UTC(2026, 11, 4, 18, 30), Date.UTC(2024, 1, 29, 23, 59, 59), Date.UTC(2027, 2, 1)]) {
        const node = periodContaining(opts, Math.floor(ms / 1000));
        const grid = gridOf(node.id)!;
        expect(periodIdAt(grid, ms)).toBe(node.id);
        // Twelve steps back, each the node's period ending where the later one starts.
        let id = node.id;
        for (let i = 0; i < 12; i++) {
          const before = periodBefore(id)!;
          const p = parsePeriodId(opts, before);
          expect(p.endSeconds).toBe(parsePeriodId(opts, id).startSeconds);
          id = before;
        }
        expect(periodBefore(node.id, 12)).toBe(id);
      }
    }
  });

  it("reads an N-day rule from the node's refusal of a month id", () => {
    const weekly = settlementPeriodOptions({ rule: 'weekly' });
    const refusal = (id: string): string => {
      try {
        parsePeriodId(weekly, id);
      } catch (err) {
        if (err instanceof PeriodFormatError) return err.message;
      }
      throw new Error(`${id} was taken`);
    };
    expect(gridFromRefusal(refusal('2026-12'))).toEqual({ days: 7 });
    const anchored = gridFromRefusal(refusal('2026-12-04+7d'))!;
    expect(anchored.days).toBe(7);
    expect(periodIdAt({ kind: 'days', days: 7, anchorMs: anchored.anchorMs! }, Date.UTC(2026, 11, 4))).toBe(periodContaining(weekly, Date.UTC(2026, 11, 4) / 1000).id);
    expect(gridFromRefusal('something else')).toBeUndefined();
  });

  it('writes rates as exact decimals when they are, rounded and marked when not', () => {
    expect(rateDecimal('23/20')).toEqual({ text: '1.15', exact: true });
    expect(rateDecimal('150/100')).toEqual({ text: '1.5', exact: true });
    expect(rateDecimal('10/1')).toEqual({ text: '10', exact: true });
    expect(rateDecimal('3/4')).toEqual({ text: '0.75', exact: true });
    expect(rateDecimal('1/3')).toEqual({ text: '0.3333333333', exact: false });
    expect(rateDecimal('2/3', 4)).toEqual({ text: '0.6667', exact: false });
    expect(rateDecimal(`${(1n << 100n) + 7n}/1`)).toEqual({ text: ((1n << 100n) + 7n).toString(), exact: true });
    expect(rateDecimal('1/0').exact).toBe(false);
  });
});
