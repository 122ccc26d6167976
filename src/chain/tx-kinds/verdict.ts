import { toHex } from '../../codec/bytes.js';
import { decodeVerdictTx, VERDICT_TX_FILE_IDENTIFIER, type DecodedVerdictTx } from '../../codec/verdict-tx.js';
import { formatCalendarMonth, monthFromIndex } from '../../reconciliation/period.js';
import type { StoredVerdict, TxLocation } from '../../storage/index.js';
import type { BlockApplication, BlockTx } from '../block-application.js';
import type { AdmissionSource } from '../admission-budget.js';
import type { AcceptedVerdict } from '../verdict-admission.js';
import { TxKind, type AcceptedTx, type StoredTx, type TxAdmitter, type TxCodec, type TxSummary } from './tx-kind.js';

/** A stored verdict transaction and where it stands on the chain: counts, tolerances, digests; no value. */
export interface VerdictTxView {
  type: 'verdict';
  hash: string;
  status: 'pending' | 'committed' | 'evicted';
  height?: number;
  index?: number;
  submitter: number;
  pair: string;
  period: string;
  revision: number;
  indexedHeight: number;
  counts: { matched: number; accepted: number; disputed: number; onlyA: number; onlyB: number };
  tolerances: { durationSec: number; volumeBytes: string; chargePpm: number; chargeMinor: string };
  resolutionsDigest: string;
  supersedes: string | null;
  signatures: { a: string; b: string };
  sizeBytes: number;
}

/**
 * Reconciliation verdicts (schemas/verdict-tx.fbs, identifier "CDRR"; issue 13, P5). Admission:
 * src/chain/verdict-admission.ts, which checks both signatures, the revision chain of the (pair,
 * period) and the counts, and holds the verdict pending. In a block it is the (pair, period)'s next
 * revision only when it follows the latest committed (or earlier in the block) one, and the block's
 * commit records it (VerdictStore, in the state root); a competing revision is inapplicable (left
 * out, then evicted). Its sequence is its revision; it moves no submitter sequence (either operator
 * may submit, and replays are refused by id and revision).
 */
export const verdictCodec: TxCodec = {
  kind: TxKind.Verdict,
  name: 'verdict',
  fileIdentifiers: [VERDICT_TX_FILE_IDENTIFIER],

  decode(bytes: Uint8Array): TxSummary {
    const tx = decodeVerdictTx(bytes);
    return { kind: TxKind.Verdict, submitter: tx.submitter, sequence: BigInt(tx.revision), cdrCount: 0, gasLimit: 0n };
  },

  nullifiers(): undefined {
    return undefined;
  },

  apply(block: BlockApplication, tx: BlockTx): void {
    const decoded = decodeVerdictTx(tx.bytes());
    block.recordVerdict({ pairA: decoded.pairA, pairB: decoded.pairB, period: decoded.period, verdict: storedVerdict(decoded, tx.entry.id, block.block.height) }, tx.index);
  },

  view(id: Uint8Array, bytes: Uint8Array, location: TxLocation | undefined): StoredTx {
    return { kind: TxKind.Verdict, view: { ...verdictTxView(id, bytes, location) } };
  },
};

export function verdictTxView(id: Uint8Array, bytes: Uint8Array, location: TxLocation | undefined): VerdictTxView {
  const tx = decodeVerdictTx(bytes);
  return {
    type: 'verdict',
    hash: toHex(id),
    status: location ? 'committed' : 'pending',
    ...(location ? { height: location.height, index: location.index } : {}),
    submitter: tx.submitter,
    pair: `${tx.pairA}-${tx.pairB}`,
    period: formatCalendarMonth(monthFromIndex(tx.period)),
    revision: tx.revision,
    indexedHeight: Number(tx.indexedHeight),
    counts: { matched: Number(tx.matched), accepted: Number(tx.accepted), disputed: Number(tx.disputed), onlyA: Number(tx.onlyA), onlyB: Number(tx.onlyB) },
    tolerances: { durationSec: tx.toleranceDurationSec, volumeBytes: tx.toleranceVolumeBytes.toString(), chargePpm: tx.toleranceChargePpm, chargeMinor: tx.toleranceChargeMinor.toString() },
    resolutionsDigest: toHex(tx.resolutionsDigest),
    supersedes: tx.supersedes ? toHex(tx.supersedes) : null,
    signatures: { a: toHex(tx.signatureA), b: toHex(tx.signatureB) },
    sizeBytes: bytes.length,
  };
}

/** The record of a verdict (committed at `height`, or pending without one): counts, tolerances, digests. */
export function storedVerdict(tx: DecodedVerdictTx, id: Uint8Array, height?: number): StoredVerdict {
  return {
    txHash: toHex(id), revision: tx.revision, submitter: tx.submitter, indexedHeight: Number(tx.indexedHeight),
    matched: Number(tx.matched), accepted: Number(tx.accepted), disputed: Number(tx.disputed), onlyA: Number(tx.onlyA), onlyB: Number(tx.onlyB),
    tolerances: { durationSec: tx.toleranceDurationSec, volumeBytes: tx.toleranceVolumeBytes.toString(), chargePpm: tx.toleranceChargePpm, chargeMinor: tx.toleranceChargeMinor.toString() },
    resolutionsDigest: toHex(tx.resolutionsDigest), supersedes: tx.supersedes ? toHex(tx.supersedes) : null,
    ...(height === undefined ? {} : { height }),
  };
}

/** Verdict admission as the kind's `admit`. */
export function verdictAdmitter(
  admission: { submit(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedVerdict> },
): TxAdmitter {
  return {
    async admit(frame, source, onWellFormed): Promise<AcceptedTx> {
      const { id, submitter, revision } = await admission.submit(frame, source, onWellFormed);
      return { id, kind: TxKind.Verdict, submitter, sequence: BigInt(revision) };
    },
  };
}
