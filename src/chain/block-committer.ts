import { performance } from 'node:perf_hooks';
import { toHex } from '../codec/bytes.js';
import type { Logger } from '../log.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import type { Stores } from '../storage/index.js';
import type { StorageHealth } from '../storage/storage-health.js';
import { writeCommittedSequence, type CommittedChainState } from './committed-state.js';
import type { ChainEvents } from './events.js';
import type { Mempool, MempoolEntry } from './mempool.js';
import { isPeriodClosed, periodContaining, type SettlementPeriodOptions } from '../settlement/settlement-period.js';
import type { BlockWrites } from './state-transition.js';

/** A block whose writes the state transition computed, ready to be made durable. */
export interface CommittableBlock {
  readonly bytes: Uint8Array;
  readonly writes: BlockWrites;
  /** performance.now() when building (or checking) began; commit time counts from it. */
  readonly startedAt?: number;
}

/** Makes blocks durable, then tells the node. */
export interface BlockCommitter {
  /**
   * Writes the block and its state changes in one LMDB transaction; resolves once they are
   * durable. Rejects with BlockCommitFailedError (nothing written: the block's transactions stay
   * pending, in the mempool and on disk) or StaleBlockError (the head moved since the writes were
   * computed). Whatever listeners do after the durable write cannot undo it.
   */
  commit(block: CommittableBlock): Promise<void>;
  /**
   * Several consecutive blocks (each the next one's parent) in one LMDB transaction and one flush:
   * a macro block finalizes a whole batch at once. All or nothing, then each is announced in order.
   */
  commitAll(blocks: readonly CommittableBlock[]): Promise<void>;
}

/** A block commit failed (the storage error is the cause); nothing of the block is on disk. */
export class BlockCommitFailedError extends Error {
  override readonly name = 'BlockCommitFailedError';
}

/** The writes were computed on a head that is no longer the head: check the block again. */
export class StaleBlockError extends Error {
  override readonly name = 'StaleBlockError';
}

/** Commit, then notify: the one place blocks become durable. */
export class ChainCommitter implements BlockCommitter {
  private committing = false;

  constructor(
    private readonly deps: {
      readonly stores: Stores;
      readonly committed: CommittedChainState;
      readonly mempool: Mempool;
      readonly storage: StorageHealth;
      readonly events: ChainEvents;
      readonly metrics: NodeMetrics;
      readonly log: Logger;
      /** Settlement periods: pending batches of a period the new head closes can never be included, and leave. */
      readonly periods: SettlementPeriodOptions;
    },
  ) {}

  commit(block: CommittableBlock): Promise<void> {
    return this.commitAll([block]);
  }

  async commitAll(blocks: readonly CommittableBlock[]): Promise<void> {
    const { stores, committed, storage, metrics, log } = this.deps;
    if (blocks.length === 0) return;
    if (this.committing) throw new StaleBlockError('another block is being committed');
    let parent = committed.head;
    for (const { writes } of blocks) {
      if (writes.head.height !== parent.height + 1 || toHex(writes.header.prevHash) !== toHex(parent.hash)) {
        throw new StaleBlockError(`block ${writes.head.height} was computed on another head than ${parent.height}`);
      }
      parent = writes.head;
    }
    const first = blocks[0]!.writes.head.height;
    const last = parent.height;
    const expired = this.expiredBatches(blocks);
    const closedAt = blocks.at(-1)!.writes.header.timestampMs;
    this.committing = true;
    try {
      await stores.env.transaction(() => {
        for (const { writes, bytes } of blocks) {
          stores.chain.writeBlock(writes.head, bytes, writes.txIds);
          for (const s of writes.sequences) writeCommittedSequence(stores.state, s);
          writes.contracts?.commitState(stores.contracts);
          // The first proof of a batch and each next verdict revision in chain order: committed state, the same on every validator.
          for (const p of writes.proofs) stores.proofs.put(p.batchId, p.proven);
          for (const a of writes.aggregates) stores.chargeAggregates.put(a);
          for (const v of writes.verdicts) stores.verdicts.put(v.pairA, v.pairB, v.period, v.verdict);
          for (const e of writes.entries) stores.pending.remove(e.order);
        }
        for (const { entry, period } of expired) {
          stores.pending.remove(entry.order);
          stores.evictions.put(entry.id, { reason: 'period_closed', detail: `settlement period ${period} closed at block ${last} (timestamp ${closedAt} ms): no later block may include the batch`, height: last });
        }
      });
    } catch (err) {
      storage.reportFailure(err, 'block commit');
      metrics.blockCommitFailures.inc();
      log.error({ err, height: last }, 'block commit failed; its transactions stay pending');
      const which = first === last ? `block ${last}` : `blocks ${first}..${last}`;
      throw new BlockCommitFailedError(`${which} not committed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    } finally {
      this.committing = false;
    }
    // Durable from here: nothing below may undo it, and nothing below can put a transaction back.
    storage.reportSuccess();
    for (const block of blocks) this.announce(block);
    if (expired.length > 0) {
      this.deps.mempool.remove(expired.map((e) => e.entry));
      log.warn({ count: expired.length, height: last }, 'evicted pending batches of settlement periods this block closed: no later block may include them');
    }
  }

  /**
   * Durable pending batches (not in `blocks`) whose settlement period the last of `blocks` closes:
   * every later block has a later timestamp, so none may include them (docs/settlement.md). The
   * mempool is scanned only when the blocks move the latest closed period.
   */
  private expiredBatches(blocks: readonly CommittableBlock[]): { entry: MempoolEntry; period: string }[] {
    const { periods } = this.deps;
    const to = blocks.at(-1)!.writes.header.timestampMs;
    const latestClosed = (ms: bigint): string | undefined => {
      try {
        return periodContaining(periods, Number(ms / 1000n) - periods.graceSeconds).id;
      } catch {
        return undefined; // outside the years periods cover: scan
      }
    };
    const before = latestClosed(this.deps.committed.headTimestampMs);
    if (before !== undefined && before === latestClosed(to)) return [];
    const inBlocks = new Set(blocks.flatMap((b) => b.writes.entries));
    const out: { entry: MempoolEntry; period: string }[] = [];
    for (const e of this.deps.mempool.durablePrefix()) {
      if (e.periodStart === undefined || inBlocks.has(e)) continue;
      let closed: boolean;
      let period = `of period_start ${e.periodStart}`;
      try {
        const p = periodContaining(periods, Number(e.periodStart));
        period = p.id;
        closed = isPeriodClosed(p, to);
      } catch {
        closed = true; // names no period: no block may include it
      }
      if (closed) out.push({ entry: e, period });
    }
    return out;
  }

  /** After the durable write: the block becomes the head, its entries leave the mempool, listeners hear of it. */
  private announce(block: CommittableBlock): void {
    const { committed, mempool, events, metrics } = this.deps;
    const { writes } = block;
    const started = block.startedAt ?? performance.now();
    // Listeners run isolated (ChainEvents): a throwing one is logged and counted, never propagated.
    committed.advance(writes);
    mempool.remove(writes.entries);
    const commitMs = performance.now() - started;
    const { height } = writes.head;
    const cdrCount = writes.header.cdrCount;
    metrics.blocks.inc();
    metrics.committedCdrs.inc(cdrCount);
    metrics.chainHeight.set(height);
    metrics.blockCommitSeconds.observe(commitMs / 1000);
    metrics.blockTxs.observe(writes.txIds.length);
    events.emit('blockCommitted', { height, hash: writes.hash, timestampMs: writes.header.timestampMs, txIds: writes.txIds, cdrCount, commitMs });
    for (const { hash: id, receipt } of writes.receipts) {
      const gasUsed = BigInt(receipt.gasUsed);
      metrics.contractReceipts.inc({ status: receipt.statusName });
      metrics.contractGasUsed.inc(Number(gasUsed));
      events.emit('contractReceipt', { id, height: receipt.height, index: receipt.index, status: receipt.status, statusName: receipt.statusName, gasUsed });
    }
  }
}
