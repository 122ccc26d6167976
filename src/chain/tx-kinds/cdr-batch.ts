import { decodeBatch, type DecodedBatch } from '../../codec/batch.js';
import { batchToJson, type BatchJson } from '../../codec/batch-json.js';
import { toHex } from '../../codec/bytes.js';
import { PUBLIC_RECORD_BYTES } from '../../codec/limits.js';
import { decodePrunedBatch, isPrunedBatch, PRUNED_BATCH_IDENTIFIER } from '../../codec/pruned-batch.js';
import { BATCH_FILE_IDENTIFIER } from '../../codec/batch.js';
import type { Eviction, ProvenBatch, TxLocation } from '../../storage/index.js';
import type { AdmissionSource } from '../admission-budget.js';
import type { AcceptedBatch } from '../admission.js';
import type { BlockApplication, BlockTx } from '../block-application.js';
import { TxKind, type AcceptedTx, type NullifierSource, type StoredTx, type TxAdmitter, type TxCodec, type TxSummary } from './tx-kind.js';

/** A stored batch: its JSON form (as POST /cdr takes it) plus where it stands on the chain. */
export type BatchView = {
  id: string;
  status: 'pending' | 'committed' | 'evicted';
  /**
   * Where the batch stands in the client's terms (the ingest replies): `accepted` (durable here),
   * `committed` (with consensus: in a block on the head's branch, `confirmedHeight`), `final`
   * (in a final block, `height`). Set by the node's API view; a solo node's committed blocks are final.
   */
  stage?: 'accepted' | 'committed' | 'final' | 'evicted';
  confirmedHeight?: number;
  height?: number;
  index?: number;
  sizeBytes: number;
  signature: string;
  /** Retention pruned the records: the signed header (Merkle root, records digest) is what is kept. */
  pruned?: true;
  prunedAtMs?: string;
  /** With `pruned`: the batch id's SHA-256 path to its block's txRoot (sibling hex, side), bottom-up. */
  txPath?: { sibling: string; left: boolean }[];
  /** A batch proof verified for it (issue 13, P6): the circuit, its chunks' totals commitments, the proof's transaction. */
  proven?: ProvenBatch;
  /** status `evicted`: why it left the pending set without a block (its settlement period closed, ...). */
  eviction?: Eviction;
  /** Only when asked (?records=1): one page of the records, and where it lies. */
  records?: BatchJson['records'];
  recordsPage?: RecordsPage;
} & BatchJson['header'];

/** Where a page of a batch's records lies: `limit` records from `offset`, of `total`. */
export interface RecordsPage {
  offset: number;
  limit: number;
  total: number;
}

/** A stored batch: its view without records (none decoded), and its records in JSON a range at a time. */
export interface StoredBatch {
  readonly view: BatchView;
  readonly recordCount: number;
  /** The records are gone (retention): `recordsJson` throws RecordsPrunedError. */
  readonly pruned: boolean;
  /** Records [from, to) as JSON (hex); the caller bounds the range: this is where the time goes. */
  recordsJson(from: number, to: number): BatchJson['records'];
}

/** Records asked of a batch whose records retention pruned; the header stays. */
export class RecordsPrunedError extends Error {
  override readonly name = 'RecordsPrunedError';
  constructor(readonly batchId: string, readonly prunedAtMs: bigint) {
    super(`the records of batch ${batchId} were pruned by the node's retention policy at ${new Date(Number(prunedAtMs)).toISOString()}; its signed header (Merkle root, records digest) is kept`);
  }
}

/**
 * CDR batches (schemas/batch.fbs, identifier "CDRB"; once retention pruned their records, a stub
 * "CDRP"). Admission: src/chain/admission.ts. In a block a batch moves its submitter's batch
 * sequence and adds its CDRs; its nullifiers went into the index at admission.
 */
export const cdrBatchCodec: TxCodec = {
  kind: TxKind.CdrBatch,
  name: 'cdr_batch',
  fileIdentifiers: [BATCH_FILE_IDENTIFIER, PRUNED_BATCH_IDENTIFIER],

  decode(bytes: Uint8Array): TxSummary {
    const header = isPrunedBatch(bytes) ? decodePrunedBatch(bytes).header : decodeBatch(bytes).header;
    return { kind: TxKind.CdrBatch, submitter: header.submitter, sequence: header.sequence, cdrCount: header.recordCount, gasLimit: 0n, periodStart: header.periodStart };
  },

  nullifiers(bytes: Uint8Array): NullifierSource | undefined {
    if (isPrunedBatch(bytes)) return undefined;
    const { header, records } = decodeBatch(bytes);
    return { records, count: header.recordCount, submitter: header.submitter };
  },

  apply(block: BlockApplication, tx: BlockTx): void {
    // Records of a closed settlement period are refused (docs/settlement.md, "Periods"): checked first, nothing noted yet.
    if (tx.entry.periodStart !== undefined) block.assertRecordPeriodOpen(tx.entry.periodStart, tx.index);
    // Batches are independent: any order (docs/consensus.md, "In the node"); the id and the nullifiers refuse replays.
    block.noteSequence(TxKind.CdrBatch, tx.entry.submitter, tx.entry.sequence);
    block.addCdrs(tx.entry.cdrCount);
  },

  view(id: Uint8Array, bytes: Uint8Array, location: TxLocation | undefined): StoredTx {
    const stored = storedBatch(id, bytes, location);
    return {
      kind: TxKind.CdrBatch,
      view: { type: 'cdr_batch', hash: stored.view.id, ...stored.view },
      records: { total: stored.recordCount, pruned: stored.pruned, json: (from, to) => stored.recordsJson(from, to) },
    };
  },
};

/** A stored batch frame (or its pruned stub) as the API shows it; no record is decoded until asked. */
export function storedBatch(id: Uint8Array, bytes: Uint8Array, location: TxLocation | undefined): StoredBatch {
  if (isPrunedBatch(bytes)) return prunedBatch(id, bytes);
  // Decoding views the records in place; only batchToJson converts them, so it gets none here.
  const decoded = decodeBatch(bytes);
  const { header, signature } = batchToJson({ ...decoded, records: new Uint8Array(0) });
  const view: BatchView = {
    id: toHex(id),
    status: location ? 'committed' : 'pending',
    ...(location ? { height: location.height, index: location.index } : {}),
    ...header,
    signature,
    sizeBytes: bytes.length,
  };
  const total = decoded.header.recordCount;
  return {
    view,
    recordCount: total,
    pruned: false,
    recordsJson(from: number, to: number) {
      const a = Math.min(Math.max(from, 0), total) * PUBLIC_RECORD_BYTES;
      const b = Math.min(Math.max(to, from, 0), total) * PUBLIC_RECORD_BYTES;
      return batchToJson({ ...decoded, records: decoded.records.subarray(a, b) }).records;
    },
  };
}

/** A batch whose records retention pruned: its stub carries the header, the signature and its place. */
function prunedBatch(id: Uint8Array, bytes: Uint8Array): StoredBatch {
  const stub = decodePrunedBatch(bytes);
  const { header, signature } = batchToJson({ header: stub.header, records: new Uint8Array(0), signature: stub.signature, bytes } satisfies DecodedBatch);
  const view: BatchView = {
    id: toHex(id),
    status: 'committed',
    height: stub.height,
    index: stub.index,
    ...header,
    signature,
    sizeBytes: stub.frameBytes,
    pruned: true,
    prunedAtMs: stub.prunedAtMs.toString(),
    txPath: stub.txPath.map((s) => ({ sibling: toHex(s.sibling), left: s.siblingOnLeft })),
  };
  return {
    view,
    recordCount: stub.header.recordCount,
    pruned: true,
    recordsJson() {
      throw new RecordsPrunedError(view.id, stub.prunedAtMs);
    },
  };
}

/** Batch admission (src/chain/admission.ts) as the kind's `admit`. */
export function batchAdmitter(admission: { submit(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedBatch> }): TxAdmitter {
  return {
    async admit(frame, source, onWellFormed): Promise<AcceptedTx> {
      const { id, header } = await admission.submit(frame, source, onWellFormed);
      return { id, kind: TxKind.CdrBatch, submitter: header.submitter, sequence: header.sequence };
    },
  };
}
