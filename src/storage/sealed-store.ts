import type { Database } from 'lmdb';
import type { StorageEnv } from './env.js';

/**
 * The private store (issue 13, P2): batch id → the batch's sealed section (schemas/sealed.fbs), the
 * bytes exactly as the submitter sent them. Every validator keeps it, written in the same LMDB
 * transaction as the batch's pending marker (so an Ack covers it) and relayed with the batch; none
 * can read it (the keys are wrapped for the pair and the lawful-access quorum). Served only to the
 * pair (`GET /batch/:id/sealed`) and pruned under the `payloads` retention kind. A pruned section
 * leaves a marker (when it was pruned) so the pair is told "no longer held" (410), not "never sealed".
 */
export class SealedStore {
  private readonly sealed: Database<Buffer, Uint8Array>;

  constructor(env: StorageEnv) {
    this.sealed = env.hashDb('sealed');
  }

  /** Inside the batch's admission transaction. */
  put(batchId: Uint8Array, section: Uint8Array): void {
    void this.sealed.put(batchId, Buffer.from(section.buffer, section.byteOffset, section.byteLength));
  }

  /** A copy of the stored section, or undefined (never sealed, or pruned). */
  get(batchId: Uint8Array): Uint8Array | undefined {
    const v = this.sealed.getBinary(batchId);
    return v === undefined ? undefined : Uint8Array.from(v);
  }

  has(batchId: Uint8Array): boolean {
    return this.sealed.doesExist(batchId);
  }

  /** Inside the pruner's transaction: removes the section and marks it pruned at `nowMs`. Returns the bytes freed (0 if there was nothing). */
  remove(batchId: Uint8Array, nowMs: number): number {
    const v = this.sealed.getBinary(batchId);
    if (v === undefined) return 0;
    void this.sealed.remove(batchId);
    const at = Buffer.alloc(8);
    at.writeBigUInt64BE(BigInt(Math.max(0, Math.trunc(nowMs))));
    void this.sealed.put(prunedKey(batchId), at);
    return v.length;
  }

  /** When retention removed the batch's section (ms since the epoch), or undefined: still held, never sealed, or pruned before markers were kept. */
  prunedAtMs(batchId: Uint8Array): bigint | undefined {
    const v = this.sealed.getBinary(prunedKey(batchId));
    return v === undefined || v.length !== 8 ? undefined : v.readBigUInt64BE(0);
  }
}

/** The marker's key: the id and one byte, so it never collides with a 32-byte batch id in the same database. */
function prunedKey(batchId: Uint8Array): Buffer {
  const k = Buffer.alloc(batchId.length + 1);
  k.set(batchId);
  k[batchId.length] = 1;
  return k;
}
