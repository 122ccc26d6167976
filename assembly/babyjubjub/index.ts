// BJJ_SUM's arithmetic (docs/vm.md, host function 0x06): Σ of Baby Jubjub points (EIP-2494, the
// twisted Edwards curve a·x² + y² = 1 + d·x²·y² over the BN254 scalar field r, a = 168700,
// d = 168696) over linear memory, in extended coordinates (X : Y : Z : T, x = X/Z, y = Y/Z,
// x·y = T/Z) with one inversion at the end. @noble/curves (`bjjSumNoble` in src/vm/node-host.ts)
// is the reference; src/wasm/babyjubjub.test.ts checks this module against it.
//
// Field arithmetic is the Poseidon module's Montgomery Fr (9 limbs of 29 bits, lazily reduced:
// Montgomery outputs are < 2r for inputs < 13r). Every stored value here is a Montgomery output
// (< 2r); sums and differences feed multiplications only, and stay < 6r.
//
// Points cross the boundary as 64 bytes each, affine x ‖ y as 32-byte big-endian words.

import { ELEMENT_BYTES, MODULUS, MODULUS_2, add, fromBytes, mul, sqr, subIfGte, toBytes, toMont } from '../poseidon/field';

/** sum() succeeded. Otherwise it returns the index of the first point refused. */
export const OK: i32 = -1;

const E = ELEMENT_BYTES;

// Curve constants in Montgomery form, computed at start-up from their plain limbs.
const ONE_M: usize = memory.data(36, 16);
const A_M: usize = memory.data(36, 16);
const D_M: usize = memory.data(36, 16);
toMont(ONE_M, memory.data<u32>([1, 0, 0, 0, 0, 0, 0, 0, 0]));
toMont(A_M, memory.data<u32>([168700, 0, 0, 0, 0, 0, 0, 0, 0]));
toMont(D_M, memory.data<u32>([168696, 0, 0, 0, 0, 0, 0, 0, 0]));

/** o = a + 2r − b for b ≤ 2r (limbs renormalized): ≡ a − b, and < a + 2r. */
function sub(o: usize, a: usize, b: usize): void {
  let v: i32 = 0;
  for (let k: usize = 0; k < 36; k += 4) {
    v += <i32>load<u32>(a + k) + <i32>load<u32>(MODULUS_2 + k) - <i32>load<u32>(b + k);
    store<u32>(o + k, <u32>(v & 0x1fffffff));
    v >>= 29;
  }
  // a + 2r − b < 6r < 2^261: nothing is left over the top limb.
}

/** x (< 4r, Montgomery) reduced to its unique representative < r, in place. */
function canonical(x: usize): void {
  subIfGte(x, x, MODULUS_2);
  subIfGte(x, x, MODULUS);
}

function equal(a: usize, b: usize): bool {
  for (let k: usize = 0; k < 36; k += 4) if (load<u32>(a + k) != load<u32>(b + k)) return false;
  return true;
}

// The accumulator and the point being added.
const X: usize = memory.data(36, 16);
const Y: usize = memory.data(36, 16);
const Z: usize = memory.data(36, 16);
const T: usize = memory.data(36, 16);
const PX: usize = memory.data(36, 16);
const PY: usize = memory.data(36, 16);
const PDT: usize = memory.data(36, 16); // d·x·y of the point
// Temporaries.
const X2: usize = memory.data(36, 16);
const Y2: usize = memory.data(36, 16);
const L: usize = memory.data(36, 16);
const R: usize = memory.data(36, 16);
const TA: usize = memory.data(36, 16);
const TB: usize = memory.data(36, 16);
const TC: usize = memory.data(36, 16);
const TE: usize = memory.data(36, 16);
const TF: usize = memory.data(36, 16);
const TG: usize = memory.data(36, 16);
const TH: usize = memory.data(36, 16);

/**
 * Reads the point at p into PX, PY (Montgomery; PX negated when `negate`) and PDT = d·x·y.
 * False when a coordinate is ≥ r or a·x² + y² ≠ 1 + d·x²·y².
 */
function readPoint(p: usize, negate: bool): bool {
  if (!fromBytes(PX, p) || !fromBytes(PY, p + 32)) return false;
  toMont(PX, PX);
  toMont(PY, PY);
  sqr(X2, PX);
  sqr(Y2, PY);
  mul(L, A_M, X2);
  add(L, L, Y2); // a·x² + y²
  mul(TA, PX, PY); // x·y
  sqr(TB, TA);
  mul(R, D_M, TB);
  add(R, R, ONE_M); // 1 + d·x²·y²
  canonical(L);
  canonical(R);
  if (!equal(L, R)) return false;
  mul(PDT, D_M, TA);
  if (negate) {
    // −(x, y) = (−x, y), so d·x·y negates too.
    memory.fill(TB, 0, E);
    sub(PX, TB, PX);
    sub(PDT, TB, PDT);
    subIfGte(PX, PX, MODULUS_2);
    subIfGte(PDT, PDT, MODULUS_2);
  }
  return true;
}

/**
 * (X : Y : Z : T) += (PX, PY) with Z2 = 1: add-2008-hwcd (Hisil–Wong–Carter–Dawson 2008, §3.1),
 * the complete formulas @noble/curves uses, for a general a (Baby Jubjub's d is a non-square).
 */
function addPoint(): void {
  mul(TA, X, PX); // A = X1·X2
  mul(TB, Y, PY); // B = Y1·Y2
  mul(TC, T, PDT); // C = T1·d·T2
  add(TE, X, Y);
  add(TF, PX, PY);
  mul(TE, TE, TF);
  sub(TE, TE, TA);
  subIfGte(TE, TE, MODULUS_2);
  sub(TE, TE, TB); // E = (X1 + Y1)(X2 + Y2) − A − B
  sub(TF, Z, TC); // F = D − C, D = Z1·Z2 = Z1
  add(TG, Z, TC); // G = D + C
  mul(TH, A_M, TA);
  sub(TH, TB, TH); // H = B − a·A
  mul(X, TE, TF);
  mul(Y, TG, TH);
  mul(T, TE, TH);
  mul(Z, TF, TG);
}

// r − 2 as u64 words, least significant first: z^(r−2) = z⁻¹.
const R_MINUS_2: usize = memory.data<u64>([0x43e1f593efffffff, 0x2833e84879b97091, 0xb85045b68181585d, 0x30644e72e131a029]);

/** o = z⁻¹ (Montgomery in, Montgomery out) by Fermat; z ≠ 0. */
function invert(o: usize, z: usize): void {
  memory.copy(o, ONE_M, E);
  for (let w = 3; w >= 0; w--) {
    const word = load<u64>(R_MINUS_2 + (<usize>w << 3));
    for (let b = 63; b >= 0; b--) {
      sqr(o, o);
      if (((word >> <u64>b) & 1) != 0) mul(o, o, z);
    }
  }
}

/**
 * out (64 bytes) = Σ of the first `added` points at input minus Σ of the next `subtracted`.
 * Returns OK, or the index of the first point with a coordinate ≥ r or off the curve (out
 * untouched). The sum of no points is the identity (0, 1).
 */
export function sum(input: usize, added: u32, subtracted: u32, out: usize): i32 {
  memory.fill(X, 0, E);
  memory.copy(Y, ONE_M, E);
  memory.copy(Z, ONE_M, E);
  memory.fill(T, 0, E);
  const count = added + subtracted;
  for (let i: u32 = 0; i < count; i++) {
    if (!readPoint(input + (<usize>i << 6), i >= added)) return <i32>i;
    addPoint();
  }
  // Z ≠ 0: the addition law is complete on the whole curve.
  invert(TA, Z);
  mul(TB, X, TA);
  mul(TC, Y, TA);
  toBytes(out, TB);
  toBytes(out + 32, TC);
  return OK;
}

@inline function align64(x: usize): usize {
  return (x + 63) & ~(<usize>63);
}

const IO: usize = align64(__heap_base);

/** Ensures `bytes` of IO space and returns its address (stable across calls). */
export function ioBuffer(bytes: usize): usize {
  const end = <u64>IO + <u64>bytes;
  if (end > 0xffff0000) unreachable();
  const have = <u64>memory.size() << 16;
  if (end > have && memory.grow(<i32>((end - have + 0xffff) >> 16)) < 0) unreachable();
  return IO;
}
