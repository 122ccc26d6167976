import { performance } from 'node:perf_hooks';
import { toHex } from '../codec/bytes.js';
import { canonicalVerdictTx, decodeVerdictTx, MAX_VERDICT_TX_FRAME_BYTES, verdictTxHash, type DecodedVerdictTx } from '../codec/verdict-tx.js';
import { ed25519Verify, PublicKeyCache } from '../crypto/ed25519.js';
import type { Logger } from '../log.js';
import type { OperatorPair } from '../reconciliation/pair.js';
import { MAX_PERIOD_YEAR, MIN_PERIOD_YEAR, monthFromIndex, type CalendarMonth } from '../reconciliation/period.js';
import type { PairPeriodCounts } from '../reconciliation/reconciliation-store.js';
import type { Stores, StoredVerdict } from '../storage/index.js';
import type { StorageHealth } from '../storage/storage-health.js';
import type { AdmissionBudget, AdmissionSource, BudgetTicket } from './admission-budget.js';
import type { Mempool, MempoolEntry } from './mempool.js';
import type { OperatorDirectory } from './operators.js';
import { BatchRejectedError, decodeOrReject, RejectCode } from './reject.js';
import { TxKind } from './tx-kinds/tx-kind.js';
import { writePending } from './pending-write.js';
import { evictPending, type PendingEviction } from './eviction.js';
import { storedVerdict } from './tx-kinds/verdict.js';

export interface AcceptedVerdict {
  readonly id: Uint8Array;
  readonly submitter: number;
  readonly pairA: number;
  readonly pairB: number;
  readonly period: number;
  readonly revision: number;
}

/** The node's own reconciliation counts (its index), with the height they are complete through. */
export interface VerdictCountsSource {
  counts(pair: OperatorPair, period: CalendarMonth): { readonly indexedHeight: number; readonly value: PairPeriodCounts };
}

const MIN_MONTH = MIN_PERIOD_YEAR * 12;
const MAX_MONTH = MAX_PERIOD_YEAR * 12 + 11;

/**
 * Admits reconciliation verdicts (issue 13, P5). Cheapest first: structure, the pair (two consortium
 * operators, lower id first) and the submitter (one of them), both signatures (each operator's batch
 * key over the canonical encoding), the revision chain (revision 1 names nothing; revision n + 1
 * names the (pair, period)'s latest verdict, revision n), the counts against the node's own
 * reconciliation index; then the transaction and its pending marker in one LMDB transaction before
 * it is acknowledged. The (pair, period)'s verdict record is written by the block that commits it
 * (tx-kinds/verdict.ts: the next revision in chain order); a revision still pending when a committed
 * one overtook it is evicted (`afterCommit`).
 *
 * The counts rule: when this node's index is complete through the verdict's `indexedHeight`, its
 * counts of the (pair, period) must be the verdict's (matched, accepted + disputed = mismatched,
 * only A, only B). Counts that later batches changed make the verdict stale: the pair reconciles
 * again. A node whose index lags (or runs without one) cannot tell and admits it; so does a
 * relayed verdict, which another validator already checked (its block must apply here).
 */
export class VerdictAdmission {
  /** (pair, period) keys with a verdict being written: a concurrent one is judged against it. */
  private readonly claimed = new Set<string>();
  /** Pending verdicts here, tx hex → entry and record, in admission order (the revision chain above the committed one). */
  private readonly pending = new Map<string, { readonly entry: MempoolEntry; readonly key: string; readonly pairA: number; readonly pairB: number; readonly period: number; readonly verdict: StoredVerdict }>();
  private readonly keys = new PublicKeyCache();
  /** Set by the node once the reconciliation index runs. */
  countsSource: VerdictCountsSource | undefined;

  constructor(
    private readonly deps: {
      readonly chain: Uint8Array;
      readonly operators: OperatorDirectory;
      readonly stores: Stores;
      readonly storage: StorageHealth;
      readonly mempool: Mempool;
      readonly allocateOrder: () => number;
      readonly budget: AdmissionBudget;
      /** The committed head's height: the counts rule, and an eviction names it. */
      readonly headHeight: () => number;
      readonly log: Logger;
    },
  ) {}

  /** On start: the pending verdict entries (the revision chain above the committed one). */
  restore(pending: readonly MempoolEntry[]): void {
    for (const entry of pending) {
      if (entry.kind !== TxKind.Verdict) continue;
      const bytes = this.deps.stores.chain.tx(entry.id);
      if (bytes === undefined) continue;
      try {
        this.hold(entry, decodeVerdictTx(bytes));
      } catch (err) {
        this.deps.log.warn({ err, tx: toHex(entry.id) }, 'a pending verdict does not decode; it stays pending');
      }
    }
  }

  /**
   * The (pair, period)'s revisions pending here that follow its committed latest, in chain order:
   * what GET /reconciliation shows above the committed ones.
   */
  pendingChain(pairA: number, pairB: number, period: number): StoredVerdict[] {
    const key = `${pairA}-${pairB}-${period}`;
    const out: StoredVerdict[] = [];
    let tip: { revision: number; txHash: string } | undefined = this.deps.stores.verdicts.latest(pairA, pairB, period);
    for (;;) {
      let next: StoredVerdict | undefined;
      for (const p of this.pending.values()) {
        if (p.key !== key) continue;
        const v = p.verdict;
        if (tip === undefined ? v.revision === 1 : v.revision === tip.revision + 1 && v.supersedes === tip.txHash) {
          next = v;
          break;
        }
      }
      if (next === undefined) return out;
      out.push(next);
      tip = next;
    }
  }

  /**
   * After a commit: forgets verdicts that left the mempool (committed), and evicts pending ones a
   * committed revision overtook (`verdict_overtaken`: the (pair, period) has this revision or a later
   * one committed, or the revision below it is another verdict than the one this names).
   */
  afterCommit(): void {
    const evicted: PendingEviction[] = [];
    const { verdicts } = this.deps.stores;
    for (const [hex, p] of this.pending) {
      if (this.deps.mempool.get(p.entry.id) !== p.entry) {
        this.pending.delete(hex);
        continue;
      }
      const latest = verdicts.latest(p.pairA, p.pairB, p.period);
      if (latest === undefined) continue;
      const below = p.verdict.revision >= 2 ? verdicts.get(p.pairA, p.pairB, p.period, p.verdict.revision - 1) : undefined;
      let why: string | undefined;
      if (latest.revision >= p.verdict.revision) {
        why = `${p.pairA}-${p.pairB} has revision ${latest.revision} (${latest.txHash}) committed at height ${latest.height ?? '?'}: this revision ${p.verdict.revision} can no longer follow it`;
      } else if (below !== undefined && below.txHash !== p.verdict.supersedes) {
        why = `${p.pairA}-${p.pairB}'s committed revision ${below.revision} is ${below.txHash}, not the ${p.verdict.supersedes ?? 'none'} this revision supersedes`;
      }
      if (why === undefined) continue;
      evicted.push({ entry: p.entry, reason: 'verdict_overtaken', detail: why, ...(latest.height === undefined ? {} : { height: latest.height }) });
      this.pending.delete(hex);
    }
    if (evicted.length === 0) return;
    this.deps.log.warn({ count: evicted.length }, 'evicted pending verdicts a committed revision overtook');
    void evictPending(this.deps, evicted, this.deps.headHeight());
  }

  private hold(entry: MempoolEntry, tx: DecodedVerdictTx): void {
    this.pending.set(toHex(entry.id), { entry, key: `${tx.pairA}-${tx.pairB}-${tx.period}`, pairA: tx.pairA, pairB: tx.pairB, period: tx.period, verdict: storedVerdict(tx, entry.id) });
  }

  /** Resolves once the verdict is durable (pending); rejects with BatchRejectedError, recording nothing. */
  async submit(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedVerdict> {
    const receivedAt = performance.now();
    if (frame.length > MAX_VERDICT_TX_FRAME_BYTES) {
      throw new BatchRejectedError(RejectCode.TooLarge, `${frame.length} bytes exceeds the ${MAX_VERDICT_TX_FRAME_BYTES}-byte verdict limit`);
    }
    const tx = decodeOrReject(frame, decodeVerdictTx);
    onWellFormed?.();
    const seq = BigInt(tx.revision);
    this.checkSigned(tx, seq);
    const id = verdictTxHash(tx, this.deps.chain);
    const key = `${tx.pairA}-${tx.pairB}-${tx.period}`;
    if (this.deps.stores.chain.tx(id) !== undefined) throw new BatchRejectedError(RejectCode.Replay, `verdict ${toHex(id)} is already recorded`, seq);
    if (this.claimed.has(key)) throw new BatchRejectedError(RejectCode.VerdictConflict, `another verdict of ${tx.pairA}-${tx.pairB} for this period is being admitted; read the latest and retry`, seq);
    this.checkRevision(tx, seq, source.relayed === true);
    if (source.relayed !== true) this.checkCounts(tx, seq);
    if (!this.deps.storage.writable) {
      throw new BatchRejectedError(RejectCode.StorageFull, `node storage is not writable (${this.deps.storage.status().reason ?? 'unknown'}); nothing was recorded, retry later`, seq);
    }
    const ticket: BudgetTicket = this.deps.budget.acquire(source, tx.submitter, frame.length, seq);
    // Claimed synchronously, before the write's await: a concurrent verdict of the (pair, period) is refused.
    this.claimed.add(key);
    try {
      const entry: MempoolEntry = {
        order: this.deps.allocateOrder(), id, submitter: tx.submitter, sequence: seq, cdrCount: 0,
        kind: TxKind.Verdict, receivedAt, durable: false,
      };
      await writePending(this.deps, entry, frame, { what: 'verdict write', sequence: seq });
      this.hold(entry, tx);
      return { id, submitter: tx.submitter, pairA: tx.pairA, pairB: tx.pairB, period: tx.period, revision: tx.revision };
    } finally {
      this.claimed.delete(key);
      ticket.release();
    }
  }

  /** Pair, period, submitter and both signatures: what the frame alone decides. */
  private checkSigned(tx: DecodedVerdictTx, seq: bigint): void {
    const { operators } = this.deps;
    if (!(tx.pairA < tx.pairB)) throw new BatchRejectedError(RejectCode.OutOfRange, `pair ${tx.pairA}-${tx.pairB} must name two operators, lower PLMN id first`, seq);
    const a = operators.get(tx.pairA);
    const b = operators.get(tx.pairB);
    if (!a || !b) throw new BatchRejectedError(RejectCode.UnknownOperator, `pair ${tx.pairA}-${tx.pairB} names an operator outside the consortium`, seq);
    if (tx.submitter !== tx.pairA && tx.submitter !== tx.pairB) {
      throw new BatchRejectedError(RejectCode.UnknownOperator, `submitter ${tx.submitter} is not in pair ${tx.pairA}-${tx.pairB}: only the pair submits its verdict`, seq);
    }
    if (tx.period < MIN_MONTH || tx.period > MAX_MONTH) throw new BatchRejectedError(RejectCode.OutOfRange, `period ${tx.period} is outside ${MIN_PERIOD_YEAR}-01..${MAX_PERIOD_YEAR}-12`, seq);
    const limit = BigInt(Number.MAX_SAFE_INTEGER);
    if ([tx.indexedHeight, tx.matched, tx.accepted, tx.disputed, tx.onlyA, tx.onlyB].some((n) => n > limit)) {
      throw new BatchRejectedError(RejectCode.OutOfRange, 'a count or height is above 2^53 - 1', seq);
    }
    if (tx.revision < 1) throw new BatchRejectedError(RejectCode.OutOfRange, 'revisions start at 1', seq);
    if ((tx.revision === 1) !== (tx.supersedes === undefined)) {
      throw new BatchRejectedError(RejectCode.OutOfRange, tx.revision === 1 ? 'revision 1 supersedes nothing' : `revision ${tx.revision} must name the verdict it supersedes`, seq);
    }
    const canonical = canonicalVerdictTx(tx, this.deps.chain);
    for (const [side, op, sig] of [['a', a, tx.signatureA], ['b', b, tx.signatureB]] as const) {
      if (!ed25519Verify(canonical, sig, this.keys.get(op.batchKey))) {
        throw new BatchRejectedError(RejectCode.BadSignature, `signature ${side} does not verify with operator ${op.plmn}'s batch key for this chain: both operators of the pair sign the verdict`, seq);
      }
    }
  }

  /**
   * Revision 1 when the (pair, period) has no verdict; else the next revision, naming the latest
   * (committed, or pending here above it). A relayed one need only be above the committed latest:
   * another validator may hold a competing revision, and a block carrying it must apply here (the
   * first committed wins; the other is evicted).
   */
  private checkRevision(tx: DecodedVerdictTx, seq: bigint, relayed: boolean): void {
    const committed = this.deps.stores.verdicts.latest(tx.pairA, tx.pairB, tx.period);
    if (relayed) {
      if (committed !== undefined && tx.revision <= committed.revision) {
        throw new BatchRejectedError(RejectCode.VerdictConflict, `${tx.pairA}-${tx.pairB} has revision ${committed.revision} committed for this period: revision ${tx.revision} can no longer follow it`, seq);
      }
      return;
    }
    const latest = this.pendingChain(tx.pairA, tx.pairB, tx.period).at(-1) ?? committed;
    if (!latest) {
      if (tx.revision !== 1) throw new BatchRejectedError(RejectCode.VerdictConflict, `${tx.pairA}-${tx.pairB} has no verdict for this period to supersede: the first is revision 1`, seq);
      return;
    }
    if (tx.revision !== latest.revision + 1 || tx.supersedes === undefined || toHex(tx.supersedes) !== latest.txHash) {
      throw new BatchRejectedError(RejectCode.VerdictConflict,
        `${tx.pairA}-${tx.pairB} has verdict ${latest.txHash} (revision ${latest.revision}) for this period: a new one must supersede it, as revision ${latest.revision + 1}`, seq);
    }
  }

  private checkCounts(tx: DecodedVerdictTx, seq: bigint): void {
    const head = this.deps.headHeight();
    if (tx.indexedHeight > BigInt(head)) {
      throw new BatchRejectedError(RejectCode.OutOfRange, `the counts are of height ${tx.indexedHeight}, above this node's head ${head}`, seq);
    }
    const source = this.countsSource;
    if (!source) return;
    const { indexedHeight, value: c } = source.counts({ a: tx.pairA, b: tx.pairB }, monthFromIndex(tx.period));
    if (BigInt(indexedHeight) < tx.indexedHeight) return;
    const node = [BigInt(c.matched), BigInt(c.mismatched), BigInt(c.onlyA), BigInt(c.onlyB)];
    const verdict = [tx.matched, tx.accepted + tx.disputed, tx.onlyA, tx.onlyB];
    if (node.some((n, i) => n !== verdict[i])) {
      throw new BatchRejectedError(RejectCode.CountsMismatch,
        `the verdict counts ${verdict.join('/')} (matched/mismatched/only ${tx.pairA}/only ${tx.pairB}) are not this node's ${node.join('/')} through height ${indexedHeight}: reconcile again`, seq);
    }
  }
}
