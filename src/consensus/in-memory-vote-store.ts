import { toHex } from '../codec/bytes.js';
import type { SignedKind, SignedRecord, TendermintLock, VoteStore } from './outside-deps.js';

/**
 * A VoteStore in memory: "durable" for as long as the object lives. Tests and the simulator keep
 * one per validator across a simulated crash and restart; the node needs a persistent one (LMDB).
 */
export class InMemoryVoteStore implements VoteStore {
  private readonly records = new Map<string, SignedRecord>();
  private readonly locks = new Map<number, TendermintLock>();
  puts = 0;
  /** Attempts to store a second, different record for one key: a double sign the store refused. */
  refused = 0;

  get(kind: SignedKind, height: number, round: number, context: Uint8Array): SignedRecord | undefined {
    return this.records.get(key(kind, height, round, context));
  }

  async put(record: SignedRecord, lock?: TendermintLock): Promise<void> {
    const k = key(record.kind, record.height, record.round, record.context);
    if (this.records.has(k)) this.refused++;
    if (this.records.has(k)) throw new Error(`a ${record.kind} for ${k} is already stored: the caller must re-send it, not sign again`);
    this.records.set(k, { ...record, context: Uint8Array.from(record.context), payload: Uint8Array.from(record.payload) });
    if (lock) this.locks.set(lock.height, lock);
    this.puts++;
  }

  lock(height: number): TendermintLock | undefined {
    return this.locks.get(height);
  }

  async putLock(lock: TendermintLock): Promise<void> {
    this.locks.set(lock.height, lock);
  }

  async prune(belowHeight: number): Promise<void> {
    for (const [k, r] of this.records) if (r.height < belowHeight) this.records.delete(k);
    for (const h of this.locks.keys()) if (h < belowHeight) this.locks.delete(h);
  }

  get size(): number {
    return this.records.size;
  }
}

function key(kind: SignedKind, height: number, round: number, context: Uint8Array): string {
  return `${kind}/${height}/${round}/${toHex(context)}`;
}
