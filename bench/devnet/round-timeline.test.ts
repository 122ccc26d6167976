import { describe, expect, it } from 'vitest';
import { roundTimeline } from './round-timeline.js';

describe('round timeline from debug logs', () => {
  it('times each step of a macro round from the batch\'s last micro block, first and last validator, and the pause to the next micro block', () => {
    const line = (time: number, pid: number, msg: string, height: number, step?: string) => ({ time, pid, msg, height, ...(step ? { step } : {}) });
    const lines = [
      line(1_000, 1, 'produced a micro block', 31),
      line(1_010, 1, 'macro proposal sent', 32),
      line(1_020, 2, 'macro proposal judged', 32),
      line(1_030, 3, 'macro proposal judged', 32),
      line(1_025, 2, 'vote cast', 32, 'prevote'),
      line(1_040, 3, 'vote cast', 32, 'prevote'),
      line(1_050, 2, 'vote cast', 32, 'precommit'),
      line(1_060, 2, 'macro block decided', 32),
      line(1_090, 3, 'macro block decided', 32),
      line(1_160, 4, 'produced a micro block', 33),
      // A round whose last micro block was not logged (another validator's, before the logs began) is left out.
      line(2_000, 1, 'macro block decided', 64),
    ];
    const rounds = roundTimeline(lines);
    expect(rounds).toHaveLength(1);
    const r = rounds[0]!;
    expect(r.height).toBe(32);
    expect(Object.fromEntries(r.steps)).toEqual({
      'proposal sent': { first: 10, last: 10 },
      'proposal judged': { first: 20, last: 30 },
      'prevote cast': { first: 25, last: 40 },
      'precommit cast': { first: 50, last: 50 },
      decided: { first: 60, last: 90 },
    });
    expect(r.nextMicroMs).toBe(100);
  });
});
