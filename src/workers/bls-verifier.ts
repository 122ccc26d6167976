import type { BlsSignatureSet } from '../crypto/bls/bls.js';
import { verifySignatureSetsEach } from '../crypto/bls/signature-sets.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';

export interface BlsVerifyOptions {
  /**
   * May wait a few ms to be verified together with other callers' sets (one multi-pairing for many
   * votes). Default: true for requests of at most the batch size, false for larger ones (sync),
   * which are split across the workers instead.
   */
  readonly batchable?: boolean;
  /**
   * Verify now, on the calling thread, not on the pool: for the few signatures a latency-critical
   * step waits on (as Lodestar does for a gossip block's proposer signature). A pool round trip
   * queues behind whatever job each worker is running; on the devnet a consensus vote waited
   * 5–100 ms for a ~1.3 ms check. Default false.
   */
  readonly verifyOnMainThread?: boolean;
}

/**
 * Verifies BLS signature sets (one signer, or a same-message aggregate of several). Consensus
 * depends on this, not on where the pairings run. Implementations reject with
 * `JobQueueFullError` when saturated (the caller ignores the message or answers Busy) and never on
 * malformed bytes (those are invalid sets).
 */
export interface BlsVerifier {
  /** True only if every set verifies; false for no sets. */
  verifySignatureSets(sets: readonly BlsSignatureSet[], options?: BlsVerifyOptions): Promise<boolean>;
  /** One verdict per set, in order. */
  verifySignatureSetsEach(sets: readonly BlsSignatureSet[], options?: BlsVerifyOptions): Promise<readonly boolean[]>;
}

/** Counts verdicts the same way for every implementation. */
export function countBlsVerdicts(metrics: NodeMetrics | undefined, valid: readonly boolean[], retried: boolean): void {
  if (!metrics) return;
  let ok = 0;
  for (const v of valid) if (v) ok++;
  if (ok > 0) metrics.blsSignatureSets.inc({ result: 'valid' }, ok);
  if (valid.length > ok) metrics.blsSignatureSets.inc({ result: 'invalid' }, valid.length - ok);
  if (retried) metrics.blsBatchRetries.inc();
}

/** On the calling thread: for tests, tools and loads too small for a round trip to a worker. */
export class MainThreadBlsVerifier implements BlsVerifier {
  constructor(private readonly metrics?: NodeMetrics) {}

  async verifySignatureSets(sets: readonly BlsSignatureSet[]): Promise<boolean> {
    if (sets.length === 0) return false;
    return (await this.verifySignatureSetsEach(sets)).every((v) => v);
  }

  async verifySignatureSetsEach(sets: readonly BlsSignatureSet[]): Promise<readonly boolean[]> {
    await Promise.resolve(); // settle asynchronously, as the pool does
    const verdict = verifySignatureSetsEach(sets);
    countBlsVerdicts(this.metrics, verdict.valid, verdict.retried);
    return verdict.valid;
  }
}
