import type { SealedRecipients } from '../codec/sealed-section.js';
import type { VerifiedFrame } from '../workers/batch-verifier.js';
import type { JobUrgency } from '../workers/job-urgency.js';
import type { VerifyProofOutcome, VerifyProofTask } from '../workers/proof-task.js';
import type { BlockVm } from './block-application.js';
import type { BlockScheduleFactory } from './block-schedule.js';
import type { Clock } from './clock.js';
import type { OperatorDirectory } from './operators.js';

/** Checks a batch frame's signature, records digest and Merkle root off the main thread (the worker pool). */
export interface BatchVerifier {
  /**
   * `frame` must own its whole ArrayBuffer: it is transferred and comes back in the result. Through
   * `urgency` the caller may move the check to the front of the queue while it waits.
   */
  verify(frame: Uint8Array, publicKey: Uint8Array, sealedRecipients?: SealedRecipients, urgency?: JobUrgency): Promise<VerifiedFrame>;
  /** Verifies a batch proof of `chunks` chunk proofs against a batch header and a registered key (Groth16, on the pool). */
  verifyProof(task: VerifyProofTask, chunks: number): Promise<VerifyProofOutcome>;
  readonly threads: number;
  close(): Promise<void>;
}

/**
 * What a Chain is given rather than builds: the composition root (src/node/) decides each one.
 * Factories take what only the chain knows when it opens (its identity, its block building).
 */
export interface ChainDeps {
  /** The verification pool, bound to the chain's identity (every batch signature binds it). */
  readonly verifier: (chainIdentity: Uint8Array) => BatchVerifier;
  readonly clock: Clock;
  /** The contract VM blocks execute with. */
  readonly vm: BlockVm;
  /** The consortium's operators (the genesis list until governance changes it). */
  readonly operators: OperatorDirectory;
  /** Who decides when blocks are made: the solo schedule, or consensus. */
  readonly schedule: BlockScheduleFactory;
}
