// FX rate sets: one per settlement period, quoted against the consortium's settlement currency,
// signed with BLS (src/crypto/bls, @chainsafe/blst) by designated rate publishers. A set moving any
// rate more than `maxMove` (10 %) from the previous period's is refused unless it is an override
// signed by `overrideThreshold` publishers. The book holds the accepted sets and converts with them.

import { CURRENCIES, isCurrency, type Currency } from '../../cdr/currency.js';
import { blsPublicKeyIsValid, blsSign, blsVerify } from '../../crypto/bls/bls.js';
import { BadRateError, BadSignatureError, MissingRateError, RateMoveTooLargeError, SettlementOptionsError, UnknownCurrencyError } from '../errors.js';
import { parsePeriodId, type SettlementPeriod, type SettlementPeriodOptions } from '../settlement-period.js';
import { convertMinorUnits, DEFAULT_CONVERSION_FEE, assertFeeRate, type Conversion } from './currency-conversion.js';
import { abs, compare, div, formatRational, mul, rational, sub, type Rational } from './rational.js';

/** Numerators and denominators of a rate stay below 10^30: no rate needs more, and it bounds work. */
const MAX_RATE_PART = 10n ** 30n;

/** A currency code from text; UnknownCurrencyError unless it is one the consortium settles in. */
export function settlementCurrency(code: string): Currency {
  if (!isCurrency(code)) throw new UnknownCurrencyError(code);
  return code;
}

export interface FxRateSet {
  /** The chain the set is for (its genesis hash, hex): signatures do not carry over to another chain. */
  readonly chain: string;
  readonly periodId: string;
  /** The settlement currency every rate is quoted against. */
  readonly base: Currency;
  /** Major units of `base` per major unit of each other currency; `base` itself is not listed. */
  readonly rates: ReadonlyMap<Currency, Rational>;
  /** Signed as an override of the move limit (needs overrideThreshold signatures). */
  readonly override: boolean;
}

export interface FxPolicyInput {
  /** Designated publishers' BLS public keys (48 bytes, compressed G1; registered with a proof of possession). */
  readonly publishers: readonly Uint8Array[];
  readonly base?: Currency;
  /** Signatures a set needs (default 1). */
  readonly publishThreshold?: number;
  /** Signatures an override needs (default: a two-thirds majority of the publishers). */
  readonly overrideThreshold?: number;
  /** Largest move from the previous rate without an override (default 1/10). */
  readonly maxMove?: Rational;
  readonly feeRate?: Rational;
}

export interface FxPolicy {
  readonly publishers: readonly Uint8Array[];
  readonly base: Currency;
  readonly publishThreshold: number;
  readonly overrideThreshold: number;
  readonly maxMove: Rational;
  readonly feeRate: Rational;
}

export function fxPolicy(input: FxPolicyInput): FxPolicy {
  const publishers = input.publishers.map((k) => Uint8Array.from(k));
  const n = publishers.length;
  if (n === 0) throw new SettlementOptionsError('at least one rate publisher is needed');
  const seen = new Set<string>();
  publishers.forEach((k, i) => {
    if (!blsPublicKeyIsValid(k)) throw new SettlementOptionsError(`publisher ${i} is not a valid BLS public key`);
    const hex = Buffer.from(k).toString('hex');
    if (seen.has(hex)) throw new SettlementOptionsError(`publisher ${i} is listed twice`);
    seen.add(hex);
  });
  const base = input.base ?? 'XDR';
  if (!isCurrency(base)) throw new UnknownCurrencyError(String(base));
  const publishThreshold = input.publishThreshold ?? 1;
  const overrideThreshold = input.overrideThreshold ?? Math.floor((2 * n) / 3) + 1;
  if (!Number.isSafeInteger(publishThreshold) || publishThreshold < 1 || publishThreshold > n) {
    throw new SettlementOptionsError(`publishThreshold must be in 1..${n}, got ${String(publishThreshold)}`);
  }
  if (!Number.isSafeInteger(overrideThreshold) || overrideThreshold < publishThreshold || overrideThreshold > n) {
    throw new SettlementOptionsError(`overrideThreshold must be in ${publishThreshold}..${n}, got ${String(overrideThreshold)}`);
  }
  const maxMove = input.maxMove ?? rational(1n, 10n);
  if (maxMove.num <= 0n) throw new SettlementOptionsError('maxMove must be positive');
  const feeRate = input.feeRate ?? DEFAULT_CONVERSION_FEE;
  assertFeeRate(feeRate);
  return Object.freeze({ publishers: Object.freeze(publishers), base, publishThreshold, overrideThreshold, maxMove, feeRate });
}

/** Validates a set's shape and returns a frozen copy. */
export function fxRateSet(set: FxRateSet): FxRateSet {
  if (!isCurrency(set.base)) throw new UnknownCurrencyError(String(set.base));
  const rates = new Map<Currency, Rational>();
  for (const [c, r] of set.rates) {
    if (!isCurrency(c)) throw new UnknownCurrencyError(String(c));
    if (c === set.base) throw new BadRateError(`the base currency ${c} has no rate against itself`);
    if (typeof r.num !== 'bigint' || typeof r.den !== 'bigint' || r.num <= 0n || r.den <= 0n || r.num >= MAX_RATE_PART || r.den >= MAX_RATE_PART) {
      throw new BadRateError(`${c} rate must be a positive rational with parts below 10^30`);
    }
    rates.set(c, rational(r.num, r.den));
  }
  return Object.freeze({ chain: set.chain, periodId: set.periodId, base: set.base, rates, override: set.override });
}

/** The bytes publishers sign: one line per field, currencies in a fixed order (UTF-8). */
export function encodeFxRateSet(set: FxRateSet): Uint8Array {
  const lines = ['cdrchain fx-rate-set v1', `chain=${set.chain}`, `period=${set.periodId}`, `base=${set.base}`, `override=${set.override ? 1 : 0}`];
  for (const c of CURRENCIES) {
    const r = set.rates.get(c);
    if (r !== undefined) lines.push(`${c}=${r.num}/${r.den}`);
  }
  return new TextEncoder().encode(lines.join('\n'));
}

export interface PublisherSignature {
  /** Index of the publisher in the policy's list. */
  readonly publisher: number;
  readonly signature: Uint8Array;
}

export interface SignedFxRateSet {
  readonly set: FxRateSet;
  readonly signatures: readonly PublisherSignature[];
}

export function signFxRateSet(set: FxRateSet, publisher: number, secretKey: Uint8Array): PublisherSignature {
  return { publisher, signature: blsSign(secretKey, encodeFxRateSet(fxRateSet(set))) };
}

/** Rate of `from` in `to` (major units of `to` per major unit of `from`), crossing through the base. */
export function rateBetween(set: FxRateSet, from: Currency, to: Currency): Rational {
  const inBase = (c: Currency): Rational => {
    if (c === set.base) return rational(1n);
    const r = set.rates.get(c);
    if (r === undefined) throw new MissingRateError(c, set.base, set.periodId);
    return r;
  };
  return div(inBase(from), inBase(to));
}

export interface AcceptedFxRateSet {
  readonly set: FxRateSet;
  /** Publisher indices whose signatures verified, ascending. */
  readonly signers: readonly number[];
}

/**
 * What a rate set alone decides (no state): its shape, chain and base, and signatures from distinct
 * designated publishers, at least the threshold (the override threshold for an override). Throws
 * BadSignatureError, BadRateError or UnknownCurrencyError.
 */
export function verifyFxRateSet(policy: FxPolicy, chain: string, signed: SignedFxRateSet): AcceptedFxRateSet {
  const set = fxRateSet(signed.set);
  if (set.chain !== chain) throw new BadSignatureError(`rate set is for chain ${set.chain}, not ${chain}`);
  if (set.base !== policy.base) throw new BadRateError(`rate set is quoted in ${set.base}; the consortium settles in ${policy.base}`);
  const message = encodeFxRateSet(set);
  const signers = new Set<number>();
  for (const { publisher, signature } of signed.signatures) {
    const key = policy.publishers[publisher];
    if (key === undefined || !Number.isSafeInteger(publisher)) throw new BadSignatureError(`signer ${publisher} is not a designated rate publisher`);
    if (signers.has(publisher)) throw new BadSignatureError(`publisher ${publisher} signed twice`);
    if (!blsVerify(key, message, signature)) throw new BadSignatureError(`publisher ${publisher}'s signature does not verify`);
    signers.add(publisher);
  }
  const needed = set.override ? policy.overrideThreshold : policy.publishThreshold;
  if (signers.size < needed) {
    throw new BadSignatureError(`${set.override ? 'an override' : 'a rate set'} needs ${needed} publisher signatures, got ${signers.size}`);
  }
  return Object.freeze({ set, signers: Object.freeze([...signers].sort((a, b) => a - b)) });
}

/**
 * What a verified rate set needs of the sets before it: a period after the last accepted set's,
 * and no rate moving beyond maxMove from it unless the set is an override (signed by the override
 * threshold: verifyFxRateSet). Returns the set's period. BadRateError, RateMoveTooLargeError.
 */
export function assertFxRateSetFollows(
  policy: FxPolicy,
  periods: SettlementPeriodOptions,
  set: FxRateSet,
  previous: { readonly set: FxRateSet; readonly startSeconds: number } | undefined,
): SettlementPeriod {
  const period = parsePeriodId(periods, set.periodId);
  if (previous !== undefined && period.startSeconds <= previous.startSeconds) {
    throw new BadRateError(`period ${set.periodId} is not after ${previous.set.periodId}, which already has its rate set`);
  }
  if (!set.override && previous !== undefined) assertMovesWithin(policy.maxMove, previous.set, set);
  return period;
}

function assertMovesWithin(maxMove: Rational, prev: FxRateSet, next: FxRateSet): void {
  for (const c of CURRENCIES) {
    const a = prev.rates.get(c);
    const b = next.rates.get(c);
    if (a === undefined || b === undefined) continue;
    // |b − a| > maxMove · a, exactly.
    if (compare(abs(sub(b, a)), mul(maxMove, a)) > 0) {
      throw new RateMoveTooLargeError(c, `${c} moves from ${formatRational(a)} to ${formatRational(b)} ${next.base}, more than ${formatRational(maxMove)} of the previous rate, without an override`);
    }
  }
}

/** The accepted rate sets of one chain, one per period, in period order. */
export class FxRateBook {
  private readonly sets = new Map<string, AcceptedFxRateSet>();
  private last: { readonly set: FxRateSet; readonly startSeconds: number } | undefined;

  constructor(
    readonly policy: FxPolicy,
    readonly periods: SettlementPeriodOptions,
    readonly chain: string,
  ) {}

  /**
   * Verifies and accepts a period's rate set. Refuses (nothing changes): another chain or base,
   * a period not after the last accepted one, signatures that do not verify or are not from
   * distinct designated publishers, fewer than the threshold, and a move beyond maxMove from the
   * previous set unless the set is an override with overrideThreshold signatures.
   */
  publish(signed: SignedFxRateSet): AcceptedFxRateSet {
    const accepted = verifyFxRateSet(this.policy, this.chain, signed);
    const period = assertFxRateSetFollows(this.policy, this.periods, accepted.set, this.last);
    this.sets.set(accepted.set.periodId, accepted);
    this.last = { set: accepted.set, startSeconds: period.startSeconds };
    return accepted;
  }

  /** The period's accepted set; MissingRateError if none was published. */
  ratesFor(periodId: string): FxRateSet {
    const a = this.sets.get(periodId);
    if (a === undefined) throw new MissingRateError('*', this.policy.base, periodId);
    return a.set;
  }

  /** Converts minor units of `from` to `to` at the period's rates, with the consortium's fee. */
  convert(periodId: string, amount: bigint, from: string, to: string): Conversion {
    const f = settlementCurrency(from);
    const t = settlementCurrency(to);
    return convertMinorUnits(amount, f, t, rateBetween(this.ratesFor(periodId), f, t), this.policy.feeRate);
  }
}
