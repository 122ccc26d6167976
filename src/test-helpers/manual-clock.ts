import type { Clock, Timer } from '../chain/clock.js';

/** A clock that moves only when told to: timers fire, in time order, inside `advance`. */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; every?: number; fn: () => void }>();

  constructor(start = 1_800_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): Timer {
    return this.add({ at: this.time + ms, fn });
  }

  every(ms: number, fn: () => void): Timer {
    return this.add({ at: this.time + ms, every: ms, fn });
  }

  soon(fn: () => void): void {
    this.add({ at: this.time, fn });
  }

  /** Sets the wall clock without firing anything (a clock that steps back, say). */
  set(time: number): void {
    this.time = time;
  }

  /** Moves time forward by `ms`, firing due timers in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      let next: [number, { at: number; every?: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[0] < next[0]))) next = entry;
      if (!next) break;
      const [id, t] = next;
      this.time = Math.max(this.time, t.at);
      if (t.every !== undefined) t.at += t.every;
      else this.timers.delete(id);
      t.fn();
    }
    this.time = end;
    await settle();
  }

  private add(t: { at: number; every?: number; fn: () => void }): Timer {
    const id = this.seq++;
    this.timers.set(id, t);
    return { cancel: () => this.timers.delete(id) };
  }
}

/** Lets already-resolved promise chains run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
