import { describe, expect, it } from 'vitest';
import { InMemoryVoteStore } from './in-memory-vote-store.js';

describe('in-memory vote store', () => {
  it('keeps one record per kind, height, round and slot context, refuses a second, and prunes final heights', async () => {
    const s = new InMemoryVoteStore();
    const ctx = Uint8Array.of(1);
    await s.put({ kind: 'prevote', height: 32, round: 1, context: new Uint8Array(0), payload: Uint8Array.of(9) });
    await s.put({ kind: 'micro', height: 33, round: 0, context: ctx, payload: Uint8Array.of(8) });
    await s.put({ kind: 'micro', height: 33, round: 0, context: Uint8Array.of(2), payload: Uint8Array.of(7) }); // another slot context: allowed
    expect(s.get('prevote', 32, 1, new Uint8Array(0))?.payload).toEqual(Uint8Array.of(9));
    expect(s.get('precommit', 32, 1, new Uint8Array(0))).toBeUndefined();
    await expect(s.put({ kind: 'prevote', height: 32, round: 1, context: new Uint8Array(0), payload: Uint8Array.of(1) })).rejects.toThrow(/re-send/);
    expect(s.refused).toBe(1);
    await s.putLock({ height: 32, lockedRound: 1, lockedBlock: Uint8Array.of(5), validRound: 1, validBlock: Uint8Array.of(5) });
    expect(s.lock(32)?.lockedRound).toBe(1);
    await s.prune(33);
    expect(s.get('prevote', 32, 1, new Uint8Array(0))).toBeUndefined();
    expect(s.lock(32)).toBeUndefined();
    expect(s.size).toBe(2);
  });
});
