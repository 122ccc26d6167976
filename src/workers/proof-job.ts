import { performance } from 'node:perf_hooks';
import { RejectCode } from '../codec/ingest-reply.js';
import { decodeBatchProof, verifyBatchProof } from '../proofs/batch-proof.js';
import { useSingleThreadProofCurve } from '../proofs/curve.js';
import { ProofEncodingError } from '../proofs/errors.js';
import { decodeVerificationKey } from '../proofs/verification-key.js';
import { PoseidonWasm } from '../wasm/poseidon.js';
import { groth16 } from 'snarkjs';
import { decodeProof } from '../proofs/proof-codec.js';
import { LINK_PUBLIC_INPUT_COUNT } from '../proofs/link/link-circuit.js';
import type { VerifyLinkProofTask, VerifyProofOutcome, VerifyProofTask } from './proof-task.js';

export type { VerifyProofOutcome, VerifyProofTask };

/** A link proof: one Groth16 verification against the signals the node built from its state. */
async function verifyLinkTask(task: VerifyLinkProofTask, started: number): Promise<VerifyProofOutcome> {
  try {
    const vk = decodeVerificationKey(task.vkey, LINK_PUBLIC_INPUT_COUNT);
    const p = decodeProof(task.proof);
    const ok = await groth16.verify(vk, [...task.signals], { ...p, pi_a: [...p.pi_a], pi_b: p.pi_b.map((x) => [...x]), pi_c: [...p.pi_c] });
    return ok
      ? { code: RejectCode.None, detail: '', totalsCommitments: [], taskMs: performance.now() - started }
      : { code: RejectCode.BadLinkProof, detail: 'the link proof does not verify against the pair\'s charge aggregates, the period\'s rates and the statement\'s commitment', totalsCommitments: [], taskMs: performance.now() - started };
  } catch (err) {
    if (err instanceof ProofEncodingError) return { code: RejectCode.BadLinkProof, detail: `malformed link proof (${err.reason}): ${err.message}`, totalsCommitments: [], taskMs: performance.now() - started };
    throw err;
  }
}

/**
 * The handler a worker runs for `proof` jobs. The first job makes this thread's snarkjs curve
 * single-threaded (the pool is the parallelism; no nested curve threads to leak on shutdown) and
 * loads Poseidon for the composition check; both stay cached in the worker.
 */
export function createProofJob(): (task: VerifyProofTask) => Promise<VerifyProofOutcome> {
  let ready: Promise<PoseidonWasm> | undefined;
  return async (task) => {
    ready ??= useSingleThreadProofCurve().then(() => PoseidonWasm.load());
    const poseidon = await ready;
    const started = performance.now();
    if ('signals' in task) return verifyLinkTask(task, started);
    try {
      const vk = decodeVerificationKey(task.vkey);
      const proof = decodeBatchProof(task.proof);
      const ok = await verifyBatchProof(vk, task.header, proof, (l, r) => poseidon.hash([l, r]));
      return ok
        ? { code: RejectCode.None, detail: '', totalsCommitments: proof.chunks.map((c) => c.totalsCommitment.toString(16).padStart(64, '0')), taskMs: performance.now() - started }
        : { code: RejectCode.BadProof, detail: 'the proof does not verify against the batch header and the registered key', totalsCommitments: [], taskMs: performance.now() - started };
    } catch (err) {
      if (err instanceof ProofEncodingError) {
        return { code: RejectCode.BadProof, detail: `malformed proof (${err.reason}): ${err.message}`, totalsCommitments: [], taskMs: performance.now() - started };
      }
      throw err;
    }
  };
}
