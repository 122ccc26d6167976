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
    name: 'cdrchain_admission_persist_seconds', help: 'Durable write of an accepted batch (LMDB commit and flush) before its Ack',
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
  readonly nullifierSetSize = new Gauge({
    name: 'cdrchain_nullifier_set_size', help: 'Nullifiers in the in-memory set', registers: [this.registry],
  });
  readonly nullifierSetBytes = new Gauge({
    name: 'cdrchain_nullifier_set_bytes', help: 'WASM memory held by the nullifier set', registers: [this.registry],
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
  readonly wsConnections = new Gauge({
    name: 'cdrchain_ws_connections', help: 'Open WebSocket connections, by endpoint',
    labelNames: ['endpoint'] as const, registers: [this.registry],
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
