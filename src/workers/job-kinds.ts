import type { VerifyBatchOutcome, VerifyBatchTask } from './batch-job.js';
import type { BlsJobOutcome, BlsJobTask } from './bls-job.js';
import type { VerifyProofOutcome, VerifyProofTask } from './proof-task.js';

/**
 * The kinds of work the node's worker pool runs, each a named export of `job.worker.ts` with a
 * typed task and result. Adding a kind is an entry here, a handler exported by the worker, and a place in `JOB_PRIORITY`.
 */
export interface JobTypes {
  /** A batch's cryptographic checks (signature, records digest, Merkle root); the frame is transferred. */
  readonly batch: { readonly task: VerifyBatchTask; readonly result: VerifyBatchOutcome };
  /** BLS signature sets (votes, justifications), verified together with per-set verdicts. */
  readonly bls: { readonly task: BlsJobTask; readonly result: BlsJobOutcome };
  /** A batch proof transaction's Groth16 proofs (issue 13, P6), against a registered verification key. */
  readonly proof: { readonly task: VerifyProofTask; readonly result: VerifyProofOutcome };
}

export type JobKind = keyof JobTypes;
export type JobTask<K extends JobKind> = JobTypes[K]['task'];
export type JobResult<K extends JobKind> = JobTypes[K]['result'];

/**
 * Which queue a free worker serves first. Consensus messages are few, small and late ones cost
 * rounds; batches are many and each waits behind the ones before it anyway. Proofs come last: they
 * follow their batches, are worth nothing to ingest, and must never throttle it.
 */
export const JOB_PRIORITY: readonly JobKind[] = Object.freeze(['bls', 'batch', 'proof'] as const);

/** What every worker is created with (piscina `workerData`). */
export interface JobWorkerData {
  /** The node's chain identity: batch signatures are checked over headers bound to it. */
  readonly chain: Uint8Array;
}
