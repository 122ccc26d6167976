import { workerData } from 'piscina';
import { createBatchJob } from './batch-job.js';
import { createBlsJob } from './bls-job.js';
import type { JobWorkerData } from './job-kinds.js';
import type { VerifyProofOutcome, VerifyProofTask } from './proof-task.js';

// The pool's worker: one named export per job kind (piscina's `name` run option picks it).
const data = workerData as JobWorkerData;

export const batch = createBatchJob(data.chain);
export const bls = createBlsJob();

// snarkjs (and ffjavascript's web-worker shim, which logs an error when loaded off the main thread)
// is loaded on the first proof only: a node that never sees a batch proof never loads it.
let proofJob: ((task: VerifyProofTask) => Promise<VerifyProofOutcome>) | undefined;
export async function proof(task: VerifyProofTask): Promise<VerifyProofOutcome> {
  proofJob ??= (await import('./proof-job.js')).createProofJob();
  return proofJob(task);
}
