import { BlockKind } from '../codec/block.js';
import type { ConsensusBlock } from './consensus-block.js';
import { FORK_PROOF_RECORD_BYTES } from '../codec/block.js';
import { decodeForkProof } from './fork-proof.js';
import type { FinalState } from './outside-deps.js';
import type { Heights } from './policy.js';
import { ValidatorSet, seedEntropy } from './validator-set.js';

/**
 * What is final (docs/consensus.md §9): the last final macro block, the validator sets it puts in
 * force (an election block switches epochs), the batch seed for the heights above it, and the fork
 * proofs already recorded on the final chain within the reporting window (so none is recorded twice).
 */
export class FinalityTracker {
  private final: ConsensusBlock;
  private current: ValidatorSet;
  private previous: ValidatorSet | undefined;
  private entropy: Uint8Array;
  /** locator → height, for proofs in final blocks of the current and previous epoch. */
  private readonly recorded = new Map<string, number>();

  constructor(
    start: FinalState,
    private readonly heights: Heights,
  ) {
    if (start.block.header.kind !== BlockKind.Macro) throw new Error('finality starts from a macro block');
    this.final = start.block;
    this.current = start.validators;
    this.previous = start.previousValidators;
    this.entropy = seedEntropy(start.block.header.consensus.seed);
    for (const l of start.recordedForkProofs) this.recorded.set(l, Number(l.split(':')[1]));
  }

  get lastFinal(): ConsensusBlock {
    return this.final;
  }
  get validators(): ValidatorSet {
    return this.current;
  }
  get previousValidators(): ValidatorSet | undefined {
    return this.previous;
  }
  /** Entropy of the last final block's seed: the batch seed of the next batch. */
  get batchSeedEntropy(): Uint8Array {
    return this.entropy;
  }
  /** The epoch of the heights above the last final block. */
  get epoch(): number {
    return this.heights.epochOf(this.final.height + 1);
  }
  /** The macro height decided next. */
  get nextMacroHeight(): number {
    return this.heights.macroAtOrAfter(this.final.height + 1);
  }

  isRecorded(locator: string): boolean {
    return this.recorded.has(locator);
  }

  /**
   * `macro` (justified) and `newlyFinal` (its ancestors above the previous final block, oldest first,
   * ending with `macro`) are final. Returns true when the validator set changed (election block).
   */
  advance(macro: ConsensusBlock, newlyFinal: readonly ConsensusBlock[]): boolean {
    if (macro.height <= this.final.height || macro.header.kind !== BlockKind.Macro) throw new Error(`block ${macro.height} does not advance finality from ${this.final.height}`);
    for (const b of newlyFinal) {
      for (let at = 0; at < b.forkProofs.length; at += FORK_PROOF_RECORD_BYTES) {
        const p = decodeForkProof(b.forkProofs.subarray(at, at + FORK_PROOF_RECORD_BYTES));
        this.recorded.set(p.locator, p.height);
      }
    }
    this.final = macro;
    this.entropy = seedEntropy(macro.header.consensus.seed);
    let changed = false;
    if (this.heights.isElection(macro.height)) {
      this.previous = this.current;
      this.current = ValidatorSet.fromRecords(macro.validators);
      changed = true;
    }
    const oldest = this.epoch - 1;
    for (const [l, h] of this.recorded) if (this.heights.epochOf(h) < oldest) this.recorded.delete(l);
    return changed;
  }
}
