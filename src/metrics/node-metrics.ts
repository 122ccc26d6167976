import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus metric the node exports, on one registry per node so tests can run several
 * nodes in one process. Modules receive this object; none creates metrics of its own.
 */
export class NodeMetrics {
  readonly registry = new Registry();

  readonly ingestBatches = new Counter({
    name: 'cdrchain_ingest_batches_total', help: 'Batches received, by outcome',
    labelNames: ['outcome'] as const, registers: [this.registry],
  });
  readonly ingestCdrs = new Counter({
    name: 'cdrchain_ingest_cdrs_accepted_total', help: 'CDRs in accepted batches', registers: [this.registry],
  });
  readonly ingestRejects = new Counter({
    name: 'cdrchain_ingest_rejects_total', help: 'Rejected batches, by reason code',
    labelNames: ['reason'] as const, registers: [this.registry],
  });
  readonly ingestBytes = new Counter({
    name: 'cdrchain_ingest_bytes_total', help: 'Bytes of batch frames received', registers: [this.registry],
  });
  readonly admissionSeconds = new Histogram({
    name: 'cdrchain_admission_seconds', help: 'Frame received to batch accepted (durable)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry],
  });
  readonly admissionPersistSeconds = new Histogram({
    name: 'cdrchain_admission_persist_seconds', help: 'From the start of an accepted batch\'s LMDB write to its commit returning after fsync (the Ack waits for this; batches queued meanwhile share the next commit and flush)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1], registers: [this.registry],
  });
  readonly verifyTaskSeconds = new Histogram({
    name: 'cdrchain_pool_task_seconds', help: 'Worker time per batch verification task (signature, digest, Merkle root)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32], registers: [this.registry],
  });
  readonly poolQueueDepth = new Gauge({
    name: 'cdrchain_pool_queue_depth', help: 'Verification tasks waiting for a worker', registers: [this.registry],
  });
  readonly poolUtilization = new Gauge({
    name: 'cdrchain_pool_utilization', help: 'Share of worker time spent on tasks since start (0-1)', registers: [this.registry],
  });
  // The worker job pool (src/workers/job-pool.ts), per job kind: batch, bls (later proof).
  readonly jobQueueDepth = new Gauge({
    name: 'cdrchain_job_queue_depth', help: 'Jobs waiting for a worker, by kind',
    labelNames: ['kind'] as const, registers: [this.registry],
  });
  readonly jobs = new Counter({
    name: 'cdrchain_jobs_total', help: 'Worker jobs completed, by kind',
    labelNames: ['kind'] as const, registers: [this.registry],
  });
  readonly jobErrors = new Counter({
    name: 'cdrchain_job_errors_total', help: 'Worker jobs not completed, by kind and reason (queue_full: refused by backpressure; failed: the worker threw; closed: the pool closed)',
    labelNames: ['kind', 'reason'] as const, registers: [this.registry],
  });
  readonly jobSeconds = new Histogram({
    name: 'cdrchain_job_seconds', help: 'Worker time per job, by kind',
    labelNames: ['kind'] as const, buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32], registers: [this.registry],
  });
  readonly jobsExpedited = new Counter({
    name: 'cdrchain_jobs_expedited_total', help: 'Waiting worker jobs moved to the front of their kind\'s queue (bodies a held block needs, and the earlier batches of their submitter\'s lane), by kind',
    labelNames: ['kind'] as const, registers: [this.registry],
  });
  readonly jobWaitSeconds = new Histogram({
    name: 'cdrchain_job_wait_seconds', help: 'Time a job waited in its kind\'s queue before going to a worker, by kind',
    labelNames: ['kind'] as const, buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [this.registry],
  });
  readonly blsSignatureSets = new Counter({
    name: 'cdrchain_bls_signature_sets_total', help: 'BLS signature sets verified (votes, justifications), by result',
    labelNames: ['result'] as const, registers: [this.registry],
  });
  readonly blsBatchRetries = new Counter({
    name: 'cdrchain_bls_batch_retries_total', help: 'BLS batches whose combined check failed and were verified set by set', registers: [this.registry],
  });
  readonly inflightBatches = new Gauge({
    name: 'cdrchain_ingest_inflight_batches', help: 'Batches between receipt and accept/reject', registers: [this.registry],
  });
  readonly mempoolTxs = new Gauge({
    name: 'cdrchain_mempool_txs', help: 'Accepted transactions waiting for a block', registers: [this.registry],
  });
  readonly mempoolCdrs = new Gauge({
    name: 'cdrchain_mempool_cdrs', help: 'CDRs in accepted batches waiting for a block', registers: [this.registry],
  });
  readonly blocks = new Counter({
    name: 'cdrchain_blocks_committed_total', help: 'Blocks committed', registers: [this.registry],
  });
  readonly committedCdrs = new Counter({
    name: 'cdrchain_cdrs_committed_total', help: 'CDRs committed in blocks', registers: [this.registry],
  });
  readonly chainHeight = new Gauge({
    name: 'cdrchain_chain_height', help: 'Height of the last committed block', registers: [this.registry],
  });
  readonly blockCommitSeconds = new Histogram({
    name: 'cdrchain_block_commit_seconds', help: 'Time to write a block and its state in one LMDB transaction',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [this.registry],
  });
  readonly blockTxs = new Histogram({
    name: 'cdrchain_block_txs', help: 'Transactions per block',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], registers: [this.registry],
  });
  readonly lmdbSizeBytes = new Gauge({
    name: 'cdrchain_lmdb_size_bytes', help: 'Size of the LMDB data file', registers: [this.registry],
  });
  readonly txBodyBytes = new Gauge({
    name: 'cdrchain_tx_body_bytes', help: 'Size of the transaction body segment files (batch frames, outside LMDB)', registers: [this.registry],
  });
  readonly nullifierSetSize = new Gauge({
    name: 'cdrchain_nullifier_set_size', help: 'Nullifiers ever accepted (hot and frozen tables plus cold segments)', registers: [this.registry],
  });
  readonly nullifierSetBytes = new Gauge({
    name: 'cdrchain_nullifier_set_bytes', help: 'Memory reserved by the nullifier index: WASM tables, Bloom filter, segment top indexes', registers: [this.registry],
  });
  readonly nullifierHotEntries = new Gauge({
    name: 'cdrchain_nullifier_hot_entries', help: 'Keys in the in-memory tables (hot and frozen)', registers: [this.registry],
  });
  readonly nullifierSegments = new Gauge({
    name: 'cdrchain_nullifier_segments', help: 'Sorted nullifier segment files', registers: [this.registry],
  });
  readonly nullifierColdKeys = new Gauge({
    name: 'cdrchain_nullifier_cold_keys', help: 'Keys in nullifier segment files', registers: [this.registry],
  });
  readonly nullifierFilterBytes = new Gauge({
    name: 'cdrchain_nullifier_filter_bytes', help: 'Size of the Bloom filter over cold keys', registers: [this.registry],
  });
  readonly nullifierFilterPositives = new Counter({
    name: 'cdrchain_nullifier_filter_positives_total', help: 'Records the Bloom filter could not rule out (each searched in the segments)', registers: [this.registry],
  });
  readonly nullifierFilterConfirmed = new Counter({
    name: 'cdrchain_nullifier_filter_confirmed_total', help: 'Filter positives the segments confirmed: real duplicates of cold records', registers: [this.registry],
  });
  readonly nullifierSegmentWrites = new Counter({
    name: 'cdrchain_nullifier_segment_writes_total', help: 'Frozen hot tables written out as segments', registers: [this.registry],
  });
  readonly nullifierSegmentWriteSeconds = new Histogram({
    name: 'cdrchain_nullifier_segment_write_seconds', help: 'Freeze to segment durable: settlement wait, extraction slices, sort and write in the worker',
    buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32], registers: [this.registry],
  });
  readonly nullifierSegmentMerges = new Counter({
    name: 'cdrchain_nullifier_segment_merges_total', help: 'Segment merges', registers: [this.registry],
  });
  readonly nullifierMergeSeconds = new Histogram({
    name: 'cdrchain_nullifier_merge_seconds', help: 'Time of one segment merge in the worker',
    buckets: [0.1, 0.5, 1, 2, 5, 10, 20, 40, 80, 160], registers: [this.registry],
  });
  readonly batchProofs = new Counter({
    name: 'cdrchain_batch_proofs_total', help: 'Batch proof transactions received, by outcome (accepted or the reject reason)',
    labelNames: ['outcome'] as const, registers: [this.registry],
  });
  readonly contractTxs = new Counter({
    name: 'cdrchain_contract_txs_total', help: 'Contract transactions received, by outcome (accepted or the reject reason)',
    labelNames: ['outcome'] as const, registers: [this.registry],
  });
  readonly contractReceipts = new Counter({
    name: 'cdrchain_contract_receipts_total', help: 'Contract transactions executed in committed blocks, by receipt status',
    labelNames: ['status'] as const, registers: [this.registry],
  });
  readonly contractGasUsed = new Counter({
    name: 'cdrchain_contract_gas_used_total', help: 'Gas used by contract transactions in committed blocks', registers: [this.registry],
  });
  readonly storageWritable = new Gauge({
    name: 'cdrchain_storage_writable', help: '1 while the data directory takes writes; 0 after a failed write until a probe write succeeds', registers: [this.registry],
  });
  readonly storageWriteFailures = new Counter({
    name: 'cdrchain_storage_write_failures_total', help: 'Failed durable writes (batch, contract transaction, block, probe), by what was written',
    labelNames: ['what'] as const, registers: [this.registry],
  });
  readonly blockCommitFailures = new Counter({
    name: 'cdrchain_block_commit_failures_total', help: 'Block commits that failed (retried with back-off)', registers: [this.registry],
  });
  readonly eventListenerErrors = new Counter({
    name: 'cdrchain_event_listener_errors_total', help: 'Chain event listeners that threw (the durable work they announced stands)',
    labelNames: ['event'] as const, registers: [this.registry],
  });
  readonly apiRefusals = new Counter({
    name: 'cdrchain_api_refusals_total', help: 'Connections, subscribers and uploads the API refused or closed to protect the node, by reason',
    labelNames: ['reason'] as const, registers: [this.registry],
  });
  readonly wsConnections = new Gauge({
    name: 'cdrchain_ws_connections', help: 'Open WebSocket connections, by endpoint',
    labelNames: ['endpoint'] as const, registers: [this.registry],
  });
  // Reconciliation index (src/reconciliation/): derived from committed blocks in its own worker, so it may trail the head.
  readonly reconciliationLagBlocks = new Gauge({
    name: 'cdrchain_reconciliation_index_lag_blocks', help: 'Committed blocks the reconciliation index has not classified yet (head height less indexed height); grows while the index cannot keep up', registers: [this.registry],
  });
  readonly reconciliationRecords = new Counter({
    name: 'cdrchain_reconciliation_indexed_records_total', help: 'Records the reconciliation index classified', registers: [this.registry],
  });
  readonly reconciliationChunkSeconds = new Histogram({
    name: 'cdrchain_reconciliation_chunk_seconds', help: 'Index worker time per chunk (one LMDB transaction with the watermark, fsync included)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });
  readonly reconciliationEntries = new Gauge({
    name: 'cdrchain_reconciliation_index_entries', help: 'Entries the reconciliation index holds in its runs, by kind: events (both sides seen), one_sided (including entries a newer run superseded, until a merge drops them), open_periods',
    labelNames: ['kind'] as const, registers: [this.registry],
  });
  readonly reconciliationRuns = new Gauge({
    name: 'cdrchain_reconciliation_index_runs', help: 'Sorted runs the reconciliation index holds, by storage: file (large runs, one descriptor each while open) or lmdb (small runs)',
    labelNames: ['storage'] as const, registers: [this.registry],
  });
  // Retention (src/chain/retention/): what pruning removed from the data directory.
  readonly prunedBatches = new Counter({
    name: 'cdrchain_pruned_batches_total', help: 'Committed batches whose records retention pruned (their signed headers stay)', registers: [this.registry],
  });
  readonly prunedRecords = new Counter({
    name: 'cdrchain_pruned_records_total', help: 'Public records (128 B each) removed by retention', registers: [this.registry],
  });
  readonly prunedBytes = new Counter({
    name: 'cdrchain_pruned_bytes_total', help: 'Bytes of batch frames and block bodies removed by retention, less the stubs and headers kept instead (LMDB reuses the pages; the file does not shrink)', registers: [this.registry],
  });
  readonly prunedBlockBodies = new Counter({
    name: 'cdrchain_pruned_block_bodies_total', help: 'Blocks whose bodies (transaction ids) retention pruned (their headers stay)', registers: [this.registry],
  });
  readonly pruneFailures = new Counter({
    name: 'cdrchain_prune_failures_total', help: 'Retention runs that stopped on an error (retried at the next interval)', registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'cdrchain_' });
  }

  /** Gauges sampled at scrape time (queue depth, LMDB size) register their reader here. */
  onScrape(sample: () => void): void {
    this.scrapeHooks.push(sample);
  }
  private readonly scrapeHooks: (() => void)[] = [];

  async render(): Promise<string> {
    for (const hook of this.scrapeHooks) hook();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
