import { performance } from 'node:perf_hooks';
import { BlockKind, blockHash, encodeBlock, type BlockHeaderFields } from '../codec/block.js';
import { decodeContractTx } from '../codec/contract-tx.js';
import { BLOCK_VERSION } from '../codec/limits.js';
import { sha256MerkleRoot } from '../crypto/hash.js';
import type { Logger } from '../log.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import type { ChainHead, Stores } from '../storage/index.js';
import type { StorageHealth } from '../storage/storage-health.js';
import type { HostFunctions, Interpreter } from '../vm/execution.js';
import { BlockExecution } from './contract-executor.js';
import type { ChainEvents } from './events.js';
import type { Mempool, MempoolEntry } from './mempool.js';

export interface ProducerConfig {
  /**
   * Longest a durable transaction waits for a block. Blocks are cut eagerly — as soon as a batch
   * is durable and no commit is running — so under load they group what arrived during the last
   * commit; the timer only catches what no event announced.
   */
  readonly blockIntervalMs: number;
  readonly maxBlockCdrs: number;
  readonly maxBlockTxs: number;
  /** PLMN id of the producing operator. */
  readonly producer: number;
  /** Sum of contract transactions' gas limits per block; the first that does not fit waits for the next. */
  readonly maxBlockGas: number;
  /** After a failed commit, wait this long before the next attempt; doubles per failure up to `maxRetryMs`. */
  readonly firstRetryMs: number;
  readonly maxRetryMs: number;
}

export const DEFAULT_PRODUCER_CONFIG: Omit<ProducerConfig, 'producer'> = {
  blockIntervalMs: 20,
  maxBlockCdrs: 200_000,
  maxBlockTxs: 1_024,
  maxBlockGas: 50_000_000,
  firstRetryMs: 100,
  maxRetryMs: 5_000,
};

/**
 * The single block producer of a one-node chain (the consensus issue replaces it with slot
 * leaders): cuts a micro block from the mempool's durable prefix and commits block, transaction
 * locations, sequence numbers and the pending-set removals in one LMDB transaction.
 */
export class BlockProducer {
  private timer: NodeJS.Timeout | undefined;
  private committing: Promise<void> | undefined;
  private head: ChainHead;
  private lastTimestampMs: bigint;
  /** Consecutive failed commits, and when the next attempt may run (back-off, never a busy loop). */
  private failedCommits = 0;
  private retryAt = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      readonly config: ProducerConfig;
      readonly stores: Stores;
      readonly storage: StorageHealth;
      readonly mempool: Mempool;
      readonly events: ChainEvents;
      readonly metrics: NodeMetrics;
      readonly log: Logger;
      readonly head: ChainHead;
      readonly headTimestampMs: bigint;
      /** Executes contract transactions; the producer's own thread instance. */
      readonly vm: { readonly interpreter: Interpreter; readonly host: HostFunctions };
    },
  ) {
    this.head = deps.head;
    this.lastTimestampMs = deps.headTimestampMs;
  }

  get chainHead(): ChainHead {
    return this.head;
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.deps.config.blockIntervalMs);
  }

  /** A batch turned durable: cut a block now unless one is being committed (it will follow). */
  nudge(): void {
    if (this.timer) this.tick();
  }

  /** Stops cutting blocks after the one in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    this.timer = undefined;
    this.retryTimer = undefined;
    await this.committing;
  }

  /**
   * Commits everything durable in the mempool now (shutdown, tests). Throws when a commit fails
   * (the transactions stay pending, on disk, for the next start).
   */
  async flush(): Promise<void> {
    // Also waits for a commit another caller started: concurrent flushes all return after it.
    await this.committing;
    while (this.committing || this.deps.mempool.hasReady()) {
      const failuresBefore = this.failedCommits;
      this.tick(true);
      await this.committing;
      if (this.failedCommits > failuresBefore) throw new BlockCommitFailedError(`block commit failed ${this.failedCommits} time(s) in a row; pending transactions stay on disk`);
    }
  }

  /** Consecutive failed block commits (0 when the last one succeeded). */
  get consecutiveFailures(): number {
    return this.failedCommits;
  }

  private tick(force = false): void {
    if (this.committing) return;
    if (!force && Date.now() < this.retryAt) return; // backing off after a failed commit
    const { mempool, config } = this.deps;
    const entries = mempool.take(config.maxBlockTxs, config.maxBlockCdrs, config.maxBlockGas);
    if (entries.length === 0) return;
    this.committing = this.commit(entries)
      .then(
        () => {
          this.failedCommits = 0;
          this.retryAt = 0;
        },
        (err: unknown) => {
          // Nothing of the block is on disk: its transactions go back, in order, and wait.
          mempool.restore(entries);
          this.failedCommits++;
          const delay = Math.min(this.deps.config.firstRetryMs * 2 ** (this.failedCommits - 1), this.deps.config.maxRetryMs);
          this.retryAt = Date.now() + delay;
          this.deps.storage.reportFailure(err, 'block commit');
          this.deps.metrics.blockCommitFailures.inc();
          this.deps.log.error({ err, attempt: this.failedCommits, retryInMs: delay }, 'block commit failed; transactions returned to the mempool');
          if (this.timer) {
            clearTimeout(this.retryTimer);
            this.retryTimer = setTimeout(() => this.tick(), delay);
          }
        },
      )
      .finally(() => {
        this.committing = undefined;
        // What arrived during the commit goes into the next block at once.
        if (this.timer && this.failedCommits === 0 && this.deps.mempool.hasReady()) setImmediate(() => this.tick());
      });
  }

  private async commit(entries: readonly MempoolEntry[]): Promise<void> {
    const { stores, metrics, events, config } = this.deps;
    const started = performance.now();
    const height = this.head.height + 1;
    const txIds = entries.map((e) => e.id);
    const cdrCount = entries.reduce((n, e) => n + e.cdrCount, 0);
    // Timestamps strictly increase even if the wall clock steps back.
    const now = BigInt(Date.now());
    const timestampMs = now > this.lastTimestampMs ? now : this.lastTimestampMs + 1n;
    const header: BlockHeaderFields = {
      version: BLOCK_VERSION,
      kind: BlockKind.Micro,
      height: BigInt(height),
      prevHash: this.head.hash,
      timestampMs,
      producer: config.producer,
      txRoot: sha256MerkleRoot(txIds),
      txCount: entries.length,
      cdrCount,
    };
    const hash = blockHash(header);
    const bytes = encodeBlock(header, concat(txIds));
    const execution = this.execute(entries, height, timestampMs);
    const lastSeq = new Map<number, bigint>();
    for (const e of entries) {
      if (e.kind === 'contract') continue; // contract sequences are their own space (BlockExecution)
      const s = lastSeq.get(e.submitter);
      if (s === undefined || e.sequence > s) lastSeq.set(e.submitter, e.sequence);
    }

    const head: ChainHead = { height, hash, cdrCount: this.head.cdrCount + cdrCount };
    await stores.env.transaction(() => {
      stores.chain.writeBlock(head, bytes, txIds);
      for (const [submitter, seq] of [...lastSeq].sort((a, b) => a[0] - b[0])) stores.state.writeSequence(submitter, seq);
      execution?.commit(stores.contracts, (sender, seq) => stores.state.writeContractSequence(sender, seq));
      for (const e of entries) stores.pending.remove(e.order);
    });

    // Durable from here: nothing below may undo it. A throwing listener is the listener's fault
    // (ChainEvents logs it), never a reason to return committed transactions to the mempool.
    this.deps.storage.reportSuccess();
    this.head = head;
    this.lastTimestampMs = timestampMs;
    const commitMs = performance.now() - started;
    metrics.blocks.inc();
    metrics.committedCdrs.inc(cdrCount);
    metrics.chainHeight.set(height);
    metrics.blockCommitSeconds.observe(commitMs / 1000);
    metrics.blockTxs.observe(entries.length);
    events.emit('blockCommitted', { height, hash, timestampMs, txIds, cdrCount, commitMs });
    for (const { hash: id, receipt } of execution?.executed ?? []) {
      const gasUsed = BigInt(receipt.gasUsed);
      metrics.contractReceipts.inc({ status: receipt.statusName });
      metrics.contractGasUsed.inc(Number(gasUsed));
      events.emit('contractReceipt', { id, height: receipt.height, index: receipt.index, status: receipt.status, statusName: receipt.statusName, gasUsed });
    }
  }

  /** Runs the block's contract transactions in block order; undefined when it has none. */
  private execute(entries: readonly MempoolEntry[], height: number, timestampMs: bigint): BlockExecution | undefined {
    if (!entries.some((e) => e.kind === 'contract')) return undefined;
    const { stores, vm } = this.deps;
    const execution = new BlockExecution({ state: stores.contracts, interpreter: vm.interpreter, host: vm.host, block: { height, timestampMs } });
    entries.forEach((e, index) => {
      if (e.kind !== 'contract') return;
      const bytes = stores.chain.tx(e.id);
      if (!bytes) throw new Error(`contract transaction ${Buffer.from(e.id).toString('hex')} has no stored bytes`);
      execution.apply(decodeContractTx(bytes), e.id, index);
    });
    return execution;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.length * 32);
  parts.forEach((p, i) => out.set(p, i * 32));
  return out;
}

/** A block commit failed (the storage error is the cause); nothing of the block is on disk. */
export class BlockCommitFailedError extends Error {
  override readonly name = 'BlockCommitFailedError';
}
