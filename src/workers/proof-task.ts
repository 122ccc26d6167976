import type { BatchHeaderFields } from '../codec/batch.js';
import type { RejectCode } from '../codec/ingest-reply.js';

// The `proof` job's task and result, apart from its handler (proof-job.ts) so that what dispatches
// proofs does not load snarkjs.

/** A `proof` job: a batch proof, or a statement's link proof. */
export type VerifyProofTask = VerifyBatchProofTask | VerifyLinkProofTask;

/**
 * A bilateral statement's link proof (docs/settlement.md, "The link") against public signals the
 * admitting node built from its own state (linkPublicSignals) and the registered link key.
 */
export interface VerifyLinkProofTask {
  readonly vkey: Uint8Array;
  /** Decimal strings, the circuit's order. */
  readonly signals: readonly string[];
  /** The Groth16 proof, 256 bytes. */
  readonly proof: Uint8Array;
}

/** One batch proof against the header of the batch it names and a registered key. */
export interface VerifyBatchProofTask {
  /** The registered key's canonical bytes (encodeVerificationKey). */
  readonly vkey: Uint8Array;
  readonly header: Pick<BatchHeaderFields, 'merkleRoot' | 'recordCount' | 'periodStart' | 'periodEnd'>;
  /** encodeBatchProof's bytes, as the transaction carries them. */
  readonly proof: Uint8Array;
}

export interface VerifyProofOutcome {
  /** None: the proof verifies; BadProof: malformed, or a well-formed proof of anything else. */
  readonly code: RejectCode;
  readonly detail: string;
  /** Per chunk, the proven totals commitment (hex), when it verifies. */
  readonly totalsCommitments: readonly string[];
  readonly taskMs: number;
}
