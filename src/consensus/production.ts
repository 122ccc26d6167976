import type { ConsensusPolicy, Heights } from './policy.js';
import { drawProducer } from './producer-draw.js';
import type { ValidatorSet } from './validator-set.js';

/**
 * What a validator does when its head changes (docs/consensus.md §4–§6): at a micro height, the slot
 * owner builds after `minBlockSeparationMs` with transactions waiting or `emptyBlockIntervalMs` without
 * (`minBlockSeparationMs` again once an empty block shows that transactions above the last final
 * block wait for the macro block), and everyone votes to skip the slot if no block arrives within
 * `producerTimeoutMs`; at a macro height,
 * Tendermint runs; past the next macro height nothing happens until it is final. Pure: times are
 * delays from "now", the moment the head changed.
 */
export type SlotPlan =
  | { readonly kind: 'micro'; readonly height: number; readonly producer: number; readonly produceInMs: number | undefined; readonly skipVoteInMs: number }
  | { readonly kind: 'macro'; readonly height: number }
  | { readonly kind: 'await_finality' };

export interface SlotInputs {
  readonly headHeight: number;
  readonly nextMacroHeight: number;
  readonly heights: Heights;
  readonly policy: Pick<ConsensusPolicy, 'minBlockSeparationMs' | 'emptyBlockIntervalMs' | 'producerTimeoutMs'>;
  readonly set: ValidatorSet;
  readonly chain: Uint8Array;
  readonly batchSeedEntropy: Uint8Array;
  /** This validator's id; undefined for an observer. */
  readonly self: number | undefined;
  readonly hasPending: boolean;
  /**
   * The head is an empty block and the blocks above the last final block name transactions: they
   * wait for the macro block, and no new ones are coming in.
   */
  readonly finalityWaits?: boolean;
}

export function planSlot(i: SlotInputs): SlotPlan {
  const height = i.headHeight + 1;
  if (height > i.nextMacroHeight) return { kind: 'await_finality' };
  if (i.heights.isMacro(height)) return { kind: 'macro', height };
  const producer = drawProducer(i.set, i.chain, i.batchSeedEntropy, height, 0).id;
  const mine = i.self !== undefined && producer === i.self;
  return {
    kind: 'micro',
    height,
    producer,
    produceInMs: mine ? (i.hasPending ? separationAfter(i.headHeight, i.heights, i.policy) : emptyBlockAfter(i)) : undefined,
    skipVoteInMs: i.policy.producerTimeoutMs,
  };
}

/**
 * Without transactions the chain ticks at the empty-block interval, except when traffic stopped
 * inside a batch: its last transactions would wait up to 31 intervals (15 s) for the macro block
 * that makes them final. Once one empty block showed the pause (after a full interval), the rest of
 * the batch's blocks follow at the minimum separation.
 */
function emptyBlockAfter(i: SlotInputs): number {
  return i.finalityWaits === true ? i.policy.minBlockSeparationMs : i.policy.emptyBlockIntervalMs;
}

/** Transactions arrived while the slot owner waited for the empty-block interval: build once the minimum separation has passed. */
export function produceDelayOnPending(headAtMs: number, nowMs: number, headHeight: number, heights: Heights, policy: Pick<ConsensusPolicy, 'minBlockSeparationMs'>): number {
  return Math.max(0, headAtMs + separationAfter(headHeight, heights, policy) - nowMs);
}

/**
 * The minimum separation gathers transactions into fewer, fuller blocks. After a macro block there is
 * nothing left to gather: transactions piled up for the whole Tendermint round, and every one of
 * them has waited that round already.
 */
function separationAfter(headHeight: number, heights: Heights, policy: Pick<ConsensusPolicy, 'minBlockSeparationMs'>): number {
  return heights.isMacro(headHeight) ? 0 : policy.minBlockSeparationMs;
}
