import { performance } from 'node:perf_hooks';
import { encodeBlock } from '../codec/block.js';
import type { ChainHead } from '../storage/index.js';
import type { BlockLimits } from './block-limits.js';
import type { CommittedStateView } from './committed-state.js';
import type { Mempool } from './mempool.js';
import type { BlockProposal, BlockWrites, StateTransition } from './state-transition.js';

/** A block ready to commit: its stored bytes and the writes the state transition computed. */
export interface BuiltBlock {
  readonly bytes: Uint8Array;
  readonly writes: BlockWrites;
  /** performance.now() when building began (commit time is measured from it). */
  readonly startedAt: number;
}

/** Builds this node's next block. Consensus (or the solo schedule) decides who and when. */
export interface BlockBuilder {
  /** The block the next one builds on, and its timestamp (the next must be later). */
  readonly parent: { readonly head: ChainHead; readonly timestampMs: bigint };
  /** Whether the mempool holds a durable transaction: a block would not be empty. */
  hasReady(): boolean;
  /**
   * The next block from the mempool's durable prefix within the block limits, through the state
   * transition; undefined when nothing is ready. Takes nothing out of the mempool: a block's
   * transactions leave it when the committer has made the block durable. Call again only after
   * the previous block committed or failed.
   */
  build(proposal: BlockProposal): BuiltBlock | undefined;
}

export class MempoolBlockBuilder implements BlockBuilder {
  constructor(
    private readonly deps: {
      readonly mempool: Mempool;
      readonly committed: CommittedStateView;
      readonly transition: StateTransition;
      readonly limits: BlockLimits;
    },
  ) {}

  get parent(): { readonly head: ChainHead; readonly timestampMs: bigint } {
    return { head: this.deps.committed.head, timestampMs: this.deps.committed.headTimestampMs };
  }

  hasReady(): boolean {
    return this.deps.mempool.hasReady();
  }

  build(proposal: BlockProposal): BuiltBlock | undefined {
    const startedAt = performance.now();
    const entries = this.deps.mempool.ready(this.deps.limits);
    if (entries.length === 0) return undefined;
    const writes = this.deps.transition.propose(proposal, entries);
    return { bytes: encodeBlock(writes.header, concat(writes.txIds)), writes, startedAt };
  }
}

function concat(ids: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(ids.length * 32);
  ids.forEach((id, i) => out.set(id, i * 32));
  return out;
}
