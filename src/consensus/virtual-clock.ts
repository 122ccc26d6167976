import type { Clock, Timer } from './outside-deps.js';

/**
 * Virtual time for tests and the simulator: timers fire in (time, scheduling order), and between two
 * timers every pending promise settles (the consensus core is promise-only, so one macrotask turn
 * drains it). Deterministic for a deterministic workload.
 */
export class VirtualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly queue: { at: number; seq: number; fn: () => void; live: boolean }[] = [];

  constructor(startMs = 1_767_225_600_000) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): Timer {
    const entry = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, live: true };
    // Binary insertion keeps the queue ordered by (at, seq).
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.queue[mid]!;
      if (m.at < entry.at || (m.at === entry.at && m.seq < entry.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, entry);
    return { cancel: () => void (entry.live = false) };
  }

  get pendingTimers(): number {
    return this.queue.filter((e) => e.live).length;
  }

  /** Runs timers until `done()` holds (checked after each) or `maxMs` of virtual time pass; returns done(). */
  async runUntil(done: () => boolean, maxMs: number): Promise<boolean> {
    const end = this.time + maxMs;
    await settle();
    while (!done()) {
      const next = this.queue[0];
      if (next === undefined || next.at > end) {
        this.time = Math.max(this.time, end);
        return done();
      }
      this.queue.shift();
      if (!next.live) continue;
      this.time = Math.max(this.time, next.at);
      next.fn();
      await settle();
    }
    return true;
  }

  /** Lets `ms` of virtual time pass. */
  async advance(ms: number): Promise<void> {
    await this.runUntil(() => false, ms);
  }
}

/** One macrotask turn: every microtask chain queued before it has run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
