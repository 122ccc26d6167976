import { performance } from 'node:perf_hooks';
import { toHex } from '../codec/bytes.js';
import { batchId, decodeBatch, publicBatchFrame, type BatchHeaderFields, type DecodedBatch } from '../codec/batch.js';
import type { SealedRecipients } from '../codec/sealed-section.js';
import type { GenesisPrivacy } from './genesis-privacy.js';
import type { GenesisSettlement } from './genesis-settlement.js';
import { PeriodFormatError } from '../settlement/errors.js';
import { isPeriodClosed, periodContaining, type SettlementPeriod } from '../settlement/settlement-period.js';
import { MAX_BATCH_RECORDS, PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import type { Logger } from '../log.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import type { Stores } from '../storage/index.js';
import type { StorageHealth } from '../storage/storage-health.js';
import { BatchLimitRule, type BatchLimitsContract } from '../vm/system/index.js';
import { NullifierIndexBusyError, type NullifierIndex } from '../nullifiers/nullifier-index.js';
import type { BatchVerifier } from './chain-deps.js';
import type { ChainEvents } from './events.js';
import type { Mempool, MempoolEntry } from './mempool.js';
import type { OperatorDirectory } from './operators.js';
import { batchFrameBytes, budgetLimitsError, DEFAULT_BUDGET_LIMITS, type AdmissionBudget, type AdmissionBudgetLimits, type AdmissionSource } from './admission-budget.js';
import { assertNextSequence, BatchRejectedError, decodeOrReject, RejectCode } from './reject.js';
import { TxKind } from './tx-kinds/tx-kind.js';
import { JobUrgency } from '../workers/job-urgency.js';

export interface AdmissionLimits extends AdmissionBudgetLimits {
  /** Records per batch; the wire allows up to 65,536. */
  readonly maxBatchRecords: number;
  /** Longest period one batch may cover. */
  readonly maxPeriodSeconds: number;
  /** How far past the node's clock a period may end (clock skew, time zones). */
  readonly maxFutureSeconds: number;
  /**
   * Largest step of a submitter's sequence above its last accepted one (above 0 for a first
   * batch), for batches and contract transactions: a signed 2^64−1 would lock its operator out.
   */
  readonly maxSequenceJump: number;
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = {
  maxBatchRecords: 16_384,
  maxPeriodSeconds: 31 * 86_400,
  maxFutureSeconds: 86_400,
  ...DEFAULT_BUDGET_LIMITS,
  maxSequenceJump: 1_000_000,
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
  const budgets = budgetLimitsError(limits, batchFrameBytes(limits.maxBatchRecords));
  if (budgets) throw new InvalidAdmissionLimitsError(budgets);
  if (limits.maxSequenceJump < 1) throw new InvalidAdmissionLimitsError(`maxSequenceJump must be at least 1, got ${limits.maxSequenceJump}`);
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
  /**
   * Highest sequence accepted per submitter here (committed, pending, or claimed by a write in
   * progress): admission's view, never the state transition's, which reads committed state only.
   */
  private readonly lastSequence = new Map<number, bigint>();
  /** Highest sequence on disk per submitter (committed or durably pending). */
  private readonly durableSequence = new Map<number, bigint>();
  /** Sequences accepted in a lane whose write has not finished, per submitter, ascending. */
  private readonly claimedSequences = new Map<number, bigint[]>();
  /** Serialises the final step per submitter, so verdicts apply in arrival order. */
  private readonly lanes = new Map<number, Promise<unknown>>();
  private nextOrder = 0;
  private inflight = 0;
  /** Hex ids of relayed batches between the duplicate check and their verdict. */
  private readonly relayedInFlight = new Set<string>();
  /** Batches between receipt and their lane's verdict, by hex id: what `expedite` can find. */
  private readonly awaitingVerdict = new Map<string, AwaitingVerdict>();
  /** The same, per submitter, in lane (arrival) order. */
  private readonly laneQueues = new Map<number, AwaitingVerdict[]>();

  constructor(
    private readonly deps: {
      readonly limits: AdmissionLimits;
      /** In-flight budgets per source, per submitter and node-wide (Busy). */
      readonly budget: AdmissionBudget;
      /** This node's chain identity: batch ids are bound to it (the workers check signatures against it). */
      readonly chain: Uint8Array;
      /** Runs the header limits in the VM; a fault in it is a node fault (Internal), not a client error. */
      readonly batchLimits: BatchLimitsContract;
      readonly operators: OperatorDirectory;
      readonly verifier: Pick<BatchVerifier, 'verify'>;
      readonly nullifiers: NullifierIndex;
      readonly stores: Stores;
      /** Whether the data directory takes writes: new work is refused (StorageFull) while it does not. */
      readonly storage: StorageHealth;
      readonly mempool: Mempool;
      readonly events: ChainEvents;
      readonly metrics: NodeMetrics;
      readonly log: Logger;
      readonly now?: () => number;
      /** The genesis' privacy rules (sealed payloads, the keys wraps must be for); absent: no sealed sections. */
      readonly privacy?: GenesisPrivacy;
      /** The genesis' settlement rules: a batch of a closed period is refused. */
      readonly settlement: GenesisSettlement;
      /** The committed head's timestamp: periods are open or closed as of it. */
      readonly headTimestampMs: () => bigint;
    },
  ) {}

  /** Called once on start with what storage holds. */
  restore(sequences: ReadonlyMap<number, bigint>, nextOrder: number): void {
    for (const [submitter, seq] of sequences) {
      this.noteSequence(submitter, seq);
      this.durableSequence.set(submitter, seq);
    }
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

  /**
   * Every batch admitted with an ordinal below this is settled: durable, or rolled back after a
   * failed write. The nullifier index writes a frozen table out only once this passes its freeze.
   */
  settledBelow(): number {
    let min = this.nextOrder;
    for (const o of this.unsettled) if (o < min) min = o;
    return min;
  }
  /** Ordinals of batches whose keys are inserted and whose write has not finished. */
  private readonly unsettled = new Set<number>();

  lastAcceptedSequence(submitter: number): bigint | undefined {
    return this.lastSequence.get(submitter);
  }

  /**
   * Admits one frame. `frame` must own its ArrayBuffer (it is transferred to a worker).
   * Resolves once the batch is durable; rejects with BatchRejectedError and records nothing otherwise.
   * `onWellFormed` runs before submit() returns if the frame is a structurally valid batch.
   * `source` is where the frame came from: its budget is charged while the frame is in flight.
   */
  async submit(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedBatch> {
    const receivedAt = performance.now();
    const { metrics } = this.deps;
    metrics.ingestBytes.inc(frame.length);
    try {
      const accepted = await this.admit(frame, source, receivedAt, onWellFormed);
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

  private async admit(frame: Uint8Array, source: AdmissionSource, receivedAt: number, onWellFormed?: () => void): Promise<AcceptedBatch> {
    const batch = decodeOrReject(frame, decodeBatch);
    onWellFormed?.(); // synchronously, inside submit(): callers judge frames in arrival order
    const { header } = batch;
    this.checkLimits(header);
    this.checkPeriod(header);
    const operator = this.deps.operators.get(header.submitter);
    if (!operator) throw new BatchRejectedError(RejectCode.UnknownOperator, `submitter ${header.submitter} is not a consortium operator`, header.sequence);
    if (!this.deps.operators.has(header.counterparty)) {
      throw new BatchRejectedError(RejectCode.UnknownOperator, `counterparty ${header.counterparty} is not a consortium operator`, header.sequence);
    }
    const recipients = this.sealedRecipients(batch);
    this.checkSequence(header, source);
    const id = batchId(header, this.deps.chain);
    // A relayed frame skips the sequence check, so refuse a copy of a batch admitted (or being admitted) here before
    // it costs a worker a full verification: peers re-send and re-answer body requests.
    // An answer to a body request may find another copy of the batch being checked: that copy is the one to hurry.
    if (source.expedite) this.expedite([id]);
    const relayedId = source.relayed ? this.claimRelayed(id, header) : undefined;
    try {
      return await this.admitChecked(frame, batch, id, operator.batchKey, recipients, source, receivedAt);
    } finally {
      if (relayedId !== undefined) this.relayedInFlight.delete(relayedId);
    }
  }

  private claimRelayed(id: Uint8Array, header: BatchHeaderFields): string {
    const hex = toHex(id);
    // A stored batch is pending (mempool) or committed (its location): index lookups, no body read.
    if (this.relayedInFlight.has(hex) || this.deps.mempool.get(id) || this.deps.stores.chain.txLocation(id)) {
      throw new BatchRejectedError(RejectCode.Replay, 'this batch is already admitted here', header.sequence);
    }
    this.relayedInFlight.add(hex);
    return hex;
  }

  /**
   * The consortium's rule on sealed payloads (genesis privacy section): whether this batch must, may
   * or may not carry a sealed section, and, when it does, the keys its wraps must be for (the worker
   * checks the section). Main thread, no decoding of the section.
   */
  private sealedRecipients(batch: DecodedBatch): SealedRecipients | undefined {
    const { header } = batch;
    const privacy = this.deps.privacy;
    const rule = privacy?.sealedPayloads ?? 'off';
    if (batch.sealed === undefined) {
      if (rule === 'required') throw new BatchRejectedError(RejectCode.SealedRequired, 'this consortium requires sealed payloads: the batch has no sealed section', header.sequence);
      return undefined;
    }
    if (privacy === undefined || rule === 'off') throw new BatchRejectedError(RejectCode.BadSealedSection, 'this consortium takes no sealed payloads', header.sequence);
    const submitterKey = privacy.encryptionKeys.get(header.submitter);
    const counterpartyKey = privacy.encryptionKeys.get(header.counterparty);
    // Names the caller's own side only: whether the other operator registered a key is no secret, but say less.
    if (!submitterKey || !counterpartyKey) throw new BatchRejectedError(RejectCode.BadSealedSection, 'the genesis registers no encryption key for one of the batch\'s operators', header.sequence);
    return { submitterKey, counterpartyKey, lawfulKey: privacy.lawfulAccess.publicKeyBytes() };
  }

  private async admitChecked(
    frame: Uint8Array, batch: DecodedBatch, id: Uint8Array, batchKey: Uint8Array, recipients: SealedRecipients | undefined, source: AdmissionSource, receivedAt: number,
  ): Promise<AcceptedBatch> {
    const { header } = batch;
    this.checkStorage(header.sequence);
    // Busy: the source's budget first, then its fair share of the node's (src/chain/admission-budget.ts).
    const ticket = this.deps.budget.acquire(source, header.submitter, frame.length, header.sequence);
    this.inflight++;
    this.deps.metrics.inflightBatches.set(this.inflight);
    const awaiting = this.awaitVerdict(toHex(id), header.submitter);
    try {
      if (source.expedite) this.expediteLane(awaiting);
      const verified = this.deps.verifier.verify(frame, batchKey, recipients, awaiting.urgency);
      // The lane attaches its handler only when the previous batch settles; a worker failure
      // before then must not surface as an unhandled rejection (fatal in Node 20).
      verified.catch(() => undefined);
      // Wait for our turn in the submitter's lane and for our own verdict, whichever is later.
      const previous = this.lanes.get(header.submitter) ?? Promise.resolve();
      const turn = previous.then(() => verified).then((v) => {
        if (v.code !== RejectCode.None) throw new BatchRejectedError(v.code, v.detail, header.sequence);
        return this.accept(decodeBatch(v.frame), id, receivedAt, source);
      });
      const settled = turn.then(
        () => this.verdictReached(awaiting),
        () => this.verdictReached(awaiting),
      );
      this.lanes.set(header.submitter, settled);
      void settled.then(() => {
        if (this.lanes.get(header.submitter) === settled) this.lanes.delete(header.submitter);
      });
      const accepted = await turn;
      try {
        await this.persist(accepted);
      } finally {
        this.unsettled.delete(accepted.entry.order);
      }
      // `header` viewed the frame the worker took; the accepted batch views the frame it handed back.
      return { id: accepted.entry.id, header: accepted.batch.header };
    } finally {
      this.verdictReached(awaiting); // also when the lane was never joined (a synchronous throw)
      ticket.release();
      this.inflight--;
      this.deps.metrics.inflightBatches.set(this.inflight);
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

  /**
   * The batch's settlement period (by its period_start) must be open at the committed head: a
   * closed one takes no records (docs/settlement.md, "Periods"); the state transition refuses the
   * block too, so a batch admitted just before the close is left out of later blocks and evicted.
   */
  private checkPeriod(h: BatchHeaderFields): void {
    const { settlement, headTimestampMs } = this.deps;
    let period: SettlementPeriod;
    try {
      period = periodContaining(settlement.periods, Number(h.periodStart));
    } catch (err) {
      if (err instanceof PeriodFormatError) throw new BatchRejectedError(RejectCode.OutOfRange, `period_start: ${err.message}`, h.sequence);
      throw err;
    }
    const head = headTimestampMs();
    if (isPeriodClosed(period, head)) {
      throw new BatchRejectedError(
        RejectCode.PeriodClosed,
        `settlement period ${period.id} (period_start ${h.periodStart}) closed at ${new Date(Number(period.closesAtMs)).toISOString()} (its end plus ${settlement.periods.graceSeconds} s of grace); ` +
          `the chain is at ${new Date(Number(head)).toISOString()}: late records are refused, an adjustment is a bilateral statement in a later period`,
        h.sequence,
      );
    }
  }

  /** While the disk refuses writes, refuse before any worker time is spent; the client retries. */
  private checkStorage(sequence: bigint): void {
    const { storage } = this.deps;
    if (storage.writable) return;
    throw new BatchRejectedError(RejectCode.StorageFull, `node storage is not writable (${storage.status().reason ?? 'unknown'}); nothing was recorded, retry later`, sequence);
  }

  private checkSequence(h: BatchHeaderFields, source: AdmissionSource | undefined): void {
    if (source?.relayed) return; // see AdmissionSource.relayed
    assertNextSequence(h.sequence, this.lastSequence.get(h.submitter), this.deps.limits.maxSequenceJump, `for ${h.submitter}`);
  }

  /** Runs in the submitter's lane, synchronously: sequence, nullifiers, then join the mempool. */
  private accept(batch: DecodedBatch, id: Uint8Array, receivedAt: number, source: AdmissionSource): PendingWrite {
    const { header, records } = batch;
    this.checkSequence(header, source);
    let conflict: number;
    try {
      // Scoped to the submitter: another member registering the same record ids first cannot block it.
      conflict = this.deps.nullifiers.checkAndInsert(records, header.recordCount, header.submitter, this.nextOrder, PUBLIC_RECORD_BYTES, RECORD_OFFSET.nullifier);
    } catch (err) {
      if (err instanceof NullifierIndexBusyError) throw new BatchRejectedError(RejectCode.Busy, 'nullifier table is being written out; retry shortly', header.sequence);
      throw err;
    }
    if (conflict >= 0) {
      throw new BatchRejectedError(RejectCode.DuplicateRecord, `record ${conflict} repeats a nullifier this submitter already has on the ledger or earlier in the batch`, header.sequence);
    }
    this.noteSequence(header.submitter, header.sequence);
    this.claimSequence(header.submitter, header.sequence);
    const entry: MempoolEntry = {
      order: this.nextOrder++,
      id,
      kind: TxKind.CdrBatch,
      submitter: header.submitter,
      sequence: header.sequence,
      cdrCount: header.recordCount,
      periodStart: header.periodStart,
      receivedAt,
      durable: false,
    };
    this.deps.mempool.push(entry);
    this.unsettled.add(entry.order);
    return { entry, batch };
  }

  /** Writes bytes, then pending marker, both flushed to disk (ChainStore.appendTx); only then is the batch acknowledged. */
  private async persist(w: PendingWrite): Promise<void> {
    const { stores, mempool, events, nullifiers, metrics, storage } = this.deps;
    const started = performance.now();
    const h = w.batch.header;
    try {
      // Body to its segment file and flushed, then location, pending marker, log and the sealed
      // section (private store) in one LMDB transaction. The body file keeps the public frame only.
      const { sealed } = w.batch;
      await stores.chain.appendTx(w.entry.id, publicBatchFrame(w.batch), () => {
        stores.pending.add(w.entry.order, w.entry.id);
        stores.admissionLog.append(w.entry.order, w.entry.id);
        if (sealed !== undefined) stores.sealed.put(w.entry.id, sealed);
      });
    } catch (err) {
      // Undo every claim the batch made, so the same batch (same sequence) can be retried at once.
      mempool.discard(w.entry);
      nullifiers.removeAll(w.batch.records, h.recordCount, h.submitter, PUBLIC_RECORD_BYTES, RECORD_OFFSET.nullifier);
      this.releaseSequence(h.submitter, h.sequence, false);
      storage.reportFailure(err, 'batch write');
      const reason = err instanceof Error ? err.message : String(err);
      throw new BatchRejectedError(RejectCode.StorageFull, `${reason}; nothing was recorded, retry later`, h.sequence);
    }
    storage.reportSuccess();
    this.releaseSequence(h.submitter, h.sequence, true);
    metrics.admissionPersistSeconds.observe((performance.now() - started) / 1000);
    w.entry.durable = true;
    events.emit('batchAccepted', { id: w.entry.id, submitter: h.submitter, counterparty: h.counterparty, sequence: h.sequence, cdrCount: h.recordCount });
  }

  /**
   * Moves the verification of the batches `ids` names to the front of the worker queue, together
   * with the batches their submitters sent before them (a lane applies verdicts in arrival order, so
   * a batch waits for those anyway): a block held for these bodies waits for them, not for the whole
   * queue. Returns the ids not between receipt and verdict here (to fetch from peers).
   */
  expedite(ids: readonly Uint8Array[]): Uint8Array[] {
    const unknown: Uint8Array[] = [];
    for (const id of ids) {
      const awaiting = this.awaitingVerdict.get(toHex(id));
      if (awaiting === undefined) unknown.push(id);
      else this.expediteLane(awaiting);
    }
    return unknown;
  }

  private expediteLane(awaiting: AwaitingVerdict): void {
    if (awaiting.urgency.isExpedited) return; // and so is every batch before it in its lane
    const lane = this.laneQueues.get(awaiting.submitter) ?? [];
    for (const earlier of lane) {
      earlier.urgency.expedite();
      if (earlier === awaiting) break;
    }
  }

  private awaitVerdict(hex: string, submitter: number): AwaitingVerdict {
    const awaiting: AwaitingVerdict = { hex, submitter, urgency: new JobUrgency(), done: false };
    this.awaitingVerdict.set(hex, awaiting);
    const lane = this.laneQueues.get(submitter);
    if (lane === undefined) this.laneQueues.set(submitter, [awaiting]);
    else lane.push(awaiting);
    return awaiting;
  }

  private verdictReached(awaiting: AwaitingVerdict): void {
    if (awaiting.done) return;
    awaiting.done = true;
    if (this.awaitingVerdict.get(awaiting.hex) === awaiting) this.awaitingVerdict.delete(awaiting.hex);
    const lane = this.laneQueues.get(awaiting.submitter);
    if (lane === undefined) return;
    // Lanes settle in arrival order, so this is nearly always the first.
    const at = lane[0] === awaiting ? 0 : lane.indexOf(awaiting);
    if (at >= 0) lane.splice(at, 1);
    if (lane.length === 0) this.laneQueues.delete(awaiting.submitter);
  }

  private noteSequence(submitter: number, seq: bigint): void {
    const last = this.lastSequence.get(submitter);
    if (last === undefined || seq > last) this.lastSequence.set(submitter, seq);
  }

  private claimSequence(submitter: number, seq: bigint): void {
    const claims = this.claimedSequences.get(submitter);
    // Ascending: lanes accept in arrival order and sequences only rise, except for relayed frames.
    if (!claims) this.claimedSequences.set(submitter, [seq]);
    else if (claims.length === 0 || claims[claims.length - 1]! < seq) claims.push(seq);
    else claims.splice(claims.findIndex((c) => c > seq), 0, seq);
  }

  /**
   * A claimed sequence's write finished. When it failed, the submitter's last sequence falls back
   * to the highest one still standing (on disk or still being written), so a client can resend the
   * failed batch unchanged; a later batch of the same submitter that did get written keeps it refused.
   */
  private releaseSequence(submitter: number, seq: bigint, durable: boolean): void {
    const claims = this.claimedSequences.get(submitter) ?? [];
    const at = claims.indexOf(seq);
    if (at >= 0) claims.splice(at, 1);
    if (claims.length === 0) this.claimedSequences.delete(submitter);
    const onDisk = this.durableSequence.get(submitter);
    if (durable) {
      if (onDisk === undefined || seq > onDisk) this.durableSequence.set(submitter, seq);
      return;
    }
    const standing = claims.length > 0 ? claims[claims.length - 1]! : undefined;
    const last = standing !== undefined && (onDisk === undefined || standing > onDisk) ? standing : onDisk;
    if (last === undefined) this.lastSequence.delete(submitter);
    else this.lastSequence.set(submitter, last);
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

/** A batch between receipt and its lane's verdict. */
interface AwaitingVerdict {
  readonly hex: string;
  readonly submitter: number;
  /** Its verification job's place in the worker queue. */
  readonly urgency: JobUrgency;
  done: boolean;
}

/** A batch that passed every check and holds its place in the mempool, not yet on disk. */
interface PendingWrite {
  readonly entry: MempoolEntry;
  readonly batch: DecodedBatch;
}
