/**
 * A caller's handle on one queued job's place in line: `expedite()` moves the job to the front of
 * its kind's queue (behind jobs expedited before it), now if it waits, at once when it is queued
 * later, and does nothing once a worker has it. The job pool binds it when the job is queued; the
 * caller may expedite before, while or after, without knowing which.
 */
export class JobUrgency {
  private expedited = false;
  private onExpedite: (() => void) | undefined;

  /** Whether `expedite()` has been called. */
  get isExpedited(): boolean {
    return this.expedited;
  }

  expedite(): void {
    if (this.expedited) return;
    this.expedited = true;
    const run = this.onExpedite;
    this.onExpedite = undefined;
    run?.();
  }

  /** The pool's side: `move` runs once, when the job is (or is already) expedited. */
  bind(move: () => void): void {
    if (this.expedited) move();
    else this.onExpedite = move;
  }

  /** The pool's side: the job left the queue (dispatched or dropped); later calls do nothing. */
  release(): void {
    this.onExpedite = undefined;
  }
}
