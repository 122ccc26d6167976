import { fromHex, toHex } from '../codec/bytes.js';
import { canonicalVerdictTx, encodeVerdictTx, VERDICT_TX_VERSION, verdictTxHash, type DecodedVerdictTx, type VerdictFields } from '../codec/verdict-tx.js';
import type { KeyObject } from 'node:crypto';
import { ed25519Sign, ed25519Verify, publicKeyObject } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/hash.js';
import { VerdictInputError } from './errors.js';
import { explainViews, type Explanation, type Tolerances } from './explain.js';
import type { CallViews } from './views-by-event.js';
import { operatorPair, sideOf, type OperatorPair } from './pair.js';
import { formatCalendarMonth, monthFromIndex, monthIndex, type CalendarMonth } from './period.js';

/**
 * The pair's side of P5: the node classified every event of a (pair, period) as matched,
 * mismatched or missing on one side, from hashes and commitments alone; the two operators, who can
 * read their records, apply the tolerances they agreed to the mismatched ones and sign the outcome
 * together. The verdict carries counts, the tolerances and a digest of the per-event resolutions,
 * never a value or an amount. Integer arithmetic only.
 */

/** The tolerances a pair agreed, all fields explicit (they are signed). */
export interface VerdictTolerances extends Tolerances {
  readonly volumeBytes: bigint;
}

/** How the pair resolved one event the node disputed. */
export type Resolution =
  | 'accepted' // mismatched, within the agreed tolerances: settled as recorded
  | 'disputed' // mismatched beyond them (or not explained by the operator's records)
  | 'only_a' // recorded by the pair's lower PLMN id only
  | 'only_b';

const RESOLUTION_CODES: Readonly<Record<Resolution, number>> = { accepted: 1, disputed: 2, only_a: 3, only_b: 4 };

/** A disputed event as the node listed it (GET .../disputes) with the operator's explanation, if its records had the call. */
export interface ExplainedEvent {
  /** 32-byte event key hash, hex. */
  readonly eventHash: string;
  readonly class: 'mismatched' | 'only_a' | 'only_b';
  readonly explanation: Explanation | null;
}

/** The node's counts the verdict starts from (GET /reconciliation/{pair}/{period}). */
export interface NodeCounts {
  readonly indexedHeight: number;
  readonly matched: number;
  readonly mismatched: number;
  readonly onlyA: number;
  readonly onlyB: number;
}

/** A verdict before or after signing: what both operators sign (`fields`) plus who signed. */
export interface PairVerdict {
  readonly pair: OperatorPair;
  readonly period: CalendarMonth;
  readonly fields: VerdictFields;
  readonly signatureA?: Uint8Array;
  readonly signatureB?: Uint8Array;
}

/** Classifies the node's disputed events under the pair's tolerances; 'within_tolerance' is the only explanation that accepts. */
export function resolveEvent(e: ExplainedEvent): Resolution {
  if (e.class === 'only_a') return 'only_a';
  if (e.class === 'only_b') return 'only_b';
  return e.explanation?.verdict === 'within_tolerance' ? 'accepted' : 'disputed';
}

/**
 * The node's disputed events explained from the operator's own records (`views`, by event hash:
 * viewsByEventHash) under `t`; an event its records lack has no explanation (and stays disputed).
 */
export function explainEvents(disputes: readonly { readonly eventHash: string; readonly class: ExplainedEvent['class'] }[], views: ReadonlyMap<string, CallViews>, t: Tolerances): ExplainedEvent[] {
  return disputes.map((d) => {
    const v = views.get(d.eventHash);
    return { eventHash: d.eventHash, class: d.class, explanation: v && (v.mine || v.theirs) ? explainViews(v.mine, v.theirs, t) : null };
  });
}

/**
 * SHA-256 over the resolutions of the disputed events in event hash order: tag ‖ count u32 ‖
 * (event hash 32 ‖ resolution u8)*. Both operators compute it from the same list; the pair can
 * later show which events a verdict accepted, and nobody else learns the list from it.
 */
export function resolutionsDigest(resolved: readonly { readonly eventHash: Uint8Array; readonly resolution: Resolution }[]): Uint8Array {
  const sorted = [...resolved].sort((x, y) => Buffer.compare(x.eventHash, y.eventHash));
  const out = new Uint8Array(16 + 4 + sorted.length * 33);
  out.set(new TextEncoder().encode('cdrchain:vres:1\0'), 0);
  new DataView(out.buffer).setUint32(16, sorted.length);
  sorted.forEach((r, i) => {
    if (r.eventHash.length !== 32) throw new VerdictInputError(`event hash ${toHex(r.eventHash)} is not 32 bytes`);
    if (i > 0 && Buffer.compare(sorted[i - 1]!.eventHash, r.eventHash) === 0) throw new VerdictInputError(`event ${toHex(r.eventHash)} is listed twice`);
    out.set(r.eventHash, 20 + i * 33);
    out[20 + i * 33 + 32] = RESOLUTION_CODES[r.resolution];
  });
  return sha256(out);
}

/**
 * The verdict of a (pair, period) from the node's counts and every disputed event, explained with
 * the operator's records under `tolerances`. Throws VerdictInputError unless the events are exactly
 * the node's disputes (one per mismatched and missing event): a verdict on part of the list would
 * count the rest as nothing.
 */
export function computeVerdict(o: {
  readonly pair: OperatorPair;
  readonly period: CalendarMonth;
  readonly counts: NodeCounts;
  readonly events: readonly ExplainedEvent[];
  readonly tolerances: VerdictTolerances;
  /** The verdict this one replaces (its transaction hash and revision), if any. */
  readonly supersedes?: { readonly hash: Uint8Array; readonly revision: number };
}): PairVerdict {
  const { counts, events, tolerances: t } = o;
  const byClass = { mismatched: 0, only_a: 0, only_b: 0 };
  for (const e of events) byClass[e.class]++;
  if (byClass.mismatched !== counts.mismatched || byClass.only_a !== counts.onlyA || byClass.only_b !== counts.onlyB) {
    throw new VerdictInputError(
      `the listed disputes (${byClass.mismatched} mismatched, ${byClass.only_a} only ${o.pair.a}, ${byClass.only_b} only ${o.pair.b}) are not the node's ` +
      `(${counts.mismatched}, ${counts.onlyA}, ${counts.onlyB}): list every disputed event (--max-disputes) of one reading`,
    );
  }
  if (!Number.isSafeInteger(counts.indexedHeight) || counts.indexedHeight < 0) throw new VerdictInputError('the node has indexed no block yet');
  const resolved = events.map((e) => {
    let eventHash: Uint8Array;
    try {
      eventHash = fromHex(e.eventHash, 32);
    } catch {
      throw new VerdictInputError(`event hash "${e.eventHash.slice(0, 70)}" is not 32 bytes of hex`);
    }
    return { eventHash, resolution: resolveEvent(e) };
  });
  const accepted = resolved.filter((r) => r.resolution === 'accepted').length;
  const fields: VerdictFields = {
    version: VERDICT_TX_VERSION,
    pairA: o.pair.a,
    pairB: o.pair.b,
    period: monthIndex(o.period),
    revision: o.supersedes ? o.supersedes.revision + 1 : 1,
    indexedHeight: BigInt(counts.indexedHeight),
    matched: BigInt(counts.matched),
    accepted: BigInt(accepted),
    disputed: BigInt(counts.mismatched - accepted),
    onlyA: BigInt(counts.onlyA),
    onlyB: BigInt(counts.onlyB),
    toleranceDurationSec: t.durationSec,
    toleranceVolumeBytes: t.volumeBytes,
    toleranceChargePpm: t.chargePpm,
    toleranceChargeMinor: t.chargeMinor,
    resolutionsDigest: resolutionsDigest(resolved),
    supersedes: o.supersedes?.hash,
  };
  return { pair: o.pair, period: o.period, fields };
}

/** Adds `plmn`'s signature (its batch key) over the verdict's canonical encoding on chain `chain`. */
export function signVerdict(v: PairVerdict, plmn: number, key: KeyObject, chain: Uint8Array): PairVerdict {
  const side = sideOf(v.pair, plmn);
  if (!side) throw new VerdictInputError(`operator ${plmn} is not in pair ${v.pair.a}-${v.pair.b}`);
  const signature = ed25519Sign(canonicalVerdictTx(v.fields, chain), key);
  return side === 'a' ? { ...v, signatureA: signature } : { ...v, signatureB: signature };
}

/** Whether `signature` is `publicKey`'s over the verdict on chain `chain`. */
export function verdictSignatureValid(fields: VerdictFields, chain: Uint8Array, signature: Uint8Array | undefined, publicKey: Uint8Array): boolean {
  return signature !== undefined && ed25519Verify(canonicalVerdictTx(fields, chain), signature, publicKeyObject(publicKey));
}

/** The transaction frame of a verdict both operators signed, submitted by `submitter`. */
export function verdictFrame(v: PairVerdict, submitter: number): Uint8Array {
  if (!v.signatureA || !v.signatureB) throw new VerdictInputError(`the verdict lacks the signature of ${v.signatureA ? v.pair.b : v.pair.a}`);
  return encodeVerdictTx(v.fields, submitter, v.signatureA, v.signatureB);
}

export { verdictTxHash };

/** The verdict as a JSON document (the file one operator hands the other). Amounts never appear: there are none. */
export interface VerdictJson {
  readonly type: 'cdrchain_verdict';
  readonly pair: string;
  readonly period: string;
  readonly revision: number;
  readonly indexedHeight: number;
  readonly counts: { readonly matched: number; readonly accepted: number; readonly disputed: number; readonly onlyA: number; readonly onlyB: number };
  readonly tolerances: { readonly durationSec: number; readonly volumeBytes: string; readonly chargePpm: number; readonly chargeMinor: string };
  readonly resolutionsDigest: string;
  readonly supersedes: string | null;
  readonly signatures: { readonly a: string | null; readonly b: string | null };
}

export function verdictToJson(v: PairVerdict): VerdictJson {
  const f = v.fields;
  return {
    type: 'cdrchain_verdict',
    pair: `${v.pair.a}-${v.pair.b}`,
    period: formatCalendarMonth(v.period),
    revision: f.revision,
    indexedHeight: Number(f.indexedHeight),
    counts: { matched: Number(f.matched), accepted: Number(f.accepted), disputed: Number(f.disputed), onlyA: Number(f.onlyA), onlyB: Number(f.onlyB) },
    tolerances: { durationSec: f.toleranceDurationSec, volumeBytes: f.toleranceVolumeBytes.toString(), chargePpm: f.toleranceChargePpm, chargeMinor: f.toleranceChargeMinor.toString() },
    resolutionsDigest: toHex(f.resolutionsDigest),
    supersedes: f.supersedes ? toHex(f.supersedes) : null,
    signatures: { a: v.signatureA ? toHex(v.signatureA) : null, b: v.signatureB ? toHex(v.signatureB) : null },
  };
}

/** Reads a verdict JSON document; throws VerdictInputError naming the first bad field. */
export function verdictFromJson(j: unknown): PairVerdict {
  const o = j as Partial<Record<keyof VerdictJson, unknown>>;
  const bad = (what: string): VerdictInputError => new VerdictInputError(`not a cdrchain verdict: ${what}`);
  if (typeof o !== 'object' || o === null || o.type !== 'cdrchain_verdict') throw bad('type is not "cdrchain_verdict"');
  const m = typeof o.pair === 'string' ? /^([0-9]{5,6})-([0-9]{5,6})$/.exec(o.pair) : null;
  if (!m) throw bad('pair');
  let pair: OperatorPair;
  try {
    pair = operatorPair(Number(m[1]), Number(m[2]));
  } catch {
    throw bad('pair');
  }
  if (pair.a !== Number(m[1])) throw bad('pair must name the lower PLMN id first');
  const pm = typeof o.period === 'string' ? /^([0-9]{4})-([0-9]{2})$/.exec(o.period) : null;
  if (!pm || Number(pm[2]) < 1 || Number(pm[2]) > 12) throw bad('period');
  const period = { year: Number(pm[1]), month: Number(pm[2]) };
  const int = (v: unknown, what: string, max = 0xffff_ffff): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) throw bad(what);
    return v;
  };
  const big = (v: unknown, what: string): bigint => {
    if (typeof v !== 'string' || !/^[0-9]{1,20}$/.test(v) || BigInt(v) >= 2n ** 64n) throw bad(what);
    return BigInt(v);
  };
  const hex = (v: unknown, bytes: number, what: string): Uint8Array => {
    try {
      return fromHex(typeof v === 'string' ? v : '', bytes);
    } catch {
      throw bad(what);
    }
  };
  const c = (o.counts ?? {}) as Record<string, unknown>;
  const t = (o.tolerances ?? {}) as Record<string, unknown>;
  const s = (o.signatures ?? {}) as Record<string, unknown>;
  const fields: VerdictFields = {
    version: VERDICT_TX_VERSION,
    pairA: pair.a,
    pairB: pair.b,
    period: monthIndex(period),
    revision: int(o.revision, 'revision'),
    indexedHeight: BigInt(int(o.indexedHeight, 'indexedHeight', Number.MAX_SAFE_INTEGER)),
    matched: BigInt(int(c.matched, 'counts.matched', Number.MAX_SAFE_INTEGER)),
    accepted: BigInt(int(c.accepted, 'counts.accepted', Number.MAX_SAFE_INTEGER)),
    disputed: BigInt(int(c.disputed, 'counts.disputed', Number.MAX_SAFE_INTEGER)),
    onlyA: BigInt(int(c.onlyA, 'counts.onlyA', Number.MAX_SAFE_INTEGER)),
    onlyB: BigInt(int(c.onlyB, 'counts.onlyB', Number.MAX_SAFE_INTEGER)),
    toleranceDurationSec: int(t.durationSec, 'tolerances.durationSec'),
    toleranceVolumeBytes: big(t.volumeBytes, 'tolerances.volumeBytes'),
    toleranceChargePpm: int(t.chargePpm, 'tolerances.chargePpm', 1_000_000),
    toleranceChargeMinor: big(t.chargeMinor, 'tolerances.chargeMinor'),
    resolutionsDigest: hex(o.resolutionsDigest, 32, 'resolutionsDigest'),
    supersedes: o.supersedes === null || o.supersedes === undefined ? undefined : hex(o.supersedes, 32, 'supersedes'),
  };
  const sig = (v: unknown, what: string): Uint8Array | undefined => (v === null || v === undefined ? undefined : hex(v, 64, what));
  const signatureA = sig(s.a, 'signatures.a');
  const signatureB = sig(s.b, 'signatures.b');
  return { pair, period, fields, ...(signatureA ? { signatureA } : {}), ...(signatureB ? { signatureB } : {}) };
}

/** The pair and period a decoded verdict transaction names. */
export function verdictTarget(tx: Pick<DecodedVerdictTx, 'pairA' | 'pairB' | 'period'>): { pair: OperatorPair; period: CalendarMonth } {
  return { pair: { a: tx.pairA, b: tx.pairB }, period: monthFromIndex(tx.period) };
}

/** The tolerances a verdict was reached under. */
export function verdictTolerances(f: VerdictFields): VerdictTolerances {
  return { durationSec: f.toleranceDurationSec, volumeBytes: f.toleranceVolumeBytes, chargePpm: f.toleranceChargePpm, chargeMinor: f.toleranceChargeMinor };
}

/** Whether two verdicts say the same thing (every signed field). */
export function sameVerdict(x: VerdictFields, y: VerdictFields): boolean {
  const ident = new Uint8Array(32);
  return Buffer.from(canonicalVerdictTx(x, ident)).equals(canonicalVerdictTx(y, ident));
}
