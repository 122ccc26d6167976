import type { Database } from 'lmdb';
import type { StorageEnv } from './env.js';

/** A reconciliation verdict as the node recorded it (issue 13, P5): counts, tolerances and digests, no value. */
export interface StoredVerdict {
  /** The verdict transaction (hex): GET /txns/{hash} shows it and where it was committed. */
  readonly txHash: string;
  readonly revision: number;
  /** The operator that submitted it (either of the pair; both signed). */
  readonly submitter: number;
  readonly indexedHeight: number;
  readonly matched: number;
  readonly accepted: number;
  readonly disputed: number;
  readonly onlyA: number;
  readonly onlyB: number;
  readonly tolerances: { readonly durationSec: number; readonly volumeBytes: string; readonly chargePpm: number; readonly chargeMinor: string };
  readonly resolutionsDigest: string;
  readonly supersedes: string | null;
}

/**
 * Verdicts by (pair, period, revision): key pair a u32 ‖ pair b u32 ‖ month u32 ‖ revision u32, so
 * one (pair, period) is one key range and its latest revision is the last key. Written in the same
 * LMDB transaction as the verdict transaction's bytes and pending marker (admission refuses a
 * revision that does not follow the latest), so the node's acknowledgement covers it.
 */
export class VerdictStore {
  private readonly verdicts: Database<StoredVerdict, Buffer>;

  constructor(env: StorageEnv) {
    this.verdicts = env.root.openDB<StoredVerdict, Buffer>({ name: 'verdicts', encoding: 'msgpack', keyEncoding: 'binary' });
  }

  /** Inside the verdict transaction's admission transaction. */
  put(pairA: number, pairB: number, period: number, v: StoredVerdict): void {
    void this.verdicts.put(verdictKey(pairA, pairB, period, v.revision), v);
  }

  /** The highest revision recorded for a (pair, period), pending or committed. */
  latest(pairA: number, pairB: number, period: number): StoredVerdict | undefined {
    const start = verdictKey(pairA, pairB, period, 0);
    const end = verdictKey(pairA, pairB, period, 0xffff_ffff);
    for (const { value } of this.verdicts.getRange({ start: end, end: start, reverse: true, limit: 1 })) return value;
    // getRange's end is exclusive: revision 0xffffffff is never written (revisions start at 1 and rise by 1).
    return undefined;
  }

  /** Every revision of a (pair, period), oldest first. */
  history(pairA: number, pairB: number, period: number): StoredVerdict[] {
    return [...this.verdicts.getRange({ start: verdictKey(pairA, pairB, period, 0), end: verdictKey(pairA, pairB, period, 0xffff_ffff) })].map((e) => e.value);
  }
}

function verdictKey(a: number, b: number, period: number, revision: number): Buffer {
  const k = Buffer.allocUnsafe(16);
  k.writeUInt32BE(a, 0);
  k.writeUInt32BE(b, 4);
  k.writeUInt32BE(period, 8);
  k.writeUInt32BE(revision, 12);
  return k;
}
