import type { Database } from 'lmdb';
import type { StorageEnv } from './env.js';

/**
 * Chain state changed by blocks: each submitter's last committed batch sequence number. The
 * nullifier set's durable copy is the stored batches themselves (ChainStore): one value per batch,
 * not one put per record, rebuilt into the WASM table on start.
 */
export class StateStore {
  private readonly sequences: Database<Buffer, number>;
  /** Contract transaction sequences: a space apart from batch sequences, so neither blocks the other. */
  private readonly contractSequences: Database<Buffer, number>;
  /** Batch proof transaction sequences: a third space. */
  private readonly proofSequences: Database<Buffer, number>;
  /** Settlement transaction sequences: a fourth space. */
  private readonly settlementSequences: Database<Buffer, number>;

  constructor(env: StorageEnv) {
    this.sequences = env.uint32Db('sequences');
    this.contractSequences = env.uint32Db('contract-sequences');
    this.proofSequences = env.uint32Db('proof-sequences');
    this.settlementSequences = env.uint32Db('settlement-sequences');
  }

  lastSequence(submitter: number): bigint | undefined {
    const v = this.sequences.getBinary(submitter);
    return v ? v.readBigUInt64BE(0) : undefined;
  }

  /** Submitter → last committed sequence, in submitter order. */
  allSequences(): Map<number, bigint> {
    const out = new Map<number, bigint>();
    for (const { key, value } of this.sequences.getRange({})) out.set(key, value.readBigUInt64BE(0));
    return out;
  }

  /** Inside a block's transaction. */
  writeSequence(submitter: number, sequence: bigint): void {
    const v = Buffer.alloc(8);
    v.writeBigUInt64BE(sequence);
    void this.sequences.put(submitter, v);
  }

  /** Sender → last committed contract transaction sequence. */
  allContractSequences(): Map<number, bigint> {
    const out = new Map<number, bigint>();
    for (const { key, value } of this.contractSequences.getRange({})) out.set(key, value.readBigUInt64BE(0));
    return out;
  }

  /** Inside a block's transaction. */
  writeContractSequence(sender: number, sequence: bigint): void {
    const v = Buffer.alloc(8);
    v.writeBigUInt64BE(sequence);
    void this.contractSequences.put(sender, v);
  }

  /** Signer → last committed batch proof sequence. */
  allProofSequences(): Map<number, bigint> {
    const out = new Map<number, bigint>();
    for (const { key, value } of this.proofSequences.getRange({})) out.set(key, value.readBigUInt64BE(0));
    return out;
  }

  /** Inside a block's transaction. */
  writeProofSequence(signer: number, sequence: bigint): void {
    const v = Buffer.alloc(8);
    v.writeBigUInt64BE(sequence);
    void this.proofSequences.put(signer, v);
  }

  /** Submitter → last committed settlement transaction sequence. */
  allSettlementSequences(): Map<number, bigint> {
    const out = new Map<number, bigint>();
    for (const { key, value } of this.settlementSequences.getRange({})) out.set(key, value.readBigUInt64BE(0));
    return out;
  }

  /** Inside a block's transaction. */
  writeSettlementSequence(submitter: number, sequence: bigint): void {
    const v = Buffer.alloc(8);
    v.writeBigUInt64BE(sequence);
    void this.settlementSequences.put(submitter, v);
  }
}
