/**
 * A write to the data directory failed (disk full, I/O error, map full). Nothing of the failed
 * transaction is on disk; the node stays up and reports it (StorageHealth) until writes succeed again.
 */
export class StorageWriteError extends Error {
  override readonly name = 'StorageWriteError';
  constructor(
    message: string,
    /** errno-style code of the underlying failure when known (e.g. 28 ENOSPC, 5 EIO, -30792 MDB_MAP_FULL). */
    readonly code: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** lmdb-js 3.5 rejects a failed commit with "Commit failed" and the real error behind `commitError`. */
export interface LmdbCommitFailure extends Error {
  commitError: Promise<never>;
}

export function isLmdbCommitFailure(err: unknown): err is LmdbCommitFailure {
  return err instanceof Error && typeof (err as Partial<LmdbCommitFailure>).commitError?.then === 'function';
}
