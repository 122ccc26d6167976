// What the devnet benchmark reads from each validator's /metrics at the end of a phase.
import { histogram, round, type HistogramSummary, type Sample } from '../pipeline/analysis.js';

/** Sum of every sample of `name`, grouped by the value of `label`. */
export function byLabel(samples: readonly Sample[], name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== name) continue;
    const k = s.labels[label] ?? '';
    out[k] = (out[k] ?? 0) + s.value;
  }
  return out;
}

/** A histogram of one label value (e.g. cdrchain_job_seconds{kind="bls"}). */
function labelled(samples: readonly Sample[], name: string, label: string, value: string): HistogramSummary | undefined {
  return histogram(samples.filter((s) => !s.name.startsWith(name) || s.labels[label] === value), name);
}

export interface ValidatorMetrics {
  /** Blocks that joined the head branch or became final, by kind. */
  readonly blocks: Record<string, number>;
  /** This validator's view: a block joining its head branch → final. */
  readonly finality: HistogramSummary | undefined;
  /** Transactions from peers (relayed or fetched), by admission outcome. */
  readonly relayReceived: Record<string, number>;
  readonly bodiesRequested: number;
  readonly bodiesServed: number;
  /** P2P payload bytes by direction. */
  readonly p2pBytes: Record<string, number>;
  readonly framesDropped: Record<string, number>;
  /** Worker seconds by job kind (batch verification, BLS). */
  readonly jobSeconds: Record<string, number>;
  readonly jobsRefused: Record<string, number>;
  readonly batchJob: HistogramSummary | undefined;
  readonly blsJob: HistogramSummary | undefined;
  /** How long a batch waited for a worker (admission = this + the job + the durable write + the main thread's turns). */
  readonly batchJobWait: HistogramSummary | undefined;
  readonly admission: HistogramSummary | undefined;
  /** The durable write of an admitted batch (LMDB commit and fsync, shared by the batches queued meanwhile). */
  readonly admissionPersist: HistogramSummary | undefined;
  readonly blockCommit: HistogramSummary | undefined;
  readonly rejects: Record<string, number>;
}

export function validatorMetrics(samples: readonly Sample[]): ValidatorMetrics {
  const sum = (name: string): number => samples.filter((s) => s.name === name).reduce((n, s) => n + s.value, 0);
  const rounded = (r: Record<string, number>, d = 3): Record<string, number> => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v, d)]));
  const refused: Record<string, number> = {};
  for (const s of samples) if (s.name === 'cdrchain_job_errors_total') refused[`${s.labels['kind']}:${s.labels['reason']}`] = s.value;
  return {
    blocks: byLabel(samples, 'cdrchain_consensus_blocks_total', 'kind'),
    finality: histogram(samples, 'cdrchain_consensus_finality_seconds'),
    relayReceived: byLabel(samples, 'cdrchain_relay_received_total', 'outcome'),
    bodiesRequested: sum('cdrchain_relay_bodies_requested_total'),
    bodiesServed: sum('cdrchain_relay_bodies_served_total'),
    p2pBytes: byLabel(samples, 'cdrchain_p2p_bytes_total', 'direction'),
    framesDropped: byLabel(samples, 'cdrchain_p2p_frames_dropped_total', 'reason'),
    jobSeconds: rounded(byLabel(samples, 'cdrchain_job_seconds_sum', 'kind')),
    jobsRefused: refused,
    batchJob: labelled(samples, 'cdrchain_job_seconds', 'kind', 'batch'),
    blsJob: labelled(samples, 'cdrchain_job_seconds', 'kind', 'bls'),
    batchJobWait: labelled(samples, 'cdrchain_job_wait_seconds', 'kind', 'batch'),
    admission: histogram(samples, 'cdrchain_admission_seconds'),
    admissionPersist: histogram(samples, 'cdrchain_admission_persist_seconds'),
    blockCommit: histogram(samples, 'cdrchain_block_commit_seconds'),
    rejects: byLabel(samples, 'cdrchain_ingest_rejects_total', 'reason'),
  };
}
