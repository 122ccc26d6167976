import { withSealedSection } from '../codec/batch.js';
import { ApprovalRefusedError, draftNetting, draftPlainNetting, type SettlementApprovalRules, type SlotRangeReader } from './settlement-approval-rules.js';
import type { Transfer } from '../settlement/netting-reference.js';
import type { SettlementMode } from './genesis-settlement.js';
import { readPeriodSettlement, readStoredSettlement } from './settlement-approval-state.js';
import type { SettlementApproval, SettlementProposal } from '../settlement/approval/index.js';
import { readDisclosure, type SettlementDisclosureView } from './settlement-disclosure-state.js';
import { periodKey } from './settlement-state.js';
import { isPeriodClosed, parsePeriodId } from '../settlement/settlement-period.js';
import type { Currency } from '../cdr/currency.js';
import type { AffinePoint } from '../settlement/commitment/pedersen.js';
import type { Rational } from '../settlement/fx/rational.js';

/** A period's settlement as the node's netting gives it, to be signed by a proposer (GET /settlement/{period}/draft). */
export interface SettlementDraft {
  readonly chain: string;
  readonly periodId: string;
  readonly currency: Currency;
  /** Involved operators (party to a statement), consortium order. */
  readonly operators: readonly number[];
  readonly mode: SettlementMode;
  /** Committed mode: N_k per involved operator, the proposal's T_k (empty in plain mode). */
  readonly transfers: readonly AffinePoint[];
  /** Plain mode: the netting contract's transfers, the proposal's outcome. */
  readonly plainTransfers?: readonly Transfer[];
  readonly attempt: number;
  readonly deadlineHeight: number;
  /** The clearing fee rate: fee = settled volume · rate, rounded half to even. */
  readonly clearingFeeRate: Rational;
}
import { PeriodProducers } from './period-producers.js';
import { settlementApprovalRules } from './settlement-approval-setup.js';
import { fromHex } from '../codec/bytes.js';
import { ContractTxKind } from '../codec/contract-tx.js';
import type { Logger } from '../log.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import { openStores, type Stores, type StoredVerdict, type TxBodyStoreOptions } from '../storage/index.js';
import { StorageHealth, type StorageStatus } from '../storage/storage-health.js';
import { BatchLimitsContract, loadSystemContracts } from '../vm/system/index.js';
import type { NullifierIndex, NullifierIndexOptions } from '../nullifiers/nullifier-index.js';
import { AdmissionBudget, type AdmissionSource } from './admission-budget.js';
import { Admission, DEFAULT_ADMISSION_LIMITS, validateAdmissionLimits, type AcceptedBatch, type AdmissionLimits } from './admission.js';
import { MempoolBlockBuilder, type BlockBuilder } from './block-builder.js';
import { ChainBranches } from './branches/chain-branches.js';
import { ChainCommitter, type BlockCommitter } from './block-committer.js';
import { DEFAULT_BLOCK_LIMITS, validateBlockLimits, type BlockLimits } from './block-limits.js';
import type { BlockSchedule } from './block-schedule.js';
import { bootstrapChain } from './bootstrap.js';
import type { BatchVerifier, ChainDeps } from './chain-deps.js';
import type { Clock } from './clock.js';
import { CommittedChainState, type CommittedStateView } from './committed-state.js';
import { ContractAdmission, DEFAULT_CONTRACT_LIMITS, type AcceptedContractTx, type ContractLimits } from './contract-admission.js';
import { ChainEvents } from './events.js';
import { BatchRejectedError, RejectCode } from './reject.js';
import { chainIdentity, settlementKeys, settlementRules, type Genesis } from './genesis.js';
import { linkCircuits } from './genesis-circuits.js';
import { ProofAdmission, type AcceptedBatchProof } from './proof-admission.js';
import { Mempool } from './mempool.js';
import type { OperatorDirectory } from './operators.js';
import { ChainQueries } from './queries.js';
import { StateTransition } from './state-transition.js';
import { batchProofAdmitter } from './tx-kinds/batch-proof.js';
import { settlementAdmitter } from './tx-kinds/settlement.js';
import { SettlementAdmission, type AcceptedSettlementTx } from './settlement-admission.js';
import { settlementPeriodView, type SettlementPeriodView } from './settlement-view.js';
import { toHex } from '../codec/bytes.js';
import { batchAdmitter } from './tx-kinds/cdr-batch.js';
import { contractTxAdmitter } from './tx-kinds/contract-tx.js';
import { txCodec, TxKindRegistry, UnknownTxKindError } from './tx-kinds/registry.js';
import { TxKind, type AcceptedTx } from './tx-kinds/tx-kind.js';
import { verdictAdmitter } from './tx-kinds/verdict.js';
import { VerdictAdmission, type AcceptedVerdict, type VerdictCountsSource } from './verdict-admission.js';
import { evictPending } from './eviction.js';
import { recordsStillReadFrom } from './retention/records-still-read.js';
import { resolveRetentionConfig, RetentionService, type RetentionOptions } from './retention/retention-service.js';

export interface ChainOptions {
  readonly dataDir: string;
  readonly genesis: Genesis;
  readonly metrics: NodeMetrics;
  readonly log: Logger;
  readonly limits?: Partial<AdmissionLimits>;
  /** What one block may carry (transactions, CDRs, gas). */
  readonly blockLimits?: Partial<BlockLimits>;
  readonly contractLimits?: Partial<ContractLimits>;
  /** Nullifier index sizing (defaults: 2^20-slot hot table, 256 MiB filter; README "Nullifiers"). */
  readonly nullifiers?: Pick<NullifierIndexOptions, 'hotLog2' | 'filterLog2Bytes' | 'mergeFanIn'>;
  /** Retention policy per data kind and how often to apply it; default: keep everything. */
  readonly retention?: RetentionOptions;
  /** Transaction body segment files (default 256 MiB segments; tests use small ones to see segments roll and go). */
  readonly txBodies?: Partial<TxBodyStoreOptions>;
}

/** Options of `Chain.submitTx`. */
export interface SubmitTxOptions {
  /** Admit the frame as this kind only (POST /cdr, POST /tx); default: the kind its file identifier names. */
  readonly kind?: TxKind;
  /** Runs before submitTx returns if the frame is structurally valid (callers judge frames in arrival order). */
  readonly onWellFormed?: () => void;
}

/**
 * One node's chain: storage, admission, the mempool, the state transition, block building and
 * committing, without any network and without deciding when blocks are made (the schedule it is
 * given does: src/consensus/). Built by src/node/ (`openChain`), which chooses every dependency.
 */
export class Chain {
  readonly queries: ChainQueries;
  private retentionService: RetentionService | undefined;
  private kindRegistry: TxKindRegistry | undefined;
  private blockSchedule: BlockSchedule | undefined;
  private branchStates: ChainBranches | undefined;
  private verdictAdmission: VerdictAdmission | undefined;
  private settlementAdmission: SettlementAdmission | undefined;

  private constructor(
    readonly events: ChainEvents,
    readonly genesis: Genesis,
    /** The chain's identity (genesis hash, `chainIdentity()`): every signed batch and contract transaction binds it. */
    readonly identity: Uint8Array,
    readonly operators: OperatorDirectory,
    private readonly stores: Stores,
    private readonly verifier: BatchVerifier,
    private readonly admission: Admission,
    private readonly contractAdmission: ContractAdmission,
    private readonly proofAdmission: ProofAdmission,
    /** The pending overlay: admitted here, not committed. */
    readonly mempool: Mempool,
    readonly nullifiers: NullifierIndex,
    /** Committed state only: what the state transition checks blocks against. */
    readonly committed: CommittedStateView,
    /** Validates and applies blocks (own and peers') against committed state; returns their writes. */
    readonly transition: StateTransition,
    /** Builds this node's next block from the mempool's durable prefix. */
    readonly builder: BlockBuilder,
    /** Makes a block's writes durable in one LMDB transaction, then notifies. */
    readonly committer: BlockCommitter,
    readonly clock: Clock,
    private readonly metrics: NodeMetrics,
    /** The admission limits in force (defaults merged with the node's configuration, validated). */
    readonly limits: AdmissionLimits,
    /** The block limits in force. */
    readonly blockLimits: BlockLimits,
    private readonly budget: AdmissionBudget,
    private readonly storage: StorageHealth,
    private readonly log: Logger,
  ) {
    this.queries = new ChainQueries(stores, mempool, () => committed.head);
  }

  static async open(opts: ChainOptions, deps: ChainDeps): Promise<Chain> {
    const { metrics, log, genesis } = opts;
    // Before storage opens: bad limits or a system contract that does not assemble stop the node with nothing to undo.
    const limits = validateAdmissionLimits({ ...DEFAULT_ADMISSION_LIMITS, ...opts.limits });
    const blockLimits = validateBlockLimits({ ...DEFAULT_BLOCK_LIMITS, ...opts.blockLimits });
    const retention = resolveRetentionConfig(opts.retention);
    const system = loadSystemContracts();
    const identity = fromHex(chainIdentity(genesis, system.digest()), 32);
    const stores = openStores(opts.dataDir, opts.txBodies ? { txBodies: opts.txBodies } : {});
    const restored = await bootstrapChain(stores, genesis, system.digest(), log, { ...opts.nullifiers, metrics });
    const { nullifiers } = restored;
    const mempool = new Mempool();
    for (const entry of restored.pending) mempool.push(entry);
    const { operators, clock } = deps;
    const verifier = deps.verifier(identity);
    const events = new ChainEvents((err, event) => {
      metrics.eventListenerErrors.inc({ event });
      log.error({ err, event }, 'chain event listener threw; the work it announced is durable and stands');
    });
    const storage = new StorageHealth(stores.env, log);
    metrics.storageWritable.set(1);
    storage.onChange((writable) => metrics.storageWritable.set(writable ? 1 : 0));
    storage.onFailure((what) => metrics.storageWriteFailures.inc({ what }));
    const budget = new AdmissionBudget(limits);
    const settlement = settlementRules(genesis);
    const committed = new CommittedChainState(stores, { head: restored.head, headTimestampMs: restored.headTimestampMs, sequences: restored.committed });
    const admission = new Admission({
      limits,
      budget,
      chain: identity,
      batchLimits: BatchLimitsContract.from(system),
      operators, verifier, nullifiers, stores, storage, mempool, events, metrics, log,
      now: () => clock.now(),
      ...(opts.genesis.privacy ? { privacy: opts.genesis.privacy } : {}),
      settlement,
      headTimestampMs: () => committed.headTimestampMs,
    });
    admission.restore(restored.sequences, restored.nextOrder);
    nullifiers.bindSettlement(() => admission.settledBelow());
    const contractAdmission = new ContractAdmission({
      limits: { ...DEFAULT_CONTRACT_LIMITS, ...opts.contractLimits },
      chain: identity,
      maxSequenceJump: limits.maxSequenceJump,
      operators, stores, storage, mempool, log,
      allocateOrder: () => admission.allocateOrder(),
      budget,
    });
    contractAdmission.restore(restored.contractSequences);
    const proofAdmission = new ProofAdmission({
      chain: identity,
      circuits: genesis.circuits ?? [],
      maxBatchRecords: limits.maxBatchRecords,
      maxSequenceJump: limits.maxSequenceJump,
      operators, stores, storage, mempool, verifier, log,
      allocateOrder: () => admission.allocateOrder(),
      budget,
      headHeight: () => committed.head.height,
      periods: settlement.periods,
      headTimestampMs: () => committed.headTimestampMs,
    });
    proofAdmission.restore(restored.proofSequences, restored.pending);
    // Statement keys: a validator's key, or the genesis settlementKey of an operator that does not validate.
    const blsKeys = settlementKeys(genesis);
    const approvals = settlementApprovalRules(genesis, toHex(identity), system, new PeriodProducers(stores.chain));
    const settlementAdmission = new SettlementAdmission({
      approvals,
      rules: { settlement, operators: genesis.operators.map((o) => o.plmn).sort((a, b) => a - b), chain: toHex(identity), linkProofs: linkCircuits(genesis.circuits ?? []).length > 0 },
      link: { circuits: linkCircuits(genesis.circuits ?? []), verify: (task) => verifier.verifyProof(task, 1) },
      blsKeyOf: (plmn) => blsKeys.get(plmn),
      chain: identity,
      maxSequenceJump: limits.maxSequenceJump,
      operators, committed, stores, storage, mempool, log,
      allocateOrder: () => admission.allocateOrder(),
      budget,
    });
    settlementAdmission.restore(restored.settlementSequences, restored.pending);

    const rules = { limits: blockLimits, vm: deps.vm, codec: txCodec, settlement, operators: genesis.operators.map((o) => o.plmn).sort((a, b) => a - b), approvals, circuits: genesis.circuits ?? [] };
    const transition = new StateTransition(
      committed,
      { get: (id) => mempool.get(id), body: (id) => stores.chain.tx(id) },
      rules,
    );
    const builder = new MempoolBlockBuilder({ mempool, committed, transition, limits: blockLimits });
    const committer = new ChainCommitter({ stores, committed, mempool, storage, events, metrics, log, periods: settlement.periods });
    const branches = new ChainBranches({
      committed, committer, mempool, limits: blockLimits,
      pending: { get: (id) => mempool.get(id), body: (id) => stores.chain.tx(id) },
      rules,
      discard: async (entries) => {
        const height = committed.head.height;
        await evictPending({ stores, mempool, log }, entries.map((entry) => ({
          entry, reason: 'superseded' as const,
          detail: `${txCodec(entry.kind).name} sequence ${entry.sequence} of ${entry.submitter}: a committed one of the same submitter has sequence ${committed.committedSequence(entry.kind, entry.submitter) ?? '?'}`,
        })), height);
        log.info({ count: entries.length }, 'discarded pending transactions a final block superseded (same submitter, higher sequence)');
      },
    });
    const chain = new Chain(
      events, genesis, identity, operators, stores, verifier, admission, contractAdmission, proofAdmission, mempool, nullifiers,
      committed, transition, builder, committer, clock, metrics, limits, blockLimits, budget, storage, log,
    );
    chain.branchStates = branches;
    const verdictAdmission = new VerdictAdmission({
      chain: identity, operators, stores, storage, mempool, budget, log,
      allocateOrder: () => admission.allocateOrder(),
      headHeight: () => committed.head.height,
    });
    verdictAdmission.restore(restored.pending);
    chain.verdictAdmission = verdictAdmission;
    chain.settlementAdmission = settlementAdmission;
    chain.approvals = approvals;
    // Settlement state moved: pending settlement transactions it now refuses for good leave; so do
    // proofs of batches a committed proof made proven, and verdict revisions a committed one overtook.
    events.on('blockCommitted', () => settlementAdmission.afterCommit());
    events.on('blockCommitted', () => proofAdmission.afterCommit());
    events.on('blockCommitted', () => verdictAdmission.afterCommit());
    chain.kindRegistry = new TxKindRegistry(new Map([
      [TxKind.CdrBatch, batchAdmitter(admission)],
      [TxKind.ContractTx, contractTxAdmitter({ submit: (frame, source, onWellFormed) => chain.submitContractTx(frame, source, onWellFormed) })],
      [TxKind.BatchProof, batchProofAdmitter({ submit: (frame, source, onWellFormed) => chain.submitBatchProof(frame, source, onWellFormed) })],
      [TxKind.Verdict, verdictAdmitter({ submit: (frame, source, onWellFormed) => chain.submitVerdict(frame, source, onWellFormed) })],
      [TxKind.Settlement, settlementAdmitter({ submit: (frame, source, onWellFormed) => chain.submitSettlementTx(frame, source, onWellFormed) })],
    ]));

    metrics.chainHeight.set(restored.head.height);
    metrics.onScrape(() => {
      metrics.mempoolTxs.set(mempool.size);
      metrics.mempoolCdrs.set(mempool.cdrCount);
      metrics.lmdbSizeBytes.set(stores.env.sizeBytes());
      metrics.txBodyBytes.set(stores.chain.bodyBytes());
    });
    const schedule = deps.schedule({ builder, committer, clock, log });
    chain.blockSchedule = schedule;
    // Durable work announced: the schedule may make a block now (a throwing listener elsewhere cannot stop this one).
    events.on('batchAccepted', () => schedule.nudge());
    events.on('contractTxAccepted', () => schedule.nudge());
    events.on('batchProofAccepted', () => schedule.nudge());
    events.on('verdictAccepted', () => schedule.nudge());
    schedule.start();
    chain.retentionService = new RetentionService({
      config: retention, stores, metrics, log, storage,
      stillRead: () => recordsStillReadFrom(stores, nullifiers.watermark),
    });
    chain.retentionService.start();
    return chain;
  }

  /** The node's retention (src/chain/retention/): its policy runs every interval; runNow() for tests. */
  get retention(): RetentionService {
    return this.retentionService!;
  }

  /** Non-final blocks above the committed head (consensus applies peers' and its own blocks here). */
  get branches(): ChainBranches {
    return this.branchStates!;
  }

  /** The stored frame of a transaction admitted here (pending or committed): what a peer that lacks it asks for. */
  txFrame(id: Uint8Array): Uint8Array | undefined {
    return this.stores.chain.tx(id);
  }

  /**
   * The frame to relay to a peer (pending re-sends, body requests): the stored public frame with the
   * batch's sealed section attached again, so every validator's private store gets it too.
   */
  relayFrame(id: Uint8Array): Uint8Array | undefined {
    const frame = this.stores.chain.tx(id);
    if (frame === undefined) return undefined;
    const sealed = this.stores.sealed.get(id);
    return sealed === undefined ? frame : withSealedSection(frame, sealed);
  }

  /** The stored sealed section of a batch admitted here (the private store), or undefined. */
  sealedSection(id: Uint8Array): Uint8Array | undefined {
    return this.stores.sealed.get(id);
  }

  /** When retention removed a batch's sealed section (the `payloads` kind), or undefined. */
  sealedSectionPrunedAtMs(id: Uint8Array): bigint | undefined {
    return this.stores.sealed.prunedAtMs(id);
  }

  /** The stored frame of the committed block at `height`. */
  blockFrame(height: number): Uint8Array | undefined {
    return this.stores.chain.block(height);
  }

  /** The LMDB environment (the node keeps consensus' vote store in it). */
  get storageEnv(): Stores['env'] {
    return this.stores.env;
  }

  /** Each transaction kind's handler (decode, admit, apply, view). */
  get kinds(): TxKindRegistry {
    return this.kindRegistry!;
  }

  /** A fresh in-flight budget for one connection of the API (`id` names it in Busy details). */
  connectionSource(id: string, opts: { relayed?: boolean } = {}): AdmissionSource {
    return this.budget.connectionSource(id, opts);
  }

  /** The one budget all HTTP submissions share: they have no connection to charge. */
  get httpSource(): AdmissionSource {
    return this.budget.http;
  }

  /**
   * Admits a transaction frame of any kind (its file identifier names it) from `source`: the one
   * place frames are dispatched to their kind. `frame` must own its ArrayBuffer. Resolves once the
   * transaction is durable; rejects with BatchRejectedError, recording nothing.
   */
  submitTx(frame: Uint8Array, source: AdmissionSource, opts: SubmitTxOptions = {}): Promise<AcceptedTx> {
    let handler;
    try {
      handler = opts.kind !== undefined ? this.kinds.get(opts.kind) : this.kinds.handlerOf(frame);
    } catch (err) {
      if (!(err instanceof UnknownTxKindError)) throw err;
      const rejected = new BatchRejectedError(RejectCode.Malformed, err.reason);
      this.metrics.ingestBytes.inc(frame.length);
      this.metrics.ingestBatches.inc({ outcome: 'rejected' });
      this.metrics.ingestRejects.inc({ reason: rejected.reason });
      return Promise.reject(rejected);
    }
    return handler.admit(frame, source, opts.onWellFormed);
  }

  /**
   * A block waits for the transactions `ids`: the batches among them that are being checked here
   * jump the worker queue (with their submitters' earlier batches). Returns the ids that are not
   * being admitted here, which only peers can supply.
   */
  expediteAdmission(ids: readonly Uint8Array[]): Uint8Array[] {
    return this.admission.expedite(ids);
  }

  /** Admits a batch frame (see Admission.submit) from `source`; `frame` must own its ArrayBuffer. */
  submit(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedBatch> {
    return this.admission.submit(frame, source, onWellFormed);
  }

  /** Admits a contract transaction frame (identifier "CDRC") from `source`; resolves once it is durable. */
  async submitContractTx(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedContractTx> {
    let accepted: AcceptedContractTx;
    try {
      accepted = await this.contractAdmission.submit(frame, source, onWellFormed);
    } catch (err) {
      this.metrics.contractTxs.inc({ outcome: err instanceof BatchRejectedError ? err.reason : 'internal' });
      throw err;
    }
    this.metrics.contractTxs.inc({ outcome: 'accepted' });
    // Durable: a throwing listener is logged (ChainEvents), never turned into a rejection.
    this.events.emit('contractTxAccepted', {
      id: accepted.id, kind: accepted.kind === ContractTxKind.Deploy ? 'deploy' : 'call', sender: accepted.sender, sequence: accepted.sequence,
    });
    return accepted;
  }

  /**
   * Admits a batch proof transaction (identifier "CDRZ") from `source`: verified on the worker pool
   * against the genesis' key for its circuit; resolves once it and the batch's proven mark are durable.
   */
  async submitBatchProof(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedBatchProof> {
    let accepted: AcceptedBatchProof;
    try {
      accepted = await this.proofAdmission.submit(frame, source, onWellFormed);
    } catch (err) {
      this.metrics.batchProofs.inc({ outcome: err instanceof BatchRejectedError ? err.reason : 'internal' });
      throw err;
    }
    this.metrics.batchProofs.inc({ outcome: 'accepted' });
    this.events.emit('batchProofAccepted', { id: accepted.id, batchId: accepted.batchId, signer: accepted.signer, sequence: accepted.sequence });
    return accepted;
  }

  /**
   * Admits a reconciliation verdict (identifier "CDRR") both operators of a pair signed; resolves
   * once it and its (pair, period) record are durable.
   */
  async submitVerdict(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedVerdict> {
    const accepted = await this.verdictAdmission!.submit(frame, source, onWellFormed);
    this.events.emit('verdictAccepted', { id: accepted.id, pairA: accepted.pairA, pairB: accepted.pairB, period: accepted.period, revision: accepted.revision });
    return accepted;
  }

  /** The node's reconciliation index, once it runs: verdict admission checks counts against it. */
  set verdictCounts(source: VerdictCountsSource | undefined) {
    this.verdictAdmission!.countsSource = source;
  }

  /** A (pair, period)'s committed verdict revisions, oldest first, then those pending here that follow them. */
  verdicts(pairA: number, pairB: number, period: number): readonly StoredVerdict[] {
    return [...this.stores.verdicts.history(pairA, pairB, period), ...this.verdictAdmission!.pendingChain(pairA, pairB, period)];
  }

  /**
   * Admits a settlement transaction (identifier "CDRX": an FX rate set or a bilateral statement)
   * from `source`; resolves once it is durable (docs/settlement.md).
   */
  async submitSettlementTx(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedSettlementTx> {
    const accepted = await this.settlementAdmission!.submit(frame, source, onWellFormed);
    this.blockSchedule?.nudge();
    return accepted;
  }

  /** A settlement period at the committed head: counts only (GET /settlement/{period}); PeriodFormatError for a bad id. */
  settlementPeriod(id: string): SettlementPeriodView {
    return settlementPeriodView(this.stores.contracts, settlementRules(this.genesis), this.genesis.operators.length, this.committed.headTimestampMs, id, {
      operators: this.consortiumOrder, policy: this.approvals?.policy, headHeight: this.committed.head.height,
    });
  }

  /**
   * An involved operator's disclosed transfer opening for the period's current proposal (sealed:
   * the node holds only ciphertexts), or undefined when it has none for this proposal or the period
   * has no proposal. PeriodFormatError for a bad id.
   */
  settlementDisclosure(id: string, plmn: number): SettlementDisclosureView | undefined {
    const period = parsePeriodId(settlementRules(this.genesis).periods, id);
    const key = periodKey(period);
    const stored = readStoredSettlement(this.stores.contracts, key, this.consortiumOrder);
    const k = stored?.involved.indexOf(plmn) ?? -1;
    if (stored === undefined || k < 0) return undefined;
    const d = readDisclosure(this.stores.contracts, key, this.consortiumOrder.indexOf(plmn));
    if (d === undefined || d.attempt !== stored.attempt) return undefined;
    const hex = (v: bigint): string => v.toString(16).padStart(64, '0');
    const expired = stored.status === 'proposed' && this.committed.head.height + 1 > stored.deadline;
    return {
      period: period.id, operator: plmn, proposalId: stored.id, attempt: stored.attempt,
      transfer: { x: hex(stored.transfers[k]!.x), y: hex(stored.transfers[k]!.y) },
      settlement: expired ? 'expired' : stored.status, toOperator: toHex(d.toOperator), toBank: toHex(d.toBank),
    };
  }

  /**
   * The period's live proposal, if this node's own netting agrees with it (its involved operators
   * and every T_k equal to N_k from this node's recorded statements): what a validator may sign.
   * `{ refused }` says why not (none, final, expired, or a netting that differs).
   */
  settlementToApprove(id: string): { readonly proposal: SettlementProposal; readonly id: string; readonly approval: SettlementApproval } | { readonly refused: string } {
    const rules = settlementRules(this.genesis);
    const policy = this.approvals?.policy;
    if (this.approvals === undefined || policy === undefined) return { refused: 'no approval policy (no validators)' };
    const period = parsePeriodId(rules.periods, id);
    const key = periodKey(period);
    const reader: SlotRangeReader = { slot: (i, k) => this.stores.contracts.slot(i, k), slotsIn: (i, f, t) => this.stores.contracts.slotsIn(i, f, t) };
    const state = readPeriodSettlement(reader, key, id, { chain: this.approvals.chain, currency: rules.currency, operators: this.consortiumOrder, policy });
    if (state === undefined) return { refused: 'no proposal' };
    if (state.status !== 'proposed') return { refused: state.status };
    if (this.committed.head.height + 1 > state.proposal.deadlineHeight) return { refused: 'expired' };
    const p = state.proposal;
    let same: boolean;
    try {
      if (p.outcome.mode === 'plain') {
        const mine = draftPlainNetting(this.approvals.plainNetting, key, this.consortiumOrder, reader);
        const transfers = p.outcome.transfers;
        same = mine.involved.length === p.operators.length && mine.involved.every((op, i) => op === p.operators[i])
          && mine.transfers.length === transfers.length && mine.transfers.every((t, i) => t.from === transfers[i]!.from && t.to === transfers[i]!.to && t.amount === transfers[i]!.amount);
      } else {
        const mine = draftNetting(this.approvals.netting, key, this.consortiumOrder, reader);
        const transfers = p.outcome.transfers;
        same = mine.involved.length === p.operators.length && mine.involved.every((op, i) => op === p.operators[i])
          && mine.nets.every((n, i) => n.x === transfers[i]?.x && n.y === transfers[i]?.y);
      }
    } catch (err) {
      if (err instanceof ApprovalRefusedError) return { refused: `netting here: ${err.message}` };
      throw err;
    }
    if (!same) return { refused: 'the proposal\'s transfers are not the netting of this node\'s statements' };
    return { proposal: p, id: state.id, approval: state.approval };
  }

  /** The operators in consortium order (PLMN ascending). */
  get consortiumOrder(): readonly number[] {
    return this.genesis.operators.map((o) => o.plmn).sort((a, b) => a - b);
  }

  /** Settlement approval rules of this chain (chain identity, policy, netting contract, producers). */
  approvals: SettlementApprovalRules | undefined;

  /**
   * The period's draft settlement at the committed head, read-only: the involved operators and
   * N_k of each from the node's own netting (the contract run over the recorded statements), the
   * next attempt and a deadline the chain would take. PeriodFormatError for a bad id;
   * ApprovalRefusedError when there is nothing to propose (no statement, settled, pending, open).
   */
  settlementDraft(id: string, deadlineBlocks = 600): SettlementDraft {
    const rules = settlementRules(this.genesis);
    const period = parsePeriodId(rules.periods, id);
    const approvals = this.approvals;
    if (approvals?.policy === undefined) throw new ApprovalRefusedError('not_a_party', 'this chain names no validators: settlements cannot be approved on it');
    const key = periodKey(period);
    const reader: SlotRangeReader = { slot: (i, k) => this.stores.contracts.slot(i, k), slotsIn: (i, f, t) => this.stores.contracts.slotsIn(i, f, t) };
    const head = this.committed.head.height;
    if (!isPeriodClosed(period, this.committed.headTimestampMs)) throw new ApprovalRefusedError('period_open', `period ${id} has not closed (it closes at ${new Date(Number(period.closesAtMs)).toISOString()})`);
    const stored = readStoredSettlement(reader, key, this.consortiumOrder);
    if (stored?.status === 'final') throw new ApprovalRefusedError('already_settled', `period ${id} was settled at height ${stored.finalAt}`);
    if (stored?.status === 'proposed' && head + 1 <= stored.deadline) throw new ApprovalRefusedError('proposal_pending', `period ${id} has a proposal (${stored.id}) awaiting approval until height ${stored.deadline}`);
    const maxBlocks = approvals.policy.maxApprovalBlocks;
    let outcome: Pick<SettlementDraft, 'mode' | 'operators' | 'transfers' | 'plainTransfers'>;
    if (rules.mode === 'plain') {
      const { involved, transfers } = draftPlainNetting(approvals.plainNetting, key, this.consortiumOrder, reader);
      outcome = { mode: 'plain', operators: involved, transfers: [], plainTransfers: transfers };
    } else {
      const { involved, nets } = draftNetting(approvals.netting, key, this.consortiumOrder, reader);
      outcome = { mode: 'committed', operators: involved, transfers: nets };
    }
    return {
      chain: approvals.chain, periodId: period.id, currency: rules.currency, ...outcome,
      attempt: (stored?.attempt ?? 0) + 1, deadlineHeight: head + 1 + Math.min(Math.max(1, deadlineBlocks), maxBlocks - 1),
      clearingFeeRate: approvals.policy.clearingFeeRate,
    };
  }

  lastAcceptedSettlementSequence(submitter: number): bigint | undefined {
    return this.settlementAdmission!.lastAcceptedSequence(submitter);
  }

  /** The largest batch proof transaction frame this node takes (its maxBatchRecords in the smallest registered chunks). */
  get maxBatchProofFrameBytes(): number {
    return this.proofAdmission.maxFrameBytes;
  }

  lastAcceptedBatchProofSequence(signer: number): bigint | undefined {
    return this.proofAdmission.lastAcceptedSequence(signer);
  }

  lastAcceptedContractSequence(sender: number): bigint | undefined {
    return this.contractAdmission.lastAcceptedSequence(sender);
  }

  lastAcceptedSequence(submitter: number): bigint | undefined {
    return this.admission.lastAcceptedSequence(submitter);
  }

  get verifierThreads(): number {
    return this.verifier.threads;
  }

  get dataDir(): string {
    return this.stores.env.path;
  }

  /** LMDB's data file plus the transaction body files (nullifier segments not included). */
  diskBytes(): number {
    return this.stores.env.sizeBytes() + this.stores.chain.bodyBytes();
  }

  /** Commits what is durable in the mempool now (through the schedule). */
  flush(): Promise<void> {
    return this.blockSchedule!.flush();
  }

  /** Whether the data directory takes writes, and why not while it does not. */
  storageStatus(): StorageStatus {
    return this.storage.status();
  }

  /**
   * Ready for work: storage writable, verification workers up, block commits not failing, and
   * admission not shedding (the shared in-flight budget is not exhausted).
   */
  readiness(): { ready: boolean; checks: Readonly<Record<'storage' | 'workers' | 'blocks' | 'admission', boolean>> } {
    const checks = {
      storage: this.storage.writable,
      workers: this.verifier.threads > 0,
      blocks: this.blockSchedule!.consecutiveFailures === 0,
      admission: this.budget.totalInflight < this.limits.maxInflight && this.budget.totalInflightBytes < this.limits.maxInflightBytes,
    };
    return { ready: Object.values(checks).every(Boolean), checks };
  }

  /**
   * Stops making blocks, commits what is pending, stops the workers and closes storage. If the final
   * commit fails (disk full), pending transactions stay on disk and the next start commits them.
   */
  async close(): Promise<void> {
    await this.retentionService?.stop();
    await this.admission.drain();
    await this.blockSchedule!.stop();
    this.storage.close();
    try {
      await this.blockSchedule!.flush();
    } catch (err) {
      this.log.error({ err }, 'final block commit failed; pending transactions stay on disk for the next start');
    }
    await this.verifier.close();
    await this.nullifiers.close();
    await this.stores.env.close();
  }
}
