import type { BatchHeaderFields } from '../codec/batch.js';
import { toHex } from '../codec/bytes.js';
import type { ChargeAggregate, ProvenBatch, StoredVerdict } from '../storage/index.js';
import { JubjubPoint, toAffineBatch, type AffinePoint } from '../settlement/commitment/pedersen.js';
import type { HostFunctions, Interpreter } from '../vm/execution.js';
import { BlockExecution, readSlotsIn, type BlockContext } from './contract-executor.js';
import type { SettlementApprovalRules } from './settlement-approval-rules.js';
import type { CommittedStateView } from './committed-state.js';
import type { MempoolEntry } from './mempool.js';
import type { TxKind } from './tx-kinds/tx-kind.js';
import type { GenesisSettlement } from './genesis-settlement.js';
import type { GenesisCircuit } from './genesis-circuits.js';
import { PeriodClosedError, PeriodFormatError } from '../settlement/errors.js';
import { isPeriodClosed, periodContaining } from '../settlement/settlement-period.js';

/** Why a block may not be applied on top of this node's committed state. */
export type InvalidBlockReason =
  | 'height' | 'parent' | 'timestamp' | 'tx_count' | 'tx_root' | 'cdr_count' | 'duplicate_tx'
  | 'not_admitted' | 'not_durable' | 'already_committed' | 'sequence' | 'limits' | 'state_root'
  | 'period_closed' | 'settlement' | 'proof' | 'verdict';

/**
 * A block that cannot be applied here. `retryable`: it may become valid later without any change to
 * it (a transaction it names is not admitted, or not yet durable, here: fetch or wait, then retry).
 */
export class InvalidBlockError extends Error {
  override readonly name = 'InvalidBlockError';
  constructor(
    readonly reason: InvalidBlockReason,
    detail: string,
    readonly retryable = false,
    /** not_admitted: how many transactions the block names that are not here yet (progress while they arrive). */
    readonly missing?: number,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/**
 * One transaction may not be in this block, by a rule of its own (a batch of a settlement period
 * closed at the block's timestamp, a settlement action the chain's state no longer admits): a block
 * that includes it is invalid, and a producer leaves it out (StateTransition.propose).
 */
export class InapplicableTxError extends InvalidBlockError {}

/** The executor of contract code a block runs with: each node's own instance, deterministic. */
export interface BlockVm {
  readonly interpreter: Interpreter;
  readonly host: HostFunctions;
}

/** One transaction of a block, as its kind's `apply` sees it. */
export interface BlockTx {
  /** The pending entry it has here (admitted, durable, not committed). */
  readonly entry: MempoolEntry;
  /** Its place in the block. */
  readonly index: number;
  /** Its stored frame, read on demand (a CDR batch's apply needs none). */
  bytes(): Uint8Array;
}

/** A batch's proven record, as the block that carries its first proof in chain order commits it. */
export interface ProofWrite {
  readonly batchId: Uint8Array;
  readonly proven: ProvenBatch;
}

/** A proven batch's chunk charge commitments, added to (submitter → counterparty, period)'s aggregate. */
export interface ChargeAddition {
  readonly submitter: number;
  readonly counterparty: number;
  /** Settlement period id (genesis rule) of the batch's period_start. */
  readonly period: string;
  /** The chunks' Pedersen charge commitments (affine), verified by the proof's admission. */
  readonly chunks: readonly AffinePoint[];
}

/** A (pair, period)'s next verdict revision, as the block that carries it commits it. */
export interface VerdictWrite {
  readonly pairA: number;
  readonly pairB: number;
  readonly period: number;
  readonly verdict: StoredVerdict;
}

/** A submitter's highest sequence of one kind after a block. */
export interface SequenceWrite {
  readonly space: TxKind;
  readonly submitter: number;
  readonly sequence: bigint;
}

/**
 * What the transactions of one block did so far, on top of committed state: sequences per kind and
 * submitter, CDRs, and contract execution (code and slots written by an earlier transaction are
 * visible to later ones). Kinds' `apply` functions write here; nothing here writes storage.
 */
export class BlockApplication {
  private readonly sequences = new Map<TxKind, Map<number, bigint>>();
  private cdrs = 0;
  private execution: BlockExecution | undefined;
  /** Proven records and verdicts the block commits, in block order (arrays: the state root hashes them in this order). */
  private readonly proofs: ProofWrite[] = [];
  private readonly verdicts: VerdictWrite[] = [];
  /** Charge additions of the block's proofs, in block order. */
  private readonly additions: ChargeAddition[] = [];

  constructor(
    private readonly committed: CommittedStateView,
    readonly block: BlockContext,
    private readonly vm: BlockVm,
    /** The genesis' settlement rules (periods): every validator applies the same. */
    readonly settlement: GenesisSettlement,
    /** The consortium's operators in consortium order (PLMN ascending): pairs are numbered by it. */
    readonly operators: readonly number[],
    /** Settlement proposals and approvals: the chain, the approval policy, the netting contract, producers (absent: refused). */
    readonly approvals?: SettlementApprovalRules,
    /** The genesis' registered circuits by circuitKey (id, version, records per chunk): a proven record names its key. */
    readonly circuits: ReadonlyMap<string, GenesisCircuit> = new Map(),
    /** The genesis registers the link circuit: committed statements are link-proved, taken from their period's close. */
    readonly linkProofs: boolean = false,
  ) {}

  /** The header of a batch stored here (committed state's; see CommittedStateView.batchHeader). */
  batchHeader(batchId: Uint8Array): BatchHeaderFields | undefined {
    return this.committed.batchHeader(batchId);
  }

  /**
   * Refuses (InapplicableTxError, period_closed) a record whose period_start lies in a settlement
   * period closed at this block's timestamp (docs/settlement.md, "Periods").
   */
  assertRecordPeriodOpen(periodStart: bigint, index: number): void {
    let period;
    try {
      period = periodContaining(this.settlement.periods, Number(periodStart));
    } catch (err) {
      if (err instanceof PeriodFormatError) throw new InapplicableTxError('period_closed', `transaction ${index}: period_start ${periodStart} names no settlement period (${err.message})`);
      throw err;
    }
    if (isPeriodClosed(period, this.block.timestampMs)) {
      throw new InapplicableTxError('period_closed', `transaction ${index}: ${new PeriodClosedError(period.id, period.closesAtMs, this.block.timestampMs).message}`);
    }
  }

  /**
   * Moves `submitter`'s sequence of kind `space` to `sequence`, which must be above its committed
   * one and above every earlier transaction of the same kind and submitter in this block (gaps are
   * allowed: admission allows jumps of up to maxSequenceJump). For kinds whose order matters
   * (contract transactions execute in sequence order).
   */
  advanceSequence(space: TxKind, submitter: number, sequence: bigint): void {
    let bySubmitter = this.sequences.get(space);
    if (!bySubmitter) this.sequences.set(space, (bySubmitter = new Map()));
    const last = bySubmitter.get(submitter) ?? this.committed.committedSequence(space, submitter);
    if (last !== undefined && sequence <= last) {
      throw new InvalidBlockError('sequence', `sequence ${sequence} of ${submitter} (kind ${space}) is not above ${last}, its last committed or earlier in the block`);
    }
    bySubmitter.set(submitter, sequence);
  }

  /**
   * Records that a transaction of `submitter` with `sequence` is in the block, in any order: the
   * submitter's sequence becomes the highest seen. For kinds whose transactions are independent of
   * each other (CDR batches: replays are refused by id and by nullifier), so a producer that puts a
   * later batch first cannot make an earlier, acknowledged one unincludable.
   */
  noteSequence(space: TxKind, submitter: number, sequence: bigint): void {
    let bySubmitter = this.sequences.get(space);
    if (!bySubmitter) this.sequences.set(space, (bySubmitter = new Map()));
    const last = bySubmitter.get(submitter) ?? this.committed.committedSequence(space, submitter);
    bySubmitter.set(submitter, last !== undefined && last > sequence ? last : sequence);
  }

  /**
   * Records a batch's proof: the first in chain order is the batch's record. A batch proven by a
   * committed block or earlier in this one refuses it (InapplicableTxError, before anything changes):
   * a producer leaves it out, and the commit evicts it (already_proven). Its chunks' charge
   * commitments join the aggregate of the batch's (submitter → counterparty, period): aggregateWrites.
   */
  /** `charge` is absent for a `view` batch: proven, added to no aggregate. */
  recordProof(w: ProofWrite, index: number, charge: ChargeAddition | undefined): void {
    const hex = toHex(w.batchId);
    if (this.proofs.some((p) => toHex(p.batchId) === hex) || this.committed.isProven(w.batchId)) {
      throw new InapplicableTxError('proof', `transaction ${index}: batch ${hex} is already proven by an earlier proof in chain order`);
    }
    this.proofs.push(w);
    if (charge !== undefined) this.additions.push(charge);
  }

  /**
   * The charge aggregates the block's proofs change, after the block: each committed aggregate (or
   * the identity) plus its proven chunks' commitments. Ordered by (submitter, counterparty, period)
   * so the state root does not depend on anything but the block's content.
   */
  aggregateWrites(): readonly ChargeAggregate[] {
    const keys: string[] = [];
    const sums = new Map<string, { submitter: number; counterparty: number; period: string; point: JubjubPoint; batches: number; chunks: number }>();
    for (const a of this.additions) {
      const key = `${a.submitter.toString().padStart(10, '0')}:${a.counterparty.toString().padStart(10, '0')}:${a.period}`;
      let sum = sums.get(key);
      if (sum === undefined) {
        const base = this.committed.chargeAggregate(a.submitter, a.counterparty, a.period);
        sum = {
          submitter: a.submitter, counterparty: a.counterparty, period: a.period,
          point: base === undefined ? JubjubPoint.ZERO : JubjubPoint.fromAffine({ x: BigInt(`0x${base.x}`), y: BigInt(`0x${base.y}`) }),
          batches: base?.batches ?? 0, chunks: base?.chunks ?? 0,
        };
        sums.set(key, sum);
        keys.push(key);
      }
      for (const c of a.chunks) sum.point = sum.point.add(JubjubPoint.fromAffine(c));
      sum.batches += 1;
      sum.chunks += a.chunks.length;
    }
    keys.sort();
    const ordered = keys.map((k) => sums.get(k)!);
    const affine = toAffineBatch(ordered.map((s) => s.point));
    const word = (v: bigint): string => v.toString(16).padStart(64, '0');
    return ordered.map((s, i) => Object.freeze({
      submitter: s.submitter, counterparty: s.counterparty, period: s.period,
      x: word(affine[i]!.x), y: word(affine[i]!.y), batches: s.batches, chunks: s.chunks, height: this.block.height,
    }));
  }

  /**
   * Records a verdict revision: revision 1 when the (pair, period) has none, else the next revision
   * naming the latest (committed, or earlier in this block). Anything else refuses it
   * (InapplicableTxError, before anything changes): a competing revision that lost is evicted.
   */
  recordVerdict(w: VerdictWrite, index: number): void {
    const { pairA, pairB, period, verdict } = w;
    let latest: { readonly revision: number; readonly txHash: string } | undefined;
    for (const v of this.verdicts) if (v.pairA === pairA && v.pairB === pairB && v.period === period) latest = v.verdict;
    latest ??= this.committed.latestVerdict(pairA, pairB, period);
    const follows = latest === undefined
      ? verdict.revision === 1 && verdict.supersedes === null
      : verdict.revision === latest.revision + 1 && verdict.supersedes === latest.txHash;
    if (!follows) {
      const have = latest === undefined ? 'no verdict' : `revision ${latest.revision} (${latest.txHash})`;
      throw new InapplicableTxError('verdict', `transaction ${index}: verdict revision ${verdict.revision} of ${pairA}-${pairB} period ${period} does not follow ${have}`);
    }
    this.verdicts.push(w);
  }

  /** The proven records the block commits, in block order. */
  proofWrites(): readonly ProofWrite[] {
    return this.proofs;
  }

  /** The verdicts the block commits, in block order. */
  verdictWrites(): readonly VerdictWrite[] {
    return this.verdicts;
  }

  addCdrs(n: number): void {
    this.cdrs += n;
  }

  get cdrCount(): number {
    return this.cdrs;
  }

  /** The set slots of `id` in [from, to) as the block sees them so far (one range read of committed state, overlaid). */
  readSlotsIn(id: Uint8Array, from: bigint, to: bigint): Map<bigint, bigint> {
    return this.execution ? this.execution.readSlotsIn(id, from, to) : readSlotsIn(this.committed.contracts, id, from, to);
  }

  /** The block's contract execution, started on first use. */
  contracts(): BlockExecution {
    this.execution ??= new BlockExecution({ state: this.committed.contracts, interpreter: this.vm.interpreter, host: this.vm.host, block: this.block });
    return this.execution;
  }

  /**
   * Slot `key` of `id` as the block sees it so far, without starting the block's contract
   * execution (a read alone must not change the shape of the state root).
   */
  readSlot(id: Uint8Array, key: bigint): bigint {
    return this.execution ? this.execution.readSlot(id, key) : this.committed.contracts.slot(id, key);
  }

  /** The contract execution if any transaction used it. */
  get contractExecution(): BlockExecution | undefined {
    return this.execution;
  }

  /** Every sequence the block moves, by kind then submitter: a deterministic order. */
  sequenceWrites(): SequenceWrite[] {
    const out: SequenceWrite[] = [];
    for (const space of [...this.sequences.keys()].sort((a, b) => a - b)) {
      const bySubmitter = this.sequences.get(space)!;
      for (const submitter of [...bySubmitter.keys()].sort((a, b) => a - b)) out.push({ space, submitter, sequence: bySubmitter.get(submitter)! });
    }
    return out;
  }
}
