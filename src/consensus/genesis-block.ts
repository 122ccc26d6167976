import { BLOCK_VERSION_CONSENSUS, BlockKind } from '../codec/block.js';
import { sha256 } from '../crypto/hash.js';
import { blockFromParts, type ConsensusBlock } from './consensus-block.js';
import type { ValidatorSet } from './validator-set.js';

/**
 * The consensus genesis block (docs/consensus.md §2–§3): height 0, a macro (election) block with the
 * first validator set, the genesis seed H("cdrchain genesis seed" ‖ chain) ‖ 64 zero bytes (only ever
 * signed, never verified), and the genesis state root. Everyone derives the same block from the same
 * inputs; nobody signs it.
 */
export function genesisBlock(chain: Uint8Array, validators: ValidatorSet, timestampMs: bigint, stateRoot: Uint8Array): ConsensusBlock {
  const seed = new Uint8Array(96);
  seed.set(sha256(Buffer.from('cdrchain genesis seed'), chain), 0);
  const records = validators.records();
  return blockFromParts({
    header: {
      version: BLOCK_VERSION_CONSENSUS,
      kind: BlockKind.Macro,
      height: 0n,
      prevHash: new Uint8Array(32),
      timestampMs,
      producer: 0,
      txRoot: new Uint8Array(32),
      txCount: 0,
      cdrCount: 0,
      consensus: { round: 0, seed, stateRoot, forkProofsRoot: new Uint8Array(32), validatorsHash: validators.hash() },
    },
    validators: records,
  });
}
