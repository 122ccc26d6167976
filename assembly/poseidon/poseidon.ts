// circomlib-compatible Poseidon over BN254 Fr (x^5 S-box, 8 full rounds, width t = inputs + 1),
// evaluated with circomlibjs's optimized constants: the partial rounds use sparse matrices, so each
// costs one S-box, one t-term dot product and t − 1 products instead of a full t×t mix.
// Mirrors circomlibjs/src/poseidon_opt.js step for step; all values stay in Montgomery form.

import { MAX_T, N_ROUNDS_F, PACKED, ELEMENT_COUNT, WIDTHS } from './constants';
import {
  ELEMENT_BYTES,
  add,
  mul,
  mulAddBelow2r,
  mulAddBelow2rPair,
  mulWide,
  mulWideAdd,
  reduceWide,
  sqr,
  wordsToLimbs,
} from './field';
import { PAIR_BYTES, addX2, mulAddBelow2rX2, mulWideAddX2, mulWideX2, mulX2, reduceWideX2, sqrX2 } from './field-x2';
import { CONSTANTS, IO, ensureMemory } from './memory';

const E = ELEMENT_BYTES;
const P = PAIR_BYTES;

// Unpack the 32-byte Montgomery constants into limb form once, at instantiation.
ensureMemory(<u64>IO);
for (let i: usize = 0; i < <usize>ELEMENT_COUNT; i++) {
  const p = PACKED + (i << 5);
  wordsToLimbs(CONSTANTS + i * E, load<u64>(p, 0), load<u64>(p, 8), load<u64>(p, 16), load<u64>(p, 24));
}

/** Permutation state s[0..t), and the mixed state being built. */
export const STATE: usize = memory.data(MAX_T * 36, 64);
const NEXT: usize = memory.data(MAX_T * 36, 64);
const TMP: usize = memory.data(36, 64);
const WIDE: usize = memory.data(17 * 8, 64);

/** x ← x^5. Inputs below 3r keep every product under the 13r bound. */
@inline function pow5(x: usize): void {
  sqr(TMP, x);
  sqr(TMP, TMP);
  mul(x, TMP, x);
}

/** o = Σ_j row[j]·s[j] with a single Montgomery reduction. */
function dot(o: usize, row: usize, s: usize, t: i32): void {
  mulWide(WIDE, row, s);
  for (let j = 1; j < t; j++) mulWideAdd(WIDE, row + <usize>j * E, s + <usize>j * E);
  reduceWide(o, WIDE);
}

/** s ← A·s for a t×t matrix stored one row per output. */
function mix(s: usize, matrix: usize, t: i32): void {
  const rowBytes = <usize>t * E;
  for (let i = 0; i < t; i++) dot(NEXT + <usize>i * E, matrix + <usize>i * rowBytes, s, t);
  memory.copy(s, NEXT, rowBytes);
}

/** Full round: S-box on every element, add round constants c[0..t), then mix. */
@inline function fullRound(s: usize, c: usize, matrix: usize, t: i32): void {
  for (let i = 0; i < t; i++) {
    const x = s + <usize>i * E;
    pow5(x);
    add(x, x, c + <usize>i * E);
  }
  mix(s, matrix, t);
}

/**
 * Permutes STATE (t elements, Montgomery form, each < 2r) and writes state[0] of the output
 * to `out` (Montgomery form, < 1.1r). The caller fills STATE; state[0] is the capacity (0).
 */
export function permute(t: i32, out: usize): void {
  const info = WIDTHS + <usize>(t - 2) * 20;
  const nP = <i32>load<u32>(info, 0);
  let c = CONSTANTS + <usize>load<u32>(info, 4) * E;
  const sparse = CONSTANTS + <usize>load<u32>(info, 8) * E;
  const m = CONSTANTS + <usize>load<u32>(info, 12) * E;
  const p = CONSTANTS + <usize>load<u32>(info, 16) * E;
  const s = STATE;
  const tE = <usize>t * E;

  for (let i = 0; i < t; i++) add(s + <usize>i * E, s + <usize>i * E, c + <usize>i * E);
  c += tE;
  for (let r = 0; r < N_ROUNDS_F / 2 - 1; r++) {
    fullRound(s, c, m, t);
    c += tE;
  }
  fullRound(s, c, p, t);
  c += tE;

  // Partial rounds: s0 ← s0^5 + c; then s0' = <S_r[0..t), s>, s_k += s0·S_r[t + k − 1].
  let sr = sparse;
  for (let r = 0; r < nP; r++) {
    pow5(s);
    add(s, s, c);
    c += E;
    dot(NEXT, sr, s, t);
    // s_k accumulates over up to 68 rounds: keep it below 2r.
    // Two products per call in SIMD lanes where possible.
    const sk = sr + <usize>t * E;
    let k = 1;
    for (; k + 1 < t; k += 2) {
      const x = s + <usize>k * E;
      mulAddBelow2rPair(x, x + E, s, sk + <usize>(k - 1) * E, sk + <usize>k * E);
    }
    if (k < t) mulAddBelow2r(s + <usize>k * E, s, sk + <usize>(k - 1) * E);
    memory.copy(s, NEXT, E);
    sr += <usize>(2 * t - 1) * E;
  }

  for (let r = 0; r < N_ROUNDS_F / 2 - 1; r++) {
    fullRound(s, c, m, t);
    c += tE;
  }
  // Last round: S-box, no constants, and only output 0 of the mix is needed.
  for (let i = 0; i < t; i++) pow5(s + <usize>i * E);
  dot(out, m, s, t);
}

/** out = Poseidon(a, b) on Montgomery elements: the Merkle node hash. */
export function hash2(out: usize, a: usize, b: usize): void {
  memory.fill(STATE, 0, E);
  memory.copy(STATE + E, a, E);
  memory.copy(STATE + 2 * E, b, E);
  permute(3, out);
}

// Two permutations in lockstep: the same rounds over pair elements (field-x2.ts), one hash per
// lane. Each multiplication then costs one i64x2 instruction stream for both hashes, which is
// cheaper than two scalar streams (the scalar path is bound by the 64-bit multiplier).

/** Lockstep permutation state: t pair elements. */
export const STATE2: usize = memory.data(MAX_T * 72, 64);
const NEXT2: usize = memory.data(MAX_T * 72, 64);
const TMP2: usize = memory.data(72, 64);
const WIDE2: usize = memory.data(17 * 16, 64);
const OUT2: usize = memory.data(72, 64);

/** Pair element o ← (x in lane 0, y in lane 1) from two elements in limb form. */
export function zip(o: usize, x: usize, y: usize): void {
  for (let k: usize = 0; k < 9; k++) {
    store<u32>(o + (k << 3), load<u32>(x + (k << 2)));
    store<u32>(o + (k << 3), load<u32>(y + (k << 2)), 4);
  }
}

/** Elements x, y ← lanes 0 and 1 of pair element p. */
export function unzip(x: usize, y: usize, p: usize): void {
  for (let k: usize = 0; k < 9; k++) {
    store<u32>(x + (k << 2), load<u32>(p + (k << 3)));
    store<u32>(y + (k << 2), load<u32>(p + (k << 3), 4));
  }
}

/** Copies one pair element (memory.copy is a runtime call in V8: too slow per round). */
@inline function copyPair(o: usize, x: usize): void {
  v128.store(o, v128.load(x));
  v128.store(o, v128.load(x, 16), 16);
  v128.store(o, v128.load(x, 32), 32);
  v128.store(o, v128.load(x, 48), 48);
  store<u64>(o, load<u64>(x, 64), 64);
}

@inline function pow5X2(x: usize): void {
  sqrX2(TMP2, x);
  sqrX2(TMP2, TMP2);
  mulX2(x, TMP2, x);
}

function dotX2(o: usize, row: usize, s: usize, t: i32): void {
  mulWideX2(WIDE2, row, s);
  for (let j = 1; j < t; j++) mulWideAddX2(WIDE2, row + <usize>j * E, s + <usize>j * P);
  reduceWideX2(o, WIDE2);
}

function mixX2(s: usize, matrix: usize, t: i32): void {
  const rowBytes = <usize>t * E;
  for (let i = 0; i < t; i++) dotX2(NEXT2 + <usize>i * P, matrix + <usize>i * rowBytes, s, t);
  for (let i = 0; i < t; i++) copyPair(s + <usize>i * P, NEXT2 + <usize>i * P);
}

@inline function fullRoundX2(s: usize, c: usize, matrix: usize, t: i32): void {
  for (let i = 0; i < t; i++) {
    const x = s + <usize>i * P;
    pow5X2(x);
    addX2(x, x, c + <usize>i * E);
  }
  mixX2(s, matrix, t);
}

/**
 * permute for two states at once: STATE2 holds t pair elements (each lane < 2r, state[0] the
 * zero capacity); writes both lanes' output element to `outA`, `outB` (limb form, < 1.1r).
 */
export function permuteX2(t: i32, outA: usize, outB: usize): void {
  const info = WIDTHS + <usize>(t - 2) * 20;
  const nP = <i32>load<u32>(info, 0);
  let c = CONSTANTS + <usize>load<u32>(info, 4) * E;
  const sparse = CONSTANTS + <usize>load<u32>(info, 8) * E;
  const m = CONSTANTS + <usize>load<u32>(info, 12) * E;
  const p = CONSTANTS + <usize>load<u32>(info, 16) * E;
  const s = STATE2;
  const tE = <usize>t * E;

  for (let i = 0; i < t; i++) addX2(s + <usize>i * P, s + <usize>i * P, c + <usize>i * E);
  c += tE;
  for (let r = 0; r < N_ROUNDS_F / 2 - 1; r++) {
    fullRoundX2(s, c, m, t);
    c += tE;
  }
  fullRoundX2(s, c, p, t);
  c += tE;

  let sr = sparse;
  for (let r = 0; r < nP; r++) {
    pow5X2(s);
    addX2(s, s, c);
    c += E;
    dotX2(NEXT2, sr, s, t);
    const sk = sr + tE;
    for (let k = 1; k < t; k++) mulAddBelow2rX2(s + <usize>k * P, s, sk + <usize>(k - 1) * E);
    copyPair(s, NEXT2);
    sr += <usize>(2 * t - 1) * E;
  }

  for (let r = 0; r < N_ROUNDS_F / 2 - 1; r++) {
    fullRoundX2(s, c, m, t);
    c += tE;
  }
  for (let i = 0; i < t; i++) pow5X2(s + <usize>i * P);
  dotX2(OUT2, m, s, t);
  unzip(outA, outB, OUT2);
}

/** outA = Poseidon(a0, a1) and outB = Poseidon(b0, b1) in lockstep (Montgomery elements). */
export function hash2X2(outA: usize, outB: usize, a0: usize, a1: usize, b0: usize, b1: usize): void {
  memory.fill(STATE2, 0, P);
  zip(STATE2 + P, a0, b0);
  zip(STATE2 + 2 * P, a1, b1);
  permuteX2(3, outA, outB);
}
