import type { AdmissionSource } from '../chain/admission-budget.js';
import type { SubmitTxOptions } from '../chain/chain.js';
import type { ChainEvents } from '../chain/events.js';
import type { BlockView, StoredBatch, StoredTx } from '../chain/queries.js';
import type { AcceptedTx } from '../chain/tx-kinds/tx-kind.js';
import type { ChargeAggregate, StoredReceipt, StoredVerdict } from '../storage/index.js';
import type { StorageStatus } from '../storage/storage-health.js';
import type { OperatorPair } from '../reconciliation/pair.js';
import type { SettlementPeriodView } from '../chain/settlement-view.js';
import type { SettlementDisclosureView } from '../chain/settlement-disclosure-state.js';
import type { SettlementDraftView } from './settlement-draft.js';
import type { CalendarMonth } from '../reconciliation/period.js';
import type { DisputeCursor, DisputePage, PairPeriodCounts } from '../reconciliation/reconciliation-store.js';
import type { ApiAccess } from './audience.js';

/** GET /status without what the API adds itself (version, uptime). */
export interface NodeStatus {
  readonly chainId: string;
  /** The chain identity clients sign for (hex). */
  readonly genesisHash: string;
  readonly height: number;
  readonly headHash: string;
  readonly mempool: { readonly txs: number; readonly cdrs: number };
  /** Nullifiers admitted here (committed or pending). */
  readonly nullifiers: number;
  readonly operators: readonly { readonly plmn: number; readonly name: string }[];
  readonly workers: number;
  readonly diskBytes: number;
  readonly storage: StorageStatus;
  readonly ready: Readiness;
}

export interface Readiness {
  readonly ready: boolean;
  readonly checks: Readonly<Record<'storage' | 'workers' | 'blocks' | 'admission', boolean>>;
}

/** An operator and the sequences it has had accepted here. */
export interface OperatorStatus {
  readonly plmn: number;
  readonly name: string;
  /** Hex. */
  readonly batchKey: string;
  readonly lastSequence: bigint;
  readonly lastContractSequence: bigint;
  readonly lastProofSequence: bigint;
  readonly lastSettlementSequence: bigint;
}

/** What the API reads of the node. */
export interface NodeQueries {
  status(): NodeStatus;
  readiness(): Readiness;
  storageStatus(): StorageStatus;
  operator(plmn: number): OperatorStatus | undefined;
  block(height: number): BlockView | undefined;
  /** Newest first, from `from` (default: the head). */
  blocks(from: number | undefined, limit: number): BlockView[];
  batch(id: Uint8Array): StoredBatch | undefined;
  tx(id: Uint8Array): StoredTx | undefined;
  receipt(hash: Uint8Array): StoredReceipt | undefined;
  /** A settlement period's public counts (GET /settlement/{period}); throws PeriodFormatError for an id the consortium's rule does not name. */
  settlement(period: string): SettlementPeriodView;
  /** The period's draft proposal (GET /settlement/{period}/draft): PeriodFormatError, SettlementDraftRefusedError. */
  settlementDraft?(period: string): SettlementDraftView;
  /** An involved operator's sealed transfer opening (GET /settlement/{period}/disclosures/{plmn}), undefined when none; PeriodFormatError. */
  settlementDisclosure?(period: string, plmn: number): SettlementDisclosureView | undefined;
  /** The consortium's settlement bank id (genesis), if it names one: it reads every disclosure. */
  readonly settlementBankId?: number;
  /** The charge aggregate of (submitter → counterparty, settlement period) (GET /proofs/aggregate/...); undefined before its first proof. */
  chargeAggregate?(submitter: number, counterparty: number, period: string): ChargeAggregate | undefined;
  /** A batch's sealed section from the private store (schemas/sealed.fbs bytes); absent on nodes without one. */
  sealedSection?(id: Uint8Array): Uint8Array | undefined;
  /** When retention pruned a batch's sealed section (ms since the epoch), undefined when it did not (or before markers were kept). */
  sealedSectionPrunedAtMs?(id: Uint8Array): bigint | undefined;
}

/** How the API hands transactions to the node. */
export interface NodeIngest {
  /** The node's largest batch (its frames bound the ingest frame size). */
  readonly maxBatchRecords: number;
  /** The largest batch proof transaction frame (POST /tx and WS /ingest take up to it); absent: none beyond contract transactions'. */
  readonly maxBatchProofFrameBytes?: number;
  /** Whether batches may carry a sealed section (genesis privacy rule not `off`): frames may be that much larger. */
  readonly sealedPayloads?: boolean;
  /** A fresh in-flight budget for one ingest connection. */
  connectionSource(id: string): AdmissionSource;
  /** The budget all HTTP submissions share. */
  readonly httpSource: AdmissionSource;
  /** Admits a frame (of the kind its identifier names, or `opts.kind`); rejects with BatchRejectedError. */
  submitTx(frame: Uint8Array, source: AdmissionSource, opts?: SubmitTxOptions): Promise<AcceptedTx>;
}

export type NodeEventSource = Pick<ChainEvents, 'on'>;

/** The node as the API sees it: narrow interfaces, composed in src/node/. */
export interface NodeApi {
  readonly queries: NodeQueries;
  readonly ingest: NodeIngest;
  readonly events: NodeEventSource;
  /** A validator's consensus status (GET /consensus); absent in single-node mode. */
  readonly consensus?: () => object;
  /** The reconciliation index (GET /reconciliation/...); absent when the node runs without it. */
  readonly reconciliation?: NodeReconciliation;
  /** Who may read non-public endpoints (src/api/audience.ts); absent: closed (401 on them). */
  readonly access?: ApiAccess;
  /** Reconciliation verdicts the chain recorded (GET /reconciliation/.../verdict). */
  readonly verdicts?: NodeVerdicts;
}

/** A recorded verdict with where its transaction stands. */
export interface VerdictRecord extends StoredVerdict {
  readonly status: 'pending' | 'committed';
  /** The block that committed it. */
  readonly height?: number;
}

/** What the API reads of the pair's verdicts (src/chain/verdict-admission.ts records them). */
export interface NodeVerdicts {
  /** Every revision of a (pair, period)'s verdict, oldest first. */
  history(pair: OperatorPair, period: CalendarMonth): readonly VerdictRecord[];
}

/** A read of the reconciliation index with the height every committed block is classified through (-1: none yet). */
export interface IndexedRead<T> {
  readonly indexedHeight: number;
  readonly value: T;
}

/** What the API reads of the reconciliation index (src/reconciliation/). */
export interface NodeReconciliation {
  counts(pair: OperatorPair, period: CalendarMonth): IndexedRead<PairPeriodCounts>;
  /** Disputed events, mismatched first, then only A, only B. */
  /** From an offset, or after a cursor (the previous page's `next`). */
  disputes(pair: OperatorPair, period: CalendarMonth, from: number | DisputeCursor, limit: number): IndexedRead<DisputePage>;
}
