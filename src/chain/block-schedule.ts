import type { Logger } from '../log.js';
import type { BlockBuilder } from './block-builder.js';
import type { BlockCommitter } from './block-committer.js';
import type { Clock } from './clock.js';

/**
 * What decides when blocks are made and by whom (src/consensus/: the solo schedule today, slot
 * leaders and rounds next). The chain starts it, flushes through it, stops it and reads its health;
 * it never decides anything itself.
 */
export interface BlockSchedule {
  start(): void;
  /** A transaction turned durable: a block could be made now. */
  nudge(): void;
  /** Makes blocks of everything durable now (shutdown, tests); rejects with BlockCommitFailedError when a commit fails. */
  flush(): Promise<void>;
  /** Stops making blocks after the one in progress. */
  stop(): Promise<void>;
  /** Consecutive failed commits; 0 when the last one succeeded (readiness). */
  readonly consecutiveFailures: number;
}

/** What the chain hands a schedule: how to build and commit blocks, and time. */
export interface ScheduleHost {
  readonly builder: BlockBuilder;
  readonly committer: BlockCommitter;
  readonly clock: Clock;
  readonly log: Logger;
}

export type BlockScheduleFactory = (host: ScheduleHost) => BlockSchedule;
