import { BATCH_PROOF_TX_FILE_IDENTIFIER, decodeBatchProofTx } from '../../codec/batch-proof-tx.js';
import { toHex } from '../../codec/bytes.js';
import type { TxLocation } from '../../storage/index.js';
import { InvalidBlockError, type BlockApplication, type BlockTx } from '../block-application.js';
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
    const chunkRecords = decoded.proof.length >= 9 ? new DataView(decoded.proof.buffer, decoded.proof.byteOffset, decoded.proof.byteLength).getUint32(1) : 0;
    const circuit = block.circuits.get(circuitKey(decoded.circuitId, decoded.circuitVersion, chunkRecords));
    if (!circuit) throw new InvalidBlockError('proof', `transaction ${tx.index}: no registered circuit ${decoded.circuitId} v${decoded.circuitVersion} with ${chunkRecords} records per chunk`);
    const totalsCommitments = totalsCommitmentsOf(decoded.proof);
    if (!totalsCommitments) throw new InvalidBlockError('proof', `transaction ${tx.index}: the batch proof's length does not match its chunk count`);
    block.recordProof({
      batchId: decoded.batchId,
      proven: {
        circuitId: circuit.id, circuitVersion: circuit.version, chunkRecords: circuit.chunkRecords, vkeyId: circuit.vkeyId,
        totalsCommitments, txHash: toHex(tx.entry.id), signer: decoded.signer, height: block.block.height,
      },
    }, tx.index);
    block.noteSequence(TxKind.BatchProof, tx.entry.submitter, tx.entry.sequence);
  },

  view(id: Uint8Array, bytes: Uint8Array, location: TxLocation | undefined): StoredTx {
    return { kind: TxKind.BatchProof, view: { ...batchProofTxView(id, bytes, location) } };
  },
};

/** encodeBatchProof's layout (src/proofs/batch-proof.ts): version u8 ‖ records per chunk u32 ‖ chunks u32, then per chunk root ‖ totals commitment ‖ proof (32 + 32 + 256). */
const PROOF_HEADER_BYTES = 9;
const PROOF_CHUNK_BYTES = 320;

/**
 * The chunks' totals commitments (hex) of a batch proof, read in place: what its proven record
 * keeps. Not via src/proofs (which loads snarkjs): the state transition only reads bytes that
 * admission verified. Undefined when the layout does not hold.
 */
function totalsCommitmentsOf(proof: Uint8Array): string[] | undefined {
  if (proof.length < PROOF_HEADER_BYTES) return undefined;
  const count = new DataView(proof.buffer, proof.byteOffset, proof.byteLength).getUint32(5);
  if (proof.length !== PROOF_HEADER_BYTES + count * PROOF_CHUNK_BYTES) return undefined;
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(toHex(proof.subarray(PROOF_HEADER_BYTES + i * PROOF_CHUNK_BYTES + 32, PROOF_HEADER_BYTES + i * PROOF_CHUNK_BYTES + 64)));
  return out;
}

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
