import type { BlsSignatureSet } from '../crypto/bls/bls.js';
import { signatureSetInBounds } from '../crypto/bls/signature-sets.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import { blsSetShapeOk, packBlsJob } from './bls-job.js';
import { MainThreadBlsVerifier, countBlsVerdicts, type BlsVerifier, type BlsVerifyOptions } from './bls-verifier.js';
import { JobPoolClosedError, JobQueueFullError } from './job-errors.js';
import type { JobPool } from './job-pool.js';

export class PoolBlsVerifierOptionsError extends Error {
  override readonly name = 'PoolBlsVerifierOptionsError';
}

export interface PoolBlsVerifierOptions {
  /** Batchable sets are sent as soon as this many wait (default 32, Lodestar's figure). */
  readonly maxBufferedSets?: number;
  /** ...or this long after the first of them arrived (default 3 ms). */
  readonly maxBufferWaitMs?: number;
  /** Larger requests are split into jobs of at most this many sets, one per free worker (default 128). */
  readonly maxSetsPerJob?: number;
  readonly metrics?: NodeMetrics;
}

interface Waiting {
  readonly sets: readonly BlsSignatureSet[];
  readonly resolve: (valid: readonly boolean[]) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * BLS verification on the node's job pool, batched as in Lodestar's BLS pool
 * (chain/bls/multithread): batchable requests (single votes) are buffered for up to
 * `maxBufferWaitMs` or `maxBufferedSets` sets and verified as one `bls` job, one
 * `verifyMultipleAggregateSignatures` over all of them; if that fails, the worker verifies the sets
 * one by one and each caller gets its own verdicts. Large requests are split across the workers.
 * Backpressure: sets beyond the `bls` kind's capacity reject with `JobQueueFullError`.
 */
export class PoolBlsVerifier implements BlsVerifier {
  private readonly opts: Required<Omit<PoolBlsVerifierOptions, 'metrics'>>;
  private readonly metrics: NodeMetrics | undefined;
  /** `verifyOnMainThread` requests: the same checks and counts, on the calling thread. */
  private readonly here: MainThreadBlsVerifier;
  private buffer: Waiting[] = [];
  private bufferedSets = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly pool: JobPool,
    options: PoolBlsVerifierOptions = {},
  ) {
    const opts = { maxBufferedSets: options.maxBufferedSets ?? 32, maxBufferWaitMs: options.maxBufferWaitMs ?? 3, maxSetsPerJob: options.maxSetsPerJob ?? 128 };
    for (const [k, v] of Object.entries(opts)) {
      if (!Number.isInteger(v) || v < (k === 'maxBufferWaitMs' ? 0 : 1)) throw new PoolBlsVerifierOptionsError(`${k} must be a ${k === 'maxBufferWaitMs' ? 'non-negative' : 'positive'} integer, got ${v}`);
    }
    this.opts = Object.freeze(opts);
    this.metrics = options.metrics;
    this.here = new MainThreadBlsVerifier(options.metrics);
  }

  async verifySignatureSets(sets: readonly BlsSignatureSet[], options?: BlsVerifyOptions): Promise<boolean> {
    if (sets.length === 0) return false;
    return (await this.verifySignatureSetsEach(sets, options)).every((v) => v);
  }

  async verifySignatureSetsEach(sets: readonly BlsSignatureSet[], options: BlsVerifyOptions = {}): Promise<readonly boolean[]> {
    if (this.closed) throw new JobPoolClosedError('bls');
    // Malformed sets are invalid here, at no worker time; the rest travel.
    const verdict = sets.map(() => false);
    const index: number[] = [];
    const wellFormed: BlsSignatureSet[] = [];
    sets.forEach((s, i) => {
      if (signatureSetInBounds(s) && blsSetShapeOk(s)) {
        index.push(i);
        wellFormed.push(s);
      }
    });
    if (wellFormed.length > 0) {
      const results = options.verifyOnMainThread === true ? await this.here.verifySignatureSetsEach(wellFormed) : await this.onPool(wellFormed, options);
      index.forEach((i, k) => (verdict[i] = results[k] === true));
    }
    const malformed = sets.length - wellFormed.length;
    if (malformed > 0) this.metrics?.blsSignatureSets.inc({ result: 'invalid' }, malformed);
    return verdict;
  }

  private onPool(sets: readonly BlsSignatureSet[], options: BlsVerifyOptions): Promise<readonly boolean[]> {
    if (sets.length > this.pool.room('bls') - this.bufferedSets) {
      this.metrics?.jobErrors.inc({ kind: 'bls', reason: 'queue_full' });
      throw new JobQueueFullError('bls', this.pool.capacityOf('bls'));
    }
    const batchable = options.batchable ?? sets.length <= this.opts.maxBufferedSets;
    return batchable ? this.buffered(sets) : this.split(sets);
  }

  /** Rejects what is buffered; the pool itself belongs to its owner. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    const waiting = this.buffer;
    this.buffer = [];
    this.bufferedSets = 0;
    for (const w of waiting) w.reject(new JobPoolClosedError('bls'));
  }

  /** Sets waiting in the batching buffer (not yet a job). */
  get bufferedSetCount(): number {
    return this.bufferedSets;
  }

  private buffered(sets: readonly BlsSignatureSet[]): Promise<readonly boolean[]> {
    return new Promise((resolve, reject) => {
      this.buffer.push({ sets, resolve, reject });
      this.bufferedSets += sets.length;
      if (this.bufferedSets >= this.opts.maxBufferedSets) this.flush();
      else if (this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.opts.maxBufferWaitMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const waiting = this.buffer;
    this.buffer = [];
    this.bufferedSets = 0;
    if (waiting.length === 0) return;
    this.job(waiting.flatMap((w) => w.sets)).then(
      (valid) => {
        let at = 0;
        for (const w of waiting) {
          w.resolve(valid.slice(at, at + w.sets.length));
          at += w.sets.length;
        }
      },
      (err: unknown) => {
        for (const w of waiting) w.reject(err);
      },
    );
  }

  private async split(sets: readonly BlsSignatureSet[]): Promise<readonly boolean[]> {
    // Even chunks of at most maxSetsPerJob, so every worker gets a similar share.
    const jobs = Math.ceil(sets.length / this.opts.maxSetsPerJob);
    const size = Math.ceil(sets.length / jobs);
    const parts: Promise<readonly boolean[]>[] = [];
    for (let i = 0; i < sets.length; i += size) parts.push(this.job(sets.slice(i, i + size)));
    return (await Promise.all(parts)).flat();
  }

  private async job(sets: readonly BlsSignatureSet[]): Promise<readonly boolean[]> {
    const { task, transferList } = packBlsJob(sets);
    const outcome = await this.pool.run('bls', task, { transferList, weight: sets.length });
    const valid = Array.from(outcome.valid, (v) => v === 1);
    countBlsVerdicts(this.metrics, valid, outcome.retried);
    return valid;
  }
}
