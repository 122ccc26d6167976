import { PeriodOutOfRangeError, ReconciliationInputError } from './errors.js';

/**
 * The reconciliation and settlement period: a calendar month in UTC. A batch belongs to the month
 * of its `period_start` (`batchPeriod`, the one place that decides it; settlement reuses it).
 * Integer arithmetic only (days to civil date after H. Hinnant's `civil_from_days`): no floats,
 * no time zone, no clock.
 */
export interface CalendarMonth {
  readonly year: number;
  /** 1..12 */
  readonly month: number;
}

export const MIN_PERIOD_YEAR = 2000;
export const MAX_PERIOD_YEAR = 9999;

const DAY = 86_400;
/** 10000-01-01T00:00:00Z: the first second after the last period. */
const END_SECONDS = daysFromCivil(MAX_PERIOD_YEAR + 1, 1, 1) * DAY;
const START_SECONDS = daysFromCivil(MIN_PERIOD_YEAR, 1, 1) * DAY;

/** The period of a batch: the calendar month (UTC) of its `period_start`. Throws PeriodOutOfRangeError outside 2000-9999. */
export function batchPeriod(periodStart: bigint): CalendarMonth {
  if (periodStart < BigInt(START_SECONDS) || periodStart >= BigInt(END_SECONDS)) {
    throw new PeriodOutOfRangeError(`period start ${periodStart} is outside ${MIN_PERIOD_YEAR}-01..${MAX_PERIOD_YEAR}-12`);
  }
  return calendarMonthOf(Number(periodStart));
}

/** The calendar month (UTC) of a unix time in seconds (a safe integer). */
export function calendarMonthOf(unixSeconds: number): CalendarMonth {
  if (!Number.isSafeInteger(unixSeconds)) throw new PeriodOutOfRangeError(`${unixSeconds} is not a whole number of seconds`);
  const days = Math.floor(unixSeconds / DAY);
  const { year, month } = civilFromDays(days);
  return { year, month };
}

/** [start, end) of a month in unix seconds. */
export function calendarMonthBounds(p: CalendarMonth): { readonly start: number; readonly end: number } {
  const next = p.month === 12 ? { year: p.year + 1, month: 1 } : { year: p.year, month: p.month + 1 };
  return { start: daysFromCivil(p.year, p.month, 1) * DAY, end: daysFromCivil(next.year, next.month, 1) * DAY };
}

/** Months since year 0: a u32 that orders months (storage keys). */
export function monthIndex(p: CalendarMonth): number {
  return p.year * 12 + (p.month - 1);
}

export function monthFromIndex(i: number): CalendarMonth {
  return { year: Math.floor(i / 12), month: (i % 12) + 1 };
}

/** `2026-11` */
export function formatCalendarMonth(p: CalendarMonth): string {
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}`;
}

/** `YYYY-MM` (years 2000-9999); throws ReconciliationInputError. */
export function parseCalendarMonth(s: string): CalendarMonth {
  const m = /^([0-9]{4})-([0-9]{2})$/.exec(s);
  if (!m) throw new ReconciliationInputError('period', `period "${clip(s)}" is not a calendar month YYYY-MM (e.g. 2026-11)`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) throw new ReconciliationInputError('period', `period "${s}": month must be 01..12`);
  if (year < MIN_PERIOD_YEAR || year > MAX_PERIOD_YEAR) throw new ReconciliationInputError('period', `period "${s}": year must be ${MIN_PERIOD_YEAR}..${MAX_PERIOD_YEAR}`);
  return { year, month };
}

function clip(s: string): string {
  return s.length > 32 ? `${s.slice(0, 32)}…` : s;
}

// http://howardhinnant.github.io/date_algorithms.html (public domain), for days >= -719468.
function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
