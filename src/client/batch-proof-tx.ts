import { devnetChainIdentity } from '../chain/devnet-chain.js';
import { BATCH_PROOF_TX_VERSION, batchProofTxHash, canonicalBatchProofTx, encodeBatchProofTx, type BatchProofTxFields, type BatchRole } from '../codec/batch-proof-tx.js';
import type { BatchHeaderFields } from '../codec/batch.js';
import type { Cdr } from '../cdr/model.js';
import type { OperatorSecrets } from '../cdr/operator-secrets.js';
import { ed25519Sign, privateKeyObject } from '../crypto/ed25519.js';
import type { ChunkArtifacts } from '../proofs/artifacts.js';
import { encodeBatchProof, proveBatch, type BatchProof } from '../proofs/batch-proof.js';
import { CHUNK_CIRCUIT } from '../proofs/circuit.js';
import { openingOfCdr } from '../proofs/record-opening.js';
import { chargeSalt, totalsSalt } from '../proofs/totals.js';
import type { ChunkTotals } from '../proofs/totals.js';
import type { PoseidonWasm } from '../wasm/poseidon.js';

export interface SignedBatchProofTx {
  readonly frame: Uint8Array;
  readonly hash: Uint8Array;
}

/**
 * Signs and encodes a batch proof transaction with the signer's batch key seed, for chain `chain`
 * (GET /status `genesisHash`; default: the embedded devnet).
 */
export function signBatchProof(o: {
  signer: number; sequence: bigint; batchId: Uint8Array; proof: Uint8Array; seed: Uint8Array;
  circuitId?: string; circuitVersion?: number; chain?: Uint8Array;
  /** `view`: the batch is not the submitter's invoice to the counterparty (docs/settlement.md, "The link"). */
  role?: BatchRole;
}): SignedBatchProofTx {
  const fields: BatchProofTxFields = {
    version: BATCH_PROOF_TX_VERSION, signer: o.signer, sequence: o.sequence, batchId: o.batchId,
    circuitId: o.circuitId ?? CHUNK_CIRCUIT.id, circuitVersion: o.circuitVersion ?? CHUNK_CIRCUIT.version, proof: o.proof,
    ...(o.role === 'view' ? { role: 'view' as const } : {}),
  };
  const chain = o.chain ?? devnetChainIdentity();
  const signature = ed25519Sign(canonicalBatchProofTx(fields, chain), privateKeyObject(o.seed));
  return { frame: encodeBatchProofTx(fields, signature), hash: batchProofTxHash(fields, chain) };
}

/**
 * The submitter's side of P6: proves the batch `header` describes from the CDRs it was built from
 * (in batch order), with the submitter's secrets (record openings as src/cdr/derive.ts derived them)
 * and the totals salt of the pair. Returns the proof (encode it with encodeBatchProof) and the
 * opened totals per chunk, which only the pair can recompute.
 */
export async function proveOwnBatch(o: {
  artifacts: ChunkArtifacts; cdrs: readonly Cdr[]; header: BatchHeaderFields; secrets: OperatorSecrets; chain: Uint8Array; poseidon: PoseidonWasm;
}): Promise<{ readonly proof: BatchProof; readonly bytes: Uint8Array; readonly totals: readonly ChunkTotals[] }> {
  const { header } = o;
  const context = { chainId: o.chain, submitter: header.submitter, counterparty: header.counterparty, sequence: header.sequence };
  const pairSecret = o.secrets.pairSecret(header.counterparty);
  const openings = o.cdrs.map((c) => openingOfCdr(c, o.secrets, o.poseidon));
  const { proof, totals } = await proveBatch(o.artifacts, openings, {
    periodStart: header.periodStart, periodEnd: header.periodEnd, totalsSalt: (k) => totalsSalt(pairSecret, context, k),
    chargeSalt: (k) => chargeSalt(pairSecret, context, k),
  }, o.poseidon);
  return { proof, bytes: encodeBatchProof(proof), totals };
}
