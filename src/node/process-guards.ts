import { isLmdbCommitFailure } from '../storage/storage-errors.js';
import type { Logger } from '../log.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';

/**
 * Process-wide handlers for a node process (not for tests, which share a process with their runner).
 *
 * lmdb-js 3.5 rejects a failed commit on two promises, and only one of them reaches the caller
 * (StorageEnv.transaction handles it and the `commitError` behind it); the other would crash
 * Node 20 as an unhandled rejection. Those are counted and logged: the failure itself was already
 * reported by the write that saw it (StorageHealth). Any other unhandled rejection is a bug: log it
 * and exit non-zero, so a supervisor restarts the node from its durable state.
 */
export function installProcessGuards(log: Logger, metrics: () => NodeMetrics | undefined, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  const onRejection = (reason: unknown): void => {
    if (isLmdbCommitFailure(reason)) {
      reason.commitError.catch(() => undefined);
      metrics()?.storageWriteFailures.inc({ what: 'stray_commit_rejection' });
      log.debug({ err: reason }, 'lmdb-js stray commit rejection (already reported by the write that failed)');
      return;
    }
    log.fatal({ err: reason }, 'unhandled promise rejection: a bug; exiting so the node restarts from its durable state');
    exit(70);
  };
  process.on('unhandledRejection', onRejection);
  return () => process.off('unhandledRejection', onRejection);
}
