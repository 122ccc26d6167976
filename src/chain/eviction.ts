import type { Logger } from '../log.js';
import type { EvictionReason, Stores } from '../storage/index.js';
import type { Mempool, MempoolEntry } from './mempool.js';

/** A pending transaction no later block may include, and why. */
export interface PendingEviction {
  readonly entry: MempoolEntry;
  readonly reason: EvictionReason;
  readonly detail: string;
  /** The committed height that caused it, when known better than the head's (a macro commit writes several blocks, then announces each). */
  readonly height?: number;
}

/**
 * Evicts pending transactions in a commit's aftermath: the mempool lets go at once, then one LMDB
 * transaction removes their pending markers and records why (EvictionStore), so GET /txns/{hash}
 * answers `evicted` instead of "pending". A failed write is logged: the markers stay, and the next
 * commit's check evicts them again (so does a restart's first commit).
 */
export async function evictPending(
  deps: { readonly stores: Pick<Stores, 'env' | 'pending' | 'evictions'>; readonly mempool: Mempool; readonly log: Logger },
  evicted: readonly PendingEviction[],
  height: number,
): Promise<void> {
  if (evicted.length === 0) return;
  const { stores } = deps;
  deps.mempool.remove(evicted.map((e) => e.entry));
  try {
    await stores.env.transaction(() => {
      for (const e of evicted) {
        stores.pending.remove(e.entry.order);
        stores.evictions.put(e.entry.id, { reason: e.reason, detail: e.detail, height: e.height ?? height });
      }
    });
  } catch (err) {
    deps.log.warn({ err, count: evicted.length }, 'could not record evicted transactions; their pending markers stay and the next commit evicts them again');
  }
}
