import { describe, expect, it } from 'vitest';
import { BLOCK_VERSION_CONSENSUS, BlockKind } from '../codec/block.js';
import { BlockTree, OrphanPool } from './block-tree.js';
import { blockFromParts, type ConsensusBlock } from './consensus-block.js';

let n = 0;
function child(parent: ConsensusBlock, kind: BlockKind = BlockKind.Micro): ConsensusBlock {
  n++;
  return blockFromParts({
    header: {
      version: BLOCK_VERSION_CONSENSUS, kind, height: parent.header.height + 1n, prevHash: parent.hash, timestampMs: BigInt(n), producer: n,
      txRoot: new Uint8Array(32), txCount: 0, cdrCount: 0,
      consensus: { round: 0, seed: new Uint8Array(96), stateRoot: new Uint8Array(32), forkProofsRoot: new Uint8Array(32), validatorsHash: new Uint8Array(32) },
    },
  });
}
const root = blockFromParts({
  header: {
    version: BLOCK_VERSION_CONSENSUS, kind: BlockKind.Macro, height: 0n, prevHash: new Uint8Array(32), timestampMs: 0n, producer: 0,
    txRoot: new Uint8Array(32), txCount: 0, cdrCount: 0,
    consensus: { round: 0, seed: new Uint8Array(96), stateRoot: new Uint8Array(32), forkProofsRoot: new Uint8Array(32), validatorsHash: new Uint8Array(32) },
  },
});

describe('block tree and fork choice (Albatross chain ordering)', () => {
  it('extends the head; a longer branch wins; at equal length the first seen stays', () => {
    const t = new BlockTree(root);
    const a1 = child(root);
    expect(t.add(a1)).toBe(true);
    const b1 = child(root);
    expect(t.add(b1)).toBe(false); // equal length: first seen
    const b2 = child(b1);
    expect(t.add(b2)).toBe(true); // longer
    expect(t.head).toBe(b2);
    expect(t.branch(b2.hashHex).map((b) => b.height)).toEqual([1, 2]);
  });

  it('the branch with the earlier skip block wins, even when shorter', () => {
    const t = new BlockTree(root);
    const a1 = child(root);
    const a2 = child(a1);
    const a3 = child(a2);
    [a1, a2, a3].forEach((b) => t.add(b));
    const s2 = child(a1, BlockKind.Skip);
    expect(t.add(s2)).toBe(true); // [micro] vs [skip] at height 2: skip wins over the longer micro branch
    expect(t.head).toBe(s2);
    const a4 = child(a3);
    expect(t.add(a4)).toBe(false); // still inferior: the skip decided at the fork point
    // Both branches with a skip at the fork point: then the longer.
    const s2b3 = child(s2);
    expect(t.add(s2b3)).toBe(true);
  });

  it('finalize keeps only descendants of the final block and returns what became final', () => {
    const t = new BlockTree(root);
    const a1 = child(root);
    const a2 = child(a1);
    const b1 = child(root);
    [a1, a2, b1].forEach((b) => t.add(b));
    const m = child(a2, BlockKind.Macro);
    expect(t.finalize(m).map((b) => b.height)).toEqual([1, 2, 3]);
    expect(t.root).toBe(m);
    expect(t.head).toBe(m);
    expect(t.has(b1.hashHex)).toBe(false);
    expect(t.size).toBe(1);
  });

  it('orphans wait for their parent and are bounded (oldest dropped)', () => {
    const p = new OrphanPool(2);
    const a1 = child(root);
    const a2 = child(a1);
    const a3 = child(a2);
    p.add(a2, 1);
    p.add(a3, 1);
    expect(p.takeChildren(a1.hashHex).map((e) => e.block)).toEqual([a2]);
    p.add(child(root), 2);
    p.add(child(root), 2);
    expect(p.size).toBe(2);
    expect(p.has(a3.hashHex)).toBe(false); // dropped as the oldest
    p.prune(5);
    expect(p.size).toBe(0);
  });
});
