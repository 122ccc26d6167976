import { BATCH_PROOF_TX_FILE_IDENTIFIER, decodeBatchProofTx } from '../../codec/batch-proof-tx.js';
import { toHex } from '../../codec/bytes.js';
import type { TxLocation } from '../../storage/index.js';
import { batchProofPublicValues } from '../../proofs/batch-proof-layout.js';
import { PeriodFormatError } from '../../settlement/errors.js';
import { periodContaining } from '../../settlement/settlement-period.js';
import { InapplicableTxError, InvalidBlockError, type BlockApplication, type BlockTx } from '../block-application.js';
import { circuitKey } from '../genesis-circuits.js';
import type { AdmissionSource } from '../admission-budget.js';
import type { AcceptedBatchProof } from '../proof-admission.js';
import { TxKind, type AcceptedTx, type StoredTx, type TxAdmitter, type TxCodec, type TxSummary } from './tx-kind.js';

/** A stored batch proof transaction and where it stands on the chain. */
export interface BatchProofTxView {
  type: 'batch_proof';
  hash: string;
  status: 'pending' | 'committed' | 'evicted';
  height?: number;
  index?: number;
  signer: number;
  sequence: string;
  /** The batch it proves. */
  batch: string;
  circuitId: string;
  circuitVersion: number;
  /** Records per chunk proof, and how many chunk proofs it carries. */
  chunkRecords: number;
  chunks: number;
  signature: string;
  sizeBytes: number;
}

/**
 * Batch proofs (schemas/batch-proof-tx.fbs, identifier "CDRZ"; issue 13, P6). Admission:
 * src/chain/proof-admission.ts, which verifies the proof on the worker pool and holds it pending.
 * In a block a proof moves its signer's batch-proof sequence, in any order like batches, and makes
 * its batch proven: the first proof of a batch in chain order is its record (ProofStore, written
 * when the block commits, in the state root); a later one is inapplicable (left out, then evicted).
 * The record's chunk charge commitments are added to the charge aggregate of the batch's
 * (submitter → counterparty, settlement period) (ChargeAggregateStore, in the state root too).
 */
export const batchProofCodec: TxCodec = {
  kind: TxKind.BatchProof,
  name: 'batch_proof',
  fileIdentifiers: [BATCH_PROOF_TX_FILE_IDENTIFIER],

  decode(bytes: Uint8Array): TxSummary {
    const tx = decodeBatchProofTx(bytes);
    return { kind: TxKind.BatchProof, submitter: tx.signer, sequence: tx.sequence, cdrCount: 0, gasLimit: 0n };
  },

  nullifiers(): undefined {
    return undefined;
  },

  apply(block: BlockApplication, tx: BlockTx): void {
    const decoded = decodeBatchProofTx(tx.bytes());
    const values = batchProofPublicValues(decoded.proof);
    if (!values) throw new InvalidBlockError('proof', `transaction ${tx.index}: the batch proof's version or length does not match its chunk count`);
    const circuit = block.circuits.get(circuitKey(decoded.circuitId, decoded.circuitVersion, values.chunkRecords));
    if (!circuit) throw new InvalidBlockError('proof', `transaction ${tx.index}: no registered circuit ${decoded.circuitId} v${decoded.circuitVersion} with ${values.chunkRecords} records per chunk`);
    // Admission found the batch here before it verified the proof: every validator applying it has the header.
    const header = block.batchHeader(decoded.batchId);
    if (!header) throw new InvalidBlockError('proof', `transaction ${tx.index}: batch ${toHex(decoded.batchId)} is not stored here`, true);
    // Frozen at close: a proof of a closed period's batch is inapplicable (left out, like a late batch).
    block.assertRecordPeriodOpen(header.periodStart, tx.index);
    let period: string;
    try {
      period = periodContaining(block.settlement.periods, Number(header.periodStart)).id;
    } catch (err) {
      if (err instanceof PeriodFormatError) throw new InapplicableTxError('proof', `transaction ${tx.index}: the batch's period_start names no settlement period (${err.message})`);
      throw err;
    }
    const word = (v: bigint): string => v.toString(16).padStart(64, '0');
    block.recordProof({
      batchId: decoded.batchId,
      proven: {
        circuitId: circuit.id, circuitVersion: circuit.version, chunkRecords: circuit.chunkRecords, vkeyId: circuit.vkeyId,
        totalsCommitments: values.totalsCommitments,
        chargeCommitments: values.chargeCommitments.map((c) => word(c.x) + word(c.y)),
        period,
        txHash: toHex(tx.entry.id), signer: decoded.signer, height: block.block.height,
        ...(decoded.role === 'view' ? { role: 'view' as const } : {}),
      },
    // Only a billing batch joins the aggregate of (biller → billed, period) the link reads.
    }, tx.index, decoded.role === 'view' ? undefined : { submitter: header.submitter, counterparty: header.counterparty, period, chunks: values.chargeCommitments });
    block.noteSequence(TxKind.BatchProof, tx.entry.submitter, tx.entry.sequence);
  },

  view(id: Uint8Array, bytes: Uint8Array, location: TxLocation | undefined): StoredTx {
    return { kind: TxKind.BatchProof, view: { ...batchProofTxView(id, bytes, location) } };
  },
};

export function batchProofTxView(id: Uint8Array, bytes: Uint8Array, location: TxLocation | undefined): BatchProofTxView {
  const tx = decodeBatchProofTx(bytes);
  const proofView = new DataView(tx.proof.buffer, tx.proof.byteOffset, tx.proof.byteLength);
  const header = tx.proof.length >= 9;
  return {
    type: 'batch_proof',
    hash: toHex(id),
    status: location ? 'committed' : 'pending',
    ...(location ? { height: location.height, index: location.index } : {}),
    signer: tx.signer,
    sequence: tx.sequence.toString(),
    batch: toHex(tx.batchId),
    circuitId: tx.circuitId,
    circuitVersion: tx.circuitVersion,
    chunkRecords: header ? proofView.getUint32(1) : 0,
    chunks: header ? proofView.getUint32(5) : 0,
    signature: toHex(tx.signature),
    sizeBytes: bytes.length,
  };
}

/** Batch proof admission as the kind's `admit`. */
export function batchProofAdmitter(
  admission: { submit(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedBatchProof> },
): TxAdmitter {
  return {
    async admit(frame, source, onWellFormed): Promise<AcceptedTx> {
      const { id, signer, sequence } = await admission.submit(frame, source, onWellFormed);
      return { id, kind: TxKind.BatchProof, submitter: signer, sequence };
    },
  };
}
