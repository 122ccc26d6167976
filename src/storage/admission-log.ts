import type { Database } from 'lmdb';
import type { StorageEnv } from './env.js';

/**
 * Admission ordinal → batch hash, one entry per stored batch, written in the batch's own persist
 * transaction; ordinals only increase, across restarts too. The nullifier index's manifest names a
 * watermark ordinal below which every key is in a segment: on start only the batches from it on
 * are read again, and entries below it are pruned.
 */
export class AdmissionLog {
  private readonly log: Database<Buffer, number>;

  constructor(private readonly env: StorageEnv) {
    // ordered-binary number keys: safe integers, far beyond uint32's 4.3e9 ordinals.
    this.log = env.root.openDB<Buffer, number>({ name: 'admission-log', encoding: 'binary', keyEncoding: 'ordered-binary' });
  }

  /** Inside the batch's persist transaction. */
  append(ordinal: number, hash: Uint8Array): void {
    void this.log.put(ordinal, Buffer.from(hash));
  }

  /** Highest ordinal logged, or undefined when empty. */
  last(): number | undefined {
    for (const key of this.log.getKeys({ reverse: true, limit: 1 })) return key;
    return undefined;
  }

  /** Entries from `ordinal` on, ascending. */
  *from(ordinal: number): Generator<{ ordinal: number; hash: Uint8Array }> {
    for (const { key, value } of this.log.getRange({ start: ordinal })) yield { ordinal: key, hash: new Uint8Array(value) };
  }

  /** Adds entries for batches stored before the log existed (a one-off upgrade on start). */
  async seed(entries: Iterable<{ ordinal: number; hash: Uint8Array }>): Promise<void> {
    await this.env.transaction(() => {
      for (const e of entries) this.append(e.ordinal, e.hash);
    });
  }

  /** Drops entries below `ordinal` (their keys are in durable segments). */
  async pruneBelow(ordinal: number): Promise<number> {
    const keys = [...this.log.getKeys({ end: ordinal })];
    if (keys.length === 0) return 0;
    await this.env.transaction(() => {
      for (const k of keys) void this.log.remove(k);
    });
    return keys.length;
  }
}
