// What circuits/bilateral-link.circom proves, as constants the prover, the verifier and the tests share
// (docs/proofs.md §8). Change them with the circuit and bump LINK_CIRCUIT.version: it names the key.

/** Identity under which the link circuit's verification key is registered (genesis `circuits`, with its size). */
export const LINK_CIRCUIT = Object.freeze({ id: 'cdrchain/bilateral-link', version: 1 });

/** Public signals in the circuit's order: three points (x, y each), then 6 multipliers and 6 divisors. */
export const LINK_PUBLIC_INPUT_COUNT = 18;

/** Lines per (direction, currency) of the full circuit (one per service: 60 lines), and of tests and devnets. */
export const FULL_LINK_LINES = 5;
export const TEST_LINK_LINES = 1;

/** The circuit's bounds (LINK_*_BITS in the circom file). */
export const LINK_LIMITS = Object.freeze({
  /** Each aggregate's total per currency, each line and exclusion: < 2^50 minor units. */
  amountBits: 50,
  /** Each converted line, and |d|: < 2^64 settlement-currency minor units. */
  grossBits: 64,
  /** Each rate's multiplier and divisor (reduced): < 2^64. */
  rateBits: 64,
  /** Blindings are taken mod ℓ < 2^251. */
  blindingBits: 251,
});

/** build/circuits/<name>: the link circuit with `lines` lines per (direction, currency). */
export function linkCircuitName(lines: number): string {
  return `bilateral_link_${lines}`;
}
