// BN254 scalar field Fr in Montgomery form over 9 limbs of 29 bits (R = 2^261).
//
// An element is 9 u32 limbs at a 36-byte-aligned address, least significant first. Limbs are kept
// below 2^29 so a u64 accumulator absorbs 63 limb products (each < 2^58) without a carry pass.
// Values are reduced lazily: Montgomery outputs are < r + a·b/R, and since R/r ≈ 169 any inputs
// below 13r give an output below 2r. Callers keep operands under that bound (see poseidon.ts).
//
// The multipliers are written out limb by limb (mechanically generated, pattern in each doc): wasm
// engines neither unroll loops nor keep arrays in registers, and these loops are the whole cost.

/** Bytes per element in limb form. */
export const ELEMENT_BYTES: usize = 36;
const MASK: u64 = 0x1fffffff;
// −r⁻¹ mod 2^29 is 2^28 − 1 (r ≡ 1 + 2^28 mod 2^29, as r − 1 = 2^28 · odd), so the Montgomery
// quotient digit q = c·(2^28 − 1) mod 2^29 is computed as (c << 28) − c.

const R0: u64 = 0x10000001;
const R1: u64 = 0x1f0fac9f;
const R2: u64 = 0xe5c2450;
const R3: u64 = 0x7d090f3;
const R4: u64 = 0x1585d283;
const R5: u64 = 0x2db40c0;
const R6: u64 = 0xa6e141;
const R7: u64 = 0xe5c2634;
const R8: u64 = 0x30644e;

/** r, 2r and R² mod r in limb form. */
export const MODULUS: usize = memory.data<u32>([0x10000001, 0x1f0fac9f, 0xe5c2450, 0x7d090f3, 0x1585d283, 0x2db40c0, 0xa6e141, 0xe5c2634, 0x30644e]);
export const MODULUS_2: usize = memory.data<u32>([0x2, 0x1e1f593f, 0x1cb848a1, 0xfa121e6, 0xb0ba506, 0x5b68181, 0x14dc282, 0x1cb84c68, 0x60c89c]);
export const R_SQUARED: usize = memory.data<u32>([0x5b69bd4, 0x6170a5a, 0x20cddce, 0x1db6310b, 0xe54d0ff, 0x1cf855e3, 0x1c15e103, 0x7d09161, 0xa054a]);

/** o = a·b/R. Column k sums a_x·b_(k−x) and q_x·r_(k−x); q_k zeroes column k (k < 9). */
export function mul(o: usize, a: usize, b: usize): void {
  const a0 = <u64>load<u32>(a, 0);
  const a1 = <u64>load<u32>(a, 4);
  const a2 = <u64>load<u32>(a, 8);
  const a3 = <u64>load<u32>(a, 12);
  const a4 = <u64>load<u32>(a, 16);
  const a5 = <u64>load<u32>(a, 20);
  const a6 = <u64>load<u32>(a, 24);
  const a7 = <u64>load<u32>(a, 28);
  const a8 = <u64>load<u32>(a, 32);
  const b0 = <u64>load<u32>(b, 0);
  const b1 = <u64>load<u32>(b, 4);
  const b2 = <u64>load<u32>(b, 8);
  const b3 = <u64>load<u32>(b, 12);
  const b4 = <u64>load<u32>(b, 16);
  const b5 = <u64>load<u32>(b, 20);
  const b6 = <u64>load<u32>(b, 24);
  const b7 = <u64>load<u32>(b, 28);
  const b8 = <u64>load<u32>(b, 32);
  let acc: u64 = a0 * b0;
  const q0 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q0 + (q0 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a0 * b1 + a1 * b0 + q0 * R1;
  const q1 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q1 + (q1 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a0 * b2 + a1 * b1 + a2 * b0 + q0 * R2 + q1 * R1;
  const q2 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q2 + (q2 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + q0 * R3 + q1 * R2 + q2 * R1;
  const q3 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q3 + (q3 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0 + q0 * R4 + q1 * R3 + q2 * R2 + q3 * R1;
  const q4 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q4 + (q4 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a0 * b5 + a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1 + a5 * b0 + q0 * R5 + q1 * R4 + q2 * R3 + q3 * R2 + q4 * R1;
  const q5 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q5 + (q5 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a0 * b6 + a1 * b5 + a2 * b4 + a3 * b3 + a4 * b2 + a5 * b1 + a6 * b0 + q0 * R6 + q1 * R5 + q2 * R4 + q3 * R3 + q4 * R2 + q5 * R1;
  const q6 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q6 + (q6 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a0 * b7 + a1 * b6 + a2 * b5 + a3 * b4 + a4 * b3 + a5 * b2 + a6 * b1 + a7 * b0 + q0 * R7 + q1 * R6 + q2 * R5 + q3 * R4 + q4 * R3 + q5 * R2 + q6 * R1;
  const q7 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q7 + (q7 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a0 * b8 + a1 * b7 + a2 * b6 + a3 * b5 + a4 * b4 + a5 * b3 + a6 * b2 + a7 * b1 + a8 * b0 + q0 * R8 + q1 * R7 + q2 * R6 + q3 * R5 + q4 * R4 + q5 * R3 + q6 * R2 + q7 * R1;
  const q8 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q8 + (q8 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a1 * b8 + a2 * b7 + a3 * b6 + a4 * b5 + a5 * b4 + a6 * b3 + a7 * b2 + a8 * b1 + q1 * R8 + q2 * R7 + q3 * R6 + q4 * R5 + q5 * R4 + q6 * R3 + q7 * R2 + q8 * R1;
  store<u32>(o, <u32>(acc & MASK), 0);
  acc >>= 29;
  acc += a2 * b8 + a3 * b7 + a4 * b6 + a5 * b5 + a6 * b4 + a7 * b3 + a8 * b2 + q2 * R8 + q3 * R7 + q4 * R6 + q5 * R5 + q6 * R4 + q7 * R3 + q8 * R2;
  store<u32>(o, <u32>(acc & MASK), 4);
  acc >>= 29;
  acc += a3 * b8 + a4 * b7 + a5 * b6 + a6 * b5 + a7 * b4 + a8 * b3 + q3 * R8 + q4 * R7 + q5 * R6 + q6 * R5 + q7 * R4 + q8 * R3;
  store<u32>(o, <u32>(acc & MASK), 8);
  acc >>= 29;
  acc += a4 * b8 + a5 * b7 + a6 * b6 + a7 * b5 + a8 * b4 + q4 * R8 + q5 * R7 + q6 * R6 + q7 * R5 + q8 * R4;
  store<u32>(o, <u32>(acc & MASK), 12);
  acc >>= 29;
  acc += a5 * b8 + a6 * b7 + a7 * b6 + a8 * b5 + q5 * R8 + q6 * R7 + q7 * R6 + q8 * R5;
  store<u32>(o, <u32>(acc & MASK), 16);
  acc >>= 29;
  acc += a6 * b8 + a7 * b7 + a8 * b6 + q6 * R8 + q7 * R7 + q8 * R6;
  store<u32>(o, <u32>(acc & MASK), 20);
  acc >>= 29;
  acc += a7 * b8 + a8 * b7 + q7 * R8 + q8 * R7;
  store<u32>(o, <u32>(acc & MASK), 24);
  acc >>= 29;
  acc += a8 * b8 + q8 * R8;
  store<u32>(o, <u32>(acc & MASK), 28);
  acc >>= 29;
  store<u32>(o, <u32>acc, 32);
}

/** o = a²/R: as mul, with each cross product a_x·a_y (x < y) computed once and doubled. */
export function sqr(o: usize, a: usize): void {
  const a0 = <u64>load<u32>(a, 0);
  const a1 = <u64>load<u32>(a, 4);
  const a2 = <u64>load<u32>(a, 8);
  const a3 = <u64>load<u32>(a, 12);
  const a4 = <u64>load<u32>(a, 16);
  const a5 = <u64>load<u32>(a, 20);
  const a6 = <u64>load<u32>(a, 24);
  const a7 = <u64>load<u32>(a, 28);
  const a8 = <u64>load<u32>(a, 32);
  let acc: u64 = a0 * a0;
  const q0 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q0 + (q0 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += ((a0 * a1) << 1) + q0 * R1;
  const q1 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q1 + (q1 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += ((a0 * a2) << 1) + a1 * a1 + q0 * R2 + q1 * R1;
  const q2 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q2 + (q2 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += ((a0 * a3 + a1 * a2) << 1) + q0 * R3 + q1 * R2 + q2 * R1;
  const q3 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q3 + (q3 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += ((a0 * a4 + a1 * a3) << 1) + a2 * a2 + q0 * R4 + q1 * R3 + q2 * R2 + q3 * R1;
  const q4 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q4 + (q4 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += ((a0 * a5 + a1 * a4 + a2 * a3) << 1) + q0 * R5 + q1 * R4 + q2 * R3 + q3 * R2 + q4 * R1;
  const q5 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q5 + (q5 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += ((a0 * a6 + a1 * a5 + a2 * a4) << 1) + a3 * a3 + q0 * R6 + q1 * R5 + q2 * R4 + q3 * R3 + q4 * R2 + q5 * R1;
  const q6 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q6 + (q6 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += ((a0 * a7 + a1 * a6 + a2 * a5 + a3 * a4) << 1) + q0 * R7 + q1 * R6 + q2 * R5 + q3 * R4 + q4 * R3 + q5 * R2 + q6 * R1;
  const q7 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q7 + (q7 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += ((a0 * a8 + a1 * a7 + a2 * a6 + a3 * a5) << 1) + a4 * a4 + q0 * R8 + q1 * R7 + q2 * R6 + q3 * R5 + q4 * R4 + q5 * R3 + q6 * R2 + q7 * R1;
  const q8 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q8 + (q8 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += ((a1 * a8 + a2 * a7 + a3 * a6 + a4 * a5) << 1) + q1 * R8 + q2 * R7 + q3 * R6 + q4 * R5 + q5 * R4 + q6 * R3 + q7 * R2 + q8 * R1;
  store<u32>(o, <u32>(acc & MASK), 0);
  acc >>= 29;
  acc += ((a2 * a8 + a3 * a7 + a4 * a6) << 1) + a5 * a5 + q2 * R8 + q3 * R7 + q4 * R6 + q5 * R5 + q6 * R4 + q7 * R3 + q8 * R2;
  store<u32>(o, <u32>(acc & MASK), 4);
  acc >>= 29;
  acc += ((a3 * a8 + a4 * a7 + a5 * a6) << 1) + q3 * R8 + q4 * R7 + q5 * R6 + q6 * R5 + q7 * R4 + q8 * R3;
  store<u32>(o, <u32>(acc & MASK), 8);
  acc >>= 29;
  acc += ((a4 * a8 + a5 * a7) << 1) + a6 * a6 + q4 * R8 + q5 * R7 + q6 * R6 + q7 * R5 + q8 * R4;
  store<u32>(o, <u32>(acc & MASK), 12);
  acc >>= 29;
  acc += ((a5 * a8 + a6 * a7) << 1) + q5 * R8 + q6 * R7 + q7 * R6 + q8 * R5;
  store<u32>(o, <u32>(acc & MASK), 16);
  acc >>= 29;
  acc += ((a6 * a8) << 1) + a7 * a7 + q6 * R8 + q7 * R7 + q8 * R6;
  store<u32>(o, <u32>(acc & MASK), 20);
  acc >>= 29;
  acc += ((a7 * a8) << 1) + q7 * R8 + q8 * R7;
  store<u32>(o, <u32>(acc & MASK), 24);
  acc >>= 29;
  acc += a8 * a8 + q8 * R8;
  store<u32>(o, <u32>(acc & MASK), 28);
  acc >>= 29;
  store<u32>(o, <u32>acc, 32);
}

/** x ← x + a·b/R, minus 2r when that reaches 2r: keeps an accumulating x below 2r. */
export function mulAddBelow2r(x: usize, a: usize, b: usize): void {
  const a0 = <u64>load<u32>(a, 0);
  const a1 = <u64>load<u32>(a, 4);
  const a2 = <u64>load<u32>(a, 8);
  const a3 = <u64>load<u32>(a, 12);
  const a4 = <u64>load<u32>(a, 16);
  const a5 = <u64>load<u32>(a, 20);
  const a6 = <u64>load<u32>(a, 24);
  const a7 = <u64>load<u32>(a, 28);
  const a8 = <u64>load<u32>(a, 32);
  const b0 = <u64>load<u32>(b, 0);
  const b1 = <u64>load<u32>(b, 4);
  const b2 = <u64>load<u32>(b, 8);
  const b3 = <u64>load<u32>(b, 12);
  const b4 = <u64>load<u32>(b, 16);
  const b5 = <u64>load<u32>(b, 20);
  const b6 = <u64>load<u32>(b, 24);
  const b7 = <u64>load<u32>(b, 28);
  const b8 = <u64>load<u32>(b, 32);
  let acc: u64 = a0 * b0;
  const q0 = ((acc << 28) - acc) & MASK;
  acc = (acc + q0 + (q0 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a0 * b1 + a1 * b0 + q0 * R1;
  const q1 = ((acc << 28) - acc) & MASK;
  acc = (acc + q1 + (q1 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a0 * b2 + a1 * b1 + a2 * b0 + q0 * R2 + q1 * R1;
  const q2 = ((acc << 28) - acc) & MASK;
  acc = (acc + q2 + (q2 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + q0 * R3 + q1 * R2 + q2 * R1;
  const q3 = ((acc << 28) - acc) & MASK;
  acc = (acc + q3 + (q3 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0 + q0 * R4 + q1 * R3 + q2 * R2 + q3 * R1;
  const q4 = ((acc << 28) - acc) & MASK;
  acc = (acc + q4 + (q4 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a0 * b5 + a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1 + a5 * b0 + q0 * R5 + q1 * R4 + q2 * R3 + q3 * R2 + q4 * R1;
  const q5 = ((acc << 28) - acc) & MASK;
  acc = (acc + q5 + (q5 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a0 * b6 + a1 * b5 + a2 * b4 + a3 * b3 + a4 * b2 + a5 * b1 + a6 * b0 + q0 * R6 + q1 * R5 + q2 * R4 + q3 * R3 + q4 * R2 + q5 * R1;
  const q6 = ((acc << 28) - acc) & MASK;
  acc = (acc + q6 + (q6 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a0 * b7 + a1 * b6 + a2 * b5 + a3 * b4 + a4 * b3 + a5 * b2 + a6 * b1 + a7 * b0 + q0 * R7 + q1 * R6 + q2 * R5 + q3 * R4 + q4 * R3 + q5 * R2 + q6 * R1;
  const q7 = ((acc << 28) - acc) & MASK;
  acc = (acc + q7 + (q7 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a0 * b8 + a1 * b7 + a2 * b6 + a3 * b5 + a4 * b4 + a5 * b3 + a6 * b2 + a7 * b1 + a8 * b0 + q0 * R8 + q1 * R7 + q2 * R6 + q3 * R5 + q4 * R4 + q5 * R3 + q6 * R2 + q7 * R1;
  const q8 = ((acc << 28) - acc) & MASK;
  acc = (acc + q8 + (q8 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  acc += a1 * b8 + a2 * b7 + a3 * b6 + a4 * b5 + a5 * b4 + a6 * b3 + a7 * b2 + a8 * b1 + q1 * R8 + q2 * R7 + q3 * R6 + q4 * R5 + q5 * R4 + q6 * R3 + q7 * R2 + q8 * R1;
  const p0 = acc & MASK;
  acc >>= 29;
  acc += a2 * b8 + a3 * b7 + a4 * b6 + a5 * b5 + a6 * b4 + a7 * b3 + a8 * b2 + q2 * R8 + q3 * R7 + q4 * R6 + q5 * R5 + q6 * R4 + q7 * R3 + q8 * R2;
  const p1 = acc & MASK;
  acc >>= 29;
  acc += a3 * b8 + a4 * b7 + a5 * b6 + a6 * b5 + a7 * b4 + a8 * b3 + q3 * R8 + q4 * R7 + q5 * R6 + q6 * R5 + q7 * R4 + q8 * R3;
  const p2 = acc & MASK;
  acc >>= 29;
  acc += a4 * b8 + a5 * b7 + a6 * b6 + a7 * b5 + a8 * b4 + q4 * R8 + q5 * R7 + q6 * R6 + q7 * R5 + q8 * R4;
  const p3 = acc & MASK;
  acc >>= 29;
  acc += a5 * b8 + a6 * b7 + a7 * b6 + a8 * b5 + q5 * R8 + q6 * R7 + q7 * R6 + q8 * R5;
  const p4 = acc & MASK;
  acc >>= 29;
  acc += a6 * b8 + a7 * b7 + a8 * b6 + q6 * R8 + q7 * R7 + q8 * R6;
  const p5 = acc & MASK;
  acc >>= 29;
  acc += a7 * b8 + a8 * b7 + q7 * R8 + q8 * R7;
  const p6 = acc & MASK;
  acc >>= 29;
  acc += a8 * b8 + q8 * R8;
  const p7 = acc & MASK;
  acc >>= 29;
  const p8 = acc;
  let c: u64 = 0;
  c += p0 + <u64>load<u32>(x, 0);
  const s0 = c & MASK;
  c >>= 29;
  c += p1 + <u64>load<u32>(x, 4);
  const s1 = c & MASK;
  c >>= 29;
  c += p2 + <u64>load<u32>(x, 8);
  const s2 = c & MASK;
  c >>= 29;
  c += p3 + <u64>load<u32>(x, 12);
  const s3 = c & MASK;
  c >>= 29;
  c += p4 + <u64>load<u32>(x, 16);
  const s4 = c & MASK;
  c >>= 29;
  c += p5 + <u64>load<u32>(x, 20);
  const s5 = c & MASK;
  c >>= 29;
  c += p6 + <u64>load<u32>(x, 24);
  const s6 = c & MASK;
  c >>= 29;
  c += p7 + <u64>load<u32>(x, 28);
  const s7 = c & MASK;
  c >>= 29;
  c += p8 + <u64>load<u32>(x, 32);
  const s8 = c & MASK;
  c >>= 29;
  let v: i64 = 0;
  v += <i64>s0 - 0x2;
  const d0 = <u64>v & MASK;
  v >>= 29;
  v += <i64>s1 - 0x1e1f593f;
  const d1 = <u64>v & MASK;
  v >>= 29;
  v += <i64>s2 - 0x1cb848a1;
  const d2 = <u64>v & MASK;
  v >>= 29;
  v += <i64>s3 - 0xfa121e6;
  const d3 = <u64>v & MASK;
  v >>= 29;
  v += <i64>s4 - 0xb0ba506;
  const d4 = <u64>v & MASK;
  v >>= 29;
  v += <i64>s5 - 0x5b68181;
  const d5 = <u64>v & MASK;
  v >>= 29;
  v += <i64>s6 - 0x14dc282;
  const d6 = <u64>v & MASK;
  v >>= 29;
  v += <i64>s7 - 0x1cb84c68;
  const d7 = <u64>v & MASK;
  v >>= 29;
  v += <i64>s8 - 0x60c89c;
  const d8 = <u64>v & MASK;
  v >>= 29;
  const keep = <u64>v; // all ones when the sum is below 2r
  store<u32>(x, <u32>((s0 & keep) | (d0 & ~keep)), 0);
  store<u32>(x, <u32>((s1 & keep) | (d1 & ~keep)), 4);
  store<u32>(x, <u32>((s2 & keep) | (d2 & ~keep)), 8);
  store<u32>(x, <u32>((s3 & keep) | (d3 & ~keep)), 12);
  store<u32>(x, <u32>((s4 & keep) | (d4 & ~keep)), 16);
  store<u32>(x, <u32>((s5 & keep) | (d5 & ~keep)), 20);
  store<u32>(x, <u32>((s6 & keep) | (d6 & ~keep)), 24);
  store<u32>(x, <u32>((s7 & keep) | (d7 & ~keep)), 28);
  store<u32>(x, <u32>((s8 & keep) | (d8 & ~keep)), 32);
}

/**
 * mulAddBelow2r for two products sharing one factor, one per i64x2 lane: x ← x + a·b/R and
 * y ← y + a·c/R, each minus 2r when it reaches 2r. Limb products use i64x2.extmul_low_i32x4_u
 * (one pmuludq for both lanes); q·r_j needs q moved to 32-bit lanes 0 and 1 first.
 */
export function mulAddBelow2rPair(x: usize, y: usize, a: usize, b: usize, c: usize): void {
  const a0 = i32x4.splat(load<u32>(a, 0));
  const a1 = i32x4.splat(load<u32>(a, 4));
  const a2 = i32x4.splat(load<u32>(a, 8));
  const a3 = i32x4.splat(load<u32>(a, 12));
  const a4 = i32x4.splat(load<u32>(a, 16));
  const a5 = i32x4.splat(load<u32>(a, 20));
  const a6 = i32x4.splat(load<u32>(a, 24));
  const a7 = i32x4.splat(load<u32>(a, 28));
  const a8 = i32x4.splat(load<u32>(a, 32));
  const b0 = i32x4.replace_lane(i32x4.splat(load<u32>(b, 0)), 1, load<u32>(c, 0));
  const b1 = i32x4.replace_lane(i32x4.splat(load<u32>(b, 4)), 1, load<u32>(c, 4));
  const b2 = i32x4.replace_lane(i32x4.splat(load<u32>(b, 8)), 1, load<u32>(c, 8));
  const b3 = i32x4.replace_lane(i32x4.splat(load<u32>(b, 12)), 1, load<u32>(c, 12));
  const b4 = i32x4.replace_lane(i32x4.splat(load<u32>(b, 16)), 1, load<u32>(c, 16));
  const b5 = i32x4.replace_lane(i32x4.splat(load<u32>(b, 20)), 1, load<u32>(c, 20));
  const b6 = i32x4.replace_lane(i32x4.splat(load<u32>(b, 24)), 1, load<u32>(c, 24));
  const b7 = i32x4.replace_lane(i32x4.splat(load<u32>(b, 28)), 1, load<u32>(c, 28));
  const b8 = i32x4.replace_lane(i32x4.splat(load<u32>(b, 32)), 1, load<u32>(c, 32));
  const mask = i64x2.splat(0x1fffffff);
  let acc = i64x2.extmul_low_i32x4_u(a0, b0);
  const w0 = v128.and(i64x2.sub(i64x2.shl(acc, 28), acc), mask);
  const q0 = i32x4.shuffle(w0, w0, 0, 2, 0, 2);
  acc = i64x2.shr_u(i64x2.add(acc, i64x2.add(w0, i64x2.shl(w0, 28))), 29);
  acc = i64x2.add(acc, i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_u(a0, b1), i64x2.extmul_low_i32x4_u(a1, b0)), i64x2.extmul_low_i32x4_u(q0, i32x4.splat(0x1f0fac9f))));
  const w1 = v128.and(i64x2.sub(i64x2.shl(acc, 28), acc), mask);
  const q1 = i32x4.shuffle(w1, w1, 0, 2, 0, 2);
  acc = i64x2.shr_u(i64x2.add(acc, i64x2.add(w1, i64x2.shl(w1, 28))), 29);
  acc = i64x2.add(acc, i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_u(a0, b2), i64x2.extmul_low_i32x4_u(a1, b1)), i64x2.extmul_low_i32x4_u(a2, b0)), i64x2.extmul_low_i32x4_u(q0, i32x4.splat(0xe5c2450))), i64x2.extmul_low_i32x4_u(q1, i32x4.splat(0x1f0fac9f))));
  const w2 = v128.and(i64x2.sub(i64x2.shl(acc, 28), acc), mask);
  const q2 = i32x4.shuffle(w2, w2, 0, 2, 0, 2);
  acc = i64x2.shr_u(i64x2.add(acc, i64x2.add(w2, i64x2.shl(w2, 28))), 29);
  acc = i64x2.add(acc, i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_u(a0, b3), i64x2.extmul_low_i32x4_u(a1, b2)), i64x2.extmul_low_i32x4_u(a2, b1)), i64x2.extmul_low_i32x4_u(a3, b0)), i64x2.extmul_low_i32x4_u(q0, i32x4.splat(0x7d090f3))), i64x2.extmul_low_i32x4_u(q1, i32x4.splat(0xe5c2450))), i64x2.extmul_low_i32x4_u(q2, i32x4.splat(0x1f0fac9f))));
  const w3 = v128.and(i64x2.sub(i64x2.shl(acc, 28), acc), mask);
  const q3 = i32x4.shuffle(w3, w3, 0, 2, 0, 2);
  acc = i64x2.shr_u(i64x2.add(acc, i64x2.add(w3, i64x2.shl(w3, 28))), 29);
  acc = i64x2.add(acc, i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_u(a0, b4), i64x2.extmul_low_i32x4_u(a1, b3)), i64x2.extmul_low_i32x4_u(a2, b2)), i64x2.extmul_low_i32x4_u(a3, b1)), i64x2.extmul_low_i32x4_u(a4, b0)), i64x2.extmul_low_i32x4_u(q0, i32x4.splat(0x1585d283))), i64x2.extmul_low_i32x4_u(q1, i32x4.splat(0x7d090f3))), i64x2.extmul_low_i32x4_u(q2, i32x4.splat(0xe5c2450))), i64x2.extmul_low_i32x4_u(q3, i32x4.splat(0x1f0fac9f))));
  const w4 = v128.and(i64x2.sub(i64x2.shl(acc, 28), acc), mask);
  const q4 = i32x4.shuffle(w4, w4, 0, 2, 0, 2);
  acc = i64x2.shr_u(i64x2.add(acc, i64x2.add(w4, i64x2.shl(w4, 28))), 29);
  acc = i64x2.add(acc, i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_u(a0, b5), i64x2.extmul_low_i32x4_u(a1, b4)), i64x2.extmul_low_i32x4_u(a2, b3)), i64x2.extmul_low_i32x4_u(a3, b2)), i64x2.extmul_low_i32x4_u(a4, b1)), i64x2.extmul_low_i32x4_u(a5, b0)), i64x2.extmul_low_i32x4_u(q0, i32x4.splat(0x2db40c0))), i64x2.extmul_low_i32x4_u(q1, i32x4.splat(0x1585d283))), i64x2.extmul_low_i32x4_u(q2, i32x4.splat(0x7d090f3))), i64x2.extmul_low_i32x4_u(q3, i32x4.splat(0xe5c2450))), i64x2.extmul_low_i32x4_u(q4, i32x4.splat(0x1f0fac9f))));
  const w5 = v128.and(i64x2.sub(i64x2.shl(acc, 28), acc), mask);
  const q5 = i32x4.shuffle(w5, w5, 0, 2, 0, 2);
  acc = i64x2.shr_u(i64x2.add(acc, i64x2.add(w5, i64x2.shl(w5, 28))), 29);
  acc = i64x2.add(acc, i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_u(a0, b6), i64x2.extmul_low_i32x4_u(a1, b5)), i64x2.extmul_low_i32x4_u(a2, b4)), i64x2.extmul_low_i32x4_u(a3, b3)), i64x2.extmul_low_i32x4_u(a4, b2)), i64x2.extmul_low_i32x4_u(a5, b1)), i64x2.extmul_low_i32x4_u(a6, b0)), i64x2.extmul_low_i32x4_u(q0, i32x4.splat(0xa6e141))), i64x2.extmul_low_i32x4_u(q1, i32x4.splat(0x2db40c0))), i64x2.extmul_low_i32x4_u(q2, i32x4.splat(0x1585d283))), i64x2.extmul_low_i32x4_u(q3, i32x4.splat(0x7d090f3))), i64x2.extmul_low_i32x4_u(q4, i32x4.splat(0xe5c2450))), i64x2.extmul_low_i32x4_u(q5, i32x4.splat(0x1f0fac9f))));
  const w6 = v128.and(i64x2.sub(i64x2.shl(acc, 28), acc), mask);
  const q6 = i32x4.shuffle(w6, w6, 0, 2, 0, 2);
  acc = i64x2.shr_u(i64x2.add(acc, i64x2.add(w6, i64x2.shl(w6, 28))), 29);
  acc = i64x2.add(acc, i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_u(a0, b7), i64x2.extmul_low_i32x4_u(a1, b6)), i64x2.extmul_low_i32x4_u(a2, b5)), i64x2.extmul_low_i32x4_u(a3, b4)), i64x2.extmul_low_i32x4_u(a4, b3)), i64x2.extmul_low_i32x4_u(a5, b2)), i64x2.extmul_low_i32x4_u(a6, b1)), i64x2.extmul_low_i32x4_u(a7, b0)), i64x2.extmul_low_i32x4_u(q0, i32x4.splat(0xe5c2634))), i64x2.extmul_low_i32x4_u(q1, i32x4.splat(0xa6e141))), i64x2.extmul_low_i32x4_u(q2, i32x4.splat(0x2db40c0))), i64x2.extmul_low_i32x4_u(q3, i32x4.splat(0x1585d283))), i64x2.extmul_low_i32x4_u(q4, i32x4.splat(0x7d090f3))), i64x2.extmul_low_i32x4_u(q5, i32x4.splat(0xe5c2450))), i64x2.extmul_low_i32x4_u(q6, i32x4.splat(0x1f0fac9f))));
  const w7 = v128.and(i64x2.sub(i64x2.shl(acc, 28), acc), mask);
  const q7 = i32x4.shuffle(w7, w7, 0, 2, 0, 2);
  acc = i64x2.shr_u(i64x2.add(acc, i64x2.add(w7, i64x2.shl(w7, 28))), 29);
  acc = i64x2.add(acc, i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_u(a0, b8), i64x2.extmul_low_i32x4_u(a1, b7)), i64x2.extmul_low_i32x4_u(a2, b6)), i64x2.extmul_low_i32x4_u(a3, b5)), i64x2.extmul_low_i32x4_u(a4, b4)), i64x2.extmul_low_i32x4_u(a5, b3)), i64x2.extmul_low_i32x4_u(a6, b2)), i64x2.extmul_low_i32x4_u(a7, b1)), i64x2.extmul_low_i32x4_u(a8, b0)), i64x2.extmul_low_i32x4_u(q0, i32x4.splat(0x30644e))), i64x2.extmul_low_i32x4_u(q1, i32x4.splat(0xe5c2634))), i64x2.extmul_low_i32x4_u(q2, i32x4.splat(0xa6e141))), i64x2.extmul_low_i32x4_u(q3, i32x4.splat(0x2db40c0))), i64x2.extmul_low_i32x4_u(q4, i32x4.splat(0x1585d283))), i64x2.extmul_low_i32x4_u(q5, i32x4.splat(0x7d090f3))), i64x2.extmul_low_i32x4_u(q6, i32x4.splat(0xe5c2450))), i64x2.extmul_low_i32x4_u(q7, i32x4.splat(0x1f0fac9f))));
  const w8 = v128.and(i64x2.sub(i64x2.shl(acc, 28), acc), mask);
  const q8 = i32x4.shuffle(w8, w8, 0, 2, 0, 2);
  acc = i64x2.shr_u(i64x2.add(acc, i64x2.add(w8, i64x2.shl(w8, 28))), 29);
  acc = i64x2.add(acc, i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_u(a1, b8), i64x2.extmul_low_i32x4_u(a2, b7)), i64x2.extmul_low_i32x4_u(a3, b6)), i64x2.extmul_low_i32x4_u(a4, b5)), i64x2.extmul_low_i32x4_u(a5, b4)), i64x2.extmul_low_i32x4_u(a6, b3)), i64x2.extmul_low_i32x4_u(a7, b2)), i64x2.extmul_low_i32x4_u(a8, b1)), i64x2.extmul_low_i32x4_u(q1, i32x4.splat(0x30644e))), i64x2.extmul_low_i32x4_u(q2, i32x4.splat(0xe5c2634))), i64x2.extmul_low_i32x4_u(q3, i32x4.splat(0xa6e141))), i64x2.extmul_low_i32x4_u(q4, i32x4.splat(0x2db40c0))), i64x2.extmul_low_i32x4_u(q5, i32x4.splat(0x1585d283))), i64x2.extmul_low_i32x4_u(q6, i32x4.splat(0x7d090f3))), i64x2.extmul_low_i32x4_u(q7, i32x4.splat(0xe5c2450))), i64x2.extmul_low_i32x4_u(q8, i32x4.splat(0x1f0fac9f))));
  const p0 = v128.and(acc, mask);
  acc = i64x2.shr_u(acc, 29);
  acc = i64x2.add(acc, i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_u(a2, b8), i64x2.extmul_low_i32x4_u(a3, b7)), i64x2.extmul_low_i32x4_u(a4, b6)), i64x2.extmul_low_i32x4_u(a5, b5)), i64x2.extmul_low_i32x4_u(a6, b4)), i64x2.extmul_low_i32x4_u(a7, b3)), i64x2.extmul_low_i32x4_u(a8, b2)), i64x2.extmul_low_i32x4_u(q2, i32x4.splat(0x30644e))), i64x2.extmul_low_i32x4_u(q3, i32x4.splat(0xe5c2634))), i64x2.extmul_low_i32x4_u(q4, i32x4.splat(0xa6e141))), i64x2.extmul_low_i32x4_u(q5, i32x4.splat(0x2db40c0))), i64x2.extmul_low_i32x4_u(q6, i32x4.splat(0x1585d283))), i64x2.extmul_low_i32x4_u(q7, i32x4.splat(0x7d090f3))), i64x2.extmul_low_i32x4_u(q8, i32x4.splat(0xe5c2450))));
  const p1 = v128.and(acc, mask);
  acc = i64x2.shr_u(acc, 29);
  acc = i64x2.add(acc, i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_u(a3, b8), i64x2.extmul_low_i32x4_u(a4, b7)), i64x2.extmul_low_i32x4_u(a5, b6)), i64x2.extmul_low_i32x4_u(a6, b5)), i64x2.extmul_low_i32x4_u(a7, b4)), i64x2.extmul_low_i32x4_u(a8, b3)), i64x2.extmul_low_i32x4_u(q3, i32x4.splat(0x30644e))), i64x2.extmul_low_i32x4_u(q4, i32x4.splat(0xe5c2634))), i64x2.extmul_low_i32x4_u(q5, i32x4.splat(0xa6e141))), i64x2.extmul_low_i32x4_u(q6, i32x4.splat(0x2db40c0))), i64x2.extmul_low_i32x4_u(q7, i32x4.splat(0x1585d283))), i64x2.extmul_low_i32x4_u(q8, i32x4.splat(0x7d090f3))));
  const p2 = v128.and(acc, mask);
  acc = i64x2.shr_u(acc, 29);
  acc = i64x2.add(acc, i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_u(a4, b8), i64x2.extmul_low_i32x4_u(a5, b7)), i64x2.extmul_low_i32x4_u(a6, b6)), i64x2.extmul_low_i32x4_u(a7, b5)), i64x2.extmul_low_i32x4_u(a8, b4)), i64x2.extmul_low_i32x4_u(q4, i32x4.splat(0x30644e))), i64x2.extmul_low_i32x4_u(q5, i32x4.splat(0xe5c2634))), i64x2.extmul_low_i32x4_u(q6, i32x4.splat(0xa6e141))), i64x2.extmul_low_i32x4_u(q7, i32x4.splat(0x2db40c0))), i64x2.extmul_low_i32x4_u(q8, i32x4.splat(0x1585d283))));
  const p3 = v128.and(acc, mask);
  acc = i64x2.shr_u(acc, 29);
  acc = i64x2.add(acc, i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_u(a5, b8), i64x2.extmul_low_i32x4_u(a6, b7)), i64x2.extmul_low_i32x4_u(a7, b6)), i64x2.extmul_low_i32x4_u(a8, b5)), i64x2.extmul_low_i32x4_u(q5, i32x4.splat(0x30644e))), i64x2.extmul_low_i32x4_u(q6, i32x4.splat(0xe5c2634))), i64x2.extmul_low_i32x4_u(q7, i32x4.splat(0xa6e141))), i64x2.extmul_low_i32x4_u(q8, i32x4.splat(0x2db40c0))));
  const p4 = v128.and(acc, mask);
  acc = i64x2.shr_u(acc, 29);
  acc = i64x2.add(acc, i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_u(a6, b8), i64x2.extmul_low_i32x4_u(a7, b7)), i64x2.extmul_low_i32x4_u(a8, b6)), i64x2.extmul_low_i32x4_u(q6, i32x4.splat(0x30644e))), i64x2.extmul_low_i32x4_u(q7, i32x4.splat(0xe5c2634))), i64x2.extmul_low_i32x4_u(q8, i32x4.splat(0xa6e141))));
  const p5 = v128.and(acc, mask);
  acc = i64x2.shr_u(acc, 29);
  acc = i64x2.add(acc, i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_u(a7, b8), i64x2.extmul_low_i32x4_u(a8, b7)), i64x2.extmul_low_i32x4_u(q7, i32x4.splat(0x30644e))), i64x2.extmul_low_i32x4_u(q8, i32x4.splat(0xe5c2634))));
  const p6 = v128.and(acc, mask);
  acc = i64x2.shr_u(acc, 29);
  acc = i64x2.add(acc, i64x2.add(i64x2.extmul_low_i32x4_u(a8, b8), i64x2.extmul_low_i32x4_u(q8, i32x4.splat(0x30644e))));
  const p7 = v128.and(acc, mask);
  acc = i64x2.shr_u(acc, 29);
  const p8 = acc;
  let carry = i64x2.splat(0);
  carry = i64x2.add(carry, i64x2.add(p0, i64x2.replace_lane(i64x2.splat(<u64>load<u32>(x, 0)), 1, <u64>load<u32>(y, 0))));
  const s0 = v128.and(carry, mask);
  carry = i64x2.shr_u(carry, 29);
  carry = i64x2.add(carry, i64x2.add(p1, i64x2.replace_lane(i64x2.splat(<u64>load<u32>(x, 4)), 1, <u64>load<u32>(y, 4))));
  const s1 = v128.and(carry, mask);
  carry = i64x2.shr_u(carry, 29);
  carry = i64x2.add(carry, i64x2.add(p2, i64x2.replace_lane(i64x2.splat(<u64>load<u32>(x, 8)), 1, <u64>load<u32>(y, 8))));
  const s2 = v128.and(carry, mask);
  carry = i64x2.shr_u(carry, 29);
  carry = i64x2.add(carry, i64x2.add(p3, i64x2.replace_lane(i64x2.splat(<u64>load<u32>(x, 12)), 1, <u64>load<u32>(y, 12))));
  const s3 = v128.and(carry, mask);
  carry = i64x2.shr_u(carry, 29);
  carry = i64x2.add(carry, i64x2.add(p4, i64x2.replace_lane(i64x2.splat(<u64>load<u32>(x, 16)), 1, <u64>load<u32>(y, 16))));
  const s4 = v128.and(carry, mask);
  carry = i64x2.shr_u(carry, 29);
  carry = i64x2.add(carry, i64x2.add(p5, i64x2.replace_lane(i64x2.splat(<u64>load<u32>(x, 20)), 1, <u64>load<u32>(y, 20))));
  const s5 = v128.and(carry, mask);
  carry = i64x2.shr_u(carry, 29);
  carry = i64x2.add(carry, i64x2.add(p6, i64x2.replace_lane(i64x2.splat(<u64>load<u32>(x, 24)), 1, <u64>load<u32>(y, 24))));
  const s6 = v128.and(carry, mask);
  carry = i64x2.shr_u(carry, 29);
  carry = i64x2.add(carry, i64x2.add(p7, i64x2.replace_lane(i64x2.splat(<u64>load<u32>(x, 28)), 1, <u64>load<u32>(y, 28))));
  const s7 = v128.and(carry, mask);
  carry = i64x2.shr_u(carry, 29);
  carry = i64x2.add(carry, i64x2.add(p8, i64x2.replace_lane(i64x2.splat(<u64>load<u32>(x, 32)), 1, <u64>load<u32>(y, 32))));
  const s8 = v128.and(carry, mask);
  carry = i64x2.shr_u(carry, 29);
  let borrow = i64x2.splat(0);
  borrow = i64x2.add(borrow, i64x2.sub(s0, i64x2.splat(0x2)));
  const d0 = v128.and(borrow, mask);
  borrow = i64x2.shr_s(borrow, 29);
  borrow = i64x2.add(borrow, i64x2.sub(s1, i64x2.splat(0x1e1f593f)));
  const d1 = v128.and(borrow, mask);
  borrow = i64x2.shr_s(borrow, 29);
  borrow = i64x2.add(borrow, i64x2.sub(s2, i64x2.splat(0x1cb848a1)));
  const d2 = v128.and(borrow, mask);
  borrow = i64x2.shr_s(borrow, 29);
  borrow = i64x2.add(borrow, i64x2.sub(s3, i64x2.splat(0xfa121e6)));
  const d3 = v128.and(borrow, mask);
  borrow = i64x2.shr_s(borrow, 29);
  borrow = i64x2.add(borrow, i64x2.sub(s4, i64x2.splat(0xb0ba506)));
  const d4 = v128.and(borrow, mask);
  borrow = i64x2.shr_s(borrow, 29);
  borrow = i64x2.add(borrow, i64x2.sub(s5, i64x2.splat(0x5b68181)));
  const d5 = v128.and(borrow, mask);
  borrow = i64x2.shr_s(borrow, 29);
  borrow = i64x2.add(borrow, i64x2.sub(s6, i64x2.splat(0x14dc282)));
  const d6 = v128.and(borrow, mask);
  borrow = i64x2.shr_s(borrow, 29);
  borrow = i64x2.add(borrow, i64x2.sub(s7, i64x2.splat(0x1cb84c68)));
  const d7 = v128.and(borrow, mask);
  borrow = i64x2.shr_s(borrow, 29);
  borrow = i64x2.add(borrow, i64x2.sub(s8, i64x2.splat(0x60c89c)));
  const d8 = v128.and(borrow, mask);
  borrow = i64x2.shr_s(borrow, 29);
  // borrow is all ones in a lane whose sum is below 2r: keep the sum there.
  const o0 = v128.bitselect(s0, d0, borrow);
  store<u32>(x, <u32>i64x2.extract_lane(o0, 0), 0);
  store<u32>(y, <u32>i64x2.extract_lane(o0, 1), 0);
  const o1 = v128.bitselect(s1, d1, borrow);
  store<u32>(x, <u32>i64x2.extract_lane(o1, 0), 4);
  store<u32>(y, <u32>i64x2.extract_lane(o1, 1), 4);
  const o2 = v128.bitselect(s2, d2, borrow);
  store<u32>(x, <u32>i64x2.extract_lane(o2, 0), 8);
  store<u32>(y, <u32>i64x2.extract_lane(o2, 1), 8);
  const o3 = v128.bitselect(s3, d3, borrow);
  store<u32>(x, <u32>i64x2.extract_lane(o3, 0), 12);
  store<u32>(y, <u32>i64x2.extract_lane(o3, 1), 12);
  const o4 = v128.bitselect(s4, d4, borrow);
  store<u32>(x, <u32>i64x2.extract_lane(o4, 0), 16);
  store<u32>(y, <u32>i64x2.extract_lane(o4, 1), 16);
  const o5 = v128.bitselect(s5, d5, borrow);
  store<u32>(x, <u32>i64x2.extract_lane(o5, 0), 20);
  store<u32>(y, <u32>i64x2.extract_lane(o5, 1), 20);
  const o6 = v128.bitselect(s6, d6, borrow);
  store<u32>(x, <u32>i64x2.extract_lane(o6, 0), 24);
  store<u32>(y, <u32>i64x2.extract_lane(o6, 1), 24);
  const o7 = v128.bitselect(s7, d7, borrow);
  store<u32>(x, <u32>i64x2.extract_lane(o7, 0), 28);
  store<u32>(y, <u32>i64x2.extract_lane(o7, 1), 28);
  const o8 = v128.bitselect(s8, d8, borrow);
  store<u32>(x, <u32>i64x2.extract_lane(o8, 0), 32);
  store<u32>(y, <u32>i64x2.extract_lane(o8, 1), 32);
}

/** w = a·b as 17 unreduced u64 columns (column k = Σ a_x·b_(k−x)). */
export function mulWide(w: usize, a: usize, b: usize): void {
  const a0 = <u64>load<u32>(a, 0);
  const a1 = <u64>load<u32>(a, 4);
  const a2 = <u64>load<u32>(a, 8);
  const a3 = <u64>load<u32>(a, 12);
  const a4 = <u64>load<u32>(a, 16);
  const a5 = <u64>load<u32>(a, 20);
  const a6 = <u64>load<u32>(a, 24);
  const a7 = <u64>load<u32>(a, 28);
  const a8 = <u64>load<u32>(a, 32);
  const b0 = <u64>load<u32>(b, 0);
  const b1 = <u64>load<u32>(b, 4);
  const b2 = <u64>load<u32>(b, 8);
  const b3 = <u64>load<u32>(b, 12);
  const b4 = <u64>load<u32>(b, 16);
  const b5 = <u64>load<u32>(b, 20);
  const b6 = <u64>load<u32>(b, 24);
  const b7 = <u64>load<u32>(b, 28);
  const b8 = <u64>load<u32>(b, 32);
  store<u64>(w, a0 * b0, 0);
  store<u64>(w, a0 * b1 + a1 * b0, 8);
  store<u64>(w, a0 * b2 + a1 * b1 + a2 * b0, 16);
  store<u64>(w, a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0, 24);
  store<u64>(w, a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0, 32);
  store<u64>(w, a0 * b5 + a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1 + a5 * b0, 40);
  store<u64>(w, a0 * b6 + a1 * b5 + a2 * b4 + a3 * b3 + a4 * b2 + a5 * b1 + a6 * b0, 48);
  store<u64>(w, a0 * b7 + a1 * b6 + a2 * b5 + a3 * b4 + a4 * b3 + a5 * b2 + a6 * b1 + a7 * b0, 56);
  store<u64>(w, a0 * b8 + a1 * b7 + a2 * b6 + a3 * b5 + a4 * b4 + a5 * b3 + a6 * b2 + a7 * b1 + a8 * b0, 64);
  store<u64>(w, a1 * b8 + a2 * b7 + a3 * b6 + a4 * b5 + a5 * b4 + a6 * b3 + a7 * b2 + a8 * b1, 72);
  store<u64>(w, a2 * b8 + a3 * b7 + a4 * b6 + a5 * b5 + a6 * b4 + a7 * b3 + a8 * b2, 80);
  store<u64>(w, a3 * b8 + a4 * b7 + a5 * b6 + a6 * b5 + a7 * b4 + a8 * b3, 88);
  store<u64>(w, a4 * b8 + a5 * b7 + a6 * b6 + a7 * b5 + a8 * b4, 96);
  store<u64>(w, a5 * b8 + a6 * b7 + a7 * b6 + a8 * b5, 104);
  store<u64>(w, a6 * b8 + a7 * b7 + a8 * b6, 112);
  store<u64>(w, a7 * b8 + a8 * b7, 120);
  store<u64>(w, a8 * b8, 128);
}

/** w += a·b column by column; at most 7 calls per reduceWide (63 products per column). */
export function mulWideAdd(w: usize, a: usize, b: usize): void {
  const a0 = <u64>load<u32>(a, 0);
  const a1 = <u64>load<u32>(a, 4);
  const a2 = <u64>load<u32>(a, 8);
  const a3 = <u64>load<u32>(a, 12);
  const a4 = <u64>load<u32>(a, 16);
  const a5 = <u64>load<u32>(a, 20);
  const a6 = <u64>load<u32>(a, 24);
  const a7 = <u64>load<u32>(a, 28);
  const a8 = <u64>load<u32>(a, 32);
  const b0 = <u64>load<u32>(b, 0);
  const b1 = <u64>load<u32>(b, 4);
  const b2 = <u64>load<u32>(b, 8);
  const b3 = <u64>load<u32>(b, 12);
  const b4 = <u64>load<u32>(b, 16);
  const b5 = <u64>load<u32>(b, 20);
  const b6 = <u64>load<u32>(b, 24);
  const b7 = <u64>load<u32>(b, 28);
  const b8 = <u64>load<u32>(b, 32);
  store<u64>(w, load<u64>(w, 0) + a0 * b0, 0);
  store<u64>(w, load<u64>(w, 8) + a0 * b1 + a1 * b0, 8);
  store<u64>(w, load<u64>(w, 16) + a0 * b2 + a1 * b1 + a2 * b0, 16);
  store<u64>(w, load<u64>(w, 24) + a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0, 24);
  store<u64>(w, load<u64>(w, 32) + a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0, 32);
  store<u64>(w, load<u64>(w, 40) + a0 * b5 + a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1 + a5 * b0, 40);
  store<u64>(w, load<u64>(w, 48) + a0 * b6 + a1 * b5 + a2 * b4 + a3 * b3 + a4 * b2 + a5 * b1 + a6 * b0, 48);
  store<u64>(w, load<u64>(w, 56) + a0 * b7 + a1 * b6 + a2 * b5 + a3 * b4 + a4 * b3 + a5 * b2 + a6 * b1 + a7 * b0, 56);
  store<u64>(w, load<u64>(w, 64) + a0 * b8 + a1 * b7 + a2 * b6 + a3 * b5 + a4 * b4 + a5 * b3 + a6 * b2 + a7 * b1 + a8 * b0, 64);
  store<u64>(w, load<u64>(w, 72) + a1 * b8 + a2 * b7 + a3 * b6 + a4 * b5 + a5 * b4 + a6 * b3 + a7 * b2 + a8 * b1, 72);
  store<u64>(w, load<u64>(w, 80) + a2 * b8 + a3 * b7 + a4 * b6 + a5 * b5 + a6 * b4 + a7 * b3 + a8 * b2, 80);
  store<u64>(w, load<u64>(w, 88) + a3 * b8 + a4 * b7 + a5 * b6 + a6 * b5 + a7 * b4 + a8 * b3, 88);
  store<u64>(w, load<u64>(w, 96) + a4 * b8 + a5 * b7 + a6 * b6 + a7 * b5 + a8 * b4, 96);
  store<u64>(w, load<u64>(w, 104) + a5 * b8 + a6 * b7 + a7 * b6 + a8 * b5, 104);
  store<u64>(w, load<u64>(w, 112) + a6 * b8 + a7 * b7 + a8 * b6, 112);
  store<u64>(w, load<u64>(w, 120) + a7 * b8 + a8 * b7, 120);
  store<u64>(w, load<u64>(w, 128) + a8 * b8, 128);
}

/** o = w/R for 17 wide columns. Columns may hold up to 2^64: each is split into 29 bits kept
 *  and a carry (nc) passed up before the q·r products are added. */
export function reduceWide(o: usize, w: usize): void {
  let nc: u64 = 0;
  let acc: u64 = 0;
  let v: u64;
  v = load<u64>(w, 0) + nc;
  nc = v >> 29;
  acc += (v & MASK);
  const q0 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q0 + (q0 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  v = load<u64>(w, 8) + nc;
  nc = v >> 29;
  acc += (v & MASK) + q0 * R1;
  const q1 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q1 + (q1 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  v = load<u64>(w, 16) + nc;
  nc = v >> 29;
  acc += (v & MASK) + q0 * R2 + q1 * R1;
  const q2 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q2 + (q2 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  v = load<u64>(w, 24) + nc;
  nc = v >> 29;
  acc += (v & MASK) + q0 * R3 + q1 * R2 + q2 * R1;
  const q3 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q3 + (q3 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  v = load<u64>(w, 32) + nc;
  nc = v >> 29;
  acc += (v & MASK) + q0 * R4 + q1 * R3 + q2 * R2 + q3 * R1;
  const q4 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q4 + (q4 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  v = load<u64>(w, 40) + nc;
  nc = v >> 29;
  acc += (v & MASK) + q0 * R5 + q1 * R4 + q2 * R3 + q3 * R2 + q4 * R1;
  const q5 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q5 + (q5 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  v = load<u64>(w, 48) + nc;
  nc = v >> 29;
  acc += (v & MASK) + q0 * R6 + q1 * R5 + q2 * R4 + q3 * R3 + q4 * R2 + q5 * R1;
  const q6 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q6 + (q6 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  v = load<u64>(w, 56) + nc;
  nc = v >> 29;
  acc += (v & MASK) + q0 * R7 + q1 * R6 + q2 * R5 + q3 * R4 + q4 * R3 + q5 * R2 + q6 * R1;
  const q7 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q7 + (q7 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  v = load<u64>(w, 64) + nc;
  nc = v >> 29;
  acc += (v & MASK) + q0 * R8 + q1 * R7 + q2 * R6 + q3 * R5 + q4 * R4 + q5 * R3 + q6 * R2 + q7 * R1;
  const q8 = ((acc << 28) - acc) & MASK; // acc·(−r⁻¹) mod 2^29
  acc = (acc + q8 + (q8 << 28)) >> 29; // q·r0, r0 = 2^28 + 1
  v = load<u64>(w, 72) + nc;
  nc = v >> 29;
  acc += (v & MASK) + q1 * R8 + q2 * R7 + q3 * R6 + q4 * R5 + q5 * R4 + q6 * R3 + q7 * R2 + q8 * R1;
  store<u32>(o, <u32>(acc & MASK), 0);
  acc >>= 29;
  v = load<u64>(w, 80) + nc;
  nc = v >> 29;
  acc += (v & MASK) + q2 * R8 + q3 * R7 + q4 * R6 + q5 * R5 + q6 * R4 + q7 * R3 + q8 * R2;
  store<u32>(o, <u32>(acc & MASK), 4);
  acc >>= 29;
  v = load<u64>(w, 88) + nc;
  nc = v >> 29;
  acc += (v & MASK) + q3 * R8 + q4 * R7 + q5 * R6 + q6 * R5 + q7 * R4 + q8 * R3;
  store<u32>(o, <u32>(acc & MASK), 8);
  acc >>= 29;
  v = load<u64>(w, 96) + nc;
  nc = v >> 29;
  acc += (v & MASK) + q4 * R8 + q5 * R7 + q6 * R6 + q7 * R5 + q8 * R4;
  store<u32>(o, <u32>(acc & MASK), 12);
  acc >>= 29;
  v = load<u64>(w, 104) + nc;
  nc = v >> 29;
  acc += (v & MASK) + q5 * R8 + q6 * R7 + q7 * R6 + q8 * R5;
  store<u32>(o, <u32>(acc & MASK), 16);
  acc >>= 29;
  v = load<u64>(w, 112) + nc;
  nc = v >> 29;
  acc += (v & MASK) + q6 * R8 + q7 * R7 + q8 * R6;
  store<u32>(o, <u32>(acc & MASK), 20);
  acc >>= 29;
  v = load<u64>(w, 120) + nc;
  nc = v >> 29;
  acc += (v & MASK) + q7 * R8 + q8 * R7;
  store<u32>(o, <u32>(acc & MASK), 24);
  acc >>= 29;
  v = load<u64>(w, 128) + nc;
  nc = v >> 29;
  acc += (v & MASK) + q8 * R8;
  store<u32>(o, <u32>(acc & MASK), 28);
  acc >>= 29;
  store<u32>(o, <u32>(acc + nc), 32);
}

/** o = a + b, limbs renormalized (no modular reduction). */
export function add(o: usize, a: usize, b: usize): void {
  let acc: u32 = 0;
  acc += load<u32>(a, 0) + load<u32>(b, 0);
  store<u32>(o, acc & 0x1fffffff, 0);
  acc >>= 29;
  acc += load<u32>(a, 4) + load<u32>(b, 4);
  store<u32>(o, acc & 0x1fffffff, 4);
  acc >>= 29;
  acc += load<u32>(a, 8) + load<u32>(b, 8);
  store<u32>(o, acc & 0x1fffffff, 8);
  acc >>= 29;
  acc += load<u32>(a, 12) + load<u32>(b, 12);
  store<u32>(o, acc & 0x1fffffff, 12);
  acc >>= 29;
  acc += load<u32>(a, 16) + load<u32>(b, 16);
  store<u32>(o, acc & 0x1fffffff, 16);
  acc >>= 29;
  acc += load<u32>(a, 20) + load<u32>(b, 20);
  store<u32>(o, acc & 0x1fffffff, 20);
  acc >>= 29;
  acc += load<u32>(a, 24) + load<u32>(b, 24);
  store<u32>(o, acc & 0x1fffffff, 24);
  acc >>= 29;
  acc += load<u32>(a, 28) + load<u32>(b, 28);
  store<u32>(o, acc & 0x1fffffff, 28);
  acc >>= 29;
  acc += load<u32>(a, 32) + load<u32>(b, 32);
  store<u32>(o, acc, 32);
}

/** o = x − m if x ≥ m else x, for m one of MODULUS, MODULUS_2 (branch-free). */
export function subIfGte(o: usize, x: usize, m: usize): void {
  let v: i32 = 0;
  v += <i32>load<u32>(x, 0) - <i32>load<u32>(m, 0);
  const d0 = v & 0x1fffffff;
  v >>= 29;
  v += <i32>load<u32>(x, 4) - <i32>load<u32>(m, 4);
  const d1 = v & 0x1fffffff;
  v >>= 29;
  v += <i32>load<u32>(x, 8) - <i32>load<u32>(m, 8);
  const d2 = v & 0x1fffffff;
  v >>= 29;
  v += <i32>load<u32>(x, 12) - <i32>load<u32>(m, 12);
  const d3 = v & 0x1fffffff;
  v >>= 29;
  v += <i32>load<u32>(x, 16) - <i32>load<u32>(m, 16);
  const d4 = v & 0x1fffffff;
  v >>= 29;
  v += <i32>load<u32>(x, 20) - <i32>load<u32>(m, 20);
  const d5 = v & 0x1fffffff;
  v >>= 29;
  v += <i32>load<u32>(x, 24) - <i32>load<u32>(m, 24);
  const d6 = v & 0x1fffffff;
  v >>= 29;
  v += <i32>load<u32>(x, 28) - <i32>load<u32>(m, 28);
  const d7 = v & 0x1fffffff;
  v >>= 29;
  v += <i32>load<u32>(x, 32) - <i32>load<u32>(m, 32);
  const d8 = v & 0x1fffffff;
  v >>= 29;
  const keep = v; // −1 when x < m: keep x
  store<u32>(o, <u32>((<i32>load<u32>(x, 0) & keep) | (d0 & ~keep)), 0);
  store<u32>(o, <u32>((<i32>load<u32>(x, 4) & keep) | (d1 & ~keep)), 4);
  store<u32>(o, <u32>((<i32>load<u32>(x, 8) & keep) | (d2 & ~keep)), 8);
  store<u32>(o, <u32>((<i32>load<u32>(x, 12) & keep) | (d3 & ~keep)), 12);
  store<u32>(o, <u32>((<i32>load<u32>(x, 16) & keep) | (d4 & ~keep)), 16);
  store<u32>(o, <u32>((<i32>load<u32>(x, 20) & keep) | (d5 & ~keep)), 20);
  store<u32>(o, <u32>((<i32>load<u32>(x, 24) & keep) | (d6 & ~keep)), 24);
  store<u32>(o, <u32>((<i32>load<u32>(x, 28) & keep) | (d7 & ~keep)), 28);
  store<u32>(o, <u32>((<i32>load<u32>(x, 32) & keep) | (d8 & ~keep)), 32);
}

// r as four u64 words, most significant first, for the canonical-encoding check.
const RW3: u64 = 0x30644e72e131a029;
const RW2: u64 = 0xb85045b68181585d;
const RW1: u64 = 0x2833e84879b97091;
const RW0: u64 = 0x43e1f593f0000001;
/** 1 in plain (non-Montgomery) limb form: a·ONE/R leaves Montgomery form. */
const ONE: usize = memory.data<u32>([1, 0, 0, 0, 0, 0, 0, 0, 0]);

/** Splits a 256-bit value given as u64 words (least significant first) into 9 limbs at o. */
@inline export function wordsToLimbs(o: usize, w0: u64, w1: u64, w2: u64, w3: u64): void {
  store<u32>(o, <u32>(w0 & MASK), 0);
  store<u32>(o, <u32>((w0 >> 29) & MASK), 4);
  store<u32>(o, <u32>(((w0 >> 58) | (w1 << 6)) & MASK), 8);
  store<u32>(o, <u32>((w1 >> 23) & MASK), 12);
  store<u32>(o, <u32>(((w1 >> 52) | (w2 << 12)) & MASK), 16);
  store<u32>(o, <u32>((w2 >> 17) & MASK), 20);
  store<u32>(o, <u32>(((w2 >> 46) | (w3 << 18)) & MASK), 24);
  store<u32>(o, <u32>((w3 >> 11) & MASK), 28);
  store<u32>(o, <u32>(w3 >> 40), 32);
}

/**
 * Reads a 32-byte big-endian encoding at p into plain limbs at o.
 * Returns false (o untouched) when the value is not canonical, i.e. ≥ r.
 */
export function fromBytes(o: usize, p: usize): bool {
  const w3 = bswap<u64>(load<u64>(p, 0));
  const w2 = bswap<u64>(load<u64>(p, 8));
  const w1 = bswap<u64>(load<u64>(p, 16));
  const w0 = bswap<u64>(load<u64>(p, 24));
  const below =
    w3 < RW3 || (w3 == RW3 && (w2 < RW2 || (w2 == RW2 && (w1 < RW1 || (w1 == RW1 && w0 < RW0)))));
  if (!below) return false;
  wordsToLimbs(o, w0, w1, w2, w3);
  return true;
}

/** Writes fully reduced, normalized limbs at x as 32 big-endian bytes at p. */
function limbsToBytes(p: usize, x: usize): void {
  const l0 = <u64>load<u32>(x, 0);
  const l1 = <u64>load<u32>(x, 4);
  const l2 = <u64>load<u32>(x, 8);
  const l3 = <u64>load<u32>(x, 12);
  const l4 = <u64>load<u32>(x, 16);
  const l5 = <u64>load<u32>(x, 20);
  const l6 = <u64>load<u32>(x, 24);
  const l7 = <u64>load<u32>(x, 28);
  const l8 = <u64>load<u32>(x, 32);
  store<u64>(p, bswap<u64>((l6 >> 18) | (l7 << 11) | (l8 << 40)), 0);
  store<u64>(p, bswap<u64>((l4 >> 12) | (l5 << 17) | (l6 << 46)), 8);
  store<u64>(p, bswap<u64>((l2 >> 6) | (l3 << 23) | (l4 << 52)), 16);
  store<u64>(p, bswap<u64>(l0 | (l1 << 29) | (l2 << 58)), 24);
}

/** o = x·R mod r (lazily reduced) for plain limbs x < r. */
export function toMont(o: usize, x: usize): void {
  mul(o, x, R_SQUARED);
}

const SCRATCH: usize = memory.data(36, 16);

/** Writes Montgomery element x (< 13r) as its canonical 32-byte big-endian encoding at p. */
export function toBytes(p: usize, x: usize): void {
  // x·1/R < r + 1, so one conditional subtraction makes it canonical.
  mul(SCRATCH, x, ONE);
  subIfGte(SCRATCH, SCRATCH, MODULUS);
  limbsToBytes(p, SCRATCH);
}
