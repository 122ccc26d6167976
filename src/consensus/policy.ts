import { ConsensusConfigError } from './errors.js';

/**
 * The consensus constants (docs/consensus.md §2 and §12). `blocksPerBatch`, `batchesPerEpoch`,
 * `producerTimeoutMs`, `maxBlockTxs` and `maxForkProofsPerBlock` are consensus-critical (fixed by
 * genesis, equal on every validator); the rest are local timings and bounds.
 */
export interface ConsensusPolicy {
  readonly blocksPerBatch: number;
  readonly batchesPerEpoch: number;
  /** Skip vote after this long at one head; also the timestamp step of a skip block. */
  readonly producerTimeoutMs: number;
  /** Earliest a producer builds after its parent became its head, with transactions waiting. */
  readonly minBlockSeparationMs: number;
  /** An empty micro block after this long without transactions. */
  readonly emptyBlockIntervalMs: number;
  /** Tendermint timeouts of round r: init + r × delta. */
  readonly tendermintTimeoutInitMs: number;
  readonly tendermintTimeoutDeltaMs: number;
  /** Re-send own latest votes, head and last final block (the network does not retry). */
  readonly rebroadcastIntervalMs: number;
  readonly maxTimestampDriftMs: number;
  readonly maxRoundsAhead: number;
  /** Blocks more than this above the last final block are ignored (range sync catches those up). */
  readonly maxBlocksAhead: number;
  readonly maxOrphanBlocks: number;
  readonly maxBlockTxs: number;
  readonly maxForkProofsPerBlock: number;
}

export const DEFAULT_CONSENSUS_POLICY: ConsensusPolicy = Object.freeze({
  blocksPerBatch: 32,
  batchesPerEpoch: 4,
  producerTimeoutMs: 2_000,
  minBlockSeparationMs: 20,
  emptyBlockIntervalMs: 500,
  tendermintTimeoutInitMs: 1_000,
  tendermintTimeoutDeltaMs: 500,
  rebroadcastIntervalMs: 1_000,
  maxTimestampDriftMs: 5_000,
  maxRoundsAhead: 32,
  maxBlocksAhead: 128,
  maxOrphanBlocks: 512,
  maxBlockTxs: 16_384,
  maxForkProofsPerBlock: 16,
});

/** Merges `overrides` into the defaults, checks every value and freezes the result. */
export function consensusPolicy(overrides: Partial<ConsensusPolicy> = {}): ConsensusPolicy {
  const p: ConsensusPolicy = { ...DEFAULT_CONSENSUS_POLICY, ...overrides };
  const int = (name: keyof ConsensusPolicy, min: number, max: number) => {
    const v = p[name];
    if (!Number.isSafeInteger(v) || v < min || v > max) throw new ConsensusConfigError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  int('blocksPerBatch', 2, 1 << 16);
  int('batchesPerEpoch', 1, 1 << 16);
  int('producerTimeoutMs', 1, 3_600_000);
  int('minBlockSeparationMs', 0, 3_600_000);
  int('emptyBlockIntervalMs', 0, 3_600_000);
  int('tendermintTimeoutInitMs', 1, 3_600_000);
  int('tendermintTimeoutDeltaMs', 0, 3_600_000);
  int('rebroadcastIntervalMs', 1, 3_600_000);
  int('maxTimestampDriftMs', 0, 3_600_000);
  int('maxRoundsAhead', 1, 1 << 16);
  int('maxBlocksAhead', 1, 1 << 20);
  int('maxOrphanBlocks', 1, 1 << 20);
  int('maxBlockTxs', 1, 1 << 16);
  int('maxForkProofsPerBlock', 0, 16);
  if (p.producerTimeoutMs <= p.emptyBlockIntervalMs) {
    throw new ConsensusConfigError(`producerTimeoutMs (${p.producerTimeoutMs}) must exceed emptyBlockIntervalMs (${p.emptyBlockIntervalMs}): an idle producer would be skipped`);
  }
  if (p.maxBlocksAhead < p.blocksPerBatch) throw new ConsensusConfigError('maxBlocksAhead must cover at least one batch');
  return Object.freeze(p);
}

/** Heights, batches and epochs (docs/consensus.md §2). Height 0 is the genesis macro block. */
export class Heights {
  constructor(private readonly policy: Pick<ConsensusPolicy, 'blocksPerBatch' | 'batchesPerEpoch'>) {}

  get blocksPerEpoch(): number {
    return this.policy.blocksPerBatch * this.policy.batchesPerEpoch;
  }
  isMacro(height: number): boolean {
    return height % this.policy.blocksPerBatch === 0;
  }
  isElection(height: number): boolean {
    return height % this.blocksPerEpoch === 0;
  }
  /** The macro block that ends the batch of `height` (itself if it is one). */
  macroAtOrAfter(height: number): number {
    const b = this.policy.blocksPerBatch;
    return Math.ceil(height / b) * b;
  }
  /** The last macro height strictly below `height` (≥ 1). */
  macroBefore(height: number): number {
    const b = this.policy.blocksPerBatch;
    return Math.floor((height - 1) / b) * b;
  }
  /** The epoch a block at `height` belongs to (genesis: 0). Its validator set is fixed by the election block `epoch × blocksPerEpoch`. */
  epochOf(height: number): number {
    return height === 0 ? 0 : Math.floor((height - 1) / this.blocksPerEpoch);
  }
}
