import fc from 'fast-check';
import { poseidon2 } from 'poseidon-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FIELD_MODULUS,
  MAX_MERKLE_LEAVES,
  NonCanonicalFieldError,
  NonCanonicalLeafError,
  PoseidonArgumentError,
  PoseidonWasm,
  bytesToField,
  merkleDepth,
  packFields,
  verifyMerkleProof,
} from './poseidon.js';

const r = FIELD_MODULUS;
const hash2 = (a: bigint, b: bigint): bigint => poseidon2([a, b]);

/** The definition taken literally: pad to 2^d with zero leaves and hash every level in full. */
function naiveRoot(leaves: readonly bigint[], h: (a: bigint, b: bigint) => bigint = hash2): bigint {
  let depth = 0;
  while (1 << depth < leaves.length) depth++;
  let level = [...leaves, ...new Array<bigint>((1 << depth) - leaves.length).fill(0n)];
  while (level.length > 1) {
    const next: bigint[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(h(level[i] ?? -1n, level[i + 1] ?? -1n));
    level = next;
  }
  const root = level[0];
  if (root === undefined) throw new Error('empty tree');
  return root;
}

/** The node on the path of leaf `index` at level k (level 0 is the leaf). */
function pathNode(leaf: bigint, index: number, siblings: readonly bigint[], k: number): bigint {
  let node = leaf;
  for (let level = 0; level < k; level++) {
    const sibling = siblings[level] ?? -1n;
    node = (index >> level) & 1 ? hash2(sibling, node) : hash2(node, sibling);
  }
  return node;
}

let wasm: PoseidonWasm;
beforeAll(() => {
  wasm = PoseidonWasm.load();
});

const rootOf = (leaves: readonly bigint[]): bigint =>
  bytesToField(wasm.merkleRoot(packFields(leaves), leaves.length));
const proofOf = (leaves: readonly bigint[], index: number): bigint[] =>
  wasm.merkleProof(packFields(leaves), leaves.length, index).map(bytesToField);

const fieldArb = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(0n, 1n, r - 1n) },
  { weight: 5, arbitrary: fc.bigInt({ min: 0n, max: r - 1n }) },
);
const leavesArb = (maxLength: number): fc.Arbitrary<bigint[]> =>
  fc.array(fieldArb, { minLength: 1, maxLength });

describe('Merkle tree definition', () => {
  const [a, b, c, d, e] = [11n, 22n, 33n, 44n, 55n];
  const z1 = hash2(0n, 0n);
  const z2 = hash2(z1, z1);

  it('n = 1: the root is the leaf, the proof is empty', () => {
    expect(rootOf([a])).toBe(a);
    expect(rootOf([r - 1n])).toBe(r - 1n);
    expect(proofOf([a], 0)).toEqual([]);
    expect(merkleDepth(1)).toBe(0);
  });

  it('n = 2, 3, 5 pad with zero leaves and zero subtrees', () => {
    expect(rootOf([a, b])).toBe(hash2(a, b));
    expect(rootOf([a, b, c])).toBe(hash2(hash2(a, b), hash2(c, 0n)));
    expect(rootOf([a, b, c, d, e])).toBe(
      hash2(hash2(hash2(a, b), hash2(c, d)), hash2(hash2(e, 0n), z1)),
    );
    expect(proofOf([a, b, c, d, e], 4)).toEqual([0n, z1, hash2(hash2(a, b), hash2(c, d))]);
    expect(proofOf([a, b, c], 1)).toEqual([a, hash2(c, 0n)]);
    expect(rootOf([0n, 0n, 0n, 0n])).toBe(z2);
  });

  it('depth is ceil(log2 n)', () => {
    expect([2, 3, 4, 5, 8, 9, 1024, 1025, 65_536].map(merkleDepth)).toEqual([1, 2, 2, 3, 3, 4, 10, 11, 16]);
  });

  it('root equals the naive padded tree (poseidon-lite) for random n in 1..300', () => {
    fc.assert(
      fc.property(leavesArb(300), (leaves) => {
        expect(rootOf(leaves)).toBe(naiveRoot(leaves));
      }),
      { numRuns: 12 },
    );
  });

  it('root equals the naive tree for every n in 1..40', () => {
    for (let n = 1; n <= 40; n++) {
      const leaves = Array.from({ length: n }, (_, i) => (BigInt(i + 1) * 0x1234567890abcdefn) % r);
      expect(rootOf(leaves)).toBe(naiveRoot(leaves));
    }
  });
});

describe('Merkle roots: lockstep (two nodes per SIMD call) vs scalar path', () => {
  const scalarRootOf = (leaves: readonly bigint[]): bigint =>
    bytesToField(wasm.merkleRoot(packFields(leaves), leaves.length, 'scalar'));
  // poseidon-lite memoized: the padded trees of one leaf sequence for n = 1..300 share most nodes.
  const memo = new Map<string, bigint>();
  const cachedHash2 = (x: bigint, y: bigint): bigint => {
    const key = `${x},${y}`;
    let v = memo.get(key);
    if (v === undefined) memo.set(key, (v = hash2(x, y)));
    return v;
  };
  // Edge values first (odd/even positions, both lanes), then a deterministic spread.
  const edges = [0n, 1n, r - 1n, r - 2n, (1n << 253n) - 1n, 1n << 253n, (r - 1n) / 2n];
  const sequence = [
    ...edges,
    ...Array.from({ length: 300 - edges.length }, (_, i) => (BigInt(i + 7) * 0x9e3779b97f4a7c15f39cc0605cedc834n) % r),
  ];

  it('every n in 1..300: lockstep = scalar = naive padded tree (poseidon-lite)', () => {
    for (let n = 1; n <= 300; n++) {
      const leaves = sequence.slice(0, n);
      const root = rootOf(leaves);
      expect(root).toBe(scalarRootOf(leaves));
      expect(root).toBe(naiveRoot(leaves, cachedHash2));
    }
  });

  it('random leaves: lockstep = scalar, strided and packed', () => {
    fc.assert(
      fc.property(leavesArb(300), (leaves) => {
        const n = leaves.length;
        expect(rootOf(leaves)).toBe(scalarRootOf(leaves));
        const records = new Uint8Array(n * 128);
        const packed = packFields(leaves);
        for (let i = 0; i < n; i++) records.set(packed.subarray(i * 32, i * 32 + 32), i * 128 + 96);
        expect(wasm.merkleRootStrided(records, n, 128, 96)).toEqual(wasm.merkleRootStrided(records, n, 128, 96, 'scalar'));
      }),
      { numRuns: 30 },
    );
  });

  it('1,000 strided records (a CDR batch): lockstep = scalar', () => {
    const n = 1000;
    const records = new Uint8Array(n * 128);
    const view = new DataView(records.buffer);
    for (let i = 0; i < n; i++) {
      view.setUint32(i * 128, (i * 2654435761) >>> 3); // top word below r's 0x30644e72
      view.setUint32(i * 128 + 4, 0xffffffff - i);
      view.setUint32(i * 128 + 28, i);
    }
    expect(wasm.merkleRootStrided(records, n, 128, 0)).toEqual(wasm.merkleRootStrided(records, n, 128, 0, 'scalar'));
  });
});

describe('Merkle proofs', () => {
  it('every proof of a tree verifies, and has depth siblings', () => {
    for (const n of [1, 2, 3, 7, 8, 13]) {
      const leaves = Array.from({ length: n }, (_, i) => BigInt(1000 + i));
      const root = rootOf(leaves);
      leaves.forEach((leaf, i) => {
        const proof = proofOf(leaves, i);
        expect(proof.length).toBe(merkleDepth(n));
        expect(verifyMerkleProof(leaf, i, proof, root, hash2)).toBe(true);
      });
    }
  });

  it('random proofs verify; a tampered sibling, leaf or index fails', () => {
    fc.assert(
      fc.property(
        leavesArb(200).chain((leaves) =>
          fc.tuple(fc.constant(leaves), fc.nat(leaves.length - 1), fc.nat(), fc.bigInt({ min: 1n, max: r - 1n })),
        ),
        ([leaves, index, pick, delta]) => {
          const root = rootOf(leaves);
          const proof = proofOf(leaves, index);
          const leaf = leaves[index] ?? -1n;
          expect(verifyMerkleProof(leaf, index, proof, root, hash2)).toBe(true);
          expect(verifyMerkleProof((leaf + delta) % r, index, proof, root, hash2)).toBe(false);
          if (proof.length > 0) {
            const k = pick % proof.length;
            const tampered = proof.map((s, j) => (j === k ? (s + delta) % r : s));
            expect(verifyMerkleProof(leaf, index, tampered, root, hash2)).toBe(false);
            // Flipping the direction bit at level k swaps two children: the root changes unless they are equal.
            const nodeAtK = pathNode(leaf, index, proof, k);
            if (nodeAtK !== proof[k]) {
              expect(verifyMerkleProof(leaf, index ^ (1 << k), proof, root, hash2)).toBe(false);
            }
          }
          expect(verifyMerkleProof(leaf, 1 << proof.length, proof, root, hash2)).toBe(false);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('proof siblings verify with the WASM hash too', () => {
    const leaves = Array.from({ length: 37 }, (_, i) => BigInt(i) ** 5n % r);
    const root = rootOf(leaves);
    const wasmHash2 = (x: bigint, y: bigint): bigint => wasm.hash([x, y]);
    expect(verifyMerkleProof(leaves[20] ?? -1n, 20, proofOf(leaves, 20), root, wasmHash2)).toBe(true);
  });
});

describe('Merkle input handling', () => {
  it('reports the first non-canonical leaf with its index', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }).chain((n) =>
          fc.tuple(fc.constant(n), fc.uniqueArray(fc.nat(n - 1), { minLength: 1, maxLength: 3 })),
        ),
        fc.constantFrom(r, r + 1n, (1n << 256n) - 1n),
        ([n, badIndexes], bad) => {
          const leaves = packFields(Array.from({ length: n }, (_, i) => BigInt(i)));
          for (const i of badIndexes) {
            for (let k = 31; k >= 0; k--) leaves[i * 32 + k] = Number((bad >> BigInt(8 * (31 - k))) & 0xffn);
          }
          const first = Math.min(...badIndexes);
          expect(wasm.merkleRootOrBadLeaf(leaves, n)).toEqual({ badLeaf: first });
          try {
            wasm.merkleRoot(leaves, n);
            expect.unreachable();
          } catch (e) {
            expect(e).toBeInstanceOf(NonCanonicalLeafError);
            expect(e).toBeInstanceOf(NonCanonicalFieldError);
            expect((e as NonCanonicalLeafError).index).toBe(first);
          }
          expect(() => wasm.merkleProof(leaves, n, 0)).toThrow(NonCanonicalLeafError);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('reads leaves from strided records (stride 128, offset 32) like packed leaves', () => {
    fc.assert(
      fc.property(leavesArb(80), fc.uint8Array({ minLength: 128, maxLength: 128 }), (leaves, junk) => {
        const n = leaves.length;
        const records = new Uint8Array(n * 128);
        for (let i = 0; i < n; i++) records.set(junk, i * 128); // 0xff.. junk outside the leaf is ignored
        const packed = packFields(leaves);
        for (let i = 0; i < n; i++) records.set(packed.subarray(i * 32, i * 32 + 32), i * 128 + 32);
        const expected = wasm.merkleRoot(packed, n);
        expect(wasm.merkleRootStrided(records, n, 128, 32)).toEqual(expected);
        expect(wasm.merkleRootStridedOrBadLeaf(records, n, 128, 32)).toEqual({ root: expected });
        const index = n - 1;
        expect(wasm.merkleProofStrided(records, n, 128, 32, index)).toEqual(wasm.merkleProof(packed, n, index));
      }),
      { numRuns: 20 },
    );
  });

  it('only the first n leaves count; a larger buffer is fine', () => {
    const leaves = [1n, 2n, 3n, 4n, 5n];
    expect(bytesToField(wasm.merkleRoot(packFields(leaves), 3))).toBe(rootOf([1n, 2n, 3n]));
  });

  it('rejects n = 0, n > 65,536, short buffers and bad strides', () => {
    const buf = new Uint8Array(128 * 4);
    expect(() => wasm.merkleRoot(buf, 0)).toThrow(PoseidonArgumentError);
    expect(() => wasm.merkleRoot(buf, MAX_MERKLE_LEAVES + 1)).toThrow(PoseidonArgumentError);
    expect(() => wasm.merkleRoot(buf, 17)).toThrow(PoseidonArgumentError);
    expect(() => wasm.merkleRoot(buf, 1.5)).toThrow(PoseidonArgumentError);
    expect(() => wasm.merkleRootStrided(buf, 4, 16, 0)).toThrow(PoseidonArgumentError);
    expect(() => wasm.merkleRootStrided(buf, 4, 128, 97)).toThrow(PoseidonArgumentError);
    expect(() => wasm.merkleRootStrided(buf, 5, 128, 0)).toThrow(PoseidonArgumentError);
    expect(() => wasm.merkleProof(buf, 4, 4)).toThrow(PoseidonArgumentError);
    expect(() => wasm.merkleProof(buf, 4, -1)).toThrow(PoseidonArgumentError);
  });

  it('handles the maximum, 65,536 leaves (memory grows), equal to two 32,768-leaf halves', () => {
    const n = MAX_MERKLE_LEAVES;
    const records = new Uint8Array(n * 128);
    const view = new DataView(records.buffer);
    for (let i = 0; i < n; i++) view.setUint32(i * 128 + 32 + 28, i * 2654435761);
    const root = bytesToField(wasm.merkleRootStrided(records, n, 128, 32));
    const half = n / 2;
    const left = bytesToField(wasm.merkleRootStrided(records, half, 128, 32));
    const right = bytesToField(wasm.merkleRootStrided(records.subarray(half * 128), half, 128, 32));
    expect(root).toBe(hash2(left, right));
  });
});
