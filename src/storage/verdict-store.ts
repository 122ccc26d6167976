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
  /** The height of the block that committed it (absent while it is pending). */
  readonly height?: number;
}

/**
 * Verdicts by (pair, period, revision): key pair a u32 ‖ pair b u32 ‖ month u32 ‖ revision u32, so
 * one (pair, period) is one key range and its latest revision is the last key. Committed state:
 * written in the LMDB transaction of the block that commits the verdict (the state transition takes
 * a revision only when it follows the committed latest), so every validator holds the same chain.
 */
export class VerdictStore {
  private readonly verdicts: Database<StoredVerdict, Buffer>;

  constructor(env: StorageEnv) {
    this.verdicts = env.root.openDB<StoredVerdict, Buffer>({ name: 'verdicts', encoding: 'msgpack', keyEncoding: 'binary' });
  }

  /** Inside the committing block's transaction. */
  put(pairA: number, pairB: number, period: number, v: StoredVerdict): void {
    void this.verdicts.put(verdictKey(pairA, pairB, period, v.revision), v);
  }

  /** The highest committed revision of a (pair, period). */
  latest(pairA: number, pairB: number, period: number): StoredVerdict | undefined {
    const start = verdictKey(pairA, pairB, period, 0);
    const end = verdictKey(pairA, pairB, period, 0xffff_ffff);
    for (const { value } of this.verdicts.getRange({ start: end, end: start, reverse: true, limit: 1 })) return value;
    // getRange's end is exclusive: revision 0xffffffff is never written (revisions start at 1 and rise by 1).
    return undefined;
  }

  /** One committed revision of a (pair, period). */
  get(pairA: number, pairB: number, period: number, revision: number): StoredVerdict | undefined {
    return this.verdicts.get(verdictKey(pairA, pairB, period, revision));
  }

  /** Every committed revision of a (pair, period), oldest first. */
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
