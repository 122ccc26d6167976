import type { Logger } from '../../log.js';
import type { NodeMetrics } from '../../metrics/node-metrics.js';
import type { Stores } from '../../storage/index.js';
import { StorageWriteError } from '../../storage/storage-errors.js';
import type { StorageHealth } from '../../storage/storage-health.js';
import { Pruner, type PruneLimits, type PruneReport } from './pruner.js';
import type { RecordsStillRead } from './records-still-read.js';
import { describeRetention, prunesAnything, RetentionPolicyError, validateRetentionPolicy, type RetentionKind, type RetentionPolicy } from './retention-policy.js';

/** How a running node applies its retention policy. */
export interface RetentionConfig {
  readonly policy: RetentionPolicy;
  /** Time between runs; a run prunes everything due, in chunks. */
  readonly intervalMs: number;
  /** Pause between chunks, so admission and block commits take the LMDB writer in between. */
  readonly pauseMs: number;
  readonly limits?: Partial<PruneLimits>;
}

export const DEFAULT_RETENTION_INTERVAL_MS = 10 * 60_000;
export const DEFAULT_RETENTION_PAUSE_MS = 5;

/** A node's retention settings as configured: every field optional, the policy unvalidated. */
export interface RetentionOptions {
  readonly policy?: Partial<Record<RetentionKind, unknown>>;
  readonly intervalMs?: number;
  readonly pauseMs?: number;
  readonly limits?: Partial<PruneLimits>;
}

/** Defaults filled in and every value checked (RetentionPolicyError), before the node opens storage. */
export function resolveRetentionConfig(o: RetentionOptions = {}): RetentionConfig {
  const policy = validateRetentionPolicy(o.policy);
  const intervalMs = o.intervalMs ?? DEFAULT_RETENTION_INTERVAL_MS;
  const pauseMs = o.pauseMs ?? DEFAULT_RETENTION_PAUSE_MS;
  if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new RetentionPolicyError(`retention interval must be a positive number of milliseconds, got ${intervalMs}`);
  if (!Number.isInteger(pauseMs) || pauseMs < 0) throw new RetentionPolicyError(`retention pause must be a whole number of milliseconds, got ${pauseMs}`);
  for (const [k, v] of Object.entries(o.limits ?? {})) {
    if (!Number.isInteger(v) || v < 1) throw new RetentionPolicyError(`retention limit ${k} must be a positive integer, got ${String(v)}`);
  }
  return { policy, intervalMs, pauseMs, ...(o.limits ? { limits: o.limits } : {}) };
}

/** Runs the pruner now and then on a running node: one run at a time, none after stop(). */
export class RetentionService {
  private readonly pruner: Pruner;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PruneReport | undefined> | undefined;
  private stopped = false;
  private lastStop: string | undefined;

  constructor(
    private readonly deps: {
      readonly config: RetentionConfig;
      readonly stores: Stores;
      /** Asked at the start of every run. */
      readonly stillRead: () => Promise<RecordsStillRead>;
      readonly metrics: NodeMetrics;
      readonly log: Logger;
      readonly storage?: StorageHealth;
    },
  ) {
    this.pruner = new Pruner(deps.stores, deps.config.policy, {
      ...(deps.config.limits ? { limits: deps.config.limits } : {}),
      onChunk: (t) => {
        deps.metrics.prunedBatches.inc(t.batches);
        deps.metrics.prunedRecords.inc(t.records);
        deps.metrics.prunedBytes.inc(t.bytes);
        deps.metrics.prunedBlockBodies.inc(t.blockBodies);
      },
    });
  }

  get enabled(): boolean {
    return prunesAnything(this.deps.config.policy);
  }

  start(): void {
    if (!this.enabled || this.timer || this.stopped) return;
    const { policy, intervalMs } = this.deps.config;
    this.deps.log.info({ records: describeRetention(policy.records), blocks: describeRetention(policy.blocks), payloads: describeRetention(policy.payloads), intervalMs }, 'retention policy in force');
    // The first run soon after start (not during bootstrap's burst of work), then every interval.
    this.timer = setTimeout(() => this.tick(), Math.min(intervalMs, 1_000));
  }

  /** One run now (or the one in progress); undefined when the policy keeps everything or the node is stopping. */
  runNow(): Promise<PruneReport | undefined> {
    if (this.running) return this.running;
    if (!this.enabled || this.stopped) return Promise.resolve(undefined);
    if (this.deps.storage && !this.deps.storage.writable) return Promise.resolve(undefined);
    const { log, metrics, storage } = this.deps;
    this.running = this.deps
      .stillRead()
      .then((stillRead) => this.pruner.run({ stillRead, pauseMs: this.deps.config.pauseMs, shouldStop: () => this.stopped }))
      .then(
        (report) => {
          const { pruned } = report;
          if (pruned.batches > 0 || pruned.blockBodies > 0) {
            log.info({ ...pruned, recordsHeight: report.recordsHeight, blocksHeight: report.blocksHeight, chunks: report.chunks }, 'retention pruned');
          }
          // Say once (not every interval) why records pruning waits.
          const why = report.stoppedAt?.reason;
          if (why !== undefined && why !== this.lastStop) log.warn({ stoppedAt: report.stoppedAt }, 'retention: records pruning waits');
          this.lastStop = why;
          return report;
        },
        (err: unknown) => {
          metrics.pruneFailures.inc();
          if (err instanceof StorageWriteError) storage?.reportFailure(err, 'prune');
          log.error({ err }, 'retention run failed; what it pruned before stays pruned, the rest waits for the next run');
          return undefined;
        },
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private tick(): void {
    void this.runNow().finally(() => {
      if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.deps.config.intervalMs);
    });
  }

  /** Ends the run in progress after its current chunk. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
