import { Worker } from 'node:worker_threads';
import type { BlockCommittedEvent } from '../chain/events.js';
import type { Logger } from '../log.js';
import { readIndexChunk, type ChunkLimits, type CommittedBlocks } from './chunk-reader.js';
import { IndexWorkerError } from './errors.js';
import type { IndexReply, IndexRequest, IndexWorkerData } from './index-protocol.js';
import { indexWorkerScript } from './index-worker-script.js';
import type { OperatorPair } from './pair.js';
import type { CalendarMonth } from './period.js';
import { ReconciliationStore, type DisputeCursor, type DisputePage, type IndexEntries, type IndexSkips, type PairPeriodCounts } from './reconciliation-store.js';

/** The chain as the indexer follows it. */
export interface FollowedChain extends CommittedBlocks {
  /** The committed head's height now. */
  headHeight(): number;
  readonly identity: Uint8Array;
  readonly events: {
    on(event: 'blockCommitted', listener: (e: BlockCommittedEvent) => void): unknown;
    off(event: 'blockCommitted', listener: (e: BlockCommittedEvent) => void): unknown;
  };
}

export interface ReconciliationIndexerOptions {
  /** The index's own LMDB directory (the node uses `<data dir>/reconciliation`). */
  readonly path: string;
  readonly chain: FollowedChain;
  readonly log: Logger;
  /** Records per index transaction (a block is never split); default 131,072. */
  readonly maxChunkRecords?: number;
  /** Blocks per index transaction; default 256. */
  readonly maxChunkBlocks?: number;
  /**
   * The first month (monthIndex) still open at a block's timestamp: every earlier month's records
   * are refused by the chain from that block on (its settlement periods have closed). The index drops
   * closed months' matched events, so its size follows the open months, not the whole history.
   * Undefined: nothing is dropped.
   */
  readonly firstOpenMonth?: (blockTimestampMs: bigint) => number;
  /** First back-off after a failed chunk; doubles up to 30 s. Default 500 ms. */
  readonly retryMs?: number;
}

/** Reported after each chunk the worker made durable (benchmarks, metrics). */
export interface IndexedEvent {
  /** Every committed block below this height is classified. */
  readonly nextHeight: number;
  readonly blocks: number;
  readonly records: number;
  /** The worker's time for the chunk's transaction. */
  readonly ms: number;
}

/** A read of the index with the height it is complete through. */
export interface Indexed<T> {
  readonly indexedHeight: number;
  readonly value: T;
}

/**
 * One chunk at a time: while the worker commits one, newly committed blocks pile up and go
 * together in the next (group commit). A commit's cost is mostly the B-tree pages it dirties, so
 * bigger chunks under load cost less per record, and light load gives small chunks and low lag.
 */
const IN_FLIGHT_CHUNKS = 1;
const MAX_RETRY_MS = 30_000;

/**
 * Follows committed blocks into the reconciliation index. The main thread only reads frames (one
 * copy per batch) and posts them; the index worker (index.worker.ts) classifies and writes, each
 * chunk one LMDB transaction with the watermark. On start it catches up from the watermark to the
 * chain's head; afterwards each `blockCommitted` extends the target. Never on the ingest path: a
 * failure here is logged and retried, and admission never waits for it.
 */
export class ReconciliationIndexer {
  private worker: Worker | undefined;
  private reader: ReconciliationStore | undefined;
  private target: number;
  /** Next height to read and send. */
  private sendNext = 0;
  /** Next height the index holds durably. */
  private durableNext = 0;
  private inFlight = 0;
  private epoch = 0;
  private recovering = false;
  private stopping = false;
  private retryMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly waiters: { height: number; resolve(): void }[] = [];
  private readonly listeners: ((e: IndexedEvent) => void)[] = [];
  private readonly limits: ChunkLimits;
  private readonly onCommitted = (e: BlockCommittedEvent): void => {
    if (e.height > this.target) this.target = e.height;
    this.pump();
  };

  private constructor(private readonly opts: ReconciliationIndexerOptions) {
    this.target = opts.chain.headHeight();
    this.retryMs = opts.retryMs ?? 500;
    this.limits = Object.freeze({ maxRecords: opts.maxChunkRecords ?? 131_072, maxBlocks: opts.maxChunkBlocks ?? 256 });
    if (!(this.limits.maxRecords >= 1 && this.limits.maxBlocks >= 1)) throw new RangeError('maxChunkRecords and maxChunkBlocks must be at least 1');
  }

  /** Opens the index (rebuilding one of another chain), starts its worker and catches up in the background. */
  static async start(opts: ReconciliationIndexerOptions): Promise<ReconciliationIndexer> {
    const indexer = new ReconciliationIndexer(opts);
    await indexer.spawn();
    indexer.reader = ReconciliationStore.open(opts.path);
    opts.chain.events.on('blockCommitted', indexer.onCommitted);
    // Blocks committed while the worker started announced themselves to nobody: take the head again.
    indexer.target = Math.max(indexer.target, opts.chain.headHeight());
    indexer.pump();
    return indexer;
  }

  /** Every committed block up to this height is classified (-1: none yet). */
  get indexedHeight(): number {
    return this.durableNext - 1;
  }

  /** Resolves once every block up to `height` is classified. */
  whenIndexed(height: number): Promise<void> {
    if (this.durableNext > height) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ height, resolve }));
  }

  onIndexed(listener: (e: IndexedEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Committed blocks not classified yet: the head's height less indexedHeight (0 when caught up). */
  get lagBlocks(): number {
    return Math.max(0, this.opts.chain.headHeight() - this.indexedHeight);
  }

  /** Entries the index holds, from LMDB's own counts (metrics). */
  entries(): IndexEntries {
    const r = this.open();
    return r.entries();
  }

  counts(pair: OperatorPair, period: CalendarMonth): Indexed<PairPeriodCounts> {
    const r = this.open();
    return { indexedHeight: r.nextHeight() - 1, value: r.counts(pair, period) };
  }

  disputes(pair: OperatorPair, period: CalendarMonth, from: number | DisputeCursor, limit: number): Indexed<DisputePage> {
    const r = this.open();
    return { indexedHeight: r.nextHeight() - 1, value: r.disputes(pair, period, from, limit) };
  }

  skips(): IndexSkips {
    return this.open().skips();
  }

  /** Stops following the chain; the worker finishes what it was sent, then closes. Blocks left are indexed on the next start. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.opts.chain.events.off('blockCommitted', this.onCommitted);
    clearTimeout(this.retryTimer);
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await closeWorker(worker);
    await this.reader?.close();
    this.reader = undefined;
  }

  private open(): ReconciliationStore {
    if (!this.reader) throw new IndexWorkerError('the reconciliation index is closed');
    this.reader.refresh();
    return this.reader;
  }

  private spawn(): Promise<void> {
    const data: IndexWorkerData = { path: this.opts.path, identity: this.opts.chain.identity, chainHeight: this.opts.chain.headHeight() };
    const worker = new Worker(indexWorkerScript(), { workerData: data });
    this.worker = worker;
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: IndexReply) => {
        if (m.type === 'ready') {
          ready = true;
          if (m.reset) this.opts.log.warn({ reason: m.reset }, 'reconciliation index rebuilt from height 0');
          this.durableNext = this.sendNext = m.nextHeight;
          this.inFlight = 0;
          this.recovering = false;
          resolve();
        } else if (m.type === 'fatal') {
          reject(new IndexWorkerError(`reconciliation index: ${m.message}`));
        } else {
          this.onReply(m);
        }
      });
      worker.on('error', (err) => {
        if (!ready) reject(new IndexWorkerError(`reconciliation index worker failed to start: ${err.message}`));
        else this.opts.log.error({ err }, 'reconciliation index worker failed');
      });
      worker.on('exit', (code) => {
        if (this.worker !== worker || this.stopping) return;
        this.worker = undefined;
        if (!ready) {
          reject(new IndexWorkerError(`reconciliation index worker exited (${code}) before it was ready`));
          return;
        }
        this.opts.log.error({ code }, 'reconciliation index worker exited; restarting it');
        this.retryLater(() => {
          this.spawn().then(() => this.pump(), (err: unknown) => this.opts.log.error({ err }, 'reconciliation index worker did not restart'));
        });
      });
    });
  }

  private onReply(m: IndexReply): void {
    switch (m.type) {
      case 'applied':
        if (m.epoch !== this.epoch) return;
        this.inFlight--;
        this.durableNext = m.nextHeight;
        this.retryMs = this.opts.retryMs ?? 500;
        for (let i = this.waiters.length - 1; i >= 0; i--) {
          const w = this.waiters[i]!;
          if (w.height < this.durableNext) {
            this.waiters.splice(i, 1);
            w.resolve();
          }
        }
        for (const l of this.listeners) {
          try {
            l({ nextHeight: m.nextHeight, blocks: m.blocks, records: m.records, ms: m.ms });
          } catch (err) {
            this.opts.log.error({ err }, 'an indexed listener threw');
          }
        }
        this.pump();
        return;
      case 'failed':
        if (m.epoch !== this.epoch) return;
        this.opts.log.error({ reason: m.message, height: this.durableNext }, 'reconciliation index chunk failed; retrying from the watermark');
        this.recover();
        return;
      case 'synced':
        if (m.epoch !== this.epoch) return;
        this.durableNext = this.sendNext = m.nextHeight;
        this.inFlight = 0;
        this.recovering = false;
        this.pump();
        return;
      default:
        return;
    }
  }

  /** Forgets what is in flight (answers of the old epoch are ignored) and resumes from the worker's watermark after a back-off. */
  private recover(): void {
    this.epoch++;
    this.recovering = true;
    this.retryLater(() => this.post({ type: 'sync', epoch: this.epoch }));
  }

  private retryLater(f: () => void): void {
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.stopping) f();
    }, wait);
    this.retryTimer.unref();
  }

  private post(req: IndexRequest, transfer: ArrayBuffer[] = []): void {
    this.worker?.postMessage(req, transfer);
  }

  private pump(): void {
    if (this.stopping || this.recovering || !this.worker) return;
    while (this.inFlight < IN_FLIGHT_CHUNKS && this.sendNext <= this.target) {
      let chunk;
      try {
        chunk = readIndexChunk(this.opts.chain, this.sendNext, this.target, this.limits);
      } catch (err) {
        this.opts.log.error({ err, height: this.sendNext }, 'reconciliation index cannot read a committed block; retrying');
        this.recover();
        return;
      }
      const last = chunk.blocks.at(-1);
      if (!last) return;
      const closedBelowMonth = this.opts.firstOpenMonth?.(last.timestampMs);
      this.post({ type: 'apply', epoch: this.epoch, blocks: chunk.blocks, records: chunk.records, closedBelowMonth }, [chunk.records.buffer as ArrayBuffer]);
      this.sendNext = last.height + 1;
      this.inFlight++;
    }
  }
}

/** Asks the worker to close (after what it was sent) and waits for it to exit; terminates it if it does not within 10 s. */
function closeWorker(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => void worker.terminate(), 10_000);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.postMessage({ type: 'close' } satisfies IndexRequest);
  });
}
