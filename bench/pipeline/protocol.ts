// Messages and options shared by the benchmark's processes (run.ts, node-process.ts,
// replay-process.ts). Kept apart so the orchestrator imports types without running a child's main.

export interface NodeProcessOptions {
  /** Verification workers (default 2: the setup). */
  readonly workers?: number;
  readonly producer?: { blockIntervalMs?: number; maxBlockCdrs?: number; maxBlockTxs?: number };
  readonly limits?: { maxBatchRecords?: number; maxInflight?: number };
  /** Nullifier index sizing (log2 of the hot table's slots, of the filter's bytes); default the node's. */
  readonly nullifiers?: { hotLog2?: number; filterLog2Bytes?: number };
  /** The reconciliation index (default on, as `cdrchain node`); false for A/B runs. */
  readonly reconciliation?: boolean;
  /** Hard limit on this process's life, seconds (default 1,800). */
  readonly maxLifetimeSec?: number;
  /** Keep the data directory after stop (debugging). */
  readonly keepData?: boolean;
  /** Parent directory for the temp data dir (default os.tmpdir()). */
  readonly tmpRoot?: string;
  /** A genesis file to run (`cdrchain node --genesis FILE`); default the embedded `devnetGenesis()`. */
  readonly genesisFile?: string;
  /**
   * Run as a validator of the genesis' consortium (the devnet benchmark): `dir` is read as
   * `cdrchain node --validator DIR` reads it (validator.json, TLS files, BLS key); the LMDB is still a
   * fresh temp directory. Absent: the single-node (solo) mode.
   */
  readonly validatorDir?: string;
}

export interface NodeStats {
  readonly atMs: number;
  readonly rssBytes: number;
  /** Highest RSS seen by the 100 ms sampler. */
  readonly peakRssBytes: number;
  /** Kernel's high-water mark of RSS (VmHWM), if readable. */
  readonly vmHwmBytes: number | undefined;
  /** RSS split (from /proc/self/status): anonymous memory and file-backed pages such as LMDB's map. */
  readonly rssAnonBytes?: number | undefined;
  readonly rssFileBytes?: number | undefined;
  readonly heapUsedBytes: number;
  readonly externalBytes: number;
  readonly arrayBuffersBytes: number;
  /** Size of LMDB's data.mdb (st_size). */
  readonly lmdbFileBytes: number;
  /** Blocks actually allocated to data.mdb (st_blocks × 512). */
  readonly lmdbAllocatedBytes: number;
  /** Every file in the data directory (st_size). */
  readonly dataDirBytes: number;
  /** Bytes under each top-level entry of the data directory (LMDB files, body files, indexes). */
  readonly dataDirEntries?: Record<string, number>;
  readonly acceptedBatches: number;
  readonly acceptedCdrs: number;
  readonly committedCdrs: number;
  readonly blocks: number;
  readonly height: number;
  /** CPU time of the whole process (main thread and workers), ms. */
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  /** Main thread event loop since ready: time busy / idle, ms (utilisation of a span = Δactive / (Δactive + Δidle)). */
  readonly eluActiveMs: number;
  readonly eluIdleMs: number;
  /** Per whole second since ready: CDRs committed / accepted in that second (epoch-aligned). */
  readonly committedPerSecond: readonly [number, number][];
  readonly acceptedPerSecond: readonly [number, number][];
  /** Validators: CDRs in blocks that joined the head's branch (the Committed stage; `committedCdrs` is final there). */
  readonly confirmedCdrs?: number;
  readonly confirmedPerSecond?: readonly [number, number][];
}

export interface ReplayOptions {
  readonly datasetDir: string;
  readonly ingestUrl: string;
  /** Several nodes (validators of one chain): submitter i streams to ingestUrls[i mod length]. Default [ingestUrl]. */
  readonly ingestUrls?: readonly string[];
  /** The last stage a batch waits for: Committed (default) or Final (consensus: in a macro block). */
  readonly waitFor?: 'committed' | 'final';
  /** When a batch leaves the submitter's window: at its Ack (default), or at its Committed or Final reply. */
  readonly releaseOn?: 'ack' | 'committed' | 'final';
  readonly mode: 'flat' | 'paced';
  /** Paced: total CDR/s over all submitters. */
  readonly rateCdrPerSec?: number;
  /** Batches in flight per submitter (sent, not yet acknowledged). */
  readonly window: number;
  /** Stop sending new batches after this many seconds (flat and paced). */
  readonly maxSendSeconds?: number;
  /** Send at most this many CDRs in all (spread evenly over submitters). */
  readonly maxCdrs?: number;
  /** After the last send, wait at most this long for acks and commits. */
  readonly drainTimeoutSec?: number;
  readonly maxLifetimeSec?: number;
}

export const BatchOutcome = {
  Committed: 0,
  Nacked: 1,
  ConnectionFailed: 2,
  /** Acknowledged, but no Committed reply before the drain timeout. */
  NotCommitted: 3,
  /** Never answered before the drain timeout. */
  NoReply: 4,
  /** waitFor 'final': Committed, but no Final reply before the drain timeout. */
  NotFinal: 5,
} as const;
export type BatchOutcome = (typeof BatchOutcome)[keyof typeof BatchOutcome];

export interface ReplayRecords {
  readonly submitterIndex: number[];
  readonly cdrs: number[];
  /** Epoch ms of the send (ws.send call), high resolution. */
  readonly sentAt: number[];
  /** Paced mode: epoch ms the schedule asked for (sentAt − scheduledAt = lateness). NaN when flat. */
  readonly scheduledAt: number[];
  /** ms from send to Ack; NaN if none. */
  readonly ackMs: number[];
  /** ms from send to Committed; NaN if none. */
  readonly committedMs: number[];
  /** ms from send to Final; NaN if none or not waited for. */
  readonly finalMs: number[];
  readonly outcome: BatchOutcome[];
}

export interface ReplayResult {
  readonly mode: 'flat' | 'paced';
  readonly rateCdrPerSec: number | undefined;
  readonly window: number;
  readonly submitters: readonly number[];
  /** The ingest URL each submitter streamed to (same order as `submitters`). */
  readonly submitterUrls?: readonly string[];
  readonly waitFor?: 'committed' | 'final';
  readonly startedAt: number;
  /** Epoch ms of each submitter's last send. */
  readonly lastSendAt: readonly number[];
  readonly finishedAt: number;
  readonly records: ReplayRecords;
  readonly nacks: Record<string, number>;
  readonly errors: readonly string[];
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly peakRssBytes: number;
  readonly stoppedBy: 'dataset-end' | 'time-limit' | 'cdr-limit' | 'error';
}

export interface ReplayProgress {
  readonly sentBatches: number;
  readonly ackedBatches: number;
  readonly committedBatches: number;
  readonly ackedCdrs: number;
  readonly committedCdrs: number;
  readonly finalCdrs?: number;
  readonly plannedCdrs: number;
  readonly elapsedSec: number;
}

