/** Milliseconds from a monotonic source; tests may drive it. */
export interface MonotonicClock {
  now(): number;
}

export const monotonicClock: MonotonicClock = Object.freeze({ now: () => performance.now() });

/**
 * A token bucket refilled at `ratePerSecond` up to `burst`. `take` succeeds while any token is left
 * and may go into debt: a single frame larger than the burst (a 32 MiB block response against a
 * 16 MiB/s budget) still passes, and the debt delays what follows.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: MonotonicClock,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    this.last = now;
  }

  take(n: number): boolean {
    this.refill();
    if (this.tokens <= 0) return false;
    this.tokens -= n;
    return true;
  }

  /** Milliseconds until `take` can succeed again (0 if now). */
  msUntilAvailable(): number {
    this.refill();
    return this.tokens > 0 ? 0 : Math.ceil(((-this.tokens + 1) * 1000) / this.ratePerSecond);
  }
}
