import { availableParallelism } from 'node:os';
import { Chain, type ChainOptions } from '../chain/chain.js';
import type { ChainDeps } from '../chain/chain-deps.js';
import type { BlockLimits } from '../chain/block-limits.js';
import { systemClock } from '../chain/clock.js';
import { OperatorRegistry } from '../chain/operators.js';
import { DEFAULT_SOLO_SCHEDULE, SoloSchedule, validateSoloSchedule, type SoloScheduleConfig } from '../consensus/solo/solo-schedule.js';
import { WasmInterpreter } from '../vm/interpreter.js';
import { nodeHostFunctions } from '../vm/node-host.js';
import { BatchVerifierPool } from '../workers/batch-verifier.js';

/**
 * The single-node producer's settings as the node's configuration gives them: what one block may
 * carry (chain) and when blocks are made and by whom (the solo schedule).
 */
export type ProducerConfig = BlockLimits & SoloScheduleConfig;

export interface OpenChainOptions extends Omit<ChainOptions, 'blockLimits'> {
  /** Verification workers; default: one per core. */
  readonly workers?: number;
  /** Block limits and the solo schedule; the producer defaults to the first genesis operator. */
  readonly producer?: Partial<ProducerConfig>;
  /** Replaces any default dependency (tests, consensus). */
  readonly deps?: Partial<ChainDeps>;
}

/**
 * The single-node chain with its default dependencies: the verification worker pool, the system
 * clock, the WASM interpreter, the genesis operators, and the solo schedule producing as the
 * configured operator (by default the first genesis operator).
 */
export async function openChain(opts: OpenChainOptions): Promise<Chain> {
  const { producer = {}, genesis, metrics } = opts;
  const soloConfig = validateSoloSchedule({
    ...DEFAULT_SOLO_SCHEDULE,
    producer: genesis.operators[0]?.plmn ?? 0,
    ...pick(producer, ['blockIntervalMs', 'firstRetryMs', 'maxRetryMs', 'producer']),
  });
  const deps: ChainDeps = {
    verifier: (chain) => new BatchVerifierPool({ threads: opts.workers ?? availableParallelism(), chain, metrics }),
    clock: systemClock,
    vm: { interpreter: WasmInterpreter.load(), host: nodeHostFunctions() },
    operators: OperatorRegistry.fromGenesis(genesis),
    schedule: ({ builder, committer, clock, log }) => new SoloSchedule(soloConfig, { builder, committer, clock, log }),
    ...opts.deps,
  };
  const { workers: _workers, producer: _producer, deps: _deps, ...chainOptions } = opts;
  return Chain.open({ ...chainOptions, blockLimits: pick(producer, ['maxBlockTxs', 'maxBlockCdrs', 'maxBlockGas']) }, deps);
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
