import { MAX_BATCH_FRAME_BYTES, MAX_BATCH_RECORDS, PUBLIC_RECORD_BYTES } from '../codec/limits.js';
import { BatchRejectedError, RejectCode } from './reject.js';

/**
 * In-flight budgets: what frames between receipt and verdict may hold, per source (a connection,
 * or all of HTTP), per claimed submitter and node-wide. Node configuration (AdmissionLimits).
 */
export interface AdmissionBudgetLimits {
  /** Batches in flight node-wide that any source may use; beyond it only sources under their fair share are admitted. */
  readonly maxInflight: number;
  /** Bytes of those batches. */
  readonly maxInflightBytes: number;
  /** Never exceeded, even by a source under its fair share: bounds the node's memory. */
  readonly hardMaxInflight: number;
  readonly hardMaxInflightBytes: number;
  /** What one connection may hold in flight, first of all checks. */
  readonly maxInflightPerConnection: number;
  readonly maxInflightBytesPerConnection: number;
  /** What one claimed submitter may hold of the shared (soft) budget, all its sources together. */
  readonly maxInflightPerSubmitter: number;
  readonly maxInflightBytesPerSubmitter: number;
  /** What HTTP submissions (POST /cdr, POST /tx), which have no connection, hold together. */
  readonly maxInflightHttp: number;
  readonly maxInflightBytesHttp: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_BUDGET_LIMITS: AdmissionBudgetLimits = {
  maxInflight: 256,
  maxInflightBytes: 128 * MiB,
  hardMaxInflight: 512,
  hardMaxInflightBytes: 192 * MiB,
  maxInflightPerConnection: 64,
  maxInflightBytesPerConnection: 32 * MiB,
  maxInflightPerSubmitter: 128,
  maxInflightBytesPerSubmitter: 64 * MiB,
  maxInflightHttp: 32,
  maxInflightBytesHttp: 16 * MiB,
};

/**
 * Why the budgets do not fit together, or undefined (each is a non-negative integer, checked by the
 * caller): every budget takes at least one batch of `largestFrame` bytes, or a full-size batch would
 * be Busy forever, and none exceeds the hard cap.
 */
export function budgetLimitsError(l: AdmissionBudgetLimits, largestFrame: number): string | undefined {
  const budgets: [string, number, number][] = [
    ['maxInflight', l.maxInflight, l.maxInflightBytes],
    ['hardMaxInflight', l.hardMaxInflight, l.hardMaxInflightBytes],
    ['maxInflightPerConnection', l.maxInflightPerConnection, l.maxInflightBytesPerConnection],
    ['maxInflightPerSubmitter', l.maxInflightPerSubmitter, l.maxInflightBytesPerSubmitter],
    ['maxInflightHttp', l.maxInflightHttp, l.maxInflightBytesHttp],
  ];
  for (const [name, count, bytes] of budgets) {
    if (count < 1) return `${name} must be at least 1, got ${count}`;
    if (bytes < largestFrame) return `the byte budget of ${name} (${bytes}) must hold one batch of maxBatchRecords (${largestFrame} bytes)`;
    if (count > l.hardMaxInflight || bytes > l.hardMaxInflightBytes) {
      return `${name} (${count} batches, ${bytes} bytes) exceeds the hard cap (${l.hardMaxInflight}, ${l.hardMaxInflightBytes})`;
    }
  }
  return undefined;
}

/** What one source has in flight, and its caps. */
export class SourceBudget {
  inflight = 0;
  inflightBytes = 0;
  constructor(
    readonly maxInflight: number,
    readonly maxInflightBytes: number,
  ) {}
}

/**
 * Where a frame came from: one WebSocket connection, or HTTP as a whole. The API creates one per
 * connection (Chain.connectionSource) and passes it with every frame; chain/ knows no sockets.
 */
export interface AdmissionSource {
  /** For Busy details and logs: "ingest#12", "http". */
  readonly id: string;
  readonly budget: SourceBudget;
  /**
   * Frames another validator relayed or sent on request: signed by their submitter and checked here
   * like any other, but they may arrive in any sequence order (several peers answer a catching-up
   * node), and another validator may have admitted a different transaction of the same submitter
   * and sequence first (the operator sent one to each), so admission of no kind refuses one for its
   * sequence: a peer's block naming it must apply here. Blocks still order each submitter's
   * sequences (the state transition), the nullifier index still refuses a batch admitted before,
   * and a pending one a final block superseded is discarded.
   */
  readonly relayed?: boolean;
  /**
   * Frames a block held here waits for (answers to this node's body requests): their checks go to
   * the front of the worker queue, with the earlier batches of their submitter's lane. The same
   * budget as the source it derives from.
   */
  readonly expedite?: boolean;
}

/** A frame's charge on the budgets; released once, when its verdict is known. */
export interface BudgetTicket {
  release(): void;
}

interface Usage {
  inflight: number;
  bytes: number;
}

/**
 * Decides Busy, in this order:
 * 1. the source's own budget (a connection can never hold more than its cap);
 * 2. a source under its fair share of the shared budget (the shared budget divided by the sources
 *    with something in flight, itself included; one batch at least) is admitted up to the hard cap,
 *    whatever the others hold and whichever submitter it names;
 * 3. above its fair share, a source takes from the shared budget while it lasts, and only within
 *    its claimed submitter's budget.
 * The submitter is a claim until the worker checks the signature, so its budget only limits the
 * shared part: a forger naming a real operator exhausts its own connection, never the operator's.
 */
export class AdmissionBudget {
  private inflight = 0;
  private inflightBytes = 0;
  /** Sources with at least one frame in flight. */
  private activeSources = 0;
  private readonly submitters = new Map<number, Usage>();
  /** HTTP submissions have no connection: they share this one source. */
  readonly http: AdmissionSource;

  constructor(private readonly limits: AdmissionBudgetLimits) {
    this.http = { id: 'http', budget: new SourceBudget(limits.maxInflightHttp, limits.maxInflightBytesHttp) };
  }

  /** A fresh budget for one connection. */
  connectionSource(id: string, opts: { relayed?: boolean } = {}): AdmissionSource {
    return { id, budget: new SourceBudget(this.limits.maxInflightPerConnection, this.limits.maxInflightBytesPerConnection), ...(opts.relayed ? { relayed: true } : {}) };
  }

  get totalInflight(): number {
    return this.inflight;
  }

  get totalInflightBytes(): number {
    return this.inflightBytes;
  }

  /** Charges one frame of `bytes` or throws BatchRejectedError(Busy) saying which budget refused it. */
  acquire(source: AdmissionSource, submitter: number, bytes: number, sequence: bigint): BudgetTicket {
    const s = source.budget;
    const l = this.limits;
    if (s.inflight >= s.maxInflight || s.inflightBytes + bytes > s.maxInflightBytes) {
      throw busy(`${source.id} has ${s.inflight} batches (${s.inflightBytes} bytes) in flight, its limit is ${s.maxInflight} (${s.maxInflightBytes} bytes); retry`, sequence);
    }
    const sources = this.activeSources + (s.inflight === 0 ? 1 : 0);
    const fairCount = Math.max(1, Math.floor(l.maxInflight / sources));
    const fairBytes = Math.floor(l.maxInflightBytes / sources);
    const underFairShare = s.inflight === 0 || (s.inflight < fairCount && s.inflightBytes + bytes <= fairBytes);
    const sub = this.submitters.get(submitter) ?? { inflight: 0, bytes: 0 };
    if (underFairShare) {
      if (this.inflight >= l.hardMaxInflight || this.inflightBytes + bytes > l.hardMaxInflightBytes) {
        throw busy(`node has ${this.inflight} batches (${this.inflightBytes} bytes) in flight, its hard limit; retry`, sequence);
      }
    } else {
      if (this.inflight >= l.maxInflight || this.inflightBytes + bytes > l.maxInflightBytes) {
        throw busy(`node has ${this.inflight} batches (${this.inflightBytes} bytes) in flight and ${source.id} holds more than its share (${fairCount} of ${sources} sources); retry`, sequence);
      }
      if (sub.inflight >= l.maxInflightPerSubmitter || sub.bytes + bytes > l.maxInflightBytesPerSubmitter) {
        throw busy(`submitter ${submitter} has ${sub.inflight} batches (${sub.bytes} bytes) in flight, its limit is ${l.maxInflightPerSubmitter} (${l.maxInflightBytesPerSubmitter} bytes); retry`, sequence);
      }
    }
    if (s.inflight === 0) this.activeSources++;
    s.inflight++;
    s.inflightBytes += bytes;
    this.inflight++;
    this.inflightBytes += bytes;
    sub.inflight++;
    sub.bytes += bytes;
    this.submitters.set(submitter, sub);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        s.inflight--;
        s.inflightBytes -= bytes;
        if (s.inflight === 0) this.activeSources--;
        this.inflight--;
        this.inflightBytes -= bytes;
        sub.inflight--;
        sub.bytes -= bytes;
        if (sub.inflight === 0) this.submitters.delete(submitter);
      },
    };
  }
}

function busy(detail: string, sequence: bigint): BatchRejectedError {
  return new BatchRejectedError(RejectCode.Busy, detail, sequence);
}

/** The largest frame of a batch of `records` public records: the records plus the wire's allowance for header, vtables and signature. */
export function batchFrameBytes(records: number): number {
  return records * PUBLIC_RECORD_BYTES + (MAX_BATCH_FRAME_BYTES - MAX_BATCH_RECORDS * PUBLIC_RECORD_BYTES);
}
