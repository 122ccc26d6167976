import type { Database } from 'lmdb';
import type { StorageEnv } from './env.js';
import type { EvictionReason } from './eviction-reason.js';

export { EVICTION_REASONS, type EvictionReason } from './eviction-reason.js';

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
