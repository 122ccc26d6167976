/** How one peer's relayed transactions are admitted: how many at once, how many wait, how Busy is retried. */
export interface PeerAdmissionQueueLimits {
  /** Admissions running at once: below the per-connection admission budget (64), so a burst waits here, not Busy. */
  readonly maxAdmitting: number;
  /** Frames waiting (count and bytes); beyond, a frame is dropped (the peer sends faster than we admit). */
  readonly maxQueued: number;
  readonly maxQueuedBytes: number;
  /** After a Busy answer the queue pauses `busyRetryMs × 2^attempt` (at most 32×) and retries the same frame first. */
  readonly busyRetryMs: number;
  readonly maxBusyRetries: number;
}

export const DEFAULT_PEER_ADMISSION_LIMITS: PeerAdmissionQueueLimits = Object.freeze({
  maxAdmitting: 32,
  maxQueued: 8_192,
  maxQueuedBytes: 256 * 1024 * 1024,
  busyRetryMs: 10,
  maxBusyRetries: 40,
});

/** What admitting one frame came to: done (admitted or refused for good), or Busy (try again later). */
export type AdmissionOutcome = 'done' | 'busy';

interface Waiting<T> {
  readonly item: T;
  readonly bytes: number;
  readonly urgent: boolean;
  attempts: number;
}

/**
 * One peer's relayed transactions, admitted in the order they arrived (a submitter's sequences must
 * reach the mempool in order: a block that includes sequence n+1 makes n unincludable), a bounded
 * number at a time. A frame answered Busy is not lost: the queue pauses and retries it before the
 * frames behind it (those already admitting may finish first; the cap keeps that below the budget).
 * Urgent frames (bodies a held block waits for) are admitted before every frame that is not; they
 * skip no sequence check, since relayed frames have none (AdmissionSource.relayed).
 */
export class PeerAdmissionQueue<T> {
  private readonly waiting: Waiting<T>[] = [];
  private head = 0;
  /** Urgent frames, first in line; few (answers to this node's body requests), so a plain array. */
  private readonly urgent: Waiting<T>[] = [];
  private bytes = 0;
  private admitting = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly admit: (item: T) => Promise<AdmissionOutcome>,
    private readonly drop: (item: T, why: 'queue_full' | 'busy_retries') => void,
    private readonly limits: PeerAdmissionQueueLimits = DEFAULT_PEER_ADMISSION_LIMITS,
  ) {}

  /** Frames waiting (not yet admitting). */
  get size(): number {
    return this.waiting.length - this.head + this.urgent.length;
  }

  /** Queues `item` of `bytes`, before every frame that is not urgent when `urgent`; false (and `drop`) when the queue is full. */
  push(item: T, bytes: number, urgent = false): boolean {
    if (this.closed) return false;
    if (this.size >= this.limits.maxQueued || this.bytes + bytes > this.limits.maxQueuedBytes) {
      this.drop(item, 'queue_full');
      return false;
    }
    const w: Waiting<T> = { item, bytes, urgent, attempts: 0 };
    if (urgent) this.urgent.push(w);
    else this.waiting.push(w);
    this.bytes += bytes;
    this.pump();
    return true;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting.length = 0;
    this.urgent.length = 0;
    this.head = 0;
    this.bytes = 0;
  }

  private take(): Waiting<T> | undefined {
    const urgent = this.urgent.shift();
    if (urgent !== undefined) return urgent;
    if (this.head >= this.waiting.length) return undefined;
    const w = this.waiting[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    return w;
  }

  private pump(): void {
    while (!this.closed && this.timer === undefined && this.admitting < this.limits.maxAdmitting) {
      const w = this.take();
      if (w === undefined) return;
      this.bytes -= w.bytes;
      this.admitting++;
      let admitted: Promise<AdmissionOutcome>;
      try {
        admitted = this.admit(w.item);
      } catch {
        admitted = Promise.resolve('done'); // a synchronous throw is the admitter's to report; the slot is freed
      }
      admitted.then(
        (outcome) => this.settle(w, outcome),
        () => this.settle(w, 'done'),
      );
    }
  }

  private settle(w: Waiting<T>, outcome: AdmissionOutcome): void {
    this.admitting--;
    if (this.closed) return;
    if (outcome === 'busy') {
      w.attempts++;
      if (w.attempts > this.limits.maxBusyRetries) {
        this.drop(w.item, 'busy_retries');
      } else {
        // First in line again (of its kind), and nothing new starts until the pause is over.
        if (w.urgent) this.urgent.unshift(w);
        else if (this.head > 0) this.waiting[--this.head] = w;
        else this.waiting.unshift(w);
        this.bytes += w.bytes;
        if (this.timer === undefined) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.pump();
          }, this.limits.busyRetryMs * 2 ** Math.min(w.attempts - 1, 5));
        }
        return;
      }
    }
    this.pump();
  }
}
