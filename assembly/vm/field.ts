// Arithmetic modulo the BN254 scalar field order r for FADD/FSUB/FMUL and POSEIDON's input check.
// Operands are canonical (< r, checked by the caller). Not a hot path: FMUL reuses MULMOD's
// 512-bit product and long division.

import { add, lt, mulmod, sub } from './u256';

/** r as a word (four little-endian u64 limbs). */
export const FIELD_ORDER: usize = memory.data<u64>([
  0x43e1f593f0000001, 0x2833e84879b97091, 0xb85045b68181585d, 0x30644e72e131a029,
]);

/** a < r. */
@inline export function isCanonical(a: usize): bool {
  return lt(a, FIELD_ORDER);
}

/** o = a + b mod r. The sum of two canonical values is < 2r < 2^255: no carry out. */
export function fieldAdd(o: usize, a: usize, b: usize): void {
  add(o, a, b);
  if (!lt(o, FIELD_ORDER)) sub(o, o, FIELD_ORDER);
}

/** o = a − b mod r. */
export function fieldSub(o: usize, a: usize, b: usize): void {
  const borrow = lt(a, b);
  sub(o, a, b);
  if (borrow) add(o, o, FIELD_ORDER); // wraps mod 2^256 back into [0, r)
}

/** o = a · b mod r. */
export function fieldMul(o: usize, a: usize, b: usize): void {
  mulmod(o, a, b, FIELD_ORDER);
}
