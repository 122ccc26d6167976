import type { Cdr } from '../cdr/model.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';

/** An operator's derivation of public records (Operator.publicRecords): n × 128 bytes. */
export type PublicRecordsOf = (cdrs: readonly Cdr[]) => Uint8Array;

export interface CallViews {
  readonly mine: Cdr | undefined;
  readonly theirs: Cdr | undefined;
}

const CHUNK = 2048;

/**
 * My records and my counterparty's paired by call (IMSI and call reference: what both record), in a
 * deterministic order (first appearance in `mine`, then in `theirs`); the first record of a call on
 * each side counts.
 */
export function callViews(mine: Iterable<Cdr>, theirs: Iterable<Cdr>): CallViews[] {
  const calls = new Map<string, { mine?: Cdr; theirs?: Cdr }>();
  const callOf = (c: Cdr): { mine?: Cdr; theirs?: Cdr } => {
    const k = `${c.imsi}\u0000${c.callRef}`;
    let v = calls.get(k);
    if (!v) calls.set(k, (v = {}));
    return v;
  };
  for (const c of mine) callOf(c).mine ??= c;
  for (const c of theirs) callOf(c).theirs ??= c;
  return [...calls.values()].map((v) => ({ mine: v.mine, theirs: v.theirs }));
}

/**
 * My records and the counterparty's, paired by call (IMSI and call reference: the event key's
 * inputs) and keyed by the event key hash the ledger shows (hex), so the ledger's disputed events
 * can be looked up in the operator's own files. The hash is derived by `publicRecords` (the one
 * derivation, src/cdr/derive.ts) from one representative per call, oriented as if `me` submitted
 * it: the event key hash depends on the pair's secret and the call, not on who submits.
 */
export function viewsByEventHash(me: number, mine: Iterable<Cdr>, theirs: Iterable<Cdr>, publicRecords: PublicRecordsOf): Map<string, CallViews> {
  const entries = callViews(mine, theirs);
  const out = new Map<string, CallViews>();
  for (let from = 0; from < entries.length; from += CHUNK) {
    const part = entries.slice(from, from + CHUNK);
    const oriented = part.map((v) => {
      const c = (v.mine ?? v.theirs)!;
      const other = c.submitter === me ? c.counterparty : c.submitter;
      return { ...c, submitter: me, counterparty: other };
    });
    const records = publicRecords(oriented);
    part.forEach((v, i) => {
      const at = i * PUBLIC_RECORD_BYTES + RECORD_OFFSET.eventKeyHash;
      out.set(Buffer.from(records.subarray(at, at + 32)).toString('hex'), { mine: v.mine, theirs: v.theirs });
    });
  }
  return out;
}
