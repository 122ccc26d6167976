import type { Database } from 'lmdb';
import type { StorageEnv } from './env.js';

/**
 * The sum of the Pedersen charge commitments of every chunk proven for batches of one
 * (submitter → counterparty, settlement period): A = Σ_cur T_cur·G_cur + S·H on Baby Jubjub, T_cur
 * the proven charge total per currency, S the sum of the chunks' blindings (docs/proofs.md §7).
 * Public: a commitment reveals nothing; the pair opens it from its salts.
 */
export interface ChargeAggregate {
  readonly submitter: number;
  readonly counterparty: number;
  /** The settlement period's id (genesis rule) containing the batches' period_start, e.g. "2026-11". */
  readonly period: string;
  /** Affine coordinates, 32-byte big-endian hex each; the identity (0, 1) before any proof. */
  readonly x: string;
  readonly y: string;
  /** Proven batches and chunks added. */
  readonly batches: number;
  readonly chunks: number;
  /** Height of the last block that added to it. */
  readonly height: number;
}

/**
 * Charge aggregates: (submitter u32 ‖ counterparty u32 ‖ period id) → ChargeAggregate, committed
 * state, written in the LMDB transaction of each block that proves a batch (in its state root).
 */
export class ChargeAggregateStore {
  private readonly db: Database<ChargeAggregate, Uint8Array>;

  constructor(env: StorageEnv) {
    this.db = env.root.openDB<ChargeAggregate, Uint8Array>({ name: 'charge-aggregates', encoding: 'msgpack', keyEncoding: 'binary' });
  }

  /** Inside the committing block's transaction. */
  put(a: ChargeAggregate): void {
    void this.db.put(aggregateKey(a.submitter, a.counterparty, a.period), a);
  }

  get(submitter: number, counterparty: number, period: string): ChargeAggregate | undefined {
    return this.db.get(aggregateKey(submitter, counterparty, period));
  }
}

function aggregateKey(submitter: number, counterparty: number, period: string): Uint8Array {
  const id = Buffer.from(period, 'utf8');
  const key = Buffer.alloc(8 + id.length);
  key.writeUInt32BE(submitter, 0);
  key.writeUInt32BE(counterparty, 4);
  id.copy(key, 8);
  return key;
}
