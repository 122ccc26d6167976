import type { BatchHeaderFields } from '../codec/batch.js';
import type { RejectCode } from '../codec/ingest-reply.js';

// The `proof` job's task and result, apart from its handler (proof-job.ts) so that what dispatches
// proofs does not load snarkjs.

/** One batch proof against the header of the batch it names and a registered key. */
export interface VerifyProofTask {
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
