import { decodeBatch, type BatchHeaderFields } from '../codec/batch.js';
import { decodePrunedBatch, isPrunedBatch } from '../codec/pruned-batch.js';
import type { ChainHead, ChargeAggregate, Stores } from '../storage/index.js';
import type { StateStore } from '../storage/state-store.js';
import type { SequenceWrite } from './block-application.js';
import type { ContractStateReader } from './contract-executor.js';
import type { BlockWrites } from './state-transition.js';
import { TxKind } from './tx-kinds/tx-kind.js';

/**
 * The chain as its committed blocks left it, and nothing else: no pending transaction, no claim of
 * admission. The state transition checks a block against this alone (src/chain/README.md,
 * "Committed and pending").
 */
export interface CommittedStateView {
  readonly head: ChainHead;
  readonly headTimestampMs: bigint;
  /** The submitter's highest committed sequence of kind `space`; undefined when none is committed. */
  committedSequence(space: TxKind, submitter: number): bigint | undefined;
  /** Whether a committed block names `id`. */
  isCommitted(id: Uint8Array): boolean;
  readonly contracts: ContractStateReader;
  /** Whether a committed batch proof made `batchId` proven. */
  isProven(batchId: Uint8Array): boolean;
  /** The latest committed verdict revision of a (pair, period), or undefined when none is committed. */
  latestVerdict(pairA: number, pairB: number, period: number): VerdictHead | undefined;
  /** The committed charge aggregate of (submitter → counterparty, settlement period), if any proof added to it. */
  chargeAggregate(submitter: number, counterparty: number, period: string): ChargeAggregate | undefined;
  /**
   * The header of a batch stored here (pending or committed, records pruned or not); a batch proof
   * is admitted only for such a batch, so every validator applying the proof has it.
   */
  batchHeader(batchId: Uint8Array): BatchHeaderFields | undefined;
}

/** What the revision chain needs of a committed verdict. */
export interface VerdictHead {
  readonly revision: number;
  readonly txHash: string;
}

/** Sequences per kind and submitter. */
export type SequenceMaps = ReadonlyMap<TxKind, ReadonlyMap<number, bigint>>;

/** The kinds with sequence numbers, and where storage keeps each one's committed sequences. */
const SEQUENCE_TABLES: ReadonlyMap<TxKind, { read(s: StateStore): Map<number, bigint>; write(s: StateStore, submitter: number, seq: bigint): void }> = new Map([
  [TxKind.CdrBatch, { read: (s: StateStore) => s.allSequences(), write: (s: StateStore, submitter: number, seq: bigint) => s.writeSequence(submitter, seq) }],
  [TxKind.ContractTx, { read: (s: StateStore) => s.allContractSequences(), write: (s: StateStore, submitter: number, seq: bigint) => s.writeContractSequence(submitter, seq) }],
  [TxKind.BatchProof, { read: (s: StateStore) => s.allProofSequences(), write: (s: StateStore, submitter: number, seq: bigint) => s.writeProofSequence(submitter, seq) }],
  [TxKind.Settlement, { read: (s: StateStore) => s.allSettlementSequences(), write: (s: StateStore, submitter: number, seq: bigint) => s.writeSettlementSequence(submitter, seq) }],
]);

/** Every committed sequence in storage, per kind. */
export function readCommittedSequences(state: StateStore): Map<TxKind, Map<number, bigint>> {
  return new Map([...SEQUENCE_TABLES].map(([kind, table]) => [kind, table.read(state)]));
}

/** Writes one committed sequence; inside the block's LMDB transaction. */
export function writeCommittedSequence(state: StateStore, w: SequenceWrite): void {
  const table = SEQUENCE_TABLES.get(w.space);
  if (!table) throw new RangeError(`transaction kind ${w.space} has no sequence table`);
  table.write(state, w.submitter, w.sequence);
}

/** The node's committed state: head and sequences in memory, contract state and locations read from storage. */
export class CommittedChainState implements CommittedStateView {
  private currentHead: ChainHead;
  private timestamp: bigint;
  private readonly sequences: Map<TxKind, Map<number, bigint>>;

  constructor(
    private readonly stores: Pick<Stores, 'chain' | 'contracts' | 'proofs' | 'verdicts' | 'chargeAggregates'>,
    init: { readonly head: ChainHead; readonly headTimestampMs: bigint; readonly sequences: SequenceMaps },
  ) {
    this.currentHead = init.head;
    this.timestamp = init.headTimestampMs;
    this.sequences = new Map([...init.sequences].map(([kind, m]) => [kind, new Map(m)]));
  }

  get head(): ChainHead {
    return this.currentHead;
  }

  get headTimestampMs(): bigint {
    return this.timestamp;
  }

  get contracts(): ContractStateReader {
    return this.stores.contracts;
  }

  committedSequence(space: TxKind, submitter: number): bigint | undefined {
    return this.sequences.get(space)?.get(submitter);
  }

  isCommitted(id: Uint8Array): boolean {
    return this.stores.chain.txLocation(id) !== undefined;
  }

  isProven(batchId: Uint8Array): boolean {
    return this.stores.proofs.has(batchId);
  }

  latestVerdict(pairA: number, pairB: number, period: number): VerdictHead | undefined {
    return this.stores.verdicts.latest(pairA, pairB, period);
  }

  chargeAggregate(submitter: number, counterparty: number, period: string): ChargeAggregate | undefined {
    return this.stores.chargeAggregates.get(submitter, counterparty, period);
  }

  batchHeader(batchId: Uint8Array): BatchHeaderFields | undefined {
    const bytes = this.stores.chain.tx(batchId);
    if (bytes === undefined) return undefined;
    try {
      return isPrunedBatch(bytes) ? decodePrunedBatch(bytes).header : decodeBatch(bytes).header;
    } catch {
      return undefined; // not a batch
    }
  }

  /** After the block's writes are durable (the committer calls it): the block becomes the head. */
  advance(writes: BlockWrites): void {
    this.currentHead = writes.head;
    this.timestamp = writes.header.timestampMs;
    for (const w of writes.sequences) {
      let m = this.sequences.get(w.space);
      if (!m) this.sequences.set(w.space, (m = new Map()));
      m.set(w.submitter, w.sequence);
    }
  }
}
