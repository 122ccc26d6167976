import type { BlockBuilder } from '../../chain/block-builder.js';
import { BlockCommitFailedError, type BlockCommitter } from '../../chain/block-committer.js';
import type { BlockSchedule } from '../../chain/block-schedule.js';
import type { Clock, Timer } from '../../chain/clock.js';
import type { Logger } from '../../log.js';

export interface SoloScheduleConfig {
  /**
   * Longest a durable transaction waits for a block. Blocks are cut eagerly — as soon as a
   * transaction is durable and no commit is running — so under load they group what arrived during
   * the last commit; the timer only catches what no nudge announced.
   */
  readonly blockIntervalMs: number;
  /** After a failed commit, wait this long before the next attempt; doubles per failure up to `maxRetryMs`. */
  readonly firstRetryMs: number;
  readonly maxRetryMs: number;
  /** PLMN id of the producing operator (the node's configuration; src/node/ defaults it). */
  readonly producer: number;
}

export const DEFAULT_SOLO_SCHEDULE: Omit<SoloScheduleConfig, 'producer'> = Object.freeze({
  blockIntervalMs: 20,
  firstRetryMs: 100,
  maxRetryMs: 5_000,
});

export class InvalidSoloScheduleError extends Error {
  override readonly name = 'InvalidSoloScheduleError';
}

export function validateSoloSchedule(c: SoloScheduleConfig): SoloScheduleConfig {
  for (const name of ['blockIntervalMs', 'firstRetryMs', 'maxRetryMs'] as const) {
    if (!Number.isSafeInteger(c[name]) || c[name] < 1) throw new InvalidSoloScheduleError(`${name} must be a positive integer, got ${String(c[name])}`);
  }
  if (c.maxRetryMs < c.firstRetryMs) throw new InvalidSoloScheduleError(`maxRetryMs (${c.maxRetryMs}) is below firstRetryMs (${c.firstRetryMs})`);
  if (!Number.isSafeInteger(c.producer) || c.producer < 0) throw new InvalidSoloScheduleError(`producer must be a PLMN id, got ${String(c.producer)}`);
  return Object.freeze({ blockIntervalMs: c.blockIntervalMs, firstRetryMs: c.firstRetryMs, maxRetryMs: c.maxRetryMs, producer: c.producer });
}

/**
 * The single-node mode's schedule: one producer, which cuts a block whenever a transaction turns
 * durable and no commit is running (and on a timer for anything no nudge announced), one commit at
 * a time. A failed commit is retried with exponential back-off, never in a busy loop; nothing is put
 * back in the mempool, since a block's transactions leave it only once the block is durable.
 */
export class SoloSchedule implements BlockSchedule {
  private timer: Timer | undefined;
  private retryTimer: Timer | undefined;
  private committing: Promise<void> | undefined;
  private failedCommits = 0;
  private retryAt = 0;

  constructor(
    private readonly config: SoloScheduleConfig,
    private readonly deps: {
      readonly clock: Clock;
      readonly builder: BlockBuilder;
      readonly committer: BlockCommitter;
      readonly log?: Logger;
    },
  ) {}

  start(): void {
    this.timer ??= this.deps.clock.every(this.config.blockIntervalMs, () => this.tick());
  }

  nudge(): void {
    if (this.timer) this.tick();
  }

  async stop(): Promise<void> {
    this.timer?.cancel();
    this.retryTimer?.cancel();
    this.timer = undefined;
    this.retryTimer = undefined;
    await this.committing;
  }

  async flush(): Promise<void> {
    // Also waits for a commit another caller started: concurrent flushes all return after it.
    await this.committing;
    while (this.committing || this.deps.builder.hasReady()) {
      const failuresBefore = this.failedCommits;
      this.tick(true);
      await this.committing;
      if (this.failedCommits > failuresBefore) throw new BlockCommitFailedError(`block commit failed ${this.failedCommits} time(s) in a row; pending transactions stay on disk`);
    }
  }

  get consecutiveFailures(): number {
    return this.failedCommits;
  }

  /** The time the next attempt may run after failures (0 when not backing off); for tests and metrics. */
  get nextAttemptAt(): number {
    return this.retryAt;
  }

  private tick(force = false): void {
    if (this.committing) return;
    const { clock, builder, committer } = this.deps;
    if (!force && clock.now() < this.retryAt) return; // backing off after a failed commit
    let block;
    try {
      // Timestamps strictly increase even if the wall clock steps back.
      const now = BigInt(clock.now());
      const parent = builder.parent.timestampMs;
      block = builder.build({ producer: this.config.producer, timestampMs: now > parent ? now : parent + 1n });
    } catch (err) {
      this.failed(err);
      return;
    }
    if (!block) return;
    this.committing = committer
      .commit(block)
      .then(
        () => {
          this.failedCommits = 0;
          this.retryAt = 0;
        },
        (err: unknown) => this.failed(err),
      )
      .finally(() => {
        this.committing = undefined;
        // What arrived during the commit goes into the next block at once.
        if (this.timer && this.failedCommits === 0 && builder.hasReady()) clock.soon(() => this.tick());
      });
  }

  /** A block was not made: back off, doubling, and try again when the wait is over. */
  private failed(err: unknown): void {
    this.failedCommits++;
    const delay = Math.min(this.config.firstRetryMs * 2 ** (this.failedCommits - 1), this.config.maxRetryMs);
    this.retryAt = this.deps.clock.now() + delay;
    // The committer already logged the storage error; this says when the next attempt runs.
    this.deps.log?.warn({ err: err instanceof Error ? err.message : String(err), attempt: this.failedCommits, retryInMs: delay }, 'no block made; retrying after back-off');
    if (this.timer) {
      this.retryTimer?.cancel();
      this.retryTimer = this.deps.clock.after(delay, () => this.tick());
    }
  }
}
