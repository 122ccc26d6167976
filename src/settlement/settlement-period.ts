// Settlement periods: a consortium rule that cuts time (UTC) into periods, names each period, and
// says when it closes. Integer seconds and milliseconds only; Date.UTC is used for calendar
// arithmetic on whole days, which is exact (no time zone, no clock, no fractions).
//
// The rule for late records (issue 14 item 1): a record (a batch, by its period_start) belongs to
// the period containing period_start; it is accepted only in a block whose timestamp is before the
// period's close time = period end + grace. The first block at or after the close time closes the
// period (its height is the period's close height) and it and every later block refuse records for
// that period with PeriodClosedError. Late records are refused, never carried into the next period
// as adjustments: an adjustment is a new bilateral statement in a later period, agreed by the pair.

import { MIN_PERIOD_YEAR, monthIndex } from '../reconciliation/period.js';
import { PeriodClosedError, PeriodFormatError, SettlementOptionsError } from './errors.js';

const DAY = 86_400;
/** Periods lie within [2000-01-01, 10000-01-01): what batch headers and reconciliation accept. */
const MIN_SECONDS = Date.UTC(2000, 0, 1) / 1000;
const MAX_SECONDS = Date.UTC(9999, 11, 31) / 1000 + DAY;
/** 2000-01-03, a Monday: the default anchor of N-day periods, so 7-day periods are ISO weeks. */
export const MONDAY_ANCHOR_SECONDS = Date.UTC(2000, 0, 3) / 1000;
/** Grace for late records by default: three days after the period's end. */
export const DEFAULT_GRACE_SECONDS = 3 * DAY;
export const MAX_GRACE_SECONDS = 90 * DAY;
export const MAX_PERIOD_DAYS = 366;

/** How a consortium cuts time into settlement periods. */
export type PeriodRule =
  | { readonly kind: 'calendar-month' }
  /** Consecutive periods of `days` whole days, starting from `anchorSeconds` (a UTC midnight). */
  | { readonly kind: 'days'; readonly days: number; readonly anchorSeconds: number };

export interface SettlementPeriodOptions {
  readonly rule: PeriodRule;
  /** Seconds after a period's end during which late records are still accepted. */
  readonly graceSeconds: number;
}

export interface SettlementPeriodOptionsInput {
  /** 'monthly' (default), 'weekly' (Monday to Sunday), 'daily', or { days, anchorSeconds? }. */
  readonly rule?: 'monthly' | 'weekly' | 'daily' | { readonly days: number; readonly anchorSeconds?: number };
  readonly graceSeconds?: number;
}

/** Validated, frozen options; throws SettlementOptionsError naming the bad field. */
export function settlementPeriodOptions(input: SettlementPeriodOptionsInput = {}): SettlementPeriodOptions {
  const graceSeconds = input.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  if (!Number.isSafeInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
    throw new SettlementOptionsError(`graceSeconds must be an integer in 0..${MAX_GRACE_SECONDS}, got ${String(graceSeconds)}`);
  }
  const r = input.rule ?? 'monthly';
  let rule: PeriodRule;
  if (r === 'monthly') rule = { kind: 'calendar-month' };
  else if (r === 'weekly') rule = { kind: 'days', days: 7, anchorSeconds: MONDAY_ANCHOR_SECONDS };
  else if (r === 'daily') rule = { kind: 'days', days: 1, anchorSeconds: MONDAY_ANCHOR_SECONDS };
  else if (typeof r === 'object' && r !== null) {
    const days = r.days;
    const anchorSeconds = r.anchorSeconds ?? MONDAY_ANCHOR_SECONDS;
    if (!Number.isSafeInteger(days) || days < 1 || days > MAX_PERIOD_DAYS) {
      throw new SettlementOptionsError(`rule.days must be an integer in 1..${MAX_PERIOD_DAYS}, got ${String(days)}`);
    }
    if (!Number.isSafeInteger(anchorSeconds) || anchorSeconds % DAY !== 0 || anchorSeconds < MIN_SECONDS || anchorSeconds >= MAX_SECONDS) {
      throw new SettlementOptionsError(`rule.anchorSeconds must be a UTC midnight in 2000..9999, got ${String(anchorSeconds)}`);
    }
    rule = Object.freeze({ kind: 'days', days, anchorSeconds });
  } else {
    throw new SettlementOptionsError(`rule must be 'monthly', 'weekly', 'daily' or { days }, got ${JSON.stringify(r)}`);
  }
  return Object.freeze({ rule: Object.freeze(rule), graceSeconds });
}

export const DEFAULT_SETTLEMENT_PERIOD_OPTIONS: SettlementPeriodOptions = settlementPeriodOptions();

/** One settlement period: [startSeconds, endSeconds) in unix seconds, closing at closesAtMs. */
export interface SettlementPeriod {
  /** "2026-11" (calendar month) or "2026-11-30+7d" (N-day periods: first day and length). */
  readonly id: string;
  readonly startSeconds: number;
  readonly endSeconds: number;
  /** (end + grace) in milliseconds: the first block timestamp at which the period is closed. */
  readonly closesAtMs: bigint;
}

function checkSeconds(unixSeconds: number): void {
  if (!Number.isSafeInteger(unixSeconds) || unixSeconds < MIN_SECONDS || unixSeconds >= MAX_SECONDS) {
    throw new PeriodFormatError(`${String(unixSeconds)} is not a whole second in 2000..9999`);
  }
}

function isoDay(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

function make(options: SettlementPeriodOptions, id: string, start: number, end: number): SettlementPeriod {
  return Object.freeze({ id, startSeconds: start, endSeconds: end, closesAtMs: BigInt(end + options.graceSeconds) * 1000n });
}

/** The period that contains `unixSeconds` (e.g. a batch's period_start). */
export function periodContaining(options: SettlementPeriodOptions, unixSeconds: number): SettlementPeriod {
  checkSeconds(unixSeconds);
  const rule = options.rule;
  if (rule.kind === 'calendar-month') {
    const d = new Date(unixSeconds * 1000);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth();
    const start = Date.UTC(y, m, 1) / 1000;
    const end = Date.UTC(y, m + 1, 1) / 1000;
    return make(options, `${String(y).padStart(4, '0')}-${String(m + 1).padStart(2, '0')}`, start, end);
  }
  const len = rule.days * DAY;
  const k = Math.floor((unixSeconds - rule.anchorSeconds) / len);
  const start = rule.anchorSeconds + k * len;
  return make(options, `${isoDay(start)}+${rule.days}d`, start, start + len);
}

const MONTH_ID = /^(\d{4})-(\d{2})$/;
const DAYS_ID = /^(\d{4})-(\d{2})-(\d{2})\+(\d{1,3})d$/;

/** The period named `id` under this rule; PeriodFormatError if it is malformed or not one of the rule's periods. */
export function parsePeriodId(options: SettlementPeriodOptions, id: string): SettlementPeriod {
  const rule = options.rule;
  if (rule.kind === 'calendar-month') {
    const m = MONTH_ID.exec(id);
    const month = m ? Number(m[2]) : 0;
    if (!m || month < 1 || month > 12) throw new PeriodFormatError(`"${id}" is not a month YYYY-MM`);
    const start = Date.UTC(Number(m[1]), month - 1, 1) / 1000;
    checkSeconds(start);
    return periodContaining(options, start);
  }
  const m = DAYS_ID.exec(id);
  if (!m) throw new PeriodFormatError(`"${id}" is not a period YYYY-MM-DD+${rule.days}d`);
  const [y, mo, d, n] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  const start = Date.UTC(y, mo - 1, d) / 1000;
  checkSeconds(start);
  const p = periodContaining(options, start);
  // Round trip: rejects 2026-02-30, a start off the rule's grid and a length other than the rule's.
  if (p.id !== id || n !== rule.days) throw new PeriodFormatError(`"${id}" is not a period of this consortium (${rule.days}-day periods from ${isoDay(rule.anchorSeconds)})`);
  return p;
}

/** The period after `p`. */
export function nextPeriod(options: SettlementPeriodOptions, p: SettlementPeriod): SettlementPeriod {
  return periodContaining(options, p.endSeconds);
}

/** Whether a chain whose latest block has this timestamp has closed `p`. */
export function isPeriodClosed(p: SettlementPeriod, blockTimestampMs: bigint): boolean {
  return blockTimestampMs >= p.closesAtMs;
}

/** Throws PeriodClosedError if a block at `blockTimestampMs` may not take records for `p`. */
export function assertPeriodOpen(p: SettlementPeriod, blockTimestampMs: bigint): void {
  if (isPeriodClosed(p, blockTimestampMs)) throw new PeriodClosedError(p.id, p.closesAtMs, blockTimestampMs);
}

/** Refuses a record (batch) whose period_start lies in a period closed at `blockTimestampMs`. */
export function assertRecordAccepted(options: SettlementPeriodOptions, periodStartSeconds: number, blockTimestampMs: bigint): SettlementPeriod {
  const p = periodContaining(options, periodStartSeconds);
  assertPeriodOpen(p, blockTimestampMs);
  return p;
}

/** Months looked back from a block's own month: a month closes at most ~16 months after it ends (366-day periods, 90 days of grace). */
const MONTHS_LOOKED_BACK = 24;
/** January of the first year periods may start in. */
const FIRST_MONTH = monthIndex({ year: MIN_PERIOD_YEAR, month: 1 });

/**
 * The first calendar month (reconciliation's monthIndex: year × 12 + month − 1) with a record still
 * acceptable in a block at `blockTimestampMs`: every earlier month lies wholly in periods closed by
 * then, so no block from there on carries records of it. Months close in order (a month's last
 * second is in the latest of its periods), so the answer is one bound. Conservative past
 * MONTHS_LOOKED_BACK (a lower bound: fewer months called closed).
 */
export function firstOpenMonth(options: SettlementPeriodOptions, blockTimestampMs: bigint): number {
  const now = new Date(Number(blockTimestampMs));
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  for (let back = 0; back <= MONTHS_LOOKED_BACK; back++) {
    const lastSecond = Date.UTC(y, m - back + 1, 1) / 1000 - 1;
    if (lastSecond < MIN_SECONDS) return FIRST_MONTH;
    if (isPeriodClosed(periodContaining(options, lastSecond), blockTimestampMs)) return monthIndex({ year: y, month: m + 1 }) - back + 1;
  }
  return Math.max(FIRST_MONTH, monthIndex({ year: y, month: m + 1 }) - MONTHS_LOOKED_BACK);
}

export interface BlockTime {
  readonly height: number;
  readonly timestampMs: bigint;
}

/**
 * The block that closes `p`: the first, in height order, whose timestamp is at or after its close
 * time. Undefined while no such block exists. Blocks must be given in increasing height.
 */
export function closingBlock<B extends BlockTime>(p: SettlementPeriod, blocks: Iterable<B>): B | undefined {
  for (const b of blocks) if (isPeriodClosed(p, b.timestampMs)) return b;
  return undefined;
}
