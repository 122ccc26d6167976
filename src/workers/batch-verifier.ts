import type { RejectCode } from '../codec/ingest-reply.js';
import type { SealedRecipients } from '../codec/sealed-section.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import type { JobKind } from './job-kinds.js';
import { JobPool } from './job-pool.js';
import type { JobUrgency } from './job-urgency.js';
import type { VerifyProofOutcome, VerifyProofTask } from './proof-task.js';

export interface VerifiedFrame {
  /** The same bytes that went in, handed back by the worker. */
  readonly frame: Uint8Array;
  readonly code: RejectCode;
  readonly detail: string;
}

export interface BatchVerifierPoolOptions {
  readonly threads: number;
  /** The node's chain identity, which every batch signature must be bound to. */
  readonly chain: Uint8Array;
  readonly metrics?: NodeMetrics;
  /** Per job kind, how much may wait (see `JobPoolOptions.capacity`). */
  readonly capacity?: Partial<Readonly<Record<JobKind, number>>>;
}

/**
 * The node's verification pool: one coarse `batch` job per batch (a piscina round trip costs
 * ~30-65 µs here, a 1,000-record batch ~32 ms of Poseidon). Frames are transferred, never cloned or
 * JSON'd. It owns the node's `JobPool`, which BLS verification (`PoolBlsVerifier` on `jobPool`) and
 * later proofs share.
 */
export class BatchVerifierPool {
  readonly jobPool: JobPool;
  private readonly metrics: NodeMetrics | undefined;

  constructor(opts: BatchVerifierPoolOptions) {
    this.jobPool = new JobPool({ threads: opts.threads, workerData: { chain: opts.chain }, capacity: opts.capacity, metrics: opts.metrics });
    const metrics = opts.metrics;
    if (metrics) {
      metrics.onScrape(() => {
        metrics.poolQueueDepth.set(this.jobPool.queueDepth());
        metrics.poolUtilization.set(this.jobPool.utilization);
      });
    }
    this.metrics = metrics;
  }

  /** Jobs of every kind waiting for a worker. */
  get queueDepth(): number {
    return this.jobPool.queueDepth();
  }

  get threads(): number {
    return this.jobPool.threads;
  }

  /**
   * `frame` must own its whole ArrayBuffer: it is detached when a worker takes it and comes back in
   * the result. `urgency` lets admission expedite the job while it waits.
   */
  async verify(frame: Uint8Array, publicKey: Uint8Array, sealedRecipients?: SealedRecipients, urgency?: JobUrgency): Promise<VerifiedFrame> {
    const buffer = ownedBuffer(frame);
    const task = sealedRecipients === undefined ? { frame: buffer, publicKey } : { frame: buffer, publicKey, sealedRecipients };
    const outcome = await this.jobPool.run('batch', task, urgency === undefined ? { transferList: [buffer] } : { transferList: [buffer], urgency });
    this.metrics?.verifyTaskSeconds.observe(outcome.taskMs / 1000);
    return { frame: new Uint8Array(outcome.frame), code: outcome.code, detail: outcome.detail };
  }

  /**
   * Verifies a batch proof on the pool (a `proof` job, after every batch and BLS job waiting). Rejects
   * with JobQueueFullError when proofs of `chunks` chunk proofs would exceed the proof queue's capacity.
   */
  verifyProof(task: VerifyProofTask, chunks: number): Promise<VerifyProofOutcome> {
    return this.jobPool.run('proof', task, { weight: Math.max(1, chunks) });
  }

  async close(): Promise<void> {
    await this.jobPool.close();
  }
}

function ownedBuffer(frame: Uint8Array): ArrayBuffer {
  if (frame.byteOffset === 0 && frame.byteLength === frame.buffer.byteLength && frame.buffer instanceof ArrayBuffer) {
    return frame.buffer;
  }
  return frame.slice().buffer;
}
