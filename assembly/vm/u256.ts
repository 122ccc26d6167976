// 256-bit word arithmetic over pointers to words (four little-endian u64 limbs, least significant
// first; equivalently eight little-endian u32 limbs). Output pointers may alias inputs. These are
// the slow opcodes; the interpreter inlines the cheap ones (ADD, SUB, comparisons, bitwise).

import { SCRATCH } from './layout';

// Scratch regions (u32 limbs), see layout.ts SCRATCH_BYTES.
const UN: usize = SCRATCH; //        normalized dividend, up to 17 limbs
const VN: usize = SCRATCH + 128; //  normalized divisor, up to 8 limbs
const Q: usize = SCRATCH + 192; //   quotient, up to 16 limbs
const R: usize = SCRATCH + 256; //   remainder, 8 limbs
const WIDE: usize = SCRATCH + 320; // 512-bit intermediate, 16 limbs
const T1: usize = SCRATCH + 384;
const T2: usize = SCRATCH + 416;
const T3: usize = SCRATCH + 448;

@inline function limb32(p: usize, i: i32): u64 {
  return <u64>load<u32>(p + (<usize>i << 2));
}

@inline function setLimb32(p: usize, i: i32, x: u64): void {
  store<u32>(p + (<usize>i << 2), <u32>x);
}

export function isZero(a: usize): bool {
  return (load<u64>(a) | load<u64>(a, 8) | load<u64>(a, 16) | load<u64>(a, 24)) == 0;
}

@inline export function isNegative(a: usize): bool {
  return <i64>load<u64>(a, 24) < 0;
}

export function setZero(o: usize): void {
  store<u64>(o, 0);
  store<u64>(o, 0, 8);
  store<u64>(o, 0, 16);
  store<u64>(o, 0, 24);
}

export function setU64(o: usize, x: u64): void {
  store<u64>(o, x);
  store<u64>(o, 0, 8);
  store<u64>(o, 0, 16);
  store<u64>(o, 0, 24);
}

export function copyWord(o: usize, a: usize): void {
  v128.store(o, v128.load(a));
  v128.store(o, v128.load(a, 16), 16);
}

/** Unsigned a < b. */
export function lt(a: usize, b: usize): bool {
  let x = load<u64>(a, 24), y = load<u64>(b, 24);
  if (x != y) return x < y;
  x = load<u64>(a, 16); y = load<u64>(b, 16);
  if (x != y) return x < y;
  x = load<u64>(a, 8); y = load<u64>(b, 8);
  if (x != y) return x < y;
  return load<u64>(a) < load<u64>(b);
}

/** Signed (two's-complement) a < b. */
export function slt(a: usize, b: usize): bool {
  const x = load<u64>(a, 24), y = load<u64>(b, 24);
  if (x != y) return <i64>x < <i64>y;
  return lt(a, b);
}

/** o = −a mod 2^256. */
export function negate(o: usize, a: usize): void {
  let carry: u64 = 1;
  for (let i: usize = 0; i < 32; i += 8) {
    const x = ~load<u64>(a + i) + carry;
    carry = carry & <u64>(x == 0);
    store<u64>(o + i, x);
  }
}

/** o = a + b mod 2^256; returns the carry out. */
export function add(o: usize, a: usize, b: usize): u64 {
  let carry: u64 = 0;
  for (let i: usize = 0; i < 32; i += 8) {
    const x = load<u64>(a + i);
    const t = x + load<u64>(b + i);
    const c1 = <u64>(t < x);
    const s = t + carry;
    carry = c1 | <u64>(s < t);
    store<u64>(o + i, s);
  }
  return carry;
}

/** o = a − b mod 2^256. */
export function sub(o: usize, a: usize, b: usize): void {
  let borrow: u64 = 0;
  for (let i: usize = 0; i < 32; i += 8) {
    const x = load<u64>(a + i), y = load<u64>(b + i);
    const d = x - y;
    const b1 = <u64>(x < y);
    const r = d - borrow;
    borrow = b1 | <u64>(d < borrow);
    store<u64>(o + i, r);
  }
}

/** w[0..16) = a·b, full 512-bit product in u32 limbs. */
function mulWide(w: usize, a: usize, b: usize): void {
  memory.fill(w, 0, 64);
  for (let i = 0; i < 8; i++) {
    const x = limb32(a, i);
    if (x == 0) continue;
    let carry: u64 = 0;
    for (let j = 0; j < 8; j++) {
      const t = x * limb32(b, j) + limb32(w, i + j) + carry;
      setLimb32(w, i + j, t);
      carry = t >> 32;
    }
    setLimb32(w, i + 8, carry);
  }
}

/** o = a·b mod 2^256. */
export function mul(o: usize, a: usize, b: usize): void {
  memory.fill(T3, 0, 32);
  for (let i = 0; i < 8; i++) {
    const x = limb32(a, i);
    if (x == 0) continue;
    let carry: u64 = 0;
    for (let j = 0; j < 8 - i; j++) {
      const t = x * limb32(b, j) + limb32(T3, i + j) + carry;
      setLimb32(T3, i + j, t);
      carry = t >> 32;
    }
  }
  copyWord(o, T3);
}

/**
 * Q[0..16) = u / v and R[0..8) = u mod v for a `ulen`-limb u (≤ 16) and a non-zero 256-bit v:
 * Knuth's algorithm D with 32-bit digits (after Hacker's Delight, divmnu64).
 */
function divmod(u: usize, ulen: i32, v: usize): void {
  memory.fill(Q, 0, 64);
  memory.fill(R, 0, 32);
  let n = 8;
  while (n > 0 && limb32(v, n - 1) == 0) n--;
  let m = ulen;
  while (m > 0 && limb32(u, m - 1) == 0) m--;
  if (m < n) {
    memory.copy(R, u, <usize>m << 2);
    return;
  }
  if (n == 1) {
    const d = limb32(v, 0);
    let rem: u64 = 0;
    for (let j = m - 1; j >= 0; j--) {
      const num = (rem << 32) | limb32(u, j);
      setLimb32(Q, j, num / d);
      rem = num % d;
    }
    setLimb32(R, 0, rem);
    return;
  }
  // Normalize so the divisor's top digit has its high bit set (s may be 0: use 64-bit shifts).
  const s = <u64>clz<u32>(load<u32>(v + (<usize>(n - 1) << 2)));
  for (let i = n - 1; i > 0; i--) setLimb32(VN, i, (((limb32(v, i) << 32) | limb32(v, i - 1)) << s) >> 32);
  setLimb32(VN, 0, limb32(v, 0) << s);
  setLimb32(UN, m, (limb32(u, m - 1) << s) >> 32);
  for (let i = m - 1; i > 0; i--) setLimb32(UN, i, (((limb32(u, i) << 32) | limb32(u, i - 1)) << s) >> 32);
  setLimb32(UN, 0, limb32(u, 0) << s);

  const b: u64 = 0x100000000;
  const vTop = limb32(VN, n - 1), vNext = limb32(VN, n - 2);
  for (let j = m - n; j >= 0; j--) {
    const num = (limb32(UN, j + n) << 32) | limb32(UN, j + n - 1);
    let qhat = num / vTop;
    let rhat = num - qhat * vTop;
    while (qhat >= b || qhat * vNext > ((rhat << 32) | limb32(UN, j + n - 2))) {
      qhat--;
      rhat += vTop;
      if (rhat >= b) break;
    }
    // Multiply and subtract qhat·vn from un[j .. j+n].
    let k: i64 = 0;
    let t: i64 = 0;
    for (let i = 0; i < n; i++) {
      const p = qhat * limb32(VN, i);
      t = <i64>limb32(UN, i + j) - k - <i64>(p & 0xffffffff);
      setLimb32(UN, i + j, <u64>t);
      k = <i64>(p >> 32) - (t >> 32);
    }
    t = <i64>limb32(UN, j + n) - k;
    setLimb32(UN, j + n, <u64>t);
    if (t < 0) {
      // qhat was one too large: add the divisor back.
      qhat--;
      let c: u64 = 0;
      for (let i = 0; i < n; i++) {
        const x = limb32(UN, i + j) + limb32(VN, i) + c;
        setLimb32(UN, i + j, x);
        c = x >> 32;
      }
      setLimb32(UN, j + n, limb32(UN, j + n) + c);
    }
    setLimb32(Q, j, qhat);
  }
  for (let i = 0; i < n; i++) setLimb32(R, i, (((limb32(UN, i + 1) << 32) | limb32(UN, i)) >> s));
}

/** o = a / b, 0 if b = 0. */
export function udiv(o: usize, a: usize, b: usize): void {
  if (isZero(b)) return setZero(o);
  divmod(a, 8, b);
  copyWord(o, Q);
}

/** o = a mod b, 0 if b = 0. */
export function umod(o: usize, a: usize, b: usize): void {
  if (isZero(b)) return setZero(o);
  divmod(a, 8, b);
  copyWord(o, R);
}

/** Signed division truncated toward zero; −2^255 / −1 wraps to −2^255. */
export function sdiv(o: usize, a: usize, b: usize): void {
  if (isZero(b)) return setZero(o);
  const na = isNegative(a), nb = isNegative(b);
  if (na) negate(T1, a); else copyWord(T1, a);
  if (nb) negate(T2, b); else copyWord(T2, b);
  divmod(T1, 8, T2);
  if (na != nb) negate(o, Q); else copyWord(o, Q);
}

/** Signed remainder with the sign of a. */
export function smod(o: usize, a: usize, b: usize): void {
  if (isZero(b)) return setZero(o);
  const na = isNegative(a);
  if (na) negate(T1, a); else copyWord(T1, a);
  if (isNegative(b)) negate(T2, b); else copyWord(T2, b);
  divmod(T1, 8, T2);
  if (na) negate(o, R); else copyWord(o, R);
}

/** o = (a + b) mod c over the 257-bit sum; 0 if c = 0. */
export function addmod(o: usize, a: usize, b: usize, c: usize): void {
  if (isZero(c)) return setZero(o);
  memory.fill(WIDE, 0, 64);
  const carry = add(WIDE, a, b);
  store<u64>(WIDE, carry, 32);
  divmod(WIDE, 9, c);
  copyWord(o, R);
}

/** o = (a · b) mod c over the 512-bit product; 0 if c = 0. */
export function mulmod(o: usize, a: usize, b: usize, c: usize): void {
  if (isZero(c)) return setZero(o);
  mulWide(WIDE, a, b);
  divmod(WIDE, 16, c);
  copyWord(o, R);
}

/** Bytes of e without leading zero bytes (EXP's dynamic gas). */
export function byteLength(e: usize): u64 {
  for (let i: i32 = 3; i >= 0; i--) {
    const x = load<u64>(e + (<usize>i << 3));
    if (x != 0) return (<u64>i << 3) + ((64 - clz<u64>(x) + 7) >> 3);
  }
  return 0;
}

/** o = a^e mod 2^256 (square and multiply, most significant bit first). */
export function exp(o: usize, a: usize, e: usize): void {
  copyWord(T1, a);
  copyWord(T2, e);
  setU64(o, 1);
  // Square-and-multiply from the exponent's highest set bit: work proportional to its length,
  // as its gas is (50 per byte), so a small exponent cannot buy 256 squarings for 60 gas.
  let started = false;
  for (let i: i32 = 3; i >= 0; i--) {
    const x = load<u64>(T2 + (<usize>i << 3));
    if (!started && x == 0) continue;
    const top: i32 = started ? 63 : 63 - <i32>clz<u64>(x);
    started = true;
    for (let bit: i32 = top; bit >= 0; bit--) {
      mul(o, o, o);
      if ((x >> <u64>bit) & 1) mul(o, o, T1);
    }
  }
}

/** True when the word is ≥ limit (limit < 2^64). */
@inline export function atLeast(a: usize, limit: u64): bool {
  return (load<u64>(a, 8) | load<u64>(a, 16) | load<u64>(a, 24)) != 0 || load<u64>(a) >= limit;
}

/** o = v << s for s < 256. */
export function shl(o: usize, v: usize, s: u32): void {
  const ls = <i32>(s >> 6);
  const bs = <u64>(s & 63);
  // Descending: output limb i reads input limbs ≤ i only, so o may alias v.
  for (let i: i32 = 3; i >= 0; i--) {
    const k = i - ls;
    let x: u64 = 0;
    if (k >= 0) {
      x = load<u64>(v + (<usize>k << 3)) << bs;
      if (bs != 0 && k >= 1) x |= load<u64>(v + (<usize>(k - 1) << 3)) >> (64 - bs);
    }
    store<u64>(o + (<usize>i << 3), x);
  }
}

/** o = v >> s (logical) for s < 256. */
export function shr(o: usize, v: usize, s: u32): void {
  const ls = <i32>(s >> 6);
  const bs = <u64>(s & 63);
  // Ascending: output limb i reads input limbs ≥ i only, so o may alias v.
  for (let i: i32 = 0; i < 4; i++) {
    const k = i + ls;
    let x: u64 = 0;
    if (k < 4) {
      x = load<u64>(v + (<usize>k << 3)) >> bs;
      if (bs != 0 && k < 3) x |= load<u64>(v + (<usize>(k + 1) << 3)) << (64 - bs);
    }
    store<u64>(o + (<usize>i << 3), x);
  }
}

function not(o: usize, a: usize): void {
  for (let i: usize = 0; i < 32; i += 8) store<u64>(o + i, ~load<u64>(a + i));
}

/** o = v >> s (arithmetic); s ≥ 256 gives all sign bits. */
export function sar(o: usize, v: usize, s: u64): void {
  const negative = isNegative(v);
  if (s >= 256) {
    const fill: u64 = negative ? ~(<u64>0) : 0;
    for (let i: usize = 0; i < 32; i += 8) store<u64>(o + i, fill);
    return;
  }
  if (!negative) return shr(o, v, <u32>s);
  // For negative v: v >> s = ~(~v >>> s).
  not(o, v);
  shr(o, o, <u32>s);
  not(o, o);
}

/** Extends the sign of the low (k+1) bytes of v; v unchanged for k ≥ 31. */
export function signextend(o: usize, k: usize, v: usize): void {
  copyWord(o, v);
  if (atLeast(k, 31)) return;
  const bit = <u32>load<u64>(k) * 8 + 7;
  const li = <usize>(bit >> 6);
  const bi = <u64>(bit & 63);
  const x = load<u64>(o + (li << 3));
  const negative = ((x >> bi) & 1) != 0;
  const low: u64 = bi == 63 ? ~(<u64>0) : ((<u64>1 << (bi + 1)) - 1);
  store<u64>(o + (li << 3), negative ? x | ~low : x & low);
  const fill: u64 = negative ? ~(<u64>0) : 0;
  for (let i = li + 1; i < 4; i++) store<u64>(o + (i << 3), fill);
}

/** Byte i of v (0 the most significant); 0 if i ≥ 32. */
export function byteOf(o: usize, i: usize, v: usize): void {
  if (atLeast(i, 32)) return setZero(o);
  const fromLow = 31 - <u32>load<u64>(i);
  const b = (load<u64>(v + (<usize>(fromLow >> 3) << 3)) >> (<u64>(fromLow & 7) << 3)) & 0xff;
  setU64(o, b);
}
