// Typed errors of reconciliation. The API maps them to HTTP statuses at its edge
// (src/api/reconciliation-routes.ts); the CLI to exit codes.

/** A pair or period as text that is not one (`20801-23415`, `2026-11`): the caller's input, never the node's state. */
export class ReconciliationInputError extends Error {
  override readonly name = 'ReconciliationInputError';
  constructor(
    readonly field: 'pair' | 'period' | 'after',
    message: string,
  ) {
    super(message);
  }
}

/** A timestamp outside the calendar months reconciliation knows (years 2000-9999). */
export class PeriodOutOfRangeError extends Error {
  override readonly name = 'PeriodOutOfRangeError';
}

/** Blocks handed to the index out of order (a gap): a bug of the caller, refused before anything is written. */
export class IndexGapError extends Error {
  override readonly name = 'IndexGapError';
}

/** The index worker could not be started or stopped answering. */
export class IndexWorkerError extends Error {
  override readonly name = 'IndexWorkerError';
}

/** A tolerance as text that is not one (`1s`, `0.5%`). */
export class ToleranceFormatError extends Error {
  override readonly name = 'ToleranceFormatError';
}

/** A verdict that cannot be made or read as given (a partial dispute list, a malformed verdict file, a signer outside the pair). */
export class VerdictInputError extends Error {
  override readonly name = 'VerdictInputError';
}
