import type { Database } from 'lmdb';
import type { StorageEnv } from './env.js';
import type { TxBodyLocation } from './tx-body-location.js';

/** What the index knows of one body segment file. */
export interface TxBodySegmentInfo {
  readonly segment: number;
  /** Bodies the `txs` index points at in this segment. */
  readonly liveCount: number;
  readonly liveBytes: number;
  /** End of the furthest body ever indexed here: bytes past it were never acknowledged (a torn tail). */
  readonly end: number;
}

/**
 * Per-segment accounting of the body files, in LMDB, changed only inside the transactions that
 * change the `txs` index (a body indexed, a body replaced by a pruned stub): so it always agrees with
 * the index, and a segment whose count reaches 0 holds nothing anyone can look up.
 */
export class TxBodySegments {
  private readonly db: Database<Buffer, number>;

  constructor(env: StorageEnv) {
    this.db = env.uint32Db('tx-body-segments');
  }

  get(segment: number): TxBodySegmentInfo | undefined {
    const v = this.db.getBinary(segment);
    return v ? decode(segment, v) : undefined;
  }

  /** Every segment the index knows, ascending. */
  all(): TxBodySegmentInfo[] {
    const out: TxBodySegmentInfo[] = [];
    for (const { key, value } of this.db.getRange({})) out.push(decode(key, value));
    return out;
  }

  /** Inside the transaction that indexes the body. */
  noteIndexed(loc: TxBodyLocation): void {
    const s = this.get(loc.segment) ?? { segment: loc.segment, liveCount: 0, liveBytes: 0, end: 0 };
    this.put({ segment: loc.segment, liveCount: s.liveCount + 1, liveBytes: s.liveBytes + loc.length, end: Math.max(s.end, loc.offset + loc.length) });
  }

  /** Inside the transaction that stops indexing the body (a pruned stub replaces it). */
  noteReleased(loc: TxBodyLocation): void {
    const s = this.get(loc.segment);
    if (!s) return;
    this.put({ ...s, liveCount: Math.max(0, s.liveCount - 1), liveBytes: Math.max(0, s.liveBytes - loc.length) });
  }

  /** Inside a transaction: the segment's file is gone and nothing points into it. */
  forget(segment: number): void {
    void this.db.remove(segment);
  }

  private put(s: TxBodySegmentInfo): void {
    const v = Buffer.alloc(24);
    v.writeBigUInt64BE(BigInt(s.liveCount), 0);
    v.writeBigUInt64BE(BigInt(s.liveBytes), 8);
    v.writeBigUInt64BE(BigInt(s.end), 16);
    void this.db.put(s.segment, v);
  }
}

function decode(segment: number, v: Buffer): TxBodySegmentInfo {
  return { segment, liveCount: Number(v.readBigUInt64BE(0)), liveBytes: Number(v.readBigUInt64BE(8)), end: Number(v.readBigUInt64BE(16)) };
}
