import { TxBody } from '../../codec/generated/cdrchain/wire/tx-body.js';
import type { AdmissionSource } from '../admission-budget.js';
import type { BlockApplication, BlockTx } from '../block-application.js';
import type { TxLocation } from '../../storage/index.js';

/**
 * The transaction kinds the chain knows: the tags of schemas/tx.fbs' `TxBody` union, so a kind has
 * one number on the wire, in storage and in blocks. Append only, never renumber.
 */
export const TxKind = {
  CdrBatch: TxBody.CdrBatch,
  ContractTx: TxBody.ContractTx,
  BatchProof: TxBody.BatchProof,
  Verdict: TxBody.Verdict,
  Settlement: TxBody.Settlement,
} as const;
export type TxKind = (typeof TxKind)[keyof typeof TxKind];

/** What the mempool and blocks need of any transaction, read from its frame without trusting it further. */
export interface TxSummary {
  readonly kind: TxKind;
  /** The operator that signed it (batch submitter, contract sender, batch proof signer). */
  readonly submitter: number;
  /** Its place in the submitter's sequence space of this kind (each kind with sequences has its own). */
  readonly sequence: bigint;
  readonly cdrCount: number;
  /** What it may take of a block's gas; 0n for kinds that run no contract code. */
  readonly gasLimit: bigint;
  /** A CDR batch's period_start (unix seconds): the settlement period it belongs to. */
  readonly periodStart?: bigint;
}

/** The keys admission put in the nullifier index for a transaction (restart puts them back). */
export interface NullifierSource {
  readonly records: Uint8Array;
  readonly count: number;
  readonly submitter: number;
}

/** A transaction admitted here: durable, in the mempool, acknowledged to its sender. */
export interface AcceptedTx {
  readonly id: Uint8Array;
  readonly kind: TxKind;
  readonly submitter: number;
  readonly sequence: bigint;
}

/** A stored transaction as the API shows it. */
export interface StoredTx {
  readonly kind: TxKind;
  /** JSON of GET /txns/:hash: `type`, `hash`, `status` ('pending' | 'committed' | 'evicted') and the kind's fields. */
  readonly view: Readonly<Record<string, unknown>> & { readonly type: string; readonly hash: string; readonly status: 'pending' | 'committed' | 'evicted' };
  /** Kinds that carry CDR records page through them (GET ...?records=1); absent for the others. */
  readonly records?: RecordPager;
}

/** Pages through a transaction's public records. */
export interface RecordPager {
  readonly total: number;
  /** Retention removed the records: `json` throws RecordsPrunedError. */
  readonly pruned: boolean;
  /** Records [from, to) as JSON (hex); the caller bounds the range. */
  json(from: number, to: number): unknown[];
}

/**
 * The pure half of a kind's handler: everything that needs no node state of its own. Restart,
 * queries and the state transition use it before (or without) admission.
 */
export interface TxCodec {
  readonly kind: TxKind;
  /** Snake-case name, as JSON views and metrics say it. */
  readonly name: string;
  /** File identifiers (bytes 4..8) of the frames of this kind: its wire frame, and stored forms such as a pruned stub. */
  readonly fileIdentifiers: readonly string[];
  /** Decode: verifies a frame's structure and reads its summary (MalformedFrameError, UnsupportedVersionError). */
  decode(bytes: Uint8Array): TxSummary;
  /** The nullifier keys the kind inserts at admission, or undefined (none, or none left in a stored form). */
  nullifiers(bytes: Uint8Array): NullifierSource | undefined;
  /**
   * Apply: the transaction's part of a block's state transition, against committed state plus what
   * earlier transactions of the block did (`block`). Pure: no I/O but reads of committed state, no
   * clock. Throws InvalidBlockError when the block may not include it.
   */
  apply(block: BlockApplication, tx: BlockTx): void;
  /** View: the stored transaction as the API shows it; `location` is where it was committed. */
  view(id: Uint8Array, bytes: Uint8Array, location: TxLocation | undefined): StoredTx;
}

/** Admit: every check of the kind, then the durable write; rejects with BatchRejectedError, recording nothing. */
export interface TxAdmitter {
  admit(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedTx>;
}

/** One handler per kind: decode, admit, apply, view. */
export interface TxKindHandler extends TxCodec, TxAdmitter {}
