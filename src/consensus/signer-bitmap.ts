import { ConsensusConfigError } from './errors.js';

/**
 * Signer sets over a validator set of `n` (docs/consensus.md §1): bit i is bit (i mod 8), least
 * significant first, of byte ⌊i/8⌋; exactly ⌈n/8⌉ bytes; bits at n and above are zero, so one set
 * has one encoding.
 */

export function bitmapBytes(n: number): number {
  return Math.ceil(n / 8);
}

export function bitmapFromIndices(n: number, indices: Iterable<number>): Uint8Array {
  const out = new Uint8Array(bitmapBytes(n));
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new ConsensusConfigError(`signer index ${i} outside a set of ${n}`);
    out[i >> 3]! |= 1 << (i & 7);
  }
  return out;
}

/** Indices in ascending order, or undefined when the bitmap is not the canonical encoding for `n`. */
export function indicesFromBitmap(n: number, bitmap: Uint8Array): number[] | undefined {
  if (bitmap.length !== bitmapBytes(n)) return undefined;
  const out: number[] = [];
  for (let byte = 0; byte < bitmap.length; byte++) {
    const b = bitmap[byte]!;
    if (b === 0) continue;
    for (let bit = 0; bit < 8; bit++) {
      if ((b & (1 << bit)) === 0) continue;
      const i = byte * 8 + bit;
      if (i >= n) return undefined;
      out.push(i);
    }
  }
  return out;
}
