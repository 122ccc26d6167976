import { BATCH_PROOF_TX_FILE_IDENTIFIER, decodeBatchProofTx } from '../../codec/batch-proof-tx.js';
import { toHex } from '../../codec/bytes.js';
import type { TxLocation } from '../../storage/index.js';
import type { BlockApplication, BlockTx } from '../block-application.js';
import type { AdmissionSource } from '../admission-budget.js';
import type { AcceptedBatchProof } from '../proof-admission.js';
import { TxKind, type AcceptedTx, type StoredTx, type TxAdmitter, type TxCodec, type TxSummary } from './tx-kind.js';

/** A stored batch proof transaction and where it stands on the chain. */
export interface BatchProofTxView {
  type: 'batch_proof';
  hash: string;
  status: 'pending' | 'committed';
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
 * src/chain/proof-admission.ts, which verifies the proof on the worker pool and marks the batch
 * proven. In a block a proof moves its signer's batch-proof sequence, in any order like batches:
 * proofs are independent of each other (one per batch, refused at admission after the first).
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
