/** A scheduled callback; `cancel` is idempotent. */
export interface Timer {
  cancel(): void;
}

/**
 * Time, as the chain and consensus see it: wall-clock reads and timers. Pure logic never reads
 * the clock itself; what needs time takes this interface (tests drive a manual one).
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` once after `ms`. */
  after(ms: number, fn: () => void): Timer;
  /** Runs `fn` every `ms`. */
  every(ms: number, fn: () => void): Timer;
  /** Runs `fn` on a later turn of the event loop, after pending I/O. */
  soon(fn: () => void): void;
}

/** The process's clock: Date.now and Node's timers. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  after(ms: number, fn: () => void): Timer {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
  every(ms: number, fn: () => void): Timer {
    const t = setInterval(fn, ms);
    return { cancel: () => clearInterval(t) };
  },
  soon(fn: () => void): void {
    setImmediate(fn);
  },
});
