// Poseidon Merkle tree. Other components (node, operator client, circuits) rely on this exact
// definition:
//
//   - Binary tree; node = Poseidon(2)(left, right), circomlib-compatible.
//   - Leaves are the n given field elements (canonical 32-byte big-endian, each < r), 1 ≤ n ≤ 65,536.
//   - Depth d = ceil(log2(n)); d = 0 when n = 1, and the root is then the leaf itself.
//   - The leaf layer is padded to 2^d with zero leaves (the field element 0). Zero subtrees are
//     precomputed, Z0 = 0 and Z(k+1) = Poseidon(Zk, Zk), so padding costs no hashing: a level with
//     m real nodes takes ceil(m/2) hashes, pairing an odd last node with Z(level).
//   - A proof is the d siblings from the leaf level up; bit k of the leaf index says whether the
//     level-k node is a right child (1) or a left child (0).

import { ELEMENT_BYTES, fromBytes, toBytes, toMont } from './field';
import { MAX_DEPTH, ZEROS, workArea } from './memory';
import { hash2, hash2X2 } from './poseidon';

const E = ELEMENT_BYTES;
export const MAX_LEAVES: i32 = 1 << MAX_DEPTH;
/** Returned for arguments out of range (n, index, stride, offset). */
export const BAD_ARGUMENTS: i32 = -2;
/** Returned on success. */
export const OK: i32 = -1;

const PLAIN: usize = memory.data(36, 64);
let zerosReady: i32 = 1; // Z0 = 0 is the zeroed memory itself

@inline function zero(level: i32): usize {
  return ZEROS + <usize>level * E;
}

function ensureZeros(level: i32): void {
  for (; zerosReady <= level; zerosReady++) {
    const below = zero(zerosReady - 1);
    hash2(zero(zerosReady), below, below);
  }
}

/**
 * Computes the root of the n leaves read at leaves + offset + i·stride and writes it to out.
 * When proofIndex ≥ 0 also writes that leaf's d siblings to proofOut (32 bytes each, bottom-up).
 * Returns OK, BAD_ARGUMENTS, or the index of the first leaf that is not canonical.
 */
export function tree(
  leaves: usize,
  n: i32,
  stride: u32,
  offset: u32,
  out: usize,
  proofIndex: i32,
  proofOut: usize,
  lockstep: bool = true,
): i32 {
  if (n < 1 || n > MAX_LEAVES || proofIndex >= n) return BAD_ARGUMENTS;
  const dataEnd = <u64>leaves + <u64>offset + <u64>(n - 1) * <u64>stride + 32;
  if (stride < 32 && n > 1) return BAD_ARGUMENTS;
  if (dataEnd > 0x80000000) return BAD_ARGUMENTS;
  const level0 = workArea(dataEnd, <u64>n * E);

  for (let i = 0; i < n; i++) {
    if (!fromBytes(PLAIN, leaves + offset + <usize>i * stride)) return i;
    toMont(level0 + <usize>i * E, PLAIN);
  }

  // Hash each level in place: node i of the next level overwrites node i, which was already read.
  let m = n;
  let level = 0;
  let index = proofIndex;
  while (m > 1) {
    ensureZeros(level);
    if (index >= 0) {
      const sibling = index ^ 1;
      toBytes(proofOut + <usize>level * 32, sibling < m ? level0 + <usize>sibling * E : zero(level));
      index >>= 1;
    }
    // Node j of the next level hashes nodes 2j and 2j + 1 (Z(level) past the end), two nodes at a
    // time in lockstep; a pair reads nodes 2j..2j+3 before writing nodes j, j + 1.
    const next = (m + 1) >> 1;
    let j = 0;
    if (lockstep) {
      for (; j + 1 < next; j += 2) {
        const left = level0 + <usize>(2 * j) * E;
        const last = 2 * j + 3 < m ? left + 3 * E : zero(level);
        hash2X2(level0 + <usize>j * E, level0 + <usize>(j + 1) * E, left, left + E, left + 2 * E, last);
      }
    }
    for (; j < next; j++) {
      const left = level0 + <usize>(2 * j) * E;
      hash2(level0 + <usize>j * E, left, 2 * j + 1 < m ? left + E : zero(level));
    }
    m = (m + 1) >> 1;
    level++;
  }
  toBytes(out, level0);
  return OK;
}
