import { describe, expect, it } from 'vitest';
import { PeerAdmissionQueue, type AdmissionOutcome } from './peer-admission-queue.js';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('PeerAdmissionQueue', () => {
  it('admits in arrival order, at most maxAdmitting at once', async () => {
    const started: number[] = [];
    const pending: (() => void)[] = [];
    let running = 0;
    let most = 0;
    const q = new PeerAdmissionQueue<number>(
      (n) => {
        started.push(n);
        running++;
        most = Math.max(most, running);
        return new Promise<AdmissionOutcome>((resolve) => pending.push(() => {
          running--;
          resolve('done');
        }));
      },
      () => {
        throw new Error('nothing is dropped');
      },
      { maxAdmitting: 3, maxQueued: 100, maxQueuedBytes: 1_000, busyRetryMs: 1, maxBusyRetries: 3 },
    );
    for (let i = 0; i < 10; i++) q.push(i, 1);
    expect(started).toEqual([0, 1, 2]);
    expect(q.size).toBe(7);
    while (started.length < 10 || pending.length > 0) {
      pending.shift()?.();
      await tick();
    }
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
  });

  it('retries a Busy frame before the frames behind it, and drops it after maxBusyRetries', async () => {
    const started: string[] = [];
    const dropped: string[] = [];
    const busyLeft = new Map([['a', 2], ['z', 99]]);
    const q = new PeerAdmissionQueue<string>(
      async (s) => {
        started.push(s);
        const left = busyLeft.get(s) ?? 0;
        if (left > 0) {
          busyLeft.set(s, left - 1);
          return 'busy';
        }
        return 'done';
      },
      (s, why) => dropped.push(`${s}:${why}`),
      { maxAdmitting: 1, maxQueued: 100, maxQueuedBytes: 1_000, busyRetryMs: 1, maxBusyRetries: 3 },
    );
    q.push('a', 1);
    q.push('b', 1);
    q.push('z', 1);
    q.push('c', 1);
    await tick(100);
    expect(started).toEqual(['a', 'a', 'a', 'b', 'z', 'z', 'z', 'z', 'c']);
    expect(dropped).toEqual(['z:busy_retries']);
  });

  it('drops beyond its count and byte bounds', () => {
    const dropped: number[] = [];
    const q = new PeerAdmissionQueue<number>(
      () => new Promise<AdmissionOutcome>(() => undefined),
      (n) => dropped.push(n),
      { maxAdmitting: 1, maxQueued: 2, maxQueuedBytes: 10, busyRetryMs: 1, maxBusyRetries: 1 },
    );
    expect(q.push(1, 5)).toBe(true); // admitting
    expect(q.push(2, 5)).toBe(true);
    expect(q.push(3, 6)).toBe(false); // 11 bytes waiting
    expect(q.push(4, 5)).toBe(true);
    expect(q.push(5, 1)).toBe(false); // 2 waiting
    expect(dropped).toEqual([3, 5]);
    q.close();
    expect(q.push(6, 1)).toBe(false);
  });

  it('admits urgent frames (bodies a held block waits for) before the plain ones queued ahead, in their own order, Busy ones first again', async () => {
    const started: string[] = [];
    const release: (() => void)[] = [];
    let busyOnce = true;
    const q = new PeerAdmissionQueue<string>(
      (s) => {
        started.push(s);
        if (s === 'u1' && busyOnce) {
          busyOnce = false;
          return Promise.resolve<AdmissionOutcome>('busy');
        }
        return new Promise<AdmissionOutcome>((resolve) => release.push(() => resolve('done')));
      },
      () => {
        throw new Error('nothing is dropped');
      },
      { maxAdmitting: 1, maxQueued: 100, maxQueuedBytes: 1_000, busyRetryMs: 1, maxBusyRetries: 3 },
    );
    q.push('p1', 1);
    q.push('p2', 1);
    q.push('p3', 1);
    q.push('u1', 1, true);
    q.push('u2', 1, true);
    expect(q.size).toBe(4); // p1 admitting
    while (started.length < 6 || release.length > 0) {
      release.shift()?.();
      await tick(5);
    }
    expect(started).toEqual(['p1', 'u1', 'u1', 'u2', 'p2', 'p3']);
    expect(q.size).toBe(0);
  });
});
