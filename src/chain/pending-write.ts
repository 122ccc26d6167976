import type { Stores } from '../storage/index.js';
import type { StorageHealth } from '../storage/storage-health.js';
import type { Mempool, MempoolEntry } from './mempool.js';
import { BatchRejectedError, RejectCode } from './reject.js';

export interface PendingWriteDeps {
  readonly stores: Stores;
  readonly storage: StorageHealth;
  readonly mempool: Mempool;
}

export interface PendingWriteOptions {
  /** Names the write in the storage-health report ("contract transaction write"). */
  readonly what: string;
  /** The sequence the refusal names. */
  readonly sequence: bigint;
  /** The admitter's own undo (claims, sequences) when the write fails, before the refusal. */
  readonly onFailure?: () => void;
}

/**
 * Makes an admitted transaction pending, durably: it joins the mempool, and its frame and pending
 * marker are written in one LMDB transaction (a kind's own records are state: its block writes them). A failed write takes it out of the mempool, runs
 * `onFailure`, reports the storage failure and refuses with `storage_full`: nothing was recorded, so
 * the sender may retry at once. On success the entry is marked durable.
 */
export async function writePending(deps: PendingWriteDeps, entry: MempoolEntry, frame: Uint8Array, opts: PendingWriteOptions): Promise<void> {
  deps.mempool.push(entry);
  const { stores } = deps;
  try {
    await stores.env.transaction(() => {
      stores.chain.putTx(entry.id, frame);
      stores.pending.add(entry.order, entry.id);
    });
  } catch (err) {
    deps.mempool.discard(entry);
    opts.onFailure?.();
    deps.storage.reportFailure(err, opts.what);
    const reason = err instanceof Error ? err.message : String(err);
    throw new BatchRejectedError(RejectCode.StorageFull, `${reason}; nothing was recorded, retry later`, opts.sequence);
  }
  deps.storage.reportSuccess();
  entry.durable = true;
}
