import { performance } from 'node:perf_hooks';
import { decodeBatch, type BatchHeaderFields } from '../codec/batch.js';
import { batchProofTxFrameBytes, batchProofTxHash, canonicalBatchProofTx, decodeBatchProofTx, type DecodedBatchProofTx } from '../codec/batch-proof-tx.js';
import { toHex } from '../codec/bytes.js';
import { decodePrunedBatch, isPrunedBatch } from '../codec/pruned-batch.js';
import { ed25519Verify, PublicKeyCache } from '../crypto/ed25519.js';
import type { Logger } from '../log.js';
import type { Stores } from '../storage/index.js';
import type { StorageHealth } from '../storage/storage-health.js';
import { batchProofChunkCount } from '../proofs/batch-proof-layout.js';
import { JobQueueFullError } from '../workers/job-errors.js';
import type { AdmissionBudget, AdmissionSource, BudgetTicket } from './admission-budget.js';
import type { BatchVerifier } from './chain-deps.js';
import { circuitKey, type GenesisCircuit } from './genesis-circuits.js';
import type { Mempool, MempoolEntry } from './mempool.js';
import type { OperatorDirectory } from './operators.js';
import { assertNextSequence, BatchRejectedError, decodeOrReject, RejectCode } from './reject.js';
import { txCodecOf } from './tx-kinds/registry.js';
import { PeriodFormatError } from '../settlement/errors.js';
import { isPeriodClosed, periodContaining, type SettlementPeriodOptions } from '../settlement/settlement-period.js';
import { TxKind } from './tx-kinds/tx-kind.js';
import { writePending } from './pending-write.js';
import { evictPending, type PendingEviction } from './eviction.js';

export interface AcceptedBatchProof {
  readonly id: Uint8Array;
  readonly signer: number;
  readonly sequence: bigint;
  readonly batchId: Uint8Array;
}

/** Bytes 1..5 of an encoded batch proof: its records per chunk (src/proofs/batch-proof.ts). */
function chunkRecordsOf(proof: Uint8Array): number | undefined {
  return proof.length >= 9 ? new DataView(proof.buffer, proof.byteOffset, proof.byteLength).getUint32(1) : undefined;
}

/**
 * Admits batch proof transactions (issue 13, P6). On the main thread, cheapest first: structure,
 * signer, signature, sequence, the registered circuit, the batch (stored here, and the signer's
 * pair's), one proof per batch; then the Groth16 verification on the worker pool (a `proof` job,
 * queued behind batch and BLS work so proofs never slow ingest); then the transaction and its
 * pending marker in one LMDB transaction before it is acknowledged. The batch's proven record is
 * written by the block that commits its first proof in chain order (tx-kinds/batch-proof.ts); a
 * proof still pending when another one of its batch commits is evicted (`afterCommit`).
 */
export class ProofAdmission {
  /** Highest batch proof sequence accepted per signer (committed, pending, or claimed by one in progress). */
  private readonly lastSequence = new Map<number, bigint>();
  /** Batches whose proof is being verified or written (hex id): a second proof waits for none, it is refused. */
  private readonly claimed = new Set<string>();
  /** Pending proofs here: tx hex → its entry and batch; and batch hex → its pending proofs' tx hex (a client's second proof is refused). */
  private readonly pending = new Map<string, { readonly entry: MempoolEntry; readonly batchId: Uint8Array; readonly periodStart: bigint | undefined }>();
  private readonly pendingByBatch = new Map<string, Set<string>>();
  private readonly keys = new PublicKeyCache();
  private readonly circuits: ReadonlyMap<string, GenesisCircuit>;
  /** Largest frame: a proof of a batch of maxBatchRecords in the smallest registered chunks. */
  readonly maxFrameBytes: number;

  constructor(
    private readonly deps: {
      readonly chain: Uint8Array;
      readonly circuits: readonly GenesisCircuit[];
      readonly maxBatchRecords: number;
      readonly maxSequenceJump: number;
      readonly operators: OperatorDirectory;
      readonly stores: Stores;
      readonly storage: StorageHealth;
      readonly mempool: Mempool;
      readonly verifier: BatchVerifier;
      readonly allocateOrder: () => number;
      readonly budget: AdmissionBudget;
      /** The committed head's height: an eviction names it. */
      readonly headHeight: () => number;
      /** The settlement periods, and the committed head's timestamp: a closed period's aggregates are final. */
      readonly periods: SettlementPeriodOptions;
      readonly headTimestampMs: () => bigint;
      readonly log: Logger;
    },
  ) {
    const chunkCircuits = deps.circuits.filter((c) => c.linesPerCurrency === undefined);
    this.circuits = new Map(chunkCircuits.map((c) => [circuitKey(c.id, c.version, c.chunkRecords), c]));
    const smallest = Math.min(...chunkCircuits.map((c) => c.chunkRecords));
    this.maxFrameBytes = batchProofTxFrameBytes(deps.maxBatchRecords, Number.isFinite(smallest) ? smallest : deps.maxBatchRecords);
  }

  /** Called once on start with committed sequences raised by pending transactions, and the pending entries. */
  restore(sequences: ReadonlyMap<number, bigint>, pending: readonly MempoolEntry[] = []): void {
    for (const [signer, seq] of sequences) this.noteSequence(signer, seq);
    for (const entry of pending) {
      if (entry.kind !== TxKind.BatchProof) continue;
      const bytes = this.deps.stores.chain.tx(entry.id);
      if (bytes === undefined) continue;
      try {
        const batchId = decodeBatchProofTx(bytes).batchId;
        this.hold(entry, batchId, this.storedHeader(batchId)?.periodStart);
      } catch (err) {
        this.deps.log.warn({ err, tx: toHex(entry.id) }, 'a pending batch proof does not decode; it stays pending');
      }
    }
  }

  /**
   * After a commit: forgets proofs that left the mempool (committed), and evicts pending proofs of
   * batches a committed proof made proven (`already_proven`) or of periods the head closed
   * (`period_closed`: aggregates are final at the close): no later block may include them.
   */
  afterCommit(): void {
    const evicted: PendingEviction[] = [];
    for (const [hex, { entry, batchId, periodStart }] of this.pending) {
      if (this.deps.mempool.get(entry.id) !== entry) {
        this.release(hex, batchId);
        continue;
      }
      const proven = this.deps.stores.proofs.get(batchId);
      if (proven !== undefined) {
        evicted.push({ entry, reason: 'already_proven', height: proven.height, detail: `batch ${toHex(batchId)} is proven by batch proof ${proven.txHash}, committed at height ${proven.height}: the earliest committed proof is the record` });
        this.release(hex, batchId);
        continue;
      }
      // Every later block is at or after the close: none may include it (the aggregate is final).
      const closed = this.closedPeriod(periodStart);
      if (closed === undefined) continue;
      evicted.push({ entry, reason: 'period_closed', detail: `batch ${toHex(batchId)} is of settlement period ${closed}, which the committed head closed: its charge aggregates are final` });
      this.release(hex, batchId);
    }
    if (evicted.length === 0) return;
    this.deps.log.warn({ count: evicted.length }, 'evicted pending batch proofs of batches another committed proof made proven, or of closed periods');
    void evictPending(this.deps, evicted, this.deps.headHeight());
  }

  private hold(entry: MempoolEntry, batchId: Uint8Array, periodStart: bigint | undefined): void {
    const batchHex = toHex(batchId);
    this.pending.set(toHex(entry.id), { entry, batchId, periodStart });
    let set = this.pendingByBatch.get(batchHex);
    if (!set) this.pendingByBatch.set(batchHex, (set = new Set()));
    set.add(toHex(entry.id));
  }

  private release(hex: string, batchId: Uint8Array): void {
    this.pending.delete(hex);
    const batchHex = toHex(batchId);
    const set = this.pendingByBatch.get(batchHex);
    set?.delete(hex);
    if (set?.size === 0) this.pendingByBatch.delete(batchHex);
  }

  lastAcceptedSequence(signer: number): bigint | undefined {
    return this.lastSequence.get(signer);
  }

  /** Resolves once the transaction is durable (pending); rejects with BatchRejectedError, recording nothing. */
  async submit(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedBatchProof> {
    const receivedAt = performance.now();
    if (frame.length > this.maxFrameBytes) {
      throw new BatchRejectedError(RejectCode.TooLarge, `${frame.length} bytes exceeds the ${this.maxFrameBytes}-byte batch proof limit`);
    }
    const tx = decodeOrReject(frame, decodeBatchProofTx);
    onWellFormed?.();
    const circuit = this.check(tx, source);
    const header = this.provenBatch(tx, source.relayed === true);
    if (!this.deps.storage.writable) {
      throw new BatchRejectedError(RejectCode.StorageFull, `node storage is not writable (${this.deps.storage.status().reason ?? 'unknown'}); nothing was recorded, retry later`, tx.sequence);
    }
    const ticket: BudgetTicket = this.deps.budget.acquire(source, tx.signer, frame.length, tx.sequence);
    // Claimed synchronously, before any await: a concurrent proof of the same signer or batch is judged against these.
    const batchHex = toHex(tx.batchId);
    // Only a relayed proof gets here for a batch with a proof pending or being verified (provenBatch):
    // it is admitted too, and the first of them a block commits becomes the batch's proven record.
    const first = !this.claimed.has(batchHex);
    const previousSequence = this.lastSequence.get(tx.signer);
    this.noteSequence(tx.signer, tx.sequence);
    if (first) this.claimed.add(batchHex);
    const release = (): void => {
      if (first) this.claimed.delete(batchHex);
      if (this.lastSequence.get(tx.signer) === tx.sequence) {
        if (previousSequence === undefined) this.lastSequence.delete(tx.signer);
        else this.lastSequence.set(tx.signer, previousSequence);
      }
    };
    try {
      const chunks = batchProofChunkCount(tx.proof);
      let outcome;
      try {
        outcome = await this.deps.verifier.verifyProof({
          vkey: circuit.vkeyBytes,
          header: { merkleRoot: header.merkleRoot, recordCount: header.recordCount, periodStart: header.periodStart, periodEnd: header.periodEnd },
          proof: tx.proof,
        }, chunks);
      } catch (err) {
        if (err instanceof JobQueueFullError) throw new BatchRejectedError(RejectCode.Busy, `the proof verification queue is full; nothing was recorded, retry later`, tx.sequence);
        throw err;
      }
      if (outcome.code !== RejectCode.None) throw new BatchRejectedError(outcome.code, outcome.detail, tx.sequence);
      // A block may have committed another proof of the batch while this one was verified.
      const proven = this.deps.stores.proofs.get(tx.batchId);
      if (proven !== undefined) throw new BatchRejectedError(RejectCode.Replay, `batch ${batchHex} was proven meanwhile (batch proof ${proven.txHash}, height ${proven.height})`, tx.sequence);
      const id = batchProofTxHash(tx, this.deps.chain);
      const entry: MempoolEntry = {
        order: this.deps.allocateOrder(), id, submitter: tx.signer, sequence: tx.sequence, cdrCount: 0,
        kind: TxKind.BatchProof, receivedAt, durable: false,
      };
      await writePending(this.deps, entry, frame, { what: 'batch proof write', sequence: tx.sequence });
      this.hold(entry, tx.batchId, header.periodStart);
      if (first) this.claimed.delete(batchHex);
      return { id, signer: tx.signer, sequence: tx.sequence, batchId: tx.batchId };
    } catch (err) {
      release();
      throw err;
    } finally {
      ticket.release();
    }
  }

  /** Signer, signature, sequence and circuit: everything the frame alone decides. */
  private check(tx: DecodedBatchProofTx, source: AdmissionSource): GenesisCircuit {
    const operator = this.deps.operators.get(tx.signer);
    if (!operator) throw new BatchRejectedError(RejectCode.UnknownOperator, `signer ${tx.signer} is not a consortium operator`, tx.sequence);
    if (tx.sequence === 0n) throw new BatchRejectedError(RejectCode.OutOfRange, 'sequence numbers start at 1', tx.sequence);
    if (!ed25519Verify(canonicalBatchProofTx(tx, this.deps.chain), tx.signature, this.keys.get(operator.batchKey))) {
      throw new BatchRejectedError(RejectCode.BadSignature, 'signature does not verify with the signer\'s batch key for this chain', tx.sequence);
    }
    // Blocks take a signer's proofs in any order; a relayed one below the last accepted here may be
    // what a peer's block names (see AdmissionSource.relayed).
    if (!source.relayed) assertNextSequence(tx.sequence, this.lastSequence.get(tx.signer), this.deps.maxSequenceJump, `batch proof of ${tx.signer}`);
    const chunkRecords = chunkRecordsOf(tx.proof);
    const circuit = chunkRecords === undefined ? undefined : this.circuits.get(circuitKey(tx.circuitId, tx.circuitVersion, chunkRecords));
    if (!circuit) {
      const registered = [...this.circuits.keys()].join(', ') || 'none';
      throw new BatchRejectedError(RejectCode.UnknownCircuit, `no verification key registered for circuit ${tx.circuitId} version ${tx.circuitVersion} with ${chunkRecords ?? '?'} records per chunk (registered: ${registered})`, tx.sequence);
    }
    return circuit;
  }

  /**
   * The header of the batch the proof names: stored here (pending or committed, records pruned or
   * not) and one of the signer's pair's. Another pair's batch gets the same answer as a missing one.
   */
  private provenBatch(tx: DecodedBatchProofTx, relayed: boolean): BatchHeaderFields {
    const bytes = this.deps.stores.chain.tx(tx.batchId);
    const unknown = (): BatchRejectedError => new BatchRejectedError(RejectCode.UnknownBatch, `no batch ${toHex(tx.batchId)} of operator ${tx.signer}'s here`, tx.sequence);
    if (bytes === undefined || txCodecOf(bytes)?.kind !== TxKind.CdrBatch) throw unknown();
    const header = isPrunedBatch(bytes) ? decodePrunedBatch(bytes).header : decodeBatch(bytes).header;
    if (header.submitter !== tx.signer && header.counterparty !== tx.signer) throw unknown();
    // Aggregates are final at the period's close (end + grace; docs/settlement.md, "The link"): a
    // proof of a closed period's batch would change what statements were verified against.
    try {
      const period = periodContaining(this.deps.periods, Number(header.periodStart));
      if (isPeriodClosed(period, this.deps.headTimestampMs())) {
        throw new BatchRejectedError(RejectCode.PeriodClosed, `batch ${toHex(tx.batchId)} is of settlement period ${period.id}, closed at ${new Date(Number(period.closesAtMs)).toISOString()}: its charge aggregates are final, proofs are taken until the close`, tx.sequence);
      }
    } catch (err) {
      if (err instanceof PeriodFormatError) throw new BatchRejectedError(RejectCode.OutOfRange, `the batch's period_start names no settlement period (${err.message})`, tx.sequence);
      throw err;
    }
    // A batch a committed proof made proven takes no other: no block may include one.
    const proven = this.deps.stores.proofs.get(tx.batchId);
    if (proven !== undefined) {
      throw new BatchRejectedError(RejectCode.Replay, `batch ${toHex(tx.batchId)} is already proven (batch proof ${proven.txHash}, height ${proven.height})`, tx.sequence);
    }
    // A client's second proof of a batch pending here is refused. A relayed one is not: the submitter
    // and the counterparty may each prove the batch on a different validator, and a block carrying
    // the other proof must still apply everywhere (refusing its body would stall the block).
    const batchHex = toHex(tx.batchId);
    if (!relayed && (this.claimed.has(batchHex) || this.pendingByBatch.has(batchHex))) {
      throw new BatchRejectedError(RejectCode.Replay, `a proof of batch ${batchHex} is already pending here (or being admitted)`, tx.sequence);
    }
    return header;
  }

  /** The id of the period containing `periodStart` if the committed head closed it. */
  private closedPeriod(periodStart: bigint | undefined): string | undefined {
    if (periodStart === undefined) return undefined;
    try {
      const period = periodContaining(this.deps.periods, Number(periodStart));
      return isPeriodClosed(period, this.deps.headTimestampMs()) ? period.id : undefined;
    } catch (err) {
      if (err instanceof PeriodFormatError) return undefined;
      throw err;
    }
  }

  /** A stored batch's header (pending or committed, pruned or not). */
  private storedHeader(batchId: Uint8Array): BatchHeaderFields | undefined {
    const bytes = this.deps.stores.chain.tx(batchId);
    if (bytes === undefined || txCodecOf(bytes)?.kind !== TxKind.CdrBatch) return undefined;
    return isPrunedBatch(bytes) ? decodePrunedBatch(bytes).header : decodeBatch(bytes).header;
  }

  private noteSequence(signer: number, seq: bigint): void {
    const last = this.lastSequence.get(signer);
    if (last === undefined || seq > last) this.lastSequence.set(signer, seq);
  }
}
