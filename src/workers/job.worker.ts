import { workerData } from 'piscina';
import { createBatchJob } from './batch-job.js';
import { createBlsJob } from './bls-job.js';
import type { JobWorkerData } from './job-kinds.js';
import { createProofJob } from './proof-job.js';

// The pool's worker: one named export per job kind (piscina's `name` run option picks it).
const data = workerData as JobWorkerData;

export const batch = createBatchJob(data.chain);
export const bls = createBlsJob();
export const proof = createProofJob();
