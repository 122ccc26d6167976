import { CURRENCIES, type Currency } from '../cdr/currency.js';
import { pairIndex } from '../settlement/commitment/committed-netting.js';
import type { AffinePoint } from '../settlement/commitment/pedersen.js';
import { rational, type Rational } from '../settlement/fx/rational.js';
import { NETTING_COMMITTED_CONTRACT, NETTING_PLAIN_CONTRACT, nettedKey, pairKey } from '../settlement/netting-contract.js';
import type { SettlementMode } from './genesis-settlement.js';
import { periodContaining, type SettlementPeriod, type SettlementPeriodOptions } from '../settlement/settlement-period.js';
import { systemContractId } from '../vm/system/index.js';

/**
 * Where the chain keeps settlement state (docs/settlement.md, "On chain"): system-contract storage,
 * so blocks write it through their contract execution (committed in the block's LMDB transaction,
 * covered by the state root, seen by later blocks of a branch) and the netting contract reads the
 * statements where it expects them.
 *
 * - Statements: the committed netting contract's storage, pair p of period k at pairKey(k, p, 0|1)
 *   (x, y); a period is netted when nettedKey(k) is set.
 * - Rate sets: the storage of `settlement-fx` (no code): currency c (index in CURRENCIES) of period k
 *   at (k << 32) + 2c (numerator) and + 1 (denominator); (k << 32) + 0xffffffff marks the set
 *   (1, or 2 for an override); key 0 holds the key of the latest period with a set.
 *
 * A period's key k is its start in unix seconds.
 */
export const STATEMENTS_ID = systemContractId(NETTING_COMMITTED_CONTRACT);
/**
 * Plain mode: the plain netting contract's storage, pair p of period k at pairKey(k, p, 0) (what first
 * owes second) and + 1 (the reverse), exactly where netting-plain.casm reads. A statement of two zero
 * amounts stores nothing there (storing 0 deletes a slot), so it alone sets a mark at
 * (k << 32) + PLAIN_MARKS + p (1): a pair has a statement when either word or its mark is set. Marks
 * only for zero statements keep the netting's load to the words (one range read of 2 slots a pair,
 * not 3). PLAIN_MARKS is above every pair key (2p < 2^24 for the contract's 4,095 operators) and
 * below the netted mark (k << 32) + 0xffffffff.
 */
export const PLAIN_STATEMENTS_ID = systemContractId(NETTING_PLAIN_CONTRACT);
export const PLAIN_MARKS = 0x8000_0000n;
export const FX_RATES_ID = systemContractId('settlement-fx');
const LATEST_RATE_SET = 0n;
const SET_MARK = 0xffff_ffffn;

export interface SlotReader {
  slot(id: Uint8Array, key: bigint): bigint;
}

export function periodKey(p: SettlementPeriod): bigint {
  return BigInt(p.startSeconds);
}

/** Pair (first, second)'s index in consortium order, or undefined when either is not an operator or they are not in order. */
export function pairOf(operators: readonly number[], first: number, second: number): number | undefined {
  const i = operators.indexOf(first);
  const j = operators.indexOf(second);
  if (i < 0 || j < 0 || i >= j) return undefined;
  return pairIndex(operators.length, i, j);
}

/** The statement recorded for pair `p` in the period, if any ((0, 0) is no point: a commitment is never it). */
export function recordedStatement(state: SlotReader, key: bigint, p: number): AffinePoint | undefined {
  const x = state.slot(STATEMENTS_ID, pairKey(key, p, 0));
  const y = state.slot(STATEMENTS_ID, pairKey(key, p, 1));
  return x === 0n && y === 0n ? undefined : { x, y };
}

export function statementWrites(key: bigint, p: number, c: AffinePoint): [bigint, bigint][] {
  return [[pairKey(key, p, 0), c.x], [pairKey(key, p, 1), c.y]];
}

/** Where a mode's statements (and its netted mark) are kept. */
export function statementsId(mode: SettlementMode): Uint8Array {
  return mode === 'plain' ? PLAIN_STATEMENTS_ID : STATEMENTS_ID;
}

export function isNetted(state: SlotReader, key: bigint, mode: SettlementMode = 'committed'): boolean {
  return state.slot(statementsId(mode), nettedKey(key)) !== 0n;
}

/** A recorded plain statement of pair `p`: both gross directions, or undefined. */
export function recordedPlainStatement(state: SlotReader, key: bigint, p: number): { firstOwesSecond: bigint; secondOwesFirst: bigint } | undefined {
  const firstOwesSecond = state.slot(PLAIN_STATEMENTS_ID, pairKey(key, p, 0));
  const secondOwesFirst = state.slot(PLAIN_STATEMENTS_ID, pairKey(key, p, 1));
  if (firstOwesSecond === 0n && secondOwesFirst === 0n && state.slot(PLAIN_STATEMENTS_ID, plainMarkKey(key, p)) === 0n) return undefined;
  return { firstOwesSecond, secondOwesFirst };
}

export function plainMarkKey(key: bigint, p: number): bigint {
  return (key << 32n) + PLAIN_MARKS + BigInt(p);
}

export function plainStatementWrites(key: bigint, p: number, firstOwesSecond: bigint, secondOwesFirst: bigint): [bigint, bigint][] {
  const words: [bigint, bigint][] = [[pairKey(key, p, 0), firstOwesSecond], [pairKey(key, p, 1), secondOwesFirst]];
  return firstOwesSecond === 0n && secondOwesFirst === 0n ? [...words, [plainMarkKey(key, p), 1n]] : words;
}

export interface RecordedRateSet {
  readonly period: SettlementPeriod;
  readonly rates: ReadonlyMap<Currency, Rational>;
  readonly override: boolean;
}

/** The rate set of the latest period that has one, or undefined. */
export function latestRateSet(state: SlotReader, periods: SettlementPeriodOptions): RecordedRateSet | undefined {
  const key = state.slot(FX_RATES_ID, LATEST_RATE_SET);
  if (key === 0n) return undefined;
  const base = key << 32n;
  const rates = new Map<Currency, Rational>();
  CURRENCIES.forEach((c, i) => {
    const num = state.slot(FX_RATES_ID, base + BigInt(2 * i));
    const den = state.slot(FX_RATES_ID, base + BigInt(2 * i + 1));
    if (num !== 0n && den !== 0n) rates.set(c, rational(num, den));
  });
  return { period: periodContaining(periods, Number(key)), rates, override: state.slot(FX_RATES_ID, base + SET_MARK) === 2n };
}

/** The rate set recorded for `period`, or undefined. */
export function rateSetOf(state: SlotReader, period: SettlementPeriod): RecordedRateSet | undefined {
  const base = periodKey(period) << 32n;
  const mark = state.slot(FX_RATES_ID, base + SET_MARK);
  if (mark === 0n) return undefined;
  const rates = new Map<Currency, Rational>();
  CURRENCIES.forEach((c, i) => {
    const num = state.slot(FX_RATES_ID, base + BigInt(2 * i));
    const den = state.slot(FX_RATES_ID, base + BigInt(2 * i + 1));
    if (num !== 0n && den !== 0n) rates.set(c, rational(num, den));
  });
  return { period, rates, override: mark === 2n };
}

export function rateSetWrites(period: SettlementPeriod, rates: ReadonlyMap<Currency, Rational>, override: boolean): [bigint, bigint][] {
  const key = periodKey(period);
  const base = key << 32n;
  const out: [bigint, bigint][] = [[LATEST_RATE_SET, key], [base + SET_MARK, override ? 2n : 1n]];
  CURRENCIES.forEach((c, i) => {
    const r = rates.get(c);
    if (r !== undefined) out.push([base + BigInt(2 * i), r.num], [base + BigInt(2 * i + 1), r.den]);
  });
  return out;
}
