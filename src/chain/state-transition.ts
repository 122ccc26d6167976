import { createHash } from 'node:crypto';
import { BLOCK_VERSION_CONSENSUS, BlockKind, blockHash, MAX_BLOCK_TXS, type BlockHeaderFields, type ConsensusHeaderFields } from '../codec/block.js';
import { toHex } from '../codec/bytes.js';
import { BLOCK_VERSION } from '../codec/limits.js';
import { sha256MerkleRoot } from '../crypto/hash.js';
import type { ChainHead, ChargeAggregate, StoredReceipt } from '../storage/index.js';
import { BlockApplication, InapplicableTxError, InvalidBlockError, type BlockVm, type ProofWrite, type SequenceWrite, type VerdictWrite } from './block-application.js';
import { circuitKey, type GenesisCircuit } from './genesis-circuits.js';
import type { GenesisSettlement } from './genesis-settlement.js';
import type { SettlementApprovalRules } from './settlement-approval-rules.js';
import { BlockFill, type BlockLimits } from './block-limits.js';
import type { CommittedStateView } from './committed-state.js';
import type { BlockExecution } from './contract-executor.js';
import type { MempoolEntry } from './mempool.js';
import type { TxCodec, TxKind } from './tx-kinds/tx-kind.js';

export { InapplicableTxError, InvalidBlockError };

/**
 * The pending overlay as the state transition reads it: transactions admitted here (checked,
 * nullifiers inserted, durable) and not committed.
 */
export interface PendingTxs {
  get(id: Uint8Array): MempoolEntry | undefined;
  /** The stored frame of a pending transaction. */
  body(id: Uint8Array): Uint8Array | undefined;
}

/** What the rules of a block are made of: limits, the VM, and each kind's `apply`. */
export interface TransitionRules {
  readonly limits: BlockLimits;
  readonly vm: BlockVm;
  readonly codec: (kind: TxKind) => TxCodec;
  /** The genesis' settlement rules (periods, rate publishers, statements). */
  readonly settlement: GenesisSettlement;
  /** The genesis operators in consortium order (PLMN ascending). */
  readonly operators: readonly number[];
  /** Settlement approval (chain, policy, netting contract, producers); absent, proposals and approvals are refused. */
  readonly approvals?: SettlementApprovalRules;
  /** The genesis' registered circuits (a batch proof's proven record names its key); none when absent. */
  readonly circuits?: readonly GenesisCircuit[];
}

/** A block to check: its header and the transaction ids it names, in order. */
export interface BlockCandidate {
  readonly header: BlockHeaderFields;
  readonly txIds: readonly Uint8Array[];
}

/** Who makes a block and when: consensus decides both; the builder fills in the rest. */
export interface BlockProposal {
  readonly producer: number;
  readonly timestampMs: bigint;
  /** Micro unless consensus says otherwise. */
  readonly kind?: BlockKind;
  /**
   * Version 2 header fields (round, seed, fork proofs root, validators hash): given, the block is a
   * version 2 block and its header carries the state root computed here. Absent: a version 1 block.
   */
  readonly consensus?: Omit<ConsensusHeaderFields, 'stateRoot'>;
}

/**
 * Everything a block changes, computed without writing anything: the committer writes it in one
 * LMDB transaction. Contract code, slots and receipts sit in `contracts`.
 */
export interface BlockWrites {
  readonly header: BlockHeaderFields;
  readonly hash: Uint8Array;
  readonly head: ChainHead;
  readonly txIds: readonly Uint8Array[];
  /** The pending entries the block commits, in block order. */
  readonly entries: readonly MempoolEntry[];
  readonly sequences: readonly SequenceWrite[];
  readonly contracts: BlockExecution | undefined;
  /** Contract receipts in block order. */
  readonly receipts: readonly { readonly hash: Uint8Array; readonly receipt: StoredReceipt }[];
  /** Batches the block's proofs make proven (the first proof of each in chain order), in block order. */
  readonly proofs: readonly ProofWrite[];
  /** Verdict revisions the block commits, in block order. */
  readonly verdicts: readonly VerdictWrite[];
  /** Charge aggregates the block's proofs change, as they stand after it, ordered by (submitter, counterparty, period). */
  readonly aggregates: readonly ChargeAggregate[];
  /**
   * SHA-256 over a canonical encoding of the state changes (sequences, contract code, slots,
   * receipts, proven batches, verdicts): two nodes that apply one block differently get different roots.
   */
  readonly stateRoot: Uint8Array;
}

/**
 * The state transition: validates a block against committed state and the pending overlay, and
 * returns its writes. No I/O but reads of committed state and stored frames, no clock, no
 * iteration over unordered collections: every node gets the same writes from the same block. The
 * node's own blocks (`propose`) and peers' blocks (`apply`) run the same transaction checks.
 */
export class StateTransition {
  private readonly circuits: ReadonlyMap<string, GenesisCircuit>;
  private readonly linkProofs: boolean;

  constructor(
    private readonly committed: CommittedStateView,
    private readonly pending: PendingTxs,
    private readonly rules: TransitionRules,
  ) {
    this.circuits = new Map((rules.circuits ?? []).filter((c) => c.linesPerCurrency === undefined).map((c) => [circuitKey(c.id, c.version, c.chunkRecords), c]));
    this.linkProofs = (rules.circuits ?? []).some((c) => c.linesPerCurrency !== undefined);
  }

  /**
   * A peer's block (or any block from outside): every header field that follows from the parent
   * and the contents must match, every transaction must be admitted here, durable and not
   * committed, in sequence order per submitter, within the block limits, and the state root must
   * match the version 2 header's (or `expectedStateRoot`, when given; `null`: the caller compares a
   * root of its own, as consensus does with fork proofs and validators in it). Throws InvalidBlockError.
   */
  apply(candidate: BlockCandidate, expectedStateRoot: Uint8Array | null | undefined = candidate.header.consensus?.stateRoot): BlockWrites {
    const { header, txIds } = candidate;
    const head = this.committed.head;
    if (header.height !== BigInt(head.height + 1)) throw new InvalidBlockError('height', `height ${header.height} does not follow the head ${head.height}`);
    if (!equal(header.prevHash, head.hash)) throw new InvalidBlockError('parent', `parent ${toHex(header.prevHash)} is not the head ${toHex(head.hash)}`);
    if (header.timestampMs <= this.committed.headTimestampMs) {
      throw new InvalidBlockError('timestamp', `timestamp ${header.timestampMs} is not after the parent's ${this.committed.headTimestampMs}`);
    }
    if (header.txCount !== txIds.length || txIds.length > MAX_BLOCK_TXS) throw new InvalidBlockError('tx_count', `header says ${header.txCount} transactions, the block names ${txIds.length}`);
    if (!equal(header.txRoot, sha256MerkleRoot(txIds))) throw new InvalidBlockError('tx_root', 'transaction root does not match the transactions');
    const entries = txIds.map((id) => this.admitted(id));
    const { block: applied } = this.applyTransactions(entries, Number(header.height), header.timestampMs, false);
    if (applied.cdrCount !== header.cdrCount) throw new InvalidBlockError('cdr_count', `header says ${header.cdrCount} CDRs, the transactions hold ${applied.cdrCount}`);
    const writes = this.writes(header, txIds, entries, applied, stateChangesRoot(Number(header.height), applied.sequenceWrites(), applied.contractExecution, applied));
    if (expectedStateRoot && !equal(expectedStateRoot, writes.stateRoot)) {
      throw new InvalidBlockError('state_root', `state root ${toHex(expectedStateRoot)} does not match ${toHex(writes.stateRoot)} computed here`);
    }
    return writes;
  }

  /**
   * This node's next block from `entries` (the mempool's durable prefix, in order): the same
   * transaction checks as `apply`, then the header that follows from the parent and the contents.
   * An entry its own rules refuse in this block (InapplicableTxError: a batch of a period closed at
   * the proposal's timestamp, a settlement action state no longer admits) is left out, not fatal.
   */
  propose(proposal: BlockProposal, candidates: readonly MempoolEntry[]): BlockWrites {
    const head = this.committed.head;
    if (proposal.timestampMs <= this.committed.headTimestampMs) {
      throw new InvalidBlockError('timestamp', `timestamp ${proposal.timestampMs} is not after the parent's ${this.committed.headTimestampMs}`);
    }
    const height = head.height + 1;
    for (const e of candidates) this.admitted(e.id);
    const { block: applied, included: entries } = this.applyTransactions(candidates, height, proposal.timestampMs, true);
    const txIds = entries.map((e) => e.id);
    const stateRoot = stateChangesRoot(height, applied.sequenceWrites(), applied.contractExecution, applied);
    const header: BlockHeaderFields = {
      version: proposal.consensus ? BLOCK_VERSION_CONSENSUS : BLOCK_VERSION,
      kind: proposal.kind ?? BlockKind.Micro,
      height: BigInt(height),
      prevHash: head.hash,
      timestampMs: proposal.timestampMs,
      producer: proposal.producer,
      txRoot: sha256MerkleRoot(txIds),
      txCount: entries.length,
      cdrCount: applied.cdrCount,
      ...(proposal.consensus ? { consensus: { ...proposal.consensus, stateRoot } } : {}),
    };
    return this.writes(header, txIds, entries, applied, stateRoot);
  }

  /** The pending entry of `id`: admitted here, durable, not committed. */
  private admitted(id: Uint8Array): MempoolEntry {
    const entry = this.pending.get(id);
    if (!entry) {
      if (this.committed.isCommitted(id)) throw new InvalidBlockError('already_committed', `transaction ${toHex(id)} is already in a committed block`);
      throw new InvalidBlockError('not_admitted', `transaction ${toHex(id)} is not admitted here`, true);
    }
    if (!entry.durable) throw new InvalidBlockError('not_durable', `transaction ${toHex(id)} is admitted here but not yet durable`, true);
    if (this.committed.isCommitted(id)) throw new InvalidBlockError('already_committed', `transaction ${toHex(id)} is already in a committed block`);
    return entry;
  }

  /**
   * Applies `entries` in order. `leaveOut` (a proposal): an entry whose kind refuses it in this
   * block (InapplicableTxError, thrown before its apply changes anything) is skipped; otherwise
   * (a block from outside) the refusal is the block's.
   */
  private applyTransactions(entries: readonly MempoolEntry[], height: number, timestampMs: bigint, leaveOut: boolean): { block: BlockApplication; included: MempoolEntry[] } {
    const block = new BlockApplication(this.committed, { height, timestampMs }, this.rules.vm, this.rules.settlement, this.rules.operators, this.rules.approvals, this.circuits, this.linkProofs);
    const fill = new BlockFill(this.rules.limits);
    const seen = new Set<string>();
    const included: MempoolEntry[] = [];
    for (const entry of entries) {
      const index = included.length;
      const key = toHex(entry.id);
      if (seen.has(key)) throw new InvalidBlockError('duplicate_tx', `transaction ${key} appears twice`);
      seen.add(key);
      if (!fill.tryAdd(entry)) throw new InvalidBlockError('limits', `transaction ${index} (${key}) exceeds the block limits ${JSON.stringify(this.rules.limits)}`);
      try {
        this.rules.codec(entry.kind).apply(block, {
          entry,
          index,
          bytes: () => {
            const bytes = this.pending.body(entry.id);
            if (!bytes) throw new Error(`pending transaction ${key} has no stored bytes`);
            return bytes;
          },
        });
      } catch (err) {
        if (leaveOut && err instanceof InapplicableTxError) continue;
        throw err;
      }
      included.push(entry);
    }
    return { block, included };
  }

  private writes(header: BlockHeaderFields, txIds: readonly Uint8Array[], entries: readonly MempoolEntry[], applied: BlockApplication, stateRoot: Uint8Array): BlockWrites {
    const hash = blockHash(header);
    const contracts = applied.contractExecution;
    const receipts = contracts?.executed ?? [];
    const sequences = applied.sequenceWrites();
    const height = Number(header.height);
    return {
      header, hash, txIds, entries, sequences, contracts, receipts,
      proofs: applied.proofWrites(), verdicts: applied.verdictWrites(), aggregates: applied.aggregateWrites(),
      head: { height, hash, cdrCount: this.committed.head.cdrCount + applied.cdrCount },
      stateRoot,
    };
  }
}

const STATE_ROOT_TAG = 'cdrchain:state-changes:1';
const RECORDS_TAG = 'cdrchain:proofs-verdicts:1';
const AGGREGATES_TAG = 'cdrchain:charge-aggregates:1';

/** The proven batches and verdicts a block commits (BlockApplication's, in block order), and the charge aggregates they change. */
export interface RecordWrites {
  proofWrites(): readonly ProofWrite[];
  verdictWrites(): readonly VerdictWrite[];
  aggregateWrites?(): readonly ChargeAggregate[];
}

/**
 * The canonical digest of a block's state changes (see BlockWrites.stateRoot). Proven batches and
 * verdicts are hashed only when the block commits any (batch id ‖ proof transaction; pair ‖ period ‖
 * revision ‖ verdict transaction; the rest of each record follows from the transaction's bytes), so
 * a block without them keeps the root it had before they were state.
 */
export function stateChangesRoot(height: number, sequences: readonly SequenceWrite[], contracts: BlockExecution | undefined, records?: RecordWrites): Uint8Array {
  const h = createHash('sha256').update(STATE_ROOT_TAG).update(u64(BigInt(height)));
  h.update(u32(sequences.length));
  for (const s of sequences) h.update(u32(s.space)).update(u32(s.submitter)).update(u64(s.sequence));
  contracts?.digestChanges((part) => h.update(part));
  const proofs = records?.proofWrites() ?? [];
  const verdicts = records?.verdictWrites() ?? [];
  if (proofs.length > 0 || verdicts.length > 0) {
    h.update(RECORDS_TAG).update(u32(proofs.length));
    for (const p of proofs) h.update(p.batchId).update(Buffer.from(p.proven.txHash, 'hex'));
    h.update(u32(verdicts.length));
    for (const v of verdicts) h.update(u32(v.pairA)).update(u32(v.pairB)).update(u32(v.period)).update(u32(v.verdict.revision)).update(Buffer.from(v.verdict.txHash, 'hex'));
  }
  // Charge aggregates after the block (only blocks that prove a batch change any): each one's whole value.
  const aggregates = records?.aggregateWrites?.() ?? [];
  if (aggregates.length > 0) {
    h.update(AGGREGATES_TAG).update(u32(aggregates.length));
    for (const a of aggregates) {
      const period = Buffer.from(a.period, 'utf8');
      h.update(u32(a.submitter)).update(u32(a.counterparty)).update(u32(period.length)).update(period)
        .update(Buffer.from(a.x, 'hex')).update(Buffer.from(a.y, 'hex')).update(u32(a.batches)).update(u32(a.chunks));
    }
  }
  return new Uint8Array(h.digest());
}

function u32(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function u64(n: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}
