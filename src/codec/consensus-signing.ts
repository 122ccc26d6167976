import { CanonicalWriter } from './bytes.js';

/**
 * The bytes every consensus signature covers (docs/consensus.md §10): a 16-byte tag per message type,
 * the 32-byte chain identity (`chainIdentity`, src/chain/genesis.ts), then fixed-width big-endian
 * fields. Each tag has one fixed length, so no signature verifies as another type of message or on
 * another chain. Votes do not name their signer: same-message BLS aggregation needs one message.
 */

export const SIGNING_TAGS = Object.freeze({
  micro: 'cdrchain:micro:1',
  seed: 'cdrchain:seed:v1',
  skip: 'cdrchain:skip:v1',
  prevote: 'cdrchain:prevote',
  precommit: 'cdrchain:precomm',
  proposal: 'cdrchain:propose',
});

const TAG = 16;
const CHAIN = 32;
/** `validRound` of a proposal without one. */
export const NO_VALID_ROUND = 0xffffffff;

function chainOk(chain: Uint8Array): Uint8Array {
  if (chain.length !== CHAIN) throw new RangeError(`a chain identity is ${CHAIN} bytes, got ${chain.length}`);
  return chain;
}

/** What a micro block's producer signs: its header hash. */
export function microSigningBytes(chain: Uint8Array, blockHash: Uint8Array): Uint8Array {
  return new CanonicalWriter(TAG + CHAIN + 32).tag(SIGNING_TAGS.micro).raw(chainOk(chain), CHAIN).raw(blockHash, 32).finish();
}

/** What a producer signs to make its block's seed: the parent's 96-byte seed. */
export function seedSigningBytes(chain: Uint8Array, parentSeed: Uint8Array): Uint8Array {
  return new CanonicalWriter(TAG + CHAIN + 96).tag(SIGNING_TAGS.seed).raw(chainOk(chain), CHAIN).raw(parentSeed, 96).finish();
}

/** A skip vote: height and the parent's seed entropy (H(seed)), as Albatross' SkipBlockInfo. */
export function skipSigningBytes(chain: Uint8Array, height: bigint, parentSeedEntropy: Uint8Array): Uint8Array {
  return new CanonicalWriter(TAG + CHAIN + 8 + 32).tag(SIGNING_TAGS.skip).raw(chainOk(chain), CHAIN).u64(height).raw(parentSeedEntropy, 32).finish();
}

/** A prevote or precommit for `value` (a proposal hash) or nil (`undefined`). */
export function tendermintVoteSigningBytes(step: 'prevote' | 'precommit', chain: Uint8Array, height: bigint, round: number, value: Uint8Array | undefined): Uint8Array {
  return new CanonicalWriter(TAG + CHAIN + 8 + 4 + 1 + 32)
    .tag(SIGNING_TAGS[step])
    .raw(chainOk(chain), CHAIN)
    .u64(height)
    .u32(round)
    .u8(value === undefined ? 0 : 1)
    .raw(value ?? new Uint8Array(32), 32)
    .finish();
}

/** A Tendermint proposal: height, round, valid round (NO_VALID_ROUND for none) and the proposed block's hash. */
export function proposalSigningBytes(chain: Uint8Array, height: bigint, round: number, validRound: number | undefined, blockHash: Uint8Array): Uint8Array {
  return new CanonicalWriter(TAG + CHAIN + 8 + 4 + 4 + 32)
    .tag(SIGNING_TAGS.proposal)
    .raw(chainOk(chain), CHAIN)
    .u64(height)
    .u32(round)
    .u32(validRound ?? NO_VALID_ROUND)
    .raw(blockHash, 32)
    .finish();
}
