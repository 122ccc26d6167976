import type { JobKind } from './job-kinds.js';

/**
 * Backpressure: the queue of `kind` is full. Nothing was queued; the caller answers `Busy` (a client
 * retries) or ignores the message (gossip), rather than let work pile up without bound.
 */
export class JobQueueFullError extends Error {
  override readonly name = 'JobQueueFullError';
  constructor(
    readonly kind: JobKind,
    readonly capacity: number,
  ) {
    super(`the ${kind} job queue is full (${capacity})`);
  }
}

/** The pool was closed: queued jobs are dropped and new ones refused. */
export class JobPoolClosedError extends Error {
  override readonly name = 'JobPoolClosedError';
  constructor(readonly kind: JobKind) {
    super(`the job pool is closed (${kind} job not run)`);
  }
}
