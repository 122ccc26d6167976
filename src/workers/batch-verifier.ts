import { Piscina } from 'piscina';
import type { RejectCode } from '../codec/ingest-reply.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import type { VerifyBatchOutcome, VerifyBatchTask, VerifyBatchWorkerData } from './verify-batch.worker.js';
import { workerScript } from './worker-path.js';

export interface VerifiedFrame {
  /** The same bytes that went in, handed back by the worker. */
  readonly frame: Uint8Array;
  readonly code: RejectCode;
  readonly detail: string;
}

/**
 * The node's verification pool: one coarse task per batch (a piscina round trip costs ~30-65 µs
 * here, a 1,000-record batch ~32 ms of Poseidon). Frames are transferred, never cloned or JSON'd.
 */
export class BatchVerifierPool {
  private readonly pool: Piscina<VerifyBatchTask, VerifyBatchOutcome>;

  /** `chain`: the node's chain identity, which every batch signature must be bound to. */
  constructor(opts: { threads: number; chain: Uint8Array; metrics?: NodeMetrics }) {
    const workerData: VerifyBatchWorkerData = { chain: opts.chain.slice() };
    this.pool = new Piscina({
      filename: workerScript('verify-batch.worker'),
      workerData,
      minThreads: opts.threads,
      maxThreads: opts.threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
    });
    const metrics = opts.metrics;
    if (metrics) {
      metrics.onScrape(() => {
        metrics.poolQueueDepth.set(this.pool.queueSize);
        metrics.poolUtilization.set(this.pool.utilization);
      });
    }
    this.metrics = metrics;
  }
  private readonly metrics: NodeMetrics | undefined;

  get queueDepth(): number {
    return this.pool.queueSize;
  }

  get threads(): number {
    return this.pool.threads.length;
  }

  /** `frame` must own its whole ArrayBuffer: it is detached here and comes back in the result. */
  async verify(frame: Uint8Array, publicKey: Uint8Array): Promise<VerifiedFrame> {
    const buffer = ownedBuffer(frame);
    const outcome = await this.pool.run({ frame: buffer, publicKey }, { transferList: [buffer] });
    this.metrics?.verifyTaskSeconds.observe(outcome.taskMs / 1000);
    return { frame: new Uint8Array(outcome.frame), code: outcome.code, detail: outcome.detail };
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

function ownedBuffer(frame: Uint8Array): ArrayBuffer {
  if (frame.byteOffset === 0 && frame.byteLength === frame.buffer.byteLength && frame.buffer instanceof ArrayBuffer) {
    return frame.buffer;
  }
  return frame.slice().buffer;
}
