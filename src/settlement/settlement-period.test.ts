import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { monthIndex } from '../reconciliation/period.js';
import { PeriodClosedError, PeriodFormatError, SettlementOptionsError } from './errors.js';
import {
  assertPeriodOpen, assertRecordAccepted, closingBlock, DEFAULT_GRACE_SECONDS, DEFAULT_SETTLEMENT_PERIOD_OPTIONS, firstOpenMonth, isPeriodClosed,
  nextPeriod, parsePeriodId, periodContaining, settlementPeriodOptions,
} from './settlement-period.js';

const sec = (iso: string): number => Date.parse(iso) / 1000;
const monthly = DEFAULT_SETTLEMENT_PERIOD_OPTIONS;

describe('settlement periods', () => {
  it('defaults to calendar months (UTC) with a three-day grace', () => {
    expect(monthly.rule).toEqual({ kind: 'calendar-month' });
    expect(monthly.graceSeconds).toBe(DEFAULT_GRACE_SECONDS);
    const p = periodContaining(monthly, sec('2026-11-30T23:59:59Z'));
    expect(p.id).toBe('2026-11');
    expect(p.startSeconds).toBe(sec('2026-11-01T00:00:00Z'));
    expect(p.endSeconds).toBe(sec('2026-12-01T00:00:00Z'));
    expect(p.closesAtMs).toBe(BigInt(Date.parse('2026-12-04T00:00:00Z')));
    expect(periodContaining(monthly, sec('2026-12-01T00:00:00Z')).id).toBe('2026-12');
    expect(nextPeriod(monthly, periodContaining(monthly, sec('2026-12-15T00:00:00Z'))).id).toBe('2027-01');
    expect(periodContaining(monthly, sec('2028-02-29T12:00:00Z')).endSeconds).toBe(sec('2028-03-01T00:00:00Z'));
  });

  it('cuts weekly (Monday to Sunday), daily and N-day periods', () => {
    const weekly = settlementPeriodOptions({ rule: 'weekly', graceSeconds: 3600 });
    const w = periodContaining(weekly, sec('2026-12-04T04:00:00Z')); // a Friday
    expect(w.id).toBe('2026-11-30+7d');
    expect(new Date(w.startSeconds * 1000).getUTCDay()).toBe(1);
    expect(w.endSeconds - w.startSeconds).toBe(7 * 86_400);
    expect(w.closesAtMs).toBe(BigInt((w.endSeconds + 3600) * 1000));
    const daily = settlementPeriodOptions({ rule: 'daily' });
    expect(periodContaining(daily, sec('2026-12-04T23:59:59Z')).id).toBe('2026-12-04+1d');
    const tenDays = settlementPeriodOptions({ rule: { days: 10, anchorSeconds: sec('2026-01-01T00:00:00Z') } });
    expect(periodContaining(tenDays, sec('2026-01-11T00:00:00Z')).id).toBe('2026-01-11+10d');
    expect(periodContaining(tenDays, sec('2025-12-31T00:00:00Z')).id).toBe('2025-12-22+10d');
  });

  it('periods tile time: every second is in exactly one, ids round-trip', () => {
    const rules = fc.oneof(
      fc.constant(monthly),
      fc.integer({ min: 1, max: 40 }).map((days) => settlementPeriodOptions({ rule: { days } })),
    );
    fc.assert(
      fc.property(rules, fc.integer({ min: sec('2000-02-01T00:00:00Z'), max: sec('2100-01-01T00:00:00Z') }), (o, t) => {
        const p = periodContaining(o, t);
        expect(p.startSeconds <= t && t < p.endSeconds).toBe(true);
        expect(parsePeriodId(o, p.id)).toEqual(p);
        const n = nextPeriod(o, p);
        expect(n.startSeconds).toBe(p.endSeconds);
        expect(periodContaining(o, p.startSeconds - 1).endSeconds).toBe(p.startSeconds);
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses malformed or off-grid period ids', () => {
    for (const bad of ['2026-13', '2026-1', '1999-12', 'x', '2026-11-30+7d']) expect(() => parsePeriodId(monthly, bad)).toThrow(PeriodFormatError);
    const weekly = settlementPeriodOptions({ rule: 'weekly' });
    for (const bad of ['2026-12-01+7d', '2026-11-30+6d', '2026-11', '2026-02-30+7d']) expect(() => parsePeriodId(weekly, bad)).toThrow(PeriodFormatError);
    expect(parsePeriodId(weekly, '2026-11-30+7d').startSeconds).toBe(sec('2026-11-30T00:00:00Z'));
  });

  it('validates and freezes its options', () => {
    const o = settlementPeriodOptions({ rule: { days: 14 } });
    expect(Object.isFrozen(o) && Object.isFrozen(o.rule)).toBe(true);
    expect(() => settlementPeriodOptions({ graceSeconds: -1 })).toThrow(SettlementOptionsError);
    expect(() => settlementPeriodOptions({ graceSeconds: 1.5 })).toThrow(SettlementOptionsError);
    expect(() => settlementPeriodOptions({ graceSeconds: 91 * 86_400 })).toThrow(SettlementOptionsError);
    expect(() => settlementPeriodOptions({ rule: { days: 0 } })).toThrow(SettlementOptionsError);
    expect(() => settlementPeriodOptions({ rule: { days: 7, anchorSeconds: sec('2026-01-01T01:00:00Z') } })).toThrow(SettlementOptionsError);
    expect(() => settlementPeriodOptions({ rule: 'hourly' as 'daily' })).toThrow(/rule must be/);
  });

  it('closes at the first block at or after end + grace, and then refuses the period\'s records', () => {
    const p = periodContaining(monthly, sec('2026-11-15T00:00:00Z'));
    const close = p.closesAtMs;
    const blocks = [close - 1000n, close - 1n, close, close + 500n].map((timestampMs, i) => ({ height: 100 + i, timestampMs }));
    expect(closingBlock(p, blocks)?.height).toBe(102);
    expect(closingBlock(p, blocks.slice(0, 2))).toBeUndefined();
    expect(isPeriodClosed(p, close - 1n)).toBe(false);
    expect(() => assertPeriodOpen(p, close - 1n)).not.toThrow();
    expect(assertRecordAccepted(monthly, sec('2026-11-30T23:00:00Z'), close - 1n).id).toBe('2026-11');
    let err: unknown;
    try {
      assertRecordAccepted(monthly, sec('2026-11-30T23:00:00Z'), close);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PeriodClosedError);
    expect((err as PeriodClosedError).code).toBe('period_closed');
    expect((err as PeriodClosedError).periodId).toBe('2026-11');
    // The next period is still open at that block.
    expect(assertRecordAccepted(monthly, sec('2026-12-01T00:00:00Z'), close).id).toBe('2026-12');
  });

  it('names the first month a block may still take records of (the reconciliation index drops matched events of the months before it)', () => {
    const ms = (iso: string): bigint => BigInt(Date.parse(iso));
    const nov = monthIndex({ year: 2026, month: 11 });
    // Monthly, three days of grace: November closes at 2026-12-04T00:00Z.
    expect(firstOpenMonth(monthly, ms('2026-12-03T23:59:59.999Z'))).toBe(nov);
    expect(firstOpenMonth(monthly, ms('2026-12-04T00:00:00Z'))).toBe(nov + 1);
    // Weekly: November's last day is in the week of 2026-11-30 to 12-06, closing 12-10 with the grace.
    const weekly = settlementPeriodOptions({ rule: 'weekly' });
    expect(firstOpenMonth(weekly, ms('2026-12-09T23:59:59.999Z'))).toBe(nov);
    expect(firstOpenMonth(weekly, ms('2026-12-10T00:00:00Z'))).toBe(nov + 1);
    // Every month before the answer lies in closed periods; the answer has a second still open.
    const rules = fc.oneof(
      fc.constant<'monthly' | 'weekly' | 'daily'>('monthly'), fc.constant<'weekly'>('weekly'), fc.constant<'daily'>('daily'),
      fc.record({ days: fc.integer({ min: 1, max: 366 }) }),
    );
    fc.assert(fc.property(rules, fc.integer({ min: 0, max: 90 * 86_400 }), fc.integer({ min: sec('2001-01-01T00:00:00Z'), max: sec('2090-01-01T00:00:00Z') }), (rule, grace, at) => {
      const o = settlementPeriodOptions({ rule, graceSeconds: grace });
      const t = BigInt(at) * 1000n;
      const m = firstOpenMonth(o, t);
      const lastSecondOf = (i: number): number => Date.UTC(Math.floor(i / 12), (i % 12) + 1, 1) / 1000 - 1;
      // (The floor is January 2000: periods start no earlier.)
      if (m > monthIndex({ year: 2000, month: 1 })) expect(isPeriodClosed(periodContaining(o, lastSecondOf(m - 1)), t)).toBe(true);
      expect(isPeriodClosed(periodContaining(o, lastSecondOf(m)), t)).toBe(false);
    }), { numRuns: 300 });
  });
});
