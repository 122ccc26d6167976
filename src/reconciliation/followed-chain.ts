import type { BlockCommittedEvent } from '../chain/events.js';
import type { FollowedChain } from './reconciliation-indexer.js';

/** The parts of a Chain (src/chain/chain.ts) the indexer follows. */
export interface ChainLike {
  readonly identity: Uint8Array;
  readonly queries: { chainHead(): { readonly height: number } };
  readonly events: FollowedChain['events'];
  blockFrame(height: number): Uint8Array | undefined;
  txFrame(id: Uint8Array): Uint8Array | undefined;
}

/** The indexer's view of a chain. */
export function followedChain(chain: ChainLike): FollowedChain {
  return {
    identity: chain.identity,
    events: {
      on: (event: 'blockCommitted', l: (e: BlockCommittedEvent) => void) => chain.events.on(event, l),
      off: (event: 'blockCommitted', l: (e: BlockCommittedEvent) => void) => chain.events.off(event, l),
    },
    headHeight: () => chain.queries.chainHead().height,
    blockFrame: (height) => chain.blockFrame(height),
    txFrame: (id) => chain.txFrame(id),
  };
}
