import { availableParallelism } from 'node:os';
import { ContractTxKind } from '../codec/contract-tx.js';
import type { Logger } from '../log.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import { openStores, type Stores } from '../storage/index.js';
import { WasmInterpreter } from '../vm/interpreter.js';
import { nodeHostFunctions } from '../vm/node-host.js';
import { BatchLimitsContract, loadSystemContracts } from '../vm/system/index.js';
import type { NullifierSet } from '../wasm/nullifier-set.js';
import { BatchVerifierPool } from '../workers/batch-verifier.js';
import { Admission, DEFAULT_ADMISSION_LIMITS, validateAdmissionLimits, type AcceptedBatch, type AdmissionLimits } from './admission.js';
import { bootstrapChain } from './bootstrap.js';
import { ContractAdmission, DEFAULT_CONTRACT_LIMITS, type AcceptedContractTx, type ContractLimits } from './contract-admission.js';
import { ChainEvents } from './events.js';
import { BatchRejectedError } from './reject.js';
import type { Genesis } from './genesis.js';
import { Mempool } from './mempool.js';
import { OperatorRegistry } from './operators.js';
import { BlockProducer, DEFAULT_PRODUCER_CONFIG, type ProducerConfig } from './producer.js';
import { ChainQueries } from './queries.js';

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
}

/** One node's chain: storage, admission, mempool and block production, without any network. */
export class Chain {
  readonly queries: ChainQueries;

  private constructor(
    readonly events: ChainEvents,
    readonly genesis: Genesis,
    readonly operators: OperatorRegistry,
    private readonly stores: Stores,
    private readonly verifier: BatchVerifierPool,
    private readonly admission: Admission,
    private readonly contractAdmission: ContractAdmission,
    readonly mempool: Mempool,
    private readonly producer: BlockProducer,
    readonly nullifiers: NullifierSet,
    private readonly metrics: NodeMetrics,
  ) {
    this.queries = new ChainQueries(stores, mempool, () => producer.chainHead);
  }

  static async open(opts: ChainOptions): Promise<Chain> {
    const { metrics, log, genesis } = opts;
    // Before storage opens: bad limits or a system contract that does not assemble stop the node with nothing to undo.
    const limits = validateAdmissionLimits({ ...DEFAULT_ADMISSION_LIMITS, ...opts.limits });
    const system = loadSystemContracts();
    const stores = openStores(opts.dataDir);
    const restored = await bootstrapChain(stores, genesis, system.digest(), log);
    const { nullifiers } = restored;
    const mempool = new Mempool();
    for (const entry of restored.pending) mempool.push(entry);
    const operators = OperatorRegistry.fromGenesis(genesis);
    const verifier = new BatchVerifierPool({ threads: opts.workers ?? availableParallelism(), metrics });
    const events = new ChainEvents();
    const admission = new Admission({
      limits,
      batchLimits: BatchLimitsContract.from(system),
      operators, verifier, nullifiers, stores, mempool, events, metrics, log,
    });
    admission.restore(restored.sequences, restored.nextOrder);
    const contractAdmission = new ContractAdmission({
      limits: { ...DEFAULT_CONTRACT_LIMITS, ...opts.contractLimits },
      operators, stores, mempool, log,
      allocateOrder: () => admission.allocateOrder(),
    });
    contractAdmission.restore(restored.contractSequences);
    const producer = new BlockProducer({
      config: { ...DEFAULT_PRODUCER_CONFIG, producer: genesis.operators[0]!.plmn, ...opts.producer },
      stores, mempool, events, metrics, log,
      head: restored.head,
      headTimestampMs: restored.headTimestampMs,
      vm: { interpreter: WasmInterpreter.load(), host: nodeHostFunctions() },
    });
    const chain = new Chain(events, genesis, operators, stores, verifier, admission, contractAdmission, mempool, producer, nullifiers, metrics);
    events.on('batchAccepted', () => producer.nudge());

    metrics.chainHeight.set(restored.head.height);
    metrics.onScrape(() => {
      metrics.mempoolTxs.set(mempool.size);
      metrics.mempoolCdrs.set(mempool.cdrCount);
      metrics.lmdbSizeBytes.set(stores.env.sizeBytes());
      metrics.nullifierSetSize.set(nullifiers.size);
      metrics.nullifierSetBytes.set(nullifiers.memoryBytes);
    });
    producer.start();
    return chain;
  }

  /** Admits a batch frame (see Admission.submit); `frame` must own its ArrayBuffer. */
  submit(frame: Uint8Array, onWellFormed?: () => void): Promise<AcceptedBatch> {
    return this.admission.submit(frame, onWellFormed);
  }

  /** Admits a contract transaction frame (identifier "CDRC"); resolves once it is durable. */
  async submitContractTx(frame: Uint8Array, onWellFormed?: () => void): Promise<AcceptedContractTx> {
    let accepted: AcceptedContractTx;
    try {
      accepted = await this.contractAdmission.submit(frame, onWellFormed);
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
  async close(): Promise<void> {
    await this.admission.drain();
    await this.producer.stop();
    await this.producer.flush();
    await this.verifier.close();
    await this.stores.env.close();
  }
}
