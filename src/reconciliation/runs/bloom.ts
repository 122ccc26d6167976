/**
 * A Bloom filter over event key hashes. The hashes are already uniform (the output of a hash
 * function), so the probe positions are read straight from the hash's bytes 4..27 (bytes 0..3
 * order the run's fence, run-format.ts): no second hashing. An operator that ground event hashes
 * to collide here would only cost the index extra reads, never a wrong class: a filter hit is
 * always confirmed in the run itself.
 */
export const BLOOM_PROBES = 6;
/** Bits per entry at least (the size is rounded up to a power of two): ~0.8% false positives at 10. */
const BITS_PER_ENTRY = 10;
const MIN_BYTES = 8;

/** The filter's size in bytes for up to `entries` entries: a power of two, so a probe is a mask. */
export function bloomBytesFor(entries: number): number {
  const bytes = Math.ceil((entries * BITS_PER_ENTRY) / 8);
  let size = MIN_BYTES;
  while (size < bytes) size *= 2;
  return size;
}

/** Adds the hash at `at` of `bytes` (an entry in a buffer: no copy). */
export function bloomAdd(bits: Uint8Array, bytes: Uint8Array, at = 0): void {
  const mask = bits.length * 8 - 1;
  for (let p = 0; p < BLOOM_PROBES; p++) {
    const bit = probe(bytes, at, p) & mask;
    bits[bit >>> 3]! |= 1 << (bit & 7);
  }
}

/** False: the hash was never added. True: it may have been. */
export function bloomMayHave(bits: Uint8Array, bytes: Uint8Array, at = 0): boolean {
  const mask = bits.length * 8 - 1;
  for (let p = 0; p < BLOOM_PROBES; p++) {
    const bit = probe(bytes, at, p) & mask;
    if ((bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}

function probe(bytes: Uint8Array, hashAt: number, p: number): number {
  const at = hashAt + 4 + p * 4;
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}
