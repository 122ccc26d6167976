// Poseidon (circomlib-compatible, BN254 Fr) and Poseidon Merkle trees over linear memory.
//
// Field elements cross the boundary as 32-byte big-endian canonical encodings. The host reserves
// an IO region with ioBuffer(), writes inputs there and calls the functions below with pointers
// into it. Functions that validate inputs return OK (−1), BAD_ARGUMENTS (−2), or the index of the
// first non-canonical element (≥ r). Memory may grow during a call: re-read memory.buffer after.

import { fromBytes, toBytes, toMont, ELEMENT_BYTES } from './field';
import { MAX_T } from './constants';
import { reserveIo } from './memory';
import { STATE, STATE2, permute, permuteX2, zip } from './poseidon';
import { BAD_ARGUMENTS, OK, tree } from './merkle';

export { MAX_LEAVES } from './merkle';

const E = ELEMENT_BYTES;
const PLAIN: usize = memory.data(36, 64);
const OUT: usize = memory.data(36, 64);
const OUT_B: usize = memory.data(36, 64);
const STATE_B: usize = memory.data(MAX_T * 36, 64);

/** Ensures `bytes` of IO space and returns its address (stable across calls). */
export function ioBuffer(bytes: usize): usize {
  return reserveIo(bytes);
}

/** Index of the first non-canonical element among `count` at p, or OK. */
function firstNonCanonical(p: usize, count: i32): i32 {
  for (let i = 0; i < count; i++) if (!fromBytes(PLAIN, p + (<usize>i << 5))) return i;
  return OK;
}

/** Loads `width` encodings at p into state[1..] (Montgomery form) with a zero capacity element. */
function loadState(state: usize, p: usize, width: i32): void {
  memory.fill(state, 0, E);
  for (let j = 0; j < width; j++) {
    fromBytes(PLAIN, p + (<usize>j << 5));
    toMont(state + <usize>(j + 1) * E, PLAIN);
  }
}

/** out = Poseidon(inputs) for `width` (1..6) inputs of 32 bytes at input. */
export function hash(input: usize, width: i32, out: usize): i32 {
  return hashMany(width, input, 1, out);
}

/** n independent Poseidon hashes of `width` inputs each, packed: input[h·width + j], out[h]. */
export function hashMany(width: i32, input: usize, n: i32, out: usize): i32 {
  return hashManyWith(width, input, n, out, true);
}

/** hashMany one hash at a time (the scalar path), kept for differential tests and benchmarks. */
export function hashManyScalar(width: i32, input: usize, n: i32, out: usize): i32 {
  return hashManyWith(width, input, n, out, false);
}

function hashManyWith(width: i32, input: usize, n: i32, out: usize, lockstep: bool): i32 {
  if (width < 1 || width >= MAX_T || n < 0) return BAD_ARGUMENTS;
  const bad = firstNonCanonical(input, width * n);
  if (bad != OK) return bad;
  const bytes = <usize>width << 5;
  const t = width + 1;
  let h = 0;
  // Two hashes at a time in lockstep; an odd last one takes the scalar path.
  if (lockstep) {
    for (; h + 1 < n; h += 2) {
      loadState(STATE, input + <usize>h * bytes, width);
      loadState(STATE_B, input + <usize>(h + 1) * bytes, width);
      for (let j = 0; j < t; j++) zip(STATE2 + <usize>j * 72, STATE + <usize>j * E, STATE_B + <usize>j * E);
      permuteX2(t, OUT, OUT_B);
      toBytes(out + (<usize>h << 5), OUT);
      toBytes(out + (<usize>(h + 1) << 5), OUT_B);
    }
  }
  for (; h < n; h++) {
    loadState(STATE, input + <usize>h * bytes, width);
    permute(t, OUT);
    toBytes(out + (<usize>h << 5), OUT);
  }
  return OK;
}

/** Merkle root of n leaves packed at leaves (32 bytes each) into out. */
export function merkleRoot(leaves: usize, n: i32, out: usize): i32 {
  return tree(leaves, n, 32, 0, out, -1, 0);
}

/** Merkle root of n leaves read at records + offset + i·stride. */
export function merkleRootStrided(records: usize, n: i32, stride: u32, offset: u32, out: usize): i32 {
  return tree(records, n, stride, offset, out, -1, 0);
}

/** merkleRootStrided hashing one node at a time (the scalar path), for tests and benchmarks. */
export function merkleRootStridedScalar(records: usize, n: i32, stride: u32, offset: u32, out: usize): i32 {
  return tree(records, n, stride, offset, out, -1, 0, false);
}

/** Writes the d siblings of leaf `index` (bottom-up, 32 bytes each), then the root, at out. */
export function merkleProof(leaves: usize, n: i32, index: i32, out: usize): i32 {
  return merkleProofStrided(leaves, n, 32, 0, index, out);
}

export function merkleProofStrided(
  records: usize,
  n: i32,
  stride: u32,
  offset: u32,
  index: i32,
  out: usize,
): i32 {
  if (index < 0 || n < 1) return BAD_ARGUMENTS;
  const depth = n > 1 ? 32 - clz<i32>(n - 1) : 0;
  return tree(records, n, stride, offset, out + (<usize>depth << 5), index, out);
}

