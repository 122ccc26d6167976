import { performance } from 'node:perf_hooks';
import { batchId, decodeBatch, type BatchHeaderFields, type DecodedBatch } from '../codec/batch.js';
import { MalformedFrameError, UnsupportedVersionError } from '../codec/errors.js';
import { MAX_BATCH_RECORDS, PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import type { Logger } from '../log.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import type { Stores } from '../storage/index.js';
import { BatchLimitRule, type BatchLimitsContract } from '../vm/system/index.js';
import type { NullifierSet } from '../wasm/nullifier-set.js';
import type { BatchVerifierPool } from '../workers/batch-verifier.js';
import type { ChainEvents } from './events.js';
import type { Mempool, MempoolEntry } from './mempool.js';
import type { OperatorRegistry } from './operators.js';
import { BatchRejectedError, RejectCode } from './reject.js';

export interface AdmissionLimits {
  /** Records per batch; the wire allows up to 65,536. */
  readonly maxBatchRecords: number;
  /** Longest period one batch may cover. */
  readonly maxPeriodSeconds: number;
  /** How far past the node's clock a period may end (clock skew, time zones). */
  readonly maxFutureSeconds: number;
  /** Batches between receipt and verdict; beyond it the node answers Busy. */
  readonly maxInflight: number;
  /** Bytes of those batches: bounds memory whatever the batch size. */
  readonly maxInflightBytes: number;
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = {
  maxBatchRecords: 16_384,
  maxPeriodSeconds: 31 * 86_400,
  maxFutureSeconds: 86_400,
  maxInflight: 256,
  maxInflightBytes: 128 * 1024 * 1024,
};

export class InvalidAdmissionLimitsError extends Error {
  override readonly name = 'InvalidAdmissionLimitsError';
}

/** Limits are node configuration: checked once at start, so a bad value stops the node rather than every batch. */
export function validateAdmissionLimits(limits: AdmissionLimits): AdmissionLimits {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 0) throw new InvalidAdmissionLimitsError(`admission limit ${name} must be a non-negative integer, got ${String(value)}`);
  }
  if (limits.maxBatchRecords < 1 || limits.maxBatchRecords > MAX_BATCH_RECORDS) {
    throw new InvalidAdmissionLimitsError(`maxBatchRecords must be in 1..${MAX_BATCH_RECORDS}, got ${limits.maxBatchRecords}`);
  }
  return limits;
}

export interface AcceptedBatch {
  readonly id: Uint8Array;
  readonly header: BatchHeaderFields;
}

/**
 * Admits CDR batches: every check, in the order that makes bad input cheapest. Structure, limits,
 * operator and an early replay check run on the main thread (microseconds); signature, records
 * digest and Merkle root run in a worker; then, in each submitter's arrival order, the sequence is
 * checked again and the nullifiers are checked and inserted (WASM, O(1) each), and the batch is
 * written to LMDB before it is acknowledged.
 */
export class Admission {
  /** Highest sequence accepted per submitter (committed or pending). */
  private readonly lastSequence = new Map<number, bigint>();
  /** Serialises the final step per submitter, so verdicts apply in arrival order. */
  private readonly lanes = new Map<number, Promise<unknown>>();
  private nextOrder = 0;
  private inflight = 0;
  private inflightBytes = 0;

  constructor(
    private readonly deps: {
      readonly limits: AdmissionLimits;
      /** Runs the header limits in the VM; a fault in it is a node fault (Internal), not a client error. */
      readonly batchLimits: BatchLimitsContract;
      readonly operators: OperatorRegistry;
      readonly verifier: BatchVerifierPool;
      readonly nullifiers: NullifierSet;
      readonly stores: Stores;
      readonly mempool: Mempool;
      readonly events: ChainEvents;
      readonly metrics: NodeMetrics;
      readonly log: Logger;
      readonly now?: () => number;
    },
  ) {}

  /** Called once on start with what storage holds. */
  restore(sequences: ReadonlyMap<number, bigint>, nextOrder: number): void {
    for (const [submitter, seq] of sequences) this.noteSequence(submitter, seq);
    this.nextOrder = nextOrder;
  }

  /** Resolves when no batch is between receipt and verdict (call after the API stops accepting). */
  async drain(): Promise<void> {
    while (this.inflight > 0) await new Promise((r) => setTimeout(r, 5));
  }

  /** The next admission order: shared with contract admission, since both feed one mempool and one pending set. */
  allocateOrder(): number {
    return this.nextOrder++;
  }

  lastAcceptedSequence(submitter: number): bigint | undefined {
    return this.lastSequence.get(submitter);
  }

  /**
   * Admits one frame. `frame` must own its ArrayBuffer (it is transferred to a worker).
   * Resolves once the batch is durable; rejects with BatchRejectedError and records nothing otherwise.
   * `onWellFormed` runs before submit() returns if the frame is a structurally valid batch.
   */
  async submit(frame: Uint8Array, onWellFormed?: () => void): Promise<AcceptedBatch> {
    const receivedAt = performance.now();
    const { metrics } = this.deps;
    metrics.ingestBytes.inc(frame.length);
    try {
      const accepted = await this.admit(frame, receivedAt, onWellFormed);
      metrics.ingestBatches.inc({ outcome: 'accepted' });
      metrics.ingestCdrs.inc(accepted.header.recordCount);
      metrics.admissionSeconds.observe((performance.now() - receivedAt) / 1000);
      return accepted;
    } catch (err) {
      const rejected = err instanceof BatchRejectedError ? err : this.internal(err);
      metrics.ingestBatches.inc({ outcome: 'rejected' });
      metrics.ingestRejects.inc({ reason: rejected.reason });
      throw rejected;
    }
  }

  private async admit(frame: Uint8Array, receivedAt: number, onWellFormed?: () => void): Promise<AcceptedBatch> {
    const batch = this.decode(frame);
    onWellFormed?.(); // synchronously, inside submit(): callers judge frames in arrival order
    const { header } = batch;
    this.checkLimits(header);
    const operator = this.deps.operators.get(header.submitter);
    if (!operator) throw new BatchRejectedError(RejectCode.UnknownOperator, `submitter ${header.submitter} is not a consortium operator`, header.sequence);
    if (!this.deps.operators.has(header.counterparty)) {
      throw new BatchRejectedError(RejectCode.UnknownOperator, `counterparty ${header.counterparty} is not a consortium operator`, header.sequence);
    }
    this.checkSequence(header);
    const { maxInflight, maxInflightBytes } = this.deps.limits;
    if (this.inflight >= maxInflight || this.inflightBytes + frame.length > maxInflightBytes) {
      throw new BatchRejectedError(RejectCode.Busy, `node has ${this.inflight} batches (${this.inflightBytes} bytes) in flight; retry`, header.sequence);
    }

    const bytes = frame.length;
    this.inflight++;
    this.inflightBytes += bytes;
    this.deps.metrics.inflightBatches.set(this.inflight);
    try {
      const verified = this.deps.verifier.verify(frame, operator.batchKey);
      // The lane attaches its handler only when the previous batch settles; a worker failure
      // before then must not surface as an unhandled rejection (fatal in Node 20).
      verified.catch(() => undefined);
      // Wait for our turn in the submitter's lane and for our own verdict, whichever is later.
      const previous = this.lanes.get(header.submitter) ?? Promise.resolve();
      const turn = previous.then(() => verified).then((v) => {
        if (v.code !== RejectCode.None) throw new BatchRejectedError(v.code, v.detail, header.sequence);
        return this.accept(decodeBatch(v.frame), receivedAt);
      });
      const settled = turn.then(
        () => undefined,
        () => undefined,
      );
      this.lanes.set(header.submitter, settled);
      void settled.then(() => {
        if (this.lanes.get(header.submitter) === settled) this.lanes.delete(header.submitter);
      });
      const accepted = await turn;
      await this.persist(accepted);
      // `header` viewed the frame the worker took; the accepted batch views the frame it handed back.
      return { id: accepted.entry.id, header: accepted.batch.header };
    } finally {
      this.inflight--;
      this.inflightBytes -= bytes;
      this.deps.metrics.inflightBatches.set(this.inflight);
    }
  }

  private decode(frame: Uint8Array): DecodedBatch {
    try {
      return decodeBatch(frame);
    } catch (err) {
      if (err instanceof MalformedFrameError) throw new BatchRejectedError(RejectCode.Malformed, err.reason);
      if (err instanceof UnsupportedVersionError) throw new BatchRejectedError(RejectCode.UnsupportedVersion, err.message, err.sequence);
      throw err;
    }
  }

  /** The header limits, decided by the batch-limits system contract (contracts/system/batch-limits.casm). */
  private checkLimits(h: BatchHeaderFields): void {
    const { limits, batchLimits } = this.deps;
    const nowSec = BigInt(Math.floor((this.deps.now?.() ?? Date.now()) / 1000));
    const { rule } = batchLimits.check(h, limits, nowSec);
    if (rule === BatchLimitRule.Ok) return;
    const code = rule === BatchLimitRule.TooManyRecords ? RejectCode.TooLarge : RejectCode.OutOfRange;
    throw new BatchRejectedError(code, limitDetail(rule, h, limits), h.sequence);
  }

  private checkSequence(h: BatchHeaderFields): void {
    const last = this.lastSequence.get(h.submitter);
    if (last !== undefined && h.sequence <= last) {
      throw new BatchRejectedError(RejectCode.Replay, `sequence ${h.sequence} is not above ${last}, the last accepted for ${h.submitter}`, h.sequence);
    }
  }

  /** Runs in the submitter's lane, synchronously: sequence, nullifiers, then join the mempool. */
  private accept(batch: DecodedBatch, receivedAt: number): PendingWrite {
    const { header, records } = batch;
    this.checkSequence(header);
    const conflict = this.deps.nullifiers.checkAndInsert(records, header.recordCount, PUBLIC_RECORD_BYTES, RECORD_OFFSET.nullifier);
    if (conflict >= 0) {
      throw new BatchRejectedError(RejectCode.DuplicateRecord, `record ${conflict} repeats a nullifier already on the ledger or earlier in the batch`, header.sequence);
    }
    this.noteSequence(header.submitter, header.sequence);
    const id = batchId(header);
    const entry: MempoolEntry = {
      order: this.nextOrder++,
      id,
      submitter: header.submitter,
      sequence: header.sequence,
      cdrCount: header.recordCount,
      receivedAt,
      durable: false,
    };
    this.deps.mempool.push(entry);
    return { entry, batch };
  }

  /** Writes bytes and pending marker in one transaction; only then is the batch acknowledged. */
  private async persist(w: PendingWrite): Promise<void> {
    const { stores, mempool, events, nullifiers, metrics } = this.deps;
    const started = performance.now();
    try {
      await stores.env.transaction(() => {
        stores.chain.putTx(w.entry.id, w.batch.bytes);
        stores.pending.add(w.entry.order, w.entry.id);
      });
    } catch (err) {
      mempool.discard(w.entry);
      nullifiers.removeAll(w.batch.records, w.batch.header.recordCount, PUBLIC_RECORD_BYTES, RECORD_OFFSET.nullifier);
      this.deps.log.error({ err }, 'could not persist an accepted batch');
      throw new BatchRejectedError(RejectCode.Internal, 'storage write failed', w.batch.header.sequence);
    }
    metrics.admissionPersistSeconds.observe((performance.now() - started) / 1000);
    w.entry.durable = true;
    const h = w.batch.header;
    events.emit('batchAccepted', { id: w.entry.id, submitter: h.submitter, counterparty: h.counterparty, sequence: h.sequence, cdrCount: h.recordCount });
  }

  private noteSequence(submitter: number, seq: bigint): void {
    const last = this.lastSequence.get(submitter);
    if (last === undefined || seq > last) this.lastSequence.set(submitter, seq);
  }

  private internal(err: unknown): BatchRejectedError {
    this.deps.log.error({ err }, 'batch admission failed unexpectedly');
    return new BatchRejectedError(RejectCode.Internal, 'internal error');
  }
}

/** The reject detail for a broken rule (the messages of the TypeScript checks the contract replaced). */
function limitDetail(rule: Exclude<BatchLimitRule, BatchLimitRule.Ok>, h: BatchHeaderFields, limits: AdmissionLimits): string {
  switch (rule) {
    case BatchLimitRule.NoRecords: return 'batch has no records';
    case BatchLimitRule.TooManyRecords: return `${h.recordCount} records exceeds the limit of ${limits.maxBatchRecords}`;
    case BatchLimitRule.SequenceZero: return 'sequence numbers start at 1';
    case BatchLimitRule.SameOperator: return 'submitter and counterparty are the same operator';
    case BatchLimitRule.PeriodBefore2000: return `period starts before 2000-01-01 (${h.periodStart})`;
    case BatchLimitRule.PeriodEndsBeforeStart: return 'period ends before it starts';
    case BatchLimitRule.PeriodTooLong: return `period longer than ${limits.maxPeriodSeconds} s`;
    case BatchLimitRule.PeriodInFuture: return 'period ends in the future';
  }
}

/** A batch that passed every check and holds its place in the mempool, not yet on disk. */
interface PendingWrite {
  readonly entry: MempoolEntry;
  readonly batch: DecodedBatch;
}
