import { KEY_BYTES } from './segment-file.js';

/**
 * Sorts `n` packed 16-byte keys into memcmp order: LSD radix sort, 16-bit digits, eight stable
 * passes (a pass is skipped when every key shares its digit). O(n), no comparisons, so no input
 * order can make it slow. Returns the sorted keys: `keys` itself or `scratch` (same size, 4-aligned).
 */
export function sortKeys(keys: Uint8Array, n: number, scratch: Uint8Array): Uint8Array {
  if (keys.byteOffset % 4 !== 0 || scratch.byteOffset % 4 !== 0) throw new RangeError('key buffers must be 4-byte aligned');
  if (keys.length < n * KEY_BYTES || scratch.length < n * KEY_BYTES) throw new RangeError('key buffers too small');
  let src = keys;
  let dst = scratch;
  const counts = new Uint32Array(65_536);
  for (let pass = 0; pass < 8; pass++) {
    const hiByte = 14 - 2 * pass;
    counts.fill(0);
    for (let i = 0, off = hiByte; i < n; i++, off += KEY_BYTES) counts[(src[off]! << 8) | src[off + 1]!]!++;
    if (n === 0 || counts[(src[hiByte]! << 8) | src[hiByte + 1]!] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65_536; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    const s32 = new Uint32Array(src.buffer, src.byteOffset, n * 4);
    const d32 = new Uint32Array(dst.buffer, dst.byteOffset, n * 4);
    for (let i = 0, off = hiByte; i < n; i++, off += KEY_BYTES) {
      const digit = (src[off]! << 8) | src[off + 1]!;
      const to = counts[digit]!++ * 4;
      const from = i * 4;
      d32[to] = s32[from]!;
      d32[to + 1] = s32[from + 1]!;
      d32[to + 2] = s32[from + 2]!;
      d32[to + 3] = s32[from + 3]!;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}
