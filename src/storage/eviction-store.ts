import type { Database } from 'lmdb';
import type { StorageEnv } from './env.js';

/**
 * Why a pending transaction left the mempool without a block: its settlement period closed
 * (`period_closed`), the settlement rules refuse it against committed state (`settlement_refused`),
 * a committed verdict revision overtook it (`verdict_overtaken`), its batch was proven by another
 * committed proof (`already_proven`), or a committed transaction of its submitter with a higher
 * sequence superseded it (`superseded`).
 */
export type EvictionReason = 'period_closed' | 'settlement_refused' | 'verdict_overtaken' | 'already_proven' | 'superseded';

export const EVICTION_REASONS: readonly EvictionReason[] = ['period_closed', 'settlement_refused', 'verdict_overtaken', 'already_proven', 'superseded'];

/** One eviction as recorded: why, in words, and the committed height that caused it. */
export interface Eviction {
  readonly reason: EvictionReason;
  readonly detail: string;
  readonly height: number;
}

/**
 * Evicted transactions: id → Eviction. Written with the eviction (the pending marker's removal), so
 * GET /batch/{id} and GET /txns/{hash} answer `evicted` and why instead of "pending" forever; the
 * frame itself stays stored, neither pending nor committed.
 */
export class EvictionStore {
  private readonly evictions: Database<Eviction, Uint8Array>;

  constructor(env: StorageEnv) {
    this.evictions = env.root.openDB<Eviction, Uint8Array>({ name: 'evictions', encoding: 'msgpack', keyEncoding: 'binary' });
  }

  /** Inside the eviction's LMDB transaction. */
  put(id: Uint8Array, eviction: Eviction): void {
    void this.evictions.put(id, { reason: eviction.reason, detail: eviction.detail, height: eviction.height });
  }

  get(id: Uint8Array): Eviction | undefined {
    return this.evictions.get(id);
  }
}
