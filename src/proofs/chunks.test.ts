import { describe, expect, it } from 'vitest';
import { PoseidonWasm, packFields } from '../wasm/poseidon.js';
import { chunkLayout, chunkRoot, chunkRootsMatchBatch } from './chunks.js';
import { ProofInputError } from './errors.js';

const poseidon = PoseidonWasm.load();
const hash2 = (l: bigint, r: bigint): bigint => poseidon.hash([l, r]);
const leavesOf = (n: number, seed: number): bigint[] => Array.from({ length: n }, (_, i) => poseidon.hash([BigInt(seed), BigInt(i)]));
/** The batch root exactly as the node computes it (assembly/poseidon/merkle.ts). */
const batchRoot = (leaves: bigint[]): bigint => {
  const root = poseidon.merkleRoot(packFields(leaves), leaves.length);
  return BigInt(`0x${Buffer.from(root).toString('hex')}`);
};

describe('chunk layout', () => {
  it('splits a batch into full chunks and one partial last chunk', () => {
    expect(chunkLayout(10, 4)).toEqual([{ index: 0, first: 0, count: 4 }, { index: 1, first: 4, count: 4 }, { index: 2, first: 8, count: 2 }]);
    expect(chunkLayout(3, 4)).toEqual([{ index: 0, first: 0, count: 3 }]);
    expect(chunkLayout(65_536, 256)).toHaveLength(256);
    expect(() => chunkLayout(0, 4)).toThrow(ProofInputError);
    expect(() => chunkLayout(65_537, 4)).toThrow(ProofInputError);
    expect(() => chunkLayout(10, 6)).toThrow(ProofInputError);
  });
});

describe('chunk roots compose to the batch Merkle root', () => {
  for (const chunk of [1, 2, 4, 8]) {
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33]) {
      it(`${n} records in chunks of ${chunk}`, () => {
        const leaves = leavesOf(n, n * 100 + chunk);
        const roots = chunkLayout(n, chunk).map((s) => chunkRoot(leaves.slice(s.first, s.first + s.count), chunk, hash2));
        const root = batchRoot(leaves);
        expect(chunkRootsMatchBatch(root, n, chunk, roots, hash2)).toBe(true);
        // Any other root, a reordered, dropped or extra chunk, or another record count fails.
        expect(chunkRootsMatchBatch(root + 1n, n, chunk, roots, hash2)).toBe(false);
        if (roots.length > 1) {
          expect(chunkRootsMatchBatch(root, n, chunk, [...roots].reverse(), hash2)).toBe(false);
          expect(chunkRootsMatchBatch(root, n, chunk, roots.slice(1), hash2)).toBe(false);
        }
        expect(chunkRootsMatchBatch(root, n, chunk, [...roots, roots[0]!], hash2)).toBe(false);
        // (A wrong record count of the same depth composes: the proofs' public `count` catches it, batch-proof.test.ts.)
      });
    }
  }

  it('a chunk root is the zero-padded complete tree (what the circuit computes)', () => {
    const leaves = leavesOf(3, 1);
    expect(chunkRoot(leaves, 4, hash2)).toBe(hash2(hash2(leaves[0]!, leaves[1]!), hash2(leaves[2]!, 0n)));
    expect(chunkRoot(leaves, 4, hash2)).toBe(batchRoot([...leaves, 0n]));
  });
});
