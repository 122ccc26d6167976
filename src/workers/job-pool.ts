import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import { Fifo } from './fifo.js';
import { JobPoolClosedError, JobQueueFullError } from './job-errors.js';
import { JOB_PRIORITY, type JobKind, type JobResult, type JobTask, type JobWorkerData } from './job-kinds.js';
import type { JobUrgency } from './job-urgency.js';
import { workerExecArgv, workerScript } from './worker-path.js';

export class JobPoolOptionsError extends Error {
  override readonly name = 'JobPoolOptionsError';
}

export interface JobPoolOptions {
  readonly threads: number;
  readonly workerData: JobWorkerData;
  /**
   * Per kind, how much may wait for a worker (in job weight: 1 a batch, 1 a BLS signature set);
   * beyond, `run` rejects with `JobQueueFullError`. Default: batch unbounded (admission's in-flight
   * budget already bounds it, 512 batches), bls 8,192 sets, proof 4,096 chunk proofs (~1 min of
   * verification on two cores).
   */
  readonly capacity?: Partial<Readonly<Record<JobKind, number>>>;
  /**
   * Jobs handed to piscina per thread (default 2): one running and one ready, so a worker never
   * waits for the main thread, while the rest waits here, in per-kind queues, where priority and
   * backpressure apply.
   */
  readonly inFlightPerThread?: number;
  readonly metrics?: NodeMetrics;
}

export interface RunJobOptions {
  /** Buffers moved (not cloned) to the worker when the job is dispatched. */
  readonly transferList?: readonly ArrayBuffer[];
  /** What the job counts against its kind's capacity (default 1). */
  readonly weight?: number;
  /** Lets the caller move the job to the front of its kind's queue while it waits (a body a held block needs). */
  readonly urgency?: JobUrgency;
}

interface QueuedJob {
  readonly kind: JobKind;
  readonly task: unknown;
  readonly transferList: readonly ArrayBuffer[] | undefined;
  readonly weight: number;
  readonly queuedAt: number;
  readonly urgency: JobUrgency | undefined;
  /** Left the queue: dispatched, or dropped by close (its other queue entry, if expedited, is skipped). */
  taken: boolean;
  readonly resolve: (result: { readonly taskMs: number }) => void;
  readonly reject: (err: unknown) => void;
}

const DEFAULT_CAPACITY: Readonly<Record<JobKind, number>> = Object.freeze({ batch: Number.POSITIVE_INFINITY, bls: 8192, proof: 4096 });

/**
 * The node's one worker pool, running typed jobs (`job-kinds.ts`) on one set of threads: a
 * bounded FIFO per kind, served in `JOB_PRIORITY` order, where a caller may expedite a waiting job
 * (`RunJobOptions.urgency`) to the front of its kind, with per-kind metrics (queue depth, jobs,
 * job and wait seconds, errors, expedited). Every worker loads every handler once (Poseidon WASM, blst).
 */
export class JobPool {
  private readonly pool: Piscina<unknown, { readonly taskMs: number }>;
  private readonly queues: Record<JobKind, Fifo<QueuedJob>> = { batch: new Fifo(), bls: new Fifo(), proof: new Fifo() };
  /**
   * Expedited jobs, served before their kind's queue. An expedited job stays in its kind's queue
   * too (a FIFO has no removal) and is skipped there once taken.
   */
  private readonly expedited: Record<JobKind, Fifo<QueuedJob>> = { batch: new Fifo(), bls: new Fifo(), proof: new Fifo() };
  /** Jobs waiting per kind (entries of both queues not yet taken). */
  private readonly waiting: Record<JobKind, number> = { batch: 0, bls: 0, proof: 0 };
  private readonly queuedWeight: Record<JobKind, number> = { batch: 0, bls: 0, proof: 0 };
  private readonly capacity: Readonly<Record<JobKind, number>>;
  private readonly maxInFlight: number;
  private readonly metrics: NodeMetrics | undefined;
  private inFlight = 0;
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  constructor(options: JobPoolOptions) {
    const opts = validate(options);
    this.capacity = Object.freeze({ ...DEFAULT_CAPACITY, ...opts.capacity });
    this.maxInFlight = opts.threads * (opts.inFlightPerThread ?? 2);
    this.metrics = opts.metrics;
    this.pool = new Piscina({
      filename: workerScript('job.worker'),
      execArgv: workerExecArgv(),
      workerData: { chain: opts.workerData.chain.slice() } satisfies JobWorkerData,
      minThreads: opts.threads,
      maxThreads: opts.threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
    });
    const metrics = this.metrics;
    if (metrics) {
      metrics.onScrape(() => {
        for (const kind of JOB_PRIORITY) metrics.jobQueueDepth.set({ kind }, this.waiting[kind]);
      });
    }
  }

  get threads(): number {
    return this.pool.threads.length;
  }

  /** Share of worker time spent on jobs since start (0-1). */
  get utilization(): number {
    return this.pool.utilization;
  }

  /** Jobs of `kind` (or of every kind) waiting for a worker, including those piscina holds ready. */
  queueDepth(kind?: JobKind): number {
    if (kind !== undefined) return this.waiting[kind];
    let n = this.pool.queueSize;
    for (const k of JOB_PRIORITY) n += this.waiting[k];
    return n;
  }

  /** How much more weight `kind` accepts before `run` rejects. */
  room(kind: JobKind): number {
    return this.capacity[kind] - this.queuedWeight[kind];
  }

  capacityOf(kind: JobKind): number {
    return this.capacity[kind];
  }

  run<K extends JobKind>(kind: K, task: JobTask<K>, options: RunJobOptions = {}): Promise<JobResult<K>> {
    if (this.closed) return Promise.reject(new JobPoolClosedError(kind));
    const weight = options.weight ?? 1;
    if (weight > this.room(kind)) {
      this.metrics?.jobErrors.inc({ kind, reason: 'queue_full' });
      return Promise.reject(new JobQueueFullError(kind, this.capacity[kind]));
    }
    return new Promise<JobResult<K>>((resolve, reject) => {
      const job: QueuedJob = {
        kind,
        task,
        transferList: options.transferList,
        weight,
        queuedAt: performance.now(),
        urgency: options.urgency,
        taken: false,
        resolve: resolve as (r: { readonly taskMs: number }) => void,
        reject,
      };
      this.queues[kind].push(job);
      this.waiting[kind]++;
      this.queuedWeight[kind] += weight;
      options.urgency?.bind(() => this.expedite(job));
      this.pump();
    });
  }

  /**
   * Drops what waits (rejected with `JobPoolClosedError`), lets what runs finish (at most
   * threads × inFlightPerThread jobs: piscina would otherwise fault on their late replies), then
   * stops the threads.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const kind of JOB_PRIORITY) {
      this.expedited[kind].drain();
      for (const job of this.queues[kind].drain()) {
        if (job.taken) continue;
        job.taken = true;
        job.urgency?.release();
        this.metrics?.jobErrors.inc({ kind, reason: 'closed' });
        job.reject(new JobPoolClosedError(kind));
      }
      this.queuedWeight[kind] = 0;
      this.waiting[kind] = 0;
    }
    await Promise.allSettled([...this.running]);
    await this.pool.destroy();
  }

  /** A waiting job goes to the front of its kind's queue, behind the jobs expedited before it. */
  private expedite(job: QueuedJob): void {
    if (job.taken || this.closed) return;
    this.expedited[job.kind].push(job);
    this.metrics?.jobsExpedited.inc({ kind: job.kind });
  }

  private next(): QueuedJob | undefined {
    for (const kind of JOB_PRIORITY) {
      const job = takeFirst(this.expedited[kind]) ?? takeFirst(this.queues[kind]);
      if (job === undefined) continue;
      job.taken = true;
      job.urgency?.release();
      this.waiting[kind]--;
      return job;
    }
    return undefined;
  }

  private pump(): void {
    while (!this.closed && this.inFlight < this.maxInFlight) {
      const job = this.next();
      if (job === undefined) return;
      this.queuedWeight[job.kind] -= job.weight;
      this.inFlight++;
      this.metrics?.jobWaitSeconds.observe({ kind: job.kind }, (performance.now() - job.queuedAt) / 1000);
      const running: Promise<void> = this.pool.run(job.task, { name: job.kind, transferList: job.transferList ? [...job.transferList] : undefined }).then(
        (result) => {
          this.inFlight--;
          this.pump();
          this.metrics?.jobs.inc({ kind: job.kind });
          this.metrics?.jobSeconds.observe({ kind: job.kind }, result.taskMs / 1000);
          job.resolve(result);
        },
        (err: unknown) => {
          this.inFlight--;
          this.pump();
          this.metrics?.jobErrors.inc({ kind: job.kind, reason: 'failed' });
          job.reject(err);
        },
      );
      this.running.add(running);
      const settled = (): void => void this.running.delete(running);
      void running.then(settled, settled);
    }
  }
}

/** The first entry of `queue` not yet taken (taken ones, expedited from it, are dropped on the way). */
function takeFirst(queue: Fifo<QueuedJob>): QueuedJob | undefined {
  for (let job = queue.shift(); job !== undefined; job = queue.shift()) if (!job.taken) return job;
  return undefined;
}

function validate(o: JobPoolOptions): JobPoolOptions {
  if (!Number.isInteger(o.threads) || o.threads < 1) throw new JobPoolOptionsError(`threads must be a positive integer, got ${o.threads}`);
  if (!(o.workerData.chain instanceof Uint8Array) || o.workerData.chain.length !== 32) throw new JobPoolOptionsError('workerData.chain must be 32 bytes');
  const perThread = o.inFlightPerThread ?? 2;
  if (!Number.isInteger(perThread) || perThread < 1) throw new JobPoolOptionsError(`inFlightPerThread must be a positive integer, got ${perThread}`);
  for (const [kind, cap] of Object.entries(o.capacity ?? {})) {
    if (!(kind in DEFAULT_CAPACITY)) throw new JobPoolOptionsError(`unknown job kind '${kind}'`);
    if (typeof cap !== 'number' || !(cap >= 1)) throw new JobPoolOptionsError(`capacity of ${kind} must be ≥ 1, got ${String(cap)}`);
  }
  return Object.freeze({ ...o, capacity: Object.freeze({ ...o.capacity }) });
}
