import { PrivacyInputError } from '../errors.js';
import { invertScalar, mod } from './group.js';

/** Share holders are numbered 1..MAX_HOLDERS (the Shamir x-coordinates; 0 is where the secret sits). */
export const MAX_HOLDERS = 255;

export function checkHolderIndex(holder: number): void {
  if (!Number.isInteger(holder) || holder < 1 || holder > MAX_HOLDERS) {
    throw new PrivacyInputError(`holder index must be an integer in 1..${MAX_HOLDERS}`);
  }
}

/**
 * λ_i = Π_{j ∈ S, j ≠ i} j / (j − i) mod ℓ, the Lagrange coefficients at 0 for the holder set S:
 * Σ λ_i f(i) = f(0) for any polynomial f of degree < |S|. Indices are public, so variable time is fine.
 */
export function lagrangeAtZero(holders: readonly number[]): Map<number, bigint> {
  const seen = new Set<number>();
  for (const h of holders) {
    checkHolderIndex(h);
    if (seen.has(h)) throw new PrivacyInputError(`holder ${h} appears twice`);
    seen.add(h);
  }
  const out = new Map<number, bigint>();
  for (const i of holders) {
    let num = 1n;
    let den = 1n;
    for (const j of holders) {
      if (j === i) continue;
      num = mod(num * BigInt(j));
      den = mod(den * BigInt(j - i));
    }
    out.set(i, mod(num * invertScalar(den)));
  }
  return out;
}
