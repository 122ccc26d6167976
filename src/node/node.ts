import { readFileSync } from 'node:fs';
import { SettlementApprover } from './settlement-approver.js';
import { readKeyFile } from '../client/key-file.js';
import { readBlsKeyFile } from '../crypto/bls/key-file.js';
import { ConsensusConfigError } from '../consensus/errors.js';
import { IndexWorkerError } from '../reconciliation/errors.js';
import { fromHex } from '../codec/bytes.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateApiLimits, type ApiLimits } from '../api/api-limits.js';
import type { RequestAuthenticator } from '../api/audience.js';
import { signatureAuthenticator } from '../api/auth/request-authenticator.js';
import { OperatorSignatureVerifier, type OperatorKeys } from '../api/auth/signature-verifier.js';
import { ApiServer } from '../api/server.js';
import { systemClock, type Clock } from '../chain/clock.js';
import type { AdmissionLimits } from '../chain/admission.js';
import type { ContractLimits } from '../chain/contract-admission.js';
import type { Chain, ChainOptions } from '../chain/chain.js';
import { devnetGenesis, settlementRules, type Genesis } from '../chain/genesis.js';
import type { RetentionOptions } from '../chain/retention/retention-service.js';
import { createLogger, type Logger } from '../log.js';
import { NodeMetrics } from '../metrics/node-metrics.js';
import { availableParallelism } from 'node:os';
import type { BlockSchedule } from '../chain/block-schedule.js';
import { BatchVerifierPool } from '../workers/batch-verifier.js';
import { PoolBlsVerifier } from '../workers/pool-bls-verifier.js';
import { followedChain } from '../reconciliation/followed-chain.js';
import { ReconciliationIndexer } from '../reconciliation/reconciliation-indexer.js';
import { firstOpenMonth } from '../settlement/settlement-period.js';
import { openChain, type ProducerConfig } from './chain-factory.js';
import { chainNodeApi } from './node-api.js';
import { ValidatorRole, type ValidatorConfig } from './validator-role.js';

export interface NodeConfig {
  readonly dataDir: string;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly genesis?: Genesis;
  readonly workers?: number;
  readonly limits?: Partial<AdmissionLimits>;
  /** Connection, subscriber, upload and page limits of the API. */
  readonly api?: Partial<ApiLimits>;
  /** Block limits and the solo schedule (interval, back-off, and `producer`: the producing operator, by default the first genesis operator). */
  readonly producer?: Partial<ProducerConfig>;
  readonly contractLimits?: Partial<ContractLimits>;
  /** Retention policy per data kind (records, blocks, payloads) and how often it runs; default: keep everything. */
  readonly retention?: RetentionOptions;
  /** Nullifier index sizing (Chain's `nullifiers`): tests use a small hot table to reach segments quickly. */
  readonly nullifiers?: ChainOptions['nullifiers'];
  readonly log?: Logger;
  /** Process-wide metrics (CPU, heap, RSS); off when several nodes share a process. */
  readonly defaultMetrics?: boolean;
  /**
   * Run as a validator of the genesis' consortium (keys, P2P address, peers): consensus decides
   * every block. Absent: the single-node mode (`--solo`), one producer on a timer.
   */
  readonly validator?: ValidatorConfig;
  /**
   * API access (src/api/endpoint-audiences.ts): 'signatures' — every non-public endpoint needs a
   * request signed by an operator (RFC 9421 over its genesis batch key, src/api/auth/) and serves it
   * only its own, or its pair's, data; 'open' — anyone reads everything: INSECURE, for the devnet
   * and --solo. Default 'open' (a real consortium sets 'signatures': docs/operating.md).
   */
  readonly apiAuth?: 'signatures' | 'open';
  /**
   * Non-public API endpoints (pair, operator and consortium audiences: src/api/audience.ts) open to
   * anyone: INSECURE, for development. Default: from `apiAuth`. `false` without an authenticator
   * closes them (401). Ignored once an authenticator is set.
   */
  readonly openApi?: boolean;
  /** Verifies API requests instead of `apiAuth: 'signatures'` (tests plug stand-ins in here). */
  readonly apiAuthenticator?: RequestAuthenticator;
  /** The reconciliation index (src/reconciliation/, in `<dataDir>/reconciliation`); default on. */
  readonly reconciliation?: boolean;
  /** The chain's clock (block timestamps, period closes); default the system clock. Tests move it by hand. */
  readonly clock?: Clock;
}

export const DEFAULT_PORT = 7400;

/**
 * The composition root: a Chain (storage, admission, workers, block production) behind the API.
 * This folder exists so that neither chain/ nor api/ has to know how the other is built.
 */
export class CdrNode {
  /** Approves settlement proposals as this validator (when its operator key is configured). */
  approver: SettlementApprover | undefined;

  private constructor(
    readonly chain: Chain,
    readonly api: ApiServer,
    readonly metrics: NodeMetrics,
    readonly log: Logger,
    /** The validator role, when the node is one. */
    readonly validator: ValidatorRole | undefined,
    /** The reconciliation index, unless the node runs without it. */
    readonly reconciliation: ReconciliationIndexer | undefined,
  ) {}

  static async start(config: NodeConfig): Promise<CdrNode> {
    const log = config.log ?? createLogger('cdrchain-node');
    const metrics = new NodeMetrics({ defaultMetrics: config.defaultMetrics ?? true });
    // Before storage opens, like the admission limits: a bad value stops the node with nothing to undo.
    const apiLimits = validateApiLimits(config.api);
    // A validator's chain makes no block on its own: consensus decides; the schedule only wakes it.
    let role: ValidatorRole | undefined;
    let approver: SettlementApprover | undefined;
    let pool: BatchVerifierPool | undefined;
    const consensusSchedule: BlockSchedule = {
      start() {},
      nudge: () => role?.wake(),
      flush: async () => undefined,
      stop: async () => undefined,
      get consecutiveFailures() {
        return role?.failedCommits ?? 0;
      },
    };
    const chain = await openChain({
      dataDir: config.dataDir,
      genesis: config.genesis ?? devnetGenesis(),
      metrics, log,
      ...(config.workers !== undefined ? { workers: config.workers } : {}),
      ...(config.limits ? { limits: config.limits } : {}),
      ...(config.producer ? { producer: config.producer } : {}),
      ...(config.contractLimits ? { contractLimits: config.contractLimits } : {}),
      ...(config.retention ? { retention: config.retention } : {}),
      ...(config.nullifiers ? { nullifiers: config.nullifiers } : {}),
      ...(config.validator
        ? {
            deps: {
              verifier: (identity: Uint8Array) => (pool = new BatchVerifierPool({ threads: config.workers ?? availableParallelism(), chain: identity, metrics })),
              schedule: () => consensusSchedule,
              ...(config.clock ? { clock: config.clock } : {}),
            },
          }
        : config.clock ? { deps: { clock: config.clock } } : {}),
    });
    try {
      if (config.validator) role = await ValidatorRole.start(chain, config.validator, { bls: new PoolBlsVerifier(pool!.jobPool, { metrics }), metrics, log });
      if (config.validator?.batchKeyFile !== undefined && role !== undefined) {
        const bls = readBlsKeyFile(config.validator.blsKeyFile);
        const batch = readKeyFile(config.validator.batchKeyFile);
        if (batch.plmn !== bls.plmn) throw new ConsensusConfigError(`${config.validator.batchKeyFile} is operator ${batch.plmn}'s key, not validator ${bls.plmn}'s`);
        const relay = role.relay;
        approver = new SettlementApprover(chain, { plmn: bls.plmn, blsSecretKey: bls.secretKey, batchSeed: fromHex(batch.batchSeed, 32) }, (kind, frame) => relay.relay(kind, frame), log);
      }
    } catch (err) {
      await chain.close();
      throw err;
    }
    let reconciliation: ReconciliationIndexer | undefined;
    try {
      if (config.reconciliation !== false) {
        const periods = settlementRules(chain.genesis).periods;
        reconciliation = await ReconciliationIndexer.start({
          path: join(config.dataDir, 'reconciliation'), chain: followedChain(chain), log, firstOpenMonth: (ms) => firstOpenMonth(periods, ms),
        });
      }
      if (reconciliation) watchReconciliation(reconciliation, metrics);
      // Verdicts are checked against the node's own counts once the index runs (src/chain/verdict-admission.ts).
      chain.verdictCounts = reconciliation;
    } catch (err) {
      await role?.stop();
      await chain.close();
      throw err;
    }
    const apiAuth = config.apiAuth ?? 'open';
    const authenticator = config.apiAuthenticator
      ?? (apiAuth === 'signatures' ? signatureAuthenticator(new OperatorSignatureVerifier({ operators: requestKeys(chain), clock: systemClock })) : undefined);
    const openApi = config.openApi ?? apiAuth === 'open';
    if (!authenticator && openApi && config.validator && !chain.genesis.chainId.startsWith('cdrchain-devnet')) {
      log.warn({ chainId: chain.genesis.chainId }, 'API is open (api.auth: open): anyone who reaches it reads every operator\'s batches; set api.auth to signatures');
    }
    const nodeApi = {
      ...chainNodeApi(chain, role ? { relay: (kind, frame) => role!.relay.relay(kind, frame), status: () => role!.status(), confirmedHeight: (id) => role!.ledger.confirmedHeight(id) } : undefined),
      ...(reconciliation ? { reconciliation } : {}),
      access: { openApi, ...(authenticator ? { authenticator } : {}) },
    };
    const api = new ApiServer({ host: config.host, port: config.port, node: nodeApi, metrics, log, version: packageVersion(), limits: apiLimits });
    try {
      await api.listen();
    } catch (err) {
      await reconciliation?.stop();
      await role?.stop();
      await chain.close();
      throw err;
    }
    const node = new CdrNode(chain, api, metrics, log, role, reconciliation);
    node.approver = approver;
    return node;
  }

  get port(): number {
    return this.api.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.api.port}`;
  }

  get ingestUrl(): string {
    return `ws://127.0.0.1:${this.api.port}/ingest`;
  }

  /** Stops accepting, lets in-flight batches finish, commits what is pending, closes storage. */
  async stop(): Promise<void> {
    this.api.close();
    await this.reconciliation?.stop();
    this.approver?.stop();
    await this.validator?.stop();
    await this.chain.close();
  }
}

export function packageVersion(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    try {
      return (JSON.parse(readFileSync(join(here, up, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // try the next candidate: src/node under vitest, dist/src/node when built
    }
  }
  return 'unknown';
}

/** Who may sign API requests: the genesis operators (their batch keys) and the settlement bank (its request key, under its id). */
function requestKeys(chain: Chain): OperatorKeys {
  const bank = settlementRules(chain.genesis).bank;
  return { get: (plmn) => chain.operators.get(plmn) ?? (bank !== undefined && plmn === bank.id ? { batchKey: bank.requestKey } : undefined) };
}

/** The reconciliation index's progress and size in /metrics: its lag shows when it cannot keep up with the chain. */
function watchReconciliation(index: ReconciliationIndexer, metrics: NodeMetrics): void {
  index.onIndexed((e) => {
    metrics.reconciliationRecords.inc(e.records);
    metrics.reconciliationChunkSeconds.observe(e.ms / 1000);
  });
  metrics.onScrape(() => {
    metrics.reconciliationLagBlocks.set(index.lagBlocks);
    let entries;
    try {
      entries = index.entries();
    } catch (err) {
      if (err instanceof IndexWorkerError) return; // stopped
      throw err;
    }
    metrics.reconciliationEntries.set({ kind: 'events' }, entries.events);
    metrics.reconciliationEntries.set({ kind: 'one_sided' }, entries.oneSided);
    metrics.reconciliationEntries.set({ kind: 'open_periods' }, entries.openPeriods);
    metrics.reconciliationRuns.set({ storage: 'file' }, entries.runFiles);
    metrics.reconciliationRuns.set({ storage: 'lmdb' }, entries.runs - entries.runFiles);
  });
}
