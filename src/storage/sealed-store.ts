import type { Database } from 'lmdb';
import type { StorageEnv } from './env.js';

/**
 * The private store (issue 13, P2): batch id → the batch's sealed section (schemas/sealed.fbs), the
 * bytes exactly as the submitter sent them. Every validator keeps it, written in the same LMDB
 * transaction as the batch's pending marker (so an Ack covers it) and relayed with the batch; none
 * can read it (the keys are wrapped for the pair and the lawful-access quorum). Served only to the
 * pair (`GET /batch/:id/sealed`) and pruned under the `payloads` retention kind.
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

  /** Inside the pruner's transaction. Returns the bytes freed (0 if there was nothing). */
  remove(batchId: Uint8Array): number {
    const v = this.sealed.getBinary(batchId);
    if (v === undefined) return 0;
    void this.sealed.remove(batchId);
    return v.length;
  }
}
