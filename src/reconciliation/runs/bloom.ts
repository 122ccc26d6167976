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

export function bloomAdd(bits: Uint8Array, hash: Uint8Array): void {
  const mask = bits.length * 8 - 1;
  for (let p = 0; p < BLOOM_PROBES; p++) {
    const bit = probe(hash, p) & mask;
    bits[bit >>> 3]! |= 1 << (bit & 7);
  }
}

/** False: the hash was never added. True: it may have been. */
export function bloomMayHave(bits: Uint8Array, hash: Uint8Array): boolean {
  const mask = bits.length * 8 - 1;
  for (let p = 0; p < BLOOM_PROBES; p++) {
    const bit = probe(hash, p) & mask;
    if ((bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}

function probe(hash: Uint8Array, p: number): number {
  const at = 4 + p * 4;
  return ((hash[at]! << 24) | (hash[at + 1]! << 16) | (hash[at + 2]! << 8) | hash[at + 3]!) >>> 0;
}
