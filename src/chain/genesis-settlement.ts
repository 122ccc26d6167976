import { isCurrency, type Currency } from '../cdr/currency.js';
import { fromHex, toHex } from '../codec/bytes.js';
import { BLS_PUBLIC_KEY_BYTES } from '../crypto/bls/bls.js';
import { SettlementError } from '../settlement/errors.js';
import { assertFeeRate, DEFAULT_CONVERSION_FEE } from '../settlement/fx/currency-conversion.js';
import { fxPolicy, type FxPolicy } from '../settlement/fx/fx-rate-book.js';
import { parseDecimal, rational, type Rational } from '../settlement/fx/rational.js';
import { MONDAY_ANCHOR_SECONDS, settlementPeriodOptions, type SettlementPeriodOptions, type SettlementPeriodOptionsInput } from '../settlement/settlement-period.js';

/**
 * The consortium's settlement rules (issue 14; docs/settlement.md), fixed by the genesis like the
 * consensus constants, since every validator must refuse a late batch, accept a rate set and record
 * a statement the same way:
 *
 * - `periods`: how time is cut into settlement periods and the grace for late records;
 * - `currency`: the settlement currency every rate and statement is quoted in (default XDR);
 * - `feeRate`: the conversion fee (default 0.15 %); `maxMove`: the largest rate move without an override;
 * - `mode`: `committed` (hidden bilateral amounts, Pedersen commitments) or `plain` (transparent);
 * - `fx`: the rate publishers' BLS keys and thresholds; undefined when the genesis names no
 *   publisher (every rate set is then refused).
 */
export type SettlementMode = 'committed' | 'plain';
export const SETTLEMENT_MODES: readonly SettlementMode[] = ['committed', 'plain'];

/**
 * The consortium's settlement bank (docs/settlement.md, "Disclosure of transfer openings"): every
 * involved operator's transfer opening is sealed to `encryptionKey` (X25519, HPKE like the privacy
 * code's key wraps), and the bank reads them through the API with requests signed by `requestKey`
 * (Ed25519, RFC 9421 like an operator's, keyid `plmn:<id>`). `id` is no operator's PLMN id.
 */
export interface SettlementBank {
  readonly id: number;
  readonly encryptionKey: Uint8Array;
  readonly requestKey: Uint8Array;
}

export interface GenesisSettlement {
  readonly periods: SettlementPeriodOptions;
  readonly currency: Currency;
  readonly feeRate: Rational;
  readonly maxMove: Rational;
  readonly mode: SettlementMode;
  readonly fx: FxPolicy | undefined;
  /** Absent: nobody can receive transfer openings (disclosures are refused, no_settlement_bank). */
  readonly bank: SettlementBank | undefined;
}

export interface GenesisSettlementJson {
  /** 'monthly', 'weekly', 'daily' or { days, anchorSeconds }. */
  period: 'monthly' | 'weekly' | 'daily' | { days: number; anchorSeconds: number };
  graceSeconds: number;
  currency: string;
  /** Exact rationals as "num/den" (a decimal such as "0.0015" is read too). */
  feeRate: string;
  maxMove: string;
  mode: string;
  /** 48-byte compressed BLS public keys, hex; a signature names its publisher by index in this list. */
  ratePublishers: string[];
  publishThreshold: number;
  overrideThreshold: number;
  /** Written only when the genesis names a bank, so a genesis without one keeps its identity. */
  bank?: { id: number; encryptionKey: string; requestKey: string };
}

export class GenesisSettlementError extends Error {
  override readonly name = 'GenesisSettlementError';
}

const FIELDS = ['period', 'graceSeconds', 'currency', 'feeRate', 'maxMove', 'mode', 'ratePublishers', 'publishThreshold', 'overrideThreshold'] as const;

/** Validated, frozen settlement rules; every field optional (defaults of docs/settlement.md). */
export function genesisSettlement(input: {
  readonly period?: SettlementPeriodOptionsInput['rule'];
  readonly graceSeconds?: number;
  readonly currency?: string;
  readonly feeRate?: Rational;
  readonly maxMove?: Rational;
  readonly mode?: SettlementMode;
  readonly ratePublishers?: readonly Uint8Array[];
  readonly publishThreshold?: number;
  readonly overrideThreshold?: number;
  readonly bank?: SettlementBank;
} = {}): GenesisSettlement {
  try {
    const periods = settlementPeriodOptions({
      ...(input.period !== undefined ? { rule: input.period } : {}),
      ...(input.graceSeconds !== undefined ? { graceSeconds: input.graceSeconds } : {}),
    });
    const currency = input.currency ?? 'XDR';
    if (!isCurrency(currency)) throw new GenesisSettlementError(`settlement.currency: unknown currency "${currency}"`);
    const mode = input.mode ?? 'committed';
    if (!SETTLEMENT_MODES.includes(mode)) throw new GenesisSettlementError(`settlement.mode must be one of ${SETTLEMENT_MODES.join(', ')}`);
    const publishers = input.ratePublishers ?? [];
    const maxMove = input.maxMove ?? rational(1n, 10n);
    if (maxMove.num <= 0n) throw new GenesisSettlementError('settlement.maxMove must be positive');
    const feeRate = input.feeRate ?? DEFAULT_CONVERSION_FEE;
    assertFeeRate(feeRate);
    if (publishers.length === 0 && (input.publishThreshold !== undefined || input.overrideThreshold !== undefined)) {
      throw new GenesisSettlementError('settlement: thresholds without ratePublishers');
    }
    // fxPolicy checks the keys and the thresholds against them.
    const fx = publishers.length === 0 ? undefined : fxPolicy({
      publishers, base: currency, maxMove, feeRate,
      ...(input.publishThreshold !== undefined ? { publishThreshold: input.publishThreshold } : {}),
      ...(input.overrideThreshold !== undefined ? { overrideThreshold: input.overrideThreshold } : {}),
    });
    const bank = input.bank;
    if (bank !== undefined) {
      if (!Number.isInteger(bank.id) || bank.id < 1 || bank.id > 0xffff_ffff) throw new GenesisSettlementError('settlement.bank.id must be a u32 id above 0');
      if (bank.encryptionKey.length !== 32 || bank.requestKey.length !== 32) throw new GenesisSettlementError('settlement.bank keys are 32 bytes each');
    }
    return Object.freeze({ periods, currency, feeRate, maxMove, mode, fx, bank: bank && Object.freeze({ ...bank }) });
  } catch (err) {
    if (err instanceof SettlementError) throw new GenesisSettlementError(`settlement: ${err.message}`);
    throw err;
  }
}

/** What a genesis without a `settlement` section settles under: the defaults, no rate publishers. */
export const DEFAULT_GENESIS_SETTLEMENT: GenesisSettlement = genesisSettlement();

function ratio(r: Rational): string {
  return `${r.num}/${r.den}`;
}

function parseRatio(v: unknown, what: string): Rational {
  if (typeof v !== 'string') throw new GenesisSettlementError(`settlement.${what} must be a string "num/den" or a decimal`);
  const m = /^(\d{1,30})\/(\d{1,30})$/.exec(v);
  try {
    return m ? rational(BigInt(m[1]!), BigInt(m[2]!)) : parseDecimal(v);
  } catch (err) {
    if (err instanceof SettlementError) throw new GenesisSettlementError(`settlement.${what}: ${err.message}`);
    throw err;
  }
}

/** Fixed key order (the chain identity hashes this JSON); rationals reduced. */
export function genesisSettlementToJson(s: GenesisSettlement): GenesisSettlementJson {
  const rule = s.periods.rule;
  const period: GenesisSettlementJson['period'] =
    rule.kind === 'calendar-month' ? 'monthly'
      : rule.anchorSeconds === MONDAY_ANCHOR_SECONDS && rule.days === 7 ? 'weekly'
        : rule.anchorSeconds === MONDAY_ANCHOR_SECONDS && rule.days === 1 ? 'daily'
          : { days: rule.days, anchorSeconds: rule.anchorSeconds };
  return {
    period,
    graceSeconds: s.periods.graceSeconds,
    currency: s.currency,
    feeRate: ratio(s.feeRate),
    maxMove: ratio(s.maxMove),
    mode: s.mode,
    ratePublishers: (s.fx?.publishers ?? []).map((k) => toHex(k)),
    publishThreshold: s.fx?.publishThreshold ?? 0,
    overrideThreshold: s.fx?.overrideThreshold ?? 0,
    ...(s.bank ? { bank: { id: s.bank.id, encryptionKey: toHex(s.bank.encryptionKey), requestKey: toHex(s.bank.requestKey) } } : {}),
  };
}

function parseBank(v: unknown): SettlementBank {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new GenesisSettlementError('settlement.bank must be an object { id, encryptionKey, requestKey }');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['id', 'encryptionKey', 'requestKey'].includes(k)) throw new GenesisSettlementError(`settlement.bank: unknown field ${k}`);
  if (typeof o.id !== 'number') throw new GenesisSettlementError('settlement.bank.id must be a number');
  const key = (k: 'encryptionKey' | 'requestKey'): Uint8Array => {
    const hex = o[k];
    if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex)) throw new GenesisSettlementError(`settlement.bank.${k} must be 32 bytes of lower-case hex`);
    return fromHex(hex, 32);
  };
  return { id: o.id, encryptionKey: key('encryptionKey'), requestKey: key('requestKey') };
}

/** Checks the section (every field present: the written form is complete, so the identity is too). */
export function genesisSettlementFromJson(j: unknown): GenesisSettlement {
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new GenesisSettlementError('settlement must be an object');
  const o = j as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(FIELDS as readonly string[]).includes(k) && k !== 'bank') throw new GenesisSettlementError(`settlement: unknown field ${k}`);
  for (const k of FIELDS) if (o[k] === undefined) throw new GenesisSettlementError(`settlement.${k} is missing`);
  const period = o.period;
  if (!(period === 'monthly' || period === 'weekly' || period === 'daily' || (typeof period === 'object' && period !== null && !Array.isArray(period)))) {
    throw new GenesisSettlementError(`settlement.period must be 'monthly', 'weekly', 'daily' or { days, anchorSeconds }`);
  }
  if (!Array.isArray(o.ratePublishers)) throw new GenesisSettlementError('settlement.ratePublishers must be a list');
  if (o.ratePublishers.length > 256) throw new GenesisSettlementError('settlement.ratePublishers: at most 256');
  const publishers = (o.ratePublishers as unknown[]).map((k, i) => {
    if (typeof k !== 'string' || !new RegExp(`^[0-9a-f]{${2 * BLS_PUBLIC_KEY_BYTES}}$`).test(k)) {
      throw new GenesisSettlementError(`settlement.ratePublishers[${i}] must be ${BLS_PUBLIC_KEY_BYTES} bytes of lower-case hex`);
    }
    return fromHex(k, BLS_PUBLIC_KEY_BYTES);
  });
  const none = publishers.length === 0;
  for (const k of ['publishThreshold', 'overrideThreshold'] as const) {
    if (typeof o[k] !== 'number' || (none && o[k] !== 0)) throw new GenesisSettlementError(`settlement.${k} must be a number (0 without ratePublishers)`);
  }
  return genesisSettlement({
    period: period as GenesisSettlementJson['period'],
    graceSeconds: o.graceSeconds as number,
    currency: String(o.currency),
    feeRate: parseRatio(o.feeRate, 'feeRate'),
    maxMove: parseRatio(o.maxMove, 'maxMove'),
    mode: o.mode as SettlementMode,
    ratePublishers: publishers,
    ...(none ? {} : { publishThreshold: o.publishThreshold as number, overrideThreshold: o.overrideThreshold as number }),
    ...(o.bank !== undefined ? { bank: parseBank(o.bank) } : {}),
  });
}
