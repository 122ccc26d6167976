import { toHex } from '../../codec/bytes.js';
import { BlockFill, type BlockLimits } from '../block-limits.js';
import type { BlockCommitter } from '../block-committer.js';
import type { CommittedStateView } from '../committed-state.js';
import type { Mempool, MempoolEntry } from '../mempool.js';
import { InvalidBlockError, StateTransition, type BlockCandidate, type BlockProposal, type BlockWrites, type PendingTxs, type TransitionRules } from '../state-transition.js';
import { TxKind } from '../tx-kinds/tx-kind.js';
import { BranchView, type BranchBlock } from './branch-view.js';

/**
 * Kinds a block must take in rising sequence order per submitter (contract transactions execute in
 * that order). CDR batches are independent (BlockApplication.noteSequence): a producer that puts a
 * later batch first cannot make an earlier, acknowledged one unincludable.
 */
const SEQUENCE_ORDERED: ReadonlySet<TxKind> = new Set([TxKind.ContractTx]);

/** A block's parent is neither the committed head nor a block applied here. */
export class UnknownParentError extends Error {
  override readonly name = 'UnknownParentError';
  readonly retryable = false;
}

export interface ChainBranchesDeps {
  readonly committed: CommittedStateView;
  readonly pending: PendingTxs;
  readonly rules: TransitionRules;
  readonly mempool: Mempool;
  readonly committer: BlockCommitter;
  readonly limits: BlockLimits;
  /** Removes pending entries no branch can ever include (a committed block has a higher sequence of their submitter). */
  readonly discard: (entries: readonly MempoolEntry[]) => Promise<void>;
}

/**
 * The blocks above the committed head that are not final (consensus' block tree, chain side): each
 * applied block's writes, checked by the same state transition as the node's own blocks against
 * committed state plus the branch below it (`BranchView`). Nothing is written until a block is
 * final: `commitThrough` then commits the branch up to it, block by block, through the one
 * committer, and forgets every state that does not descend from it. A restart starts from the
 * committed (final) head; peers send the non-final blocks again.
 */
export class ChainBranches {
  private readonly blocks = new Map<string, BranchBlock>();

  constructor(private readonly deps: ChainBranchesDeps) {}

  get size(): number {
    return this.blocks.size;
  }

  /** The hex hash of the committed head. */
  get committedHex(): string {
    return toHex(this.deps.committed.head.hash);
  }

  has(hashHex: string): boolean {
    return hashHex === this.committedHex || this.blocks.has(hashHex);
  }

  /** Checks a block whose parent is the committed head or an applied block, and keeps its writes. */
  apply(candidate: BlockCandidate, frame: Uint8Array): BlockWrites {
    const writes = this.check(candidate);
    const hashHex = toHex(writes.hash);
    if (!this.blocks.has(hashHex)) {
      this.blocks.set(hashHex, {
        hashHex, parentHex: toHex(candidate.header.prevHash), height: writes.head.height, writes, frame,
        txs: new Set(writes.txIds.map(toHex)),
      });
    }
    return writes;
  }

  /** The same checks as `apply`, keeping nothing. */
  check(candidate: BlockCandidate): BlockWrites {
    return this.transitionAt(toHex(candidate.header.prevHash)).apply(candidate, null);
  }

  /** This node's block on `parentHex` from `entries` (see `select`): the writes and header `propose` makes. */
  propose(parentHex: string, proposal: BlockProposal, entries: readonly MempoolEntry[]): BlockWrites {
    return this.transitionAt(parentHex).propose(proposal, entries);
  }

  /**
   * Durable pending transactions a block on `parentHex` may include, up to `maxTxs` and the block
   * limits: not on the branch, and above the branch's sequence of their submitter (an entry a branch
   * block superseded is skipped here and discarded once that is final). Submitters interleave in
   * admission order, but each submitter's entries go in sequence order: relayed frames, bodies fetched
   * for a block and a restart's restored entries can be admitted out of order, and a block that took
   * sequence n+1 first would make an admitted n unincludable (discarded once that block is final).
   */
  select(parentHex: string, maxTxs: number): MempoolEntry[] {
    const view = this.viewAt(parentHex);
    const eligible = [...this.eligibleEntries(view)];
    const bySubmitter = new Map<string, MempoolEntry[]>();
    for (const e of eligible) {
      const key = `${e.kind}:${e.submitter}`;
      const list = bySubmitter.get(key);
      if (list) list.push(e);
      else bySubmitter.set(key, [e]);
    }
    for (const list of bySubmitter.values()) list.sort((a, b) => (a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : a.order - b.order));
    const fill = new BlockFill(this.deps.limits);
    const taken = new Map<string, number>();
    const last = new Map<string, bigint>();
    const out: MempoolEntry[] = [];
    for (const slot of eligible) {
      if (out.length >= maxTxs) break;
      // The slot of the submitter's next entry in admission order takes its next one in sequence order.
      const key = `${slot.kind}:${slot.submitter}`;
      const k = taken.get(key) ?? 0;
      taken.set(key, k + 1);
      const e = bySubmitter.get(key)![k]!;
      const floor = last.get(key);
      if (floor !== undefined && e.sequence <= floor) continue; // two entries with one sequence: the first
      if (!fill.tryAdd(e)) break;
      last.set(key, e.sequence);
      out.push(e);
    }
    return out;
  }

  /** Whether a block on `parentHex` would have anything to include. */
  hasPending(parentHex: string): boolean {
    return this.eligibleEntries(this.viewAt(parentHex)).next().done !== true;
  }

  /** Durable pending entries not on the branch and above the branch's sequence of their submitter, in admission order. */
  private *eligibleEntries(view: BranchView): Generator<MempoolEntry> {
    const floors = new Map<string, bigint | undefined>();
    for (const e of this.deps.mempool.durablePrefix()) {
      if (view.onBranch(toHex(e.id))) continue;
      if (SEQUENCE_ORDERED.has(e.kind)) {
        const key = `${e.kind}:${e.submitter}`;
        if (!floors.has(key)) floors.set(key, view.committedSequence(e.kind, e.submitter));
        const floor = floors.get(key);
        if (floor !== undefined && e.sequence <= floor) continue;
      }
      yield e;
    }
  }

  viewAt(hashHex: string): BranchView {
    return new BranchView(this.deps.committed, this.pathTo(hashHex));
  }

  /** The applied blocks from just above the committed head up to `hashHex`, oldest first. */
  pathTo(hashHex: string): BranchBlock[] {
    const path: BranchBlock[] = [];
    const committed = this.committedHex;
    for (let h = hashHex; h !== committed; ) {
      const b = this.blocks.get(h);
      if (b === undefined) throw new UnknownParentError(`block ${h} is neither the committed head nor applied here`);
      path.push(b);
      h = b.parentHex;
    }
    return path.reverse();
  }

  /**
   * `hashHex` is final: commits every block up to it (the last one's frame replaced by `frame`,
   * which carries its justification), forgets the states that do not descend from it, and discards
   * pending entries that can no longer be included.
   */
  async commitThrough(hashHex: string, frame?: Uint8Array): Promise<void> {
    const path = this.pathTo(hashHex);
    await this.deps.committer.commitAll(path.map((b, i) => ({ bytes: i === path.length - 1 && frame !== undefined ? frame : b.frame, writes: b.writes })));
    for (const b of path) this.blocks.delete(b.hashHex);
    this.prune();
    const superseded: MempoolEntry[] = [];
    for (const e of this.deps.mempool.durablePrefix()) {
      if (!SEQUENCE_ORDERED.has(e.kind)) continue; // a batch is never superseded: blocks take batches in any order
      const floor = this.deps.committed.committedSequence(e.kind, e.submitter);
      if (floor !== undefined && e.sequence <= floor) superseded.push(e);
    }
    if (superseded.length > 0) await this.deps.discard(superseded);
  }

  /** Forgets every non-final state (a crash loses them; tests use it to act one out). */
  clear(): void {
    this.blocks.clear();
  }

  private prune(): void {
    const keep = new Set([this.committedHex]);
    const byHeight = [...this.blocks.values()].sort((a, b) => a.height - b.height);
    for (const b of byHeight) {
      if (keep.has(b.parentHex)) keep.add(b.hashHex);
      else this.blocks.delete(b.hashHex);
    }
  }

  private transitionAt(parentHex: string): StateTransition {
    return new StateTransition(this.viewAt(parentHex), this.deps.pending, this.deps.rules);
  }
}

export { InvalidBlockError };
