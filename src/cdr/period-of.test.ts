import { describe, expect, it } from 'vitest';
import { periodOf } from './batch-builder.js';

const DAY = 86_400;
const NOW = 1_764_806_400 + 15 * 3_600 + 1_234; // 2025-12-04T15:20:34Z

describe('periodOf: what a batch header says of its records\' times', () => {
  it('whole UTC days: a one-record batch does not give away its call time', () => {
    const t = NOW - 5 * 3_600 - 77;
    const p = periodOf([t], NOW);
    expect(p.periodStart % BigInt(DAY)).toBe(0n);
    expect(p.periodEnd - p.periodStart).toBe(BigInt(DAY));
    expect(p.periodStart <= BigInt(t) && BigInt(t) < p.periodEnd).toBe(true);
    // Two records on one day declare the same period whatever their times.
    expect(periodOf([t - 3_000, t + 60], NOW)).toEqual(p);
  });

  it('covers every record: [start of the first one\'s day, end of the last one\'s)', () => {
    const times = [NOW - 3 * DAY + 11, NOW - 100, NOW - DAY];
    const p = periodOf(times, NOW);
    expect(p.periodStart).toBe(BigInt(Math.floor((NOW - 3 * DAY) / DAY) * DAY));
    expect(p.periodEnd).toBe(BigInt((Math.floor(NOW / DAY) + 1) * DAY));
  });

  it('falls back to hours when whole days would exceed the longest period or end too far ahead of the clock', () => {
    const first = Math.floor(NOW / DAY) * DAY - 31 * DAY + 20 * 3_600 + 5; // 31 days before today, 20:00:05
    const p = periodOf([first, NOW - 10], NOW);
    expect(p.periodStart).toBe(BigInt(first - 5));
    expect(p.periodEnd).toBe(BigInt(Math.floor((NOW - 10) / 3_600) * 3_600 + 3_600));
    // A record dated tomorrow morning (a clock ahead of the node's): a day-wide period would end more than a day
    // ahead of the node's clock; an hour-wide one does not.
    const ahead = (Math.floor(NOW / DAY) + 1) * DAY + 10 * 3_600 + 17;
    const q = periodOf([ahead], NOW);
    expect(q).toEqual({ periodStart: BigInt(ahead - 17), periodEnd: BigInt(ahead - 17 + 3_600) });
  });

  it('falls back to seconds when even hours would not fit, and refuses an empty batch', () => {
    const p = periodOf([NOW - 31 * DAY + 1_800, NOW - 1_000], NOW);
    expect(p).toEqual({ periodStart: BigInt(NOW - 31 * DAY + 1_800), periodEnd: BigInt(NOW - 1_000 + 1) });
    expect(() => periodOf([], NOW)).toThrow(RangeError);
  });
});
