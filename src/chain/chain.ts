import { availableParallelism } from 'node:os';
import { fromHex } from '../codec/bytes.js';
import { ContractTxKind } from '../codec/contract-tx.js';
import type { Logger } from '../log.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import { openStores, type Stores } from '../storage/index.js';
import { StorageHealth, type StorageStatus } from '../storage/storage-health.js';
import { WasmInterpreter } from '../vm/interpreter.js';
import { nodeHostFunctions } from '../vm/node-host.js';
import { BatchLimitsContract, loadSystemContracts } from '../vm/system/index.js';
import type { NullifierIndex, NullifierIndexOptions } from '../nullifiers/nullifier-index.js';
import { BatchVerifierPool } from '../workers/batch-verifier.js';
import { AdmissionBudget, type AdmissionSource } from './admission-budget.js';
import { Admission, DEFAULT_ADMISSION_LIMITS, validateAdmissionLimits, type AcceptedBatch, type AdmissionLimits } from './admission.js';
import { bootstrapChain } from './bootstrap.js';
import { ContractAdmission, DEFAULT_CONTRACT_LIMITS, type AcceptedContractTx, type ContractLimits } from './contract-admission.js';
import { ChainEvents } from './events.js';
import { BatchRejectedError } from './reject.js';
import { chainIdentity, type Genesis } from './genesis.js';
import { Mempool } from './mempool.js';
import { OperatorRegistry } from './operators.js';
import { BlockProducer, DEFAULT_PRODUCER_CONFIG, type ProducerConfig } from './producer.js';
import { ChainQueries } from './queries.js';
import { recordsStillReadFrom } from './retention/records-still-read.js';
import { resolveRetentionConfig, RetentionService, type RetentionOptions } from './retention/retention-service.js';

export interface ChainOptions {
  readonly dataDir: string;
  readonly genesis: Genesis;
  readonly metrics: NodeMetrics;
  readonly log: Logger;
  readonly limits?: Partial<AdmissionLimits>;
  readonly producer?: Partial<ProducerConfig>;
  readonly contractLimits?: Partial<ContractLimits>;
  /** Verification workers; default: one per core. */
  readonly workers?: number;
  /** Nullifier index sizing (defaults: 2^22-slot hot table, 256 MiB filter; README "Nullifiers"). */
  readonly nullifiers?: Pick<NullifierIndexOptions, 'hotLog2' | 'filterLog2Bytes' | 'mergeFanIn'>;
  /** Retention policy per data kind and how often to apply it; default: keep everything. */
  readonly retention?: RetentionOptions;
}

/** One node's chain: storage, admission, mempool and block production, without any network. */
export class Chain {
  readonly queries: ChainQueries;
  private retentionService: RetentionService | undefined;

  private constructor(
    readonly events: ChainEvents,
    readonly genesis: Genesis,
    /** The chain's identity (genesis hash, `chainIdentity()`): every signed batch and contract transaction binds it. */
    readonly identity: Uint8Array,
    readonly operators: OperatorRegistry,
    private readonly stores: Stores,
    private readonly verifier: BatchVerifierPool,
    private readonly admission: Admission,
    private readonly contractAdmission: ContractAdmission,
    readonly mempool: Mempool,
    private readonly producer: BlockProducer,
    readonly nullifiers: NullifierIndex,
    private readonly metrics: NodeMetrics,
    /** The admission limits in force (defaults merged with the node's configuration, validated). */
    readonly limits: AdmissionLimits,
    private readonly budget: AdmissionBudget,
    private readonly storage: StorageHealth,
    private readonly log: Logger,
  ) {
    this.queries = new ChainQueries(stores, mempool, () => producer.chainHead);
  }

  static async open(opts: ChainOptions): Promise<Chain> {
    const { metrics, log, genesis } = opts;
    // Before storage opens: bad limits or a system contract that does not assemble stop the node with nothing to undo.
    const limits = validateAdmissionLimits({ ...DEFAULT_ADMISSION_LIMITS, ...opts.limits });
    const retention = resolveRetentionConfig(opts.retention);
    const system = loadSystemContracts();
    const identity = fromHex(chainIdentity(genesis, system.digest()), 32);
    const stores = openStores(opts.dataDir);
    const restored = await bootstrapChain(stores, genesis, system.digest(), log, { ...opts.nullifiers, metrics });
    const { nullifiers } = restored;
    const mempool = new Mempool();
    for (const entry of restored.pending) mempool.push(entry);
    const operators = OperatorRegistry.fromGenesis(genesis);
    const verifier = new BatchVerifierPool({ threads: opts.workers ?? availableParallelism(), chain: identity, metrics });
    const events = new ChainEvents((err, event) => {
      metrics.eventListenerErrors.inc({ event });
      log.error({ err, event }, 'chain event listener threw; the work it announced is durable and stands');
    });
    const storage = new StorageHealth(stores.env, log);
    metrics.storageWritable.set(1);
    storage.onChange((writable) => metrics.storageWritable.set(writable ? 1 : 0));
    storage.onFailure((what) => metrics.storageWriteFailures.inc({ what }));
    const budget = new AdmissionBudget(limits);
    const admission = new Admission({
      limits,
      budget,
      chain: identity,
      batchLimits: BatchLimitsContract.from(system),
      operators, verifier, nullifiers, stores, storage, mempool, events, metrics, log,
    });
    admission.restore(restored.sequences, restored.nextOrder);
    nullifiers.bindSettlement(() => admission.settledBelow());
    const contractAdmission = new ContractAdmission({
      limits: { ...DEFAULT_CONTRACT_LIMITS, ...opts.contractLimits },
      chain: identity,
      maxSequenceJump: limits.maxSequenceJump,
      operators, stores, storage, mempool, log,
      allocateOrder: () => admission.allocateOrder(),
      budget,
    });
    contractAdmission.restore(restored.contractSequences);
    const producer = new BlockProducer({
      config: { ...DEFAULT_PRODUCER_CONFIG, producer: genesis.operators[0]!.plmn, ...opts.producer },
      stores, storage, mempool, events, metrics, log,
      head: restored.head,
      headTimestampMs: restored.headTimestampMs,
      vm: { interpreter: WasmInterpreter.load(), host: nodeHostFunctions() },
    });
    const chain = new Chain(events, genesis, identity, operators, stores, verifier, admission, contractAdmission, mempool, producer, nullifiers, metrics, limits, budget, storage, log);
    events.on('batchAccepted', () => producer.nudge());

    metrics.chainHeight.set(restored.head.height);
    metrics.onScrape(() => {
      metrics.mempoolTxs.set(mempool.size);
      metrics.mempoolCdrs.set(mempool.cdrCount);
      metrics.lmdbSizeBytes.set(stores.env.sizeBytes());
    });
    producer.start();
    chain.retentionService = new RetentionService({
      config: retention, stores, metrics, log, storage,
      stillRead: () => recordsStillReadFrom(stores, nullifiers.watermark),
    });
    chain.retentionService.start();
    return chain;
  }

  /** The node's retention (src/chain/retention/): its policy runs every interval; runNow() for tests. */
  get retention(): RetentionService {
    return this.retentionService!;
  }

  /** A fresh in-flight budget for one connection of the API (`id` names it in Busy details). */
  connectionSource(id: string): AdmissionSource {
    return this.budget.connectionSource(id);
  }

  /** The one budget all HTTP submissions share: they have no connection to charge. */
  get httpSource(): AdmissionSource {
    return this.budget.http;
  }

  /** Admits a batch frame (see Admission.submit) from `source`; `frame` must own its ArrayBuffer. */
  submit(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedBatch> {
    return this.admission.submit(frame, source, onWellFormed);
  }

  /** Admits a contract transaction frame (identifier "CDRC") from `source`; resolves once it is durable. */
  async submitContractTx(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedContractTx> {
    let accepted: AcceptedContractTx;
    try {
      accepted = await this.contractAdmission.submit(frame, source, onWellFormed);
    } catch (err) {
      this.metrics.contractTxs.inc({ outcome: err instanceof BatchRejectedError ? err.reason : 'internal' });
      throw err;
    }
    this.metrics.contractTxs.inc({ outcome: 'accepted' });
    this.events.emit('contractTxAccepted', {
      id: accepted.id, kind: accepted.kind === ContractTxKind.Deploy ? 'deploy' : 'call', sender: accepted.sender, sequence: accepted.sequence,
    });
    this.producer.nudge();
    return accepted;
  }

  lastAcceptedContractSequence(sender: number): bigint | undefined {
    return this.contractAdmission.lastAcceptedSequence(sender);
  }

  lastAcceptedSequence(submitter: number): bigint | undefined {
    return this.admission.lastAcceptedSequence(submitter);
  }

  get verifierThreads(): number {
    return this.verifier.threads;
  }

  get dataDir(): string {
    return this.stores.env.path;
  }

  diskBytes(): number {
    return this.stores.env.sizeBytes();
  }

  /** Commits what is durable in the mempool now. */
  flush(): Promise<void> {
    return this.producer.flush();
  }

  /** Stops producing, commits what is pending, stops the workers and closes storage. */
  /** Whether the data directory takes writes, and why not while it does not. */
  storageStatus(): StorageStatus {
    return this.storage.status();
  }

  /**
   * Ready for work: storage writable, verification workers up, block commits not failing, and
   * admission not shedding (the shared in-flight budget is not exhausted).
   */
  readiness(): { ready: boolean; checks: Readonly<Record<'storage' | 'workers' | 'blocks' | 'admission', boolean>> } {
    const checks = {
      storage: this.storage.writable,
      workers: this.verifier.threads > 0,
      blocks: this.producer.consecutiveFailures === 0,
      admission: this.budget.totalInflight < this.limits.maxInflight && this.budget.totalInflightBytes < this.limits.maxInflightBytes,
    };
    return { ready: Object.values(checks).every(Boolean), checks };
  }

  /**
   * Stops producing, commits what is pending, stops the workers and closes storage. If the final
   * commit fails (disk full), pending transactions stay on disk and the next start commits them.
   */
  async close(): Promise<void> {
    await this.retentionService?.stop();
    await this.admission.drain();
    await this.producer.stop();
    this.storage.close();
    try {
      await this.producer.flush();
    } catch (err) {
      this.log.error({ err }, 'final block commit failed; pending transactions stay on disk for the next start');
    }
    await this.verifier.close();
    await this.nullifiers.close();
    await this.stores.env.close();
  }
}
