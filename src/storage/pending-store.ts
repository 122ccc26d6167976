import type { Database } from 'lmdb';
import type { StorageEnv } from './env.js';

/**
 * Admitted transactions not yet in a block, in admission order. A batch is acknowledged only once
 * its bytes (ChainStore) and its place here are on disk, so an ack survives a crash; the block that
 * includes it removes it here in the same transaction.
 */
export class PendingStore {
  private readonly pending: Database<Buffer, number>;

  constructor(env: StorageEnv) {
    this.pending = env.uint32Db('pending');
  }

  /** Pending transaction hashes in admission order. */
  list(): { order: number; hash: Uint8Array }[] {
    const out: { order: number; hash: Uint8Array }[] = [];
    for (const { key, value } of this.pending.getRange({})) out.push({ order: key, hash: new Uint8Array(value) });
    return out;
  }

  add(order: number, hash: Uint8Array): void {
    void this.pending.put(order, Buffer.from(hash));
  }

  /** Inside a block's transaction. */
  remove(order: number): void {
    void this.pending.remove(order);
  }
}
