import { toHex } from '../../codec/bytes.js';
import type { BatchHeaderFields } from '../../codec/batch.js';
import type { ChainHead, ChargeAggregate } from '../../storage/index.js';
import type { CommittedStateView, VerdictHead } from '../committed-state.js';
import { overlaySlots, readSlotsIn, type ContractStateReader } from '../contract-executor.js';
import type { BlockWrites } from '../state-transition.js';
import type { TxKind } from '../tx-kinds/tx-kind.js';

/** A block applied above the committed head and not final: its writes, kept in memory. */
export interface BranchBlock {
  readonly hashHex: string;
  readonly parentHex: string;
  readonly height: number;
  readonly writes: BlockWrites;
  /** The block frame as consensus handles it (stored when the block becomes final). */
  readonly frame: Uint8Array;
  /** Hex ids of the transactions it names. */
  readonly txs: ReadonlySet<string>;
}

/**
 * Committed state with a branch of non-final blocks on top (oldest first): what the state
 * transition sees when it checks a block whose parent is one of them. Lookups walk the branch from
 * its tip down, then fall through to committed state; nothing here writes.
 */
export class BranchView implements CommittedStateView {
  readonly contracts: ContractStateReader;

  constructor(
    private readonly committed: CommittedStateView,
    private readonly path: readonly BranchBlock[],
  ) {
    const tipFirst = [...path].reverse();
    this.contracts = {
      contractCode: (id) => {
        for (const b of tipFirst) {
          const code = b.writes.contracts?.writtenCode(id);
          if (code !== undefined) return code;
        }
        return committed.contracts.contractCode(id);
      },
      slot: (id, key) => {
        for (const b of tipFirst) {
          const v = b.writes.contracts?.writtenSlot(id, key);
          if (v !== undefined) return v;
        }
        return committed.contracts.slot(id, key);
      },
      // Committed slots in the range, then each branch block's writes, oldest first.
      slotsIn: (id, from, to) => {
        const out = readSlotsIn(committed.contracts, id, from, to);
        for (const b of path) overlaySlots(out, b.writes.contracts?.writtenSlotsIn(id, from, to) ?? []);
        return out;
      },
    };
  }

  get head(): ChainHead {
    return this.path.at(-1)?.writes.head ?? this.committed.head;
  }

  get headTimestampMs(): bigint {
    return this.path.at(-1)?.writes.header.timestampMs ?? this.committed.headTimestampMs;
  }

  committedSequence(space: TxKind, submitter: number): bigint | undefined {
    for (let i = this.path.length - 1; i >= 0; i--) {
      for (const w of this.path[i]!.writes.sequences) if (w.space === space && w.submitter === submitter) return w.sequence;
    }
    return this.committed.committedSequence(space, submitter);
  }

  isCommitted(id: Uint8Array): boolean {
    return this.onBranch(toHex(id)) || this.committed.isCommitted(id);
  }

  isProven(batchId: Uint8Array): boolean {
    const hex = toHex(batchId);
    for (const b of this.path) if (b.writes.proofs.some((p) => toHex(p.batchId) === hex)) return true;
    return this.committed.isProven(batchId);
  }

  latestVerdict(pairA: number, pairB: number, period: number): VerdictHead | undefined {
    for (let i = this.path.length - 1; i >= 0; i--) {
      const vs = this.path[i]!.writes.verdicts;
      for (let j = vs.length - 1; j >= 0; j--) {
        const v = vs[j]!;
        if (v.pairA === pairA && v.pairB === pairB && v.period === period) return v.verdict;
      }
    }
    return this.committed.latestVerdict(pairA, pairB, period);
  }

  chargeAggregate(submitter: number, counterparty: number, period: string): ChargeAggregate | undefined {
    for (let i = this.path.length - 1; i >= 0; i--) {
      const a = this.path[i]!.writes.aggregates.find((w) => w.submitter === submitter && w.counterparty === counterparty && w.period === period);
      if (a !== undefined) return a;
    }
    return this.committed.chargeAggregate(submitter, counterparty, period);
  }

  batchHeader(batchId: Uint8Array): BatchHeaderFields | undefined {
    return this.committed.batchHeader(batchId);
  }

  /** Whether a block of the branch (not committed state) names the transaction. */
  onBranch(hex: string): boolean {
    for (const b of this.path) if (b.txs.has(hex)) return true;
    return false;
  }
}
