import type { Database } from 'lmdb';
import type { StorageEnv } from './env.js';

/** What the node recorded of a batch once a batch proof transaction for it verified (issue 13, P6). */
export interface ProvenBatch {
  /** The circuit the proof was verified under: its registered id, version and records per chunk. */
  readonly circuitId: string;
  readonly circuitVersion: number;
  readonly chunkRecords: number;
  /** SHA-256 of the registered verification key (hex): which key, independently of its file. */
  readonly vkeyId: string;
  /** Per chunk, the proven Poseidon commitment of its totals (hex, 32 bytes): the pair can open them. */
  readonly totalsCommitments: readonly string[];
  /** Per chunk, its proven Pedersen charge commitment (hex x ‖ y, 64 bytes): added to the pair's ChargeAggregate. */
  readonly chargeCommitments: readonly string[];
  /** The settlement period whose aggregate the chunks were added to. */
  readonly period: string;
  /** The batch proof transaction (hex): GET /txns/{hash} shows it and where it was committed. */
  readonly txHash: string;
  /** The operator that signed it (the batch's submitter or counterparty). */
  readonly signer: number;
  /** The height of the block that committed the proof: the earliest committed proof is the record. */
  readonly height: number;
  /** Declared by the proof: a `view` batch joined no aggregate (absent: billing). */
  readonly role?: 'view';
}

/**
 * Proven batches: batch id → ProvenBatch, committed state. Written in the LMDB transaction of the
 * block that commits the batch's first proof in chain order (the state transition refuses a second
 * one), so every validator, and a restarted node, holds the same record.
 */
export class ProofStore {
  private readonly proven: Database<ProvenBatch, Uint8Array>;

  constructor(env: StorageEnv) {
    this.proven = env.root.openDB<ProvenBatch, Uint8Array>({ name: 'batch-proofs', encoding: 'msgpack', keyEncoding: 'binary' });
  }

  /** Inside the committing block's transaction. */
  put(batchId: Uint8Array, proven: ProvenBatch): void {
    void this.proven.put(batchId, proven);
  }

  get(batchId: Uint8Array): ProvenBatch | undefined {
    return this.proven.get(batchId);
  }

  has(batchId: Uint8Array): boolean {
    return this.proven.doesExist(batchId);
  }
}
