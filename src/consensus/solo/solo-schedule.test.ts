import { describe, expect, it } from 'vitest';
import type { BlockBuilder, BuiltBlock } from '../../chain/block-builder.js';
import { BlockCommitFailedError, type BlockCommitter, type CommittableBlock } from '../../chain/block-committer.js';
import type { BlockProposal } from '../../chain/state-transition.js';
import { ManualClock, settle } from '../../test-helpers/manual-clock.js';
import { DEFAULT_SOLO_SCHEDULE, InvalidSoloScheduleError, SoloSchedule, validateSoloSchedule } from './solo-schedule.js';

/**
 * The solo schedule against a manual clock: its decisions (when to cut, when to retry) are what is
 * pinned here; src/chain/storage-failure.test.ts and commit-then-notify.test.ts run it on a real chain.
 */
class Pipeline implements BlockBuilder, BlockCommitter {
  ready = 0;
  failing = false;
  readonly proposals: BlockProposal[] = [];
  readonly attempts: number[] = [];
  private parentTs = 0n;
  private building = 0;
  private pendingCommit: (() => void) | undefined;
  /** Hold commits open until released (a slow disk). */
  hold = false;

  constructor(private readonly clock: ManualClock) {}

  get parent() {
    return { head: { height: 0, hash: new Uint8Array(32), cdrCount: 0 }, timestampMs: this.parentTs };
  }

  hasReady(): boolean {
    return this.ready > 0;
  }

  build(proposal: BlockProposal): BuiltBlock | undefined {
    if (this.ready === 0) return undefined;
    this.building = this.ready;
    this.proposals.push(proposal);
    // The schedule only hands the block on: nothing of it is read here.
    return { startedAt: 0, bytes: new Uint8Array(0), writes: { header: { timestampMs: proposal.timestampMs } } } as unknown as BuiltBlock;
  }

  async commit(block: CommittableBlock): Promise<void> {
    this.attempts.push(this.clock.now());
    if (this.hold) await new Promise<void>((resolve) => (this.pendingCommit = resolve));
    if (this.failing) throw new BlockCommitFailedError('disk full');
    this.ready -= this.building; // what arrived during the commit stays ready
    this.parentTs = block.writes.header.timestampMs;
  }

  async commitAll(blocks: readonly CommittableBlock[]): Promise<void> {
    for (const b of blocks) await this.commit(b);
  }

  release(): void {
    this.pendingCommit?.();
  }
}

function setup(overrides: Partial<typeof DEFAULT_SOLO_SCHEDULE> = {}) {
  const clock = new ManualClock();
  const p = new Pipeline(clock);
  const schedule = new SoloSchedule({ ...DEFAULT_SOLO_SCHEDULE, producer: 26201, ...overrides }, { clock, builder: p, committer: p });
  return { clock, p, schedule };
}

describe('SoloSchedule', () => {
  it('keeps today\'s constants: 20 ms timer, back-off from 100 ms doubling to 5 s', () => {
    expect(DEFAULT_SOLO_SCHEDULE).toEqual({ blockIntervalMs: 20, firstRetryMs: 100, maxRetryMs: 5_000 });
  });

  it('cuts a block as soon as it is nudged, as the configured producer, and on the timer for what no nudge announced', async () => {
    const { clock, p, schedule } = setup();
    schedule.start();
    p.ready = 1;
    schedule.nudge();
    await settle();
    expect(p.attempts).toEqual([clock.now()]);
    expect(p.proposals[0]!.producer).toBe(26201);
    p.ready = 1; // arrived with no nudge: the 20 ms timer finds it
    await clock.advance(19);
    expect(p.attempts).toHaveLength(1);
    await clock.advance(1);
    expect(p.attempts).toHaveLength(2);
    await schedule.stop();
  });

  it('runs one commit at a time and cuts the next block at once when more waited during it (eager)', async () => {
    const { clock, p, schedule } = setup();
    schedule.start();
    p.hold = true;
    p.ready = 1;
    schedule.nudge();
    await settle();
    p.ready++; // arrives during the commit
    schedule.nudge(); // ... and nudges: no second commit while one runs
    await settle();
    expect(p.attempts).toHaveLength(1);
    p.hold = false;
    p.release();
    await clock.advance(0); // the eager follow-up runs on the next turn, not on the 20 ms timer
    expect(p.attempts).toHaveLength(2);
    expect(p.attempts[1]).toBe(p.attempts[0]);
    await schedule.stop();
  });

  it('backs off 100, 200, 400 ... ms doubling to 5 s after failed commits: neither nudges nor the timer retry sooner', async () => {
    const { clock, p, schedule } = setup();
    const t0 = clock.now();
    schedule.start();
    p.failing = true;
    p.ready = 1;
    schedule.nudge();
    await settle();
    for (let i = 0; i < 100; i++) {
      await clock.advance(10);
      schedule.nudge(); // every accepted batch nudges: none may bypass the back-off
    }
    await clock.advance(20_000 - 1_000);
    const delays = p.attempts.map((t) => t - t0);
    expect(delays).toEqual([0, 100, 300, 700, 1_500, 3_100, 6_300, 11_300, 16_300]);
    expect(schedule.consecutiveFailures).toBe(9);
    p.failing = false;
    await clock.advance(5_000);
    expect(schedule.consecutiveFailures).toBe(0);
    expect(p.attempts).toHaveLength(10);
    await schedule.stop();
  });

  it('flush commits what is ready and rejects with BlockCommitFailedError when a commit fails', async () => {
    const { p, schedule } = setup();
    p.ready = 1;
    await schedule.flush();
    expect(p.attempts).toHaveLength(1);
    p.ready = 1;
    p.failing = true;
    await expect(schedule.flush()).rejects.toBeInstanceOf(BlockCommitFailedError);
  });

  it('gives strictly increasing timestamps even when the wall clock steps back', async () => {
    const { clock, p, schedule } = setup();
    p.ready = 1;
    await schedule.flush();
    const first = p.proposals[0]!.timestampMs;
    clock.set(clock.now() - 60_000);
    p.ready = 1;
    await schedule.flush();
    expect(p.proposals[1]!.timestampMs).toBe(first + 1n);
  });

  it('refuses bad settings before anything starts', () => {
    expect(() => validateSoloSchedule({ ...DEFAULT_SOLO_SCHEDULE, producer: 26201, blockIntervalMs: 0 })).toThrow(InvalidSoloScheduleError);
    expect(() => validateSoloSchedule({ ...DEFAULT_SOLO_SCHEDULE, producer: 26201, firstRetryMs: 200, maxRetryMs: 100 })).toThrow(InvalidSoloScheduleError);
  });
});
