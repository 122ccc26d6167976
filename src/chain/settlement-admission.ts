import { performance } from 'node:perf_hooks';
import { toHex } from '../codec/bytes.js';
import { canonicalSettlementTx, decodeSettlementTx, MAX_SETTLEMENT_TX_BYTES, settlementTxHash, type DecodedSettlementTx } from '../codec/settlement-tx.js';
import { ed25519Verify, PublicKeyCache } from '../crypto/ed25519.js';
import type { Logger } from '../log.js';
import type { Stores } from '../storage/index.js';
import type { StorageHealth } from '../storage/storage-health.js';
import type { AdmissionBudget, AdmissionSource, BudgetTicket } from './admission-budget.js';
import type { CommittedStateView } from './committed-state.js';
import type { Mempool, MempoolEntry } from './mempool.js';
import type { OperatorDirectory } from './operators.js';
import { assertNextSequence, BatchRejectedError, decodeOrReject, RejectCode } from './reject.js';
import { interpretSettlementTx, settlementWrites, SettlementTxRefusedError, verifySettlementSignatures, type InterpretedSettlementTx, type SettlementRefusal, type SettlementTxRules } from './settlement-rules.js';
import { periodKey } from './settlement-state.js';
import { readSlotsIn } from './contract-executor.js';
import type { SettlementApprovalRules, SlotRangeReader } from './settlement-approval-rules.js';
import type { BlockAt } from '../settlement/approval/index.js';
import { TxKind } from './tx-kinds/tx-kind.js';
import { writePending } from './pending-write.js';
import { checkStatementLink, type StatementLinkDeps } from './statement-link.js';
import { JobQueueFullError } from '../workers/job-errors.js';
import { evictPending, type PendingEviction } from './eviction.js';

export interface AcceptedSettlementTx {
  readonly id: Uint8Array;
  readonly submitter: number;
  readonly sequence: bigint;
  readonly action: 'fx_rate_set' | 'statement' | 'plain_statement' | 'proposal' | 'approval' | 'disclosure';
}

/** The reject code a client sees for each refusal (docs/websocket.md). */
const REJECT_CODES: Readonly<Record<SettlementRefusal, RejectCode>> = {
  not_party: RejectCode.NotParty,
  unknown_pair: RejectCode.UnknownOperator,
  wrong_mode: RejectCode.WrongMode,
  bad_amount: RejectCode.BadAmount,
  bad_period: RejectCode.OutOfRange,
  bad_rate: RejectCode.BadRate,
  rate_move_too_large: RejectCode.RateMoveTooLarge,
  bad_signature: RejectCode.BadSignature,
  bad_commitment: RejectCode.BadCommitment,
  period_not_ended: RejectCode.PeriodNotEnded,
  already_netted: RejectCode.AlreadyNetted,
  duplicate_statement: RejectCode.DuplicateStatement,
  period_open: RejectCode.PeriodOpen,
  already_settled: RejectCode.AlreadySettled,
  proposal_pending: RejectCode.ProposalPending,
  no_proposal: RejectCode.NoProposal,
  proposal_expired: RejectCode.ProposalExpired,
  not_a_party: RejectCode.NotAParty,
  duplicate_approval: RejectCode.DuplicateApproval,
  bad_netting_input: RejectCode.BadNettingInput,
  bad_opening: RejectCode.BadOpening,
  duplicate_disclosure: RejectCode.DuplicateDisclosure,
  no_settlement_bank: RejectCode.NoSettlementBank,
  missing_link_proof: RejectCode.MissingLinkProof,
  bad_link_proof: RejectCode.BadLinkProof,
};

/** What a pending settlement transaction claims: a statement's pair and period, or a period's rate set. */
function claimOf(t: InterpretedSettlementTx): string {
  const key = periodKey(t.period);
  if (t.kind === 'statement' || t.kind === 'plain_statement') return `statement:${key}:${t.pair}`;
  if (t.kind === 'fx_rate_set') return `fx:${key}`;
  if (t.kind === 'proposal') return `proposal:${key}`;
  // One disclosure per operator and proposal.
  if (t.kind === 'disclosure') return `disclosure:${key}:${t.submitter}:${toHex(t.action.proposalId)}`;
  // Approvals by other signers may be pending side by side; the same signers twice may not.
  return `approval:${key}:${toHex(t.action.proposalId)}:${t.action.operators.join(',')}:${t.action.validators.join(',')}`;
}

/** The next block as admission judges against it: above the committed head, at its timestamp (a conservative "now"). */
function nextBlock(committed: CommittedStateView): BlockAt {
  return { height: committed.head.height + 1, timestampMs: committed.headTimestampMs };
}

function committedReader(committed: CommittedStateView): SlotRangeReader {
  return { slot: (id, key) => committed.contracts.slot(id, key), slotsIn: (id, from, to) => readSlotsIn(committed.contracts, id, from, to) };
}

/**
 * Admits settlement transactions (issue 14; docs/settlement.md): structure, submitter, its Ed25519
 * signature and sequence, the action against the genesis rules (pair, party, mode, currency,
 * period), the BLS signatures and the commitment's subgroup membership, then the rules against
 * the committed state (settlement-rules.ts) and what is pending here (one statement per pair and
 * period, one rate set per period), then the transaction and its pending marker, durable before it
 * is acknowledged. BLS verification runs on the main thread: two pairings for a statement
 * (~3 ms), one per publisher signature for a rate set.
 */
export class SettlementAdmission {
  private readonly lastSequence = new Map<number, bigint>();
  private readonly keys = new PublicKeyCache();
  /** Pending here, by claim: the hex id holding it (a second one is refused unless relayed). */
  private readonly claims = new Map<string, string>();
  /** Pending settlement transactions here: what to re-check after each commit. */
  private readonly pending = new Map<string, { readonly entry: MempoolEntry; readonly tx: InterpretedSettlementTx }>();

  constructor(
    private readonly deps: {
      readonly rules: SettlementTxRules;
      /** The registered BLS key of an operator (its validator key, or its genesis settlementKey), for statements. */
      readonly blsKeyOf: (plmn: number) => Uint8Array | undefined;
      readonly chain: Uint8Array;
      readonly maxSequenceJump: number;
      readonly operators: OperatorDirectory;
      readonly committed: CommittedStateView;
      readonly stores: Stores;
      readonly storage: StorageHealth;
      readonly mempool: Mempool;
      readonly allocateOrder: () => number;
      readonly budget: AdmissionBudget;
      readonly log: Logger;
      /** Proposals and approvals (absent: refused). */
      readonly approvals?: SettlementApprovalRules;
      /** The genesis' link circuits and the pool's verification (absent or no circuits: statements carry no link proof). */
      readonly link?: Pick<StatementLinkDeps, 'circuits' | 'verify'>;
    },
  ) {}

  /** On start: committed sequences raised by pending transactions, and the pending entries (their claims). */
  restore(sequences: ReadonlyMap<number, bigint>, pending: readonly MempoolEntry[]): void {
    for (const [submitter, seq] of sequences) this.noteSequence(submitter, seq);
    for (const entry of pending) {
      if (entry.kind !== TxKind.Settlement) continue;
      const bytes = this.deps.stores.chain.tx(entry.id);
      if (bytes === undefined) continue;
      try {
        this.hold(entry, interpretSettlementTx(decodeSettlementTx(bytes), this.deps.rules));
      } catch (err) {
        this.deps.log.warn({ err, tx: toHex(entry.id) }, 'a pending settlement transaction no longer reads under the rules; it stays pending until a commit evicts it');
      }
    }
  }

  lastAcceptedSequence(submitter: number): bigint | undefined {
    return this.lastSequence.get(submitter);
  }

  /** Resolves once the transaction is durable; rejects with BatchRejectedError, recording nothing. */
  async submit(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedSettlementTx> {
    const receivedAt = performance.now();
    if (frame.length > MAX_SETTLEMENT_TX_BYTES) throw new BatchRejectedError(RejectCode.TooLarge, `${frame.length} bytes exceeds the ${MAX_SETTLEMENT_TX_BYTES}-byte settlement transaction limit`);
    const tx = decodeOrReject(frame, decodeSettlementTx);
    onWellFormed?.();
    this.checkSubmitter(tx, source);
    const interpreted = this.judge(tx, () => interpretSettlementTx(tx, this.deps.rules));
    this.judge(tx, () => verifySettlementSignatures(interpreted, this.deps.rules, this.deps.blsKeyOf));
    const { committed } = this.deps;
    this.judge(tx, () => settlementWrites(interpreted, committedReader(committed), nextBlock(committed), this.deps.rules, this.deps.approvals));
    if (interpreted.kind === 'statement' && interpreted.linkProof !== undefined) {
      await this.verifyLink(tx, interpreted);
      // The pool took time: the submitter's sequence and the state are judged again (a block, or
      // another of its transactions, may have come meanwhile).
      this.checkSubmitter(tx, source);
      this.judge(tx, () => settlementWrites(interpreted, committedReader(committed), nextBlock(committed), this.deps.rules, this.deps.approvals));
    }
    const claim = claimOf(interpreted);
    // A relayed one is admitted even so: two validators may each hold one of a pair's statements, and
    // a block naming the other must still apply here (the first in a block stands; the other is left out, then evicted).
    if (!source.relayed && this.claims.has(claim)) {
      const statement = interpreted.kind === 'statement' || interpreted.kind === 'plain_statement';
      const refusal: SettlementRefusal = statement ? 'duplicate_statement' : interpreted.kind === 'proposal' ? 'proposal_pending'
        : interpreted.kind === 'approval' ? 'duplicate_approval' : interpreted.kind === 'disclosure' ? 'duplicate_disclosure' : 'bad_rate';
      const what = statement ? `a statement of this pair for period ${interpreted.period.id}`
        : interpreted.kind === 'proposal' ? `a settlement proposal for period ${interpreted.period.id}`
          : interpreted.kind === 'approval' ? `an approval by the same signers of period ${interpreted.period.id}`
            : interpreted.kind === 'disclosure' ? `a disclosure of this operator's opening for period ${interpreted.period.id}` : `a rate set for period ${interpreted.period.id}`;
      throw new BatchRejectedError(REJECT_CODES[refusal], `${what} is already pending here (transaction ${this.claims.get(claim)})`, tx.sequence);
    }
    if (!this.deps.storage.writable) {
      throw new BatchRejectedError(RejectCode.StorageFull, `node storage is not writable (${this.deps.storage.status().reason ?? 'unknown'}); nothing was recorded, retry later`, tx.sequence);
    }
    const ticket: BudgetTicket = this.deps.budget.acquire(source, tx.submitter, frame.length, tx.sequence);
    const previousSequence = this.lastSequence.get(tx.submitter);
    this.noteSequence(tx.submitter, tx.sequence);
    const id = settlementTxHash(tx, this.deps.chain);
    const entry: MempoolEntry = {
      order: this.deps.allocateOrder(), id, submitter: tx.submitter, sequence: tx.sequence, cdrCount: 0,
      kind: TxKind.Settlement, receivedAt, durable: false,
    };
    const claimed = !this.claims.has(claim);
    if (claimed) this.claims.set(claim, toHex(id));
    try {
      await writePending(this.deps, entry, frame, {
        what: 'settlement transaction write',
        sequence: tx.sequence,
        onFailure: () => {
          if (claimed) this.claims.delete(claim);
          if (this.lastSequence.get(tx.submitter) === tx.sequence) {
            if (previousSequence === undefined) this.lastSequence.delete(tx.submitter);
            else this.lastSequence.set(tx.submitter, previousSequence);
          }
        },
      });
    } finally {
      ticket.release();
    }
    this.pending.set(toHex(id), { entry, tx: interpreted });
    return { id, submitter: tx.submitter, sequence: tx.sequence, action: interpreted.kind };
  }

  /**
   * After a commit: forgets what was committed, and evicts pending transactions the committed
   * state now refuses for good (a pair's statement recorded by another, a netted period, a rate set
   * overtaken): no later block may include them (evictPending: recorded as `settlement_refused`).
   */
  afterCommit(): void {
    const evicted: PendingEviction[] = [];
    for (const [hex, { entry, tx }] of this.pending) {
      if (this.deps.mempool.get(entry.id) !== entry) {
        this.release(hex, tx);
        continue;
      }
      try {
        settlementWrites(tx, committedReader(this.deps.committed), nextBlock(this.deps.committed), this.deps.rules, this.deps.approvals);
      } catch (err) {
        if (!(err instanceof SettlementTxRefusedError)) throw err;
        this.deps.log.warn({ tx: hex, refusal: err.refusal, reason: err.message }, 'evicted a pending settlement transaction the committed state refuses');
        evicted.push({ entry, reason: 'settlement_refused', detail: `${err.refusal}: ${err.message}` });
        this.release(hex, tx);
      }
    }
    void evictPending(this.deps, evicted, this.deps.committed.head.height);
  }

  private hold(entry: MempoolEntry, tx: InterpretedSettlementTx): void {
    const hex = toHex(entry.id);
    const claim = claimOf(tx);
    if (!this.claims.has(claim)) this.claims.set(claim, hex);
    this.pending.set(hex, { entry, tx });
  }

  private release(hex: string, tx: InterpretedSettlementTx): void {
    this.pending.delete(hex);
    const claim = claimOf(tx);
    if (this.claims.get(claim) === hex) this.claims.delete(claim);
  }

  private checkSubmitter(tx: DecodedSettlementTx, source: AdmissionSource): void {
    const operator = this.deps.operators.get(tx.submitter);
    if (!operator) throw new BatchRejectedError(RejectCode.UnknownOperator, `submitter ${tx.submitter} is not a consortium operator`, tx.sequence);
    if (tx.sequence === 0n) throw new BatchRejectedError(RejectCode.OutOfRange, 'sequence numbers start at 1', tx.sequence);
    if (!ed25519Verify(canonicalSettlementTx(tx, this.deps.chain), tx.signature, this.keys.get(operator.batchKey))) {
      throw new BatchRejectedError(RejectCode.BadSignature, 'signature does not verify with the submitter\'s batch key for this chain', tx.sequence);
    }
    // Blocks take a submitter's settlement transactions in any order; a relayed one below the last
    // accepted here may be what a peer's block names (see AdmissionSource.relayed).
    if (!source.relayed) assertNextSequence(tx.sequence, this.lastSequence.get(tx.submitter), this.deps.maxSequenceJump, `settlement transaction of ${tx.submitter}`);
  }

  /** The statement's link proof on the pool, against this node's committed aggregates and rates. */
  private async verifyLink(tx: DecodedSettlementTx, t: Extract<InterpretedSettlementTx, { kind: 'statement' }>): Promise<void> {
    const { committed, rules } = this.deps;
    const link = this.deps.link;
    try {
      await checkStatementLink(t, {
        circuits: link?.circuits ?? [],
        verify: link?.verify ?? (() => Promise.reject(new SettlementTxRefusedError('bad_link_proof', 'this node verifies no link proofs'))),
        settlement: rules.settlement,
        chain: rules.chain,
        state: committedReader(committed),
        chargeAggregate: (s, c, p) => committed.chargeAggregate(s, c, p),
      });
    } catch (err) {
      if (err instanceof JobQueueFullError) throw new BatchRejectedError(RejectCode.Busy, 'the proof verification queue is full; nothing was recorded, retry later', tx.sequence);
      if (err instanceof SettlementTxRefusedError) throw new BatchRejectedError(REJECT_CODES[err.refusal], `${err.refusal}: ${err.message}`, tx.sequence);
      throw err;
    }
  }

  /** Runs a rule; its refusal becomes the client's reject code (the edge of the settlement rules). */
  private judge<T>(tx: DecodedSettlementTx, rule: () => T): T {
    try {
      return rule();
    } catch (err) {
      if (err instanceof SettlementTxRefusedError) throw new BatchRejectedError(REJECT_CODES[err.refusal], `${err.refusal}: ${err.message}`, tx.sequence);
      throw err;
    }
  }

  private noteSequence(submitter: number, seq: bigint): void {
    const last = this.lastSequence.get(submitter);
    if (last === undefined || seq > last) this.lastSequence.set(submitter, seq);
  }
}
