import type { Logger } from '../log.js';
import type { StorageEnv } from './env.js';
import { StorageWriteError } from './storage-errors.js';

export interface StorageHealthOptions {
  /** First wait before probing a failed data directory again; doubles up to `maxProbeMs`. */
  readonly firstProbeMs: number;
  readonly maxProbeMs: number;
}

export const DEFAULT_STORAGE_HEALTH: StorageHealthOptions = { firstProbeMs: 250, maxProbeMs: 10_000 };

export interface StorageStatus {
  readonly writable: boolean;
  /** Why writes fail (the operating system's message), while they do. */
  readonly reason?: string;
  /** Unix ms of the first failure of the current outage. */
  readonly failingSinceMs?: number;
  readonly failures: number;
}

/**
 * Whether the data directory takes writes. Any failed write marks it failing: admission refuses
 * new work (StorageFull) before spending anything on it, /health/ready turns not-ready, and a
 * probe with back-off writes a few bytes until one succeeds; then admission resumes by itself.
 */
export class StorageHealth {
  private failing: { reason: string; sinceMs: number } | undefined;
  private failures = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private probeDelayMs: number;
  private closed = false;
  private readonly listeners: ((writable: boolean) => void)[] = [];
  private readonly failureListeners: ((what: string) => void)[] = [];

  constructor(
    private readonly env: Pick<StorageEnv, 'probeWritable'>,
    private readonly log: Logger,
    private readonly opts: StorageHealthOptions = DEFAULT_STORAGE_HEALTH,
  ) {
    this.probeDelayMs = opts.firstProbeMs;
  }

  get writable(): boolean {
    return this.failing === undefined;
  }

  status(): StorageStatus {
    return this.failing
      ? { writable: false, reason: this.failing.reason, failingSinceMs: this.failing.sinceMs, failures: this.failures }
      : { writable: true, failures: this.failures };
  }

  /** Called with the new state whenever it changes. */
  onChange(listener: (writable: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Called with what was being written at every failed write (metrics). */
  onFailure(listener: (what: string) => void): void {
    this.failureListeners.push(listener);
  }

  /** A write failed: note it and start probing for recovery. */
  reportFailure(err: unknown, what: string): void {
    this.countFailure(what);
    const reason = err instanceof StorageWriteError || err instanceof Error ? err.message : String(err);
    if (this.failing) return;
    this.failing = { reason, sinceMs: Date.now() };
    this.log.error({ err, what }, 'storage write failed: refusing new work until the data directory is writable again');
    this.notify(false);
    this.scheduleProbe();
  }

  /** A write succeeded: the directory is writable (again). */
  reportSuccess(): void {
    if (!this.failing) return;
    const outageMs = Date.now() - this.failing.sinceMs;
    this.failing = undefined;
    this.probeDelayMs = this.opts.firstProbeMs;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this.log.warn({ outageMs }, 'storage writable again: admission resumes');
    this.notify(true);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }

  private scheduleProbe(): void {
    if (this.closed || this.probeTimer) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      this.env.probeWritable().then(
        () => this.reportSuccess(),
        (err: unknown) => {
          this.countFailure('probe');
          this.log.debug({ err }, 'storage probe failed');
          this.probeDelayMs = Math.min(this.probeDelayMs * 2, this.opts.maxProbeMs);
          if (this.failing) this.scheduleProbe();
        },
      );
    }, this.probeDelayMs);
    this.probeTimer.unref();
  }

  private countFailure(what: string): void {
    this.failures++;
    for (const l of this.failureListeners) l(what);
  }

  private notify(writable: boolean): void {
    for (const l of this.listeners) {
      try {
        l(writable);
      } catch (err) {
        this.log.error({ err }, 'storage health listener threw');
      }
    }
  }
}
