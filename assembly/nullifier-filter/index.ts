// Blocked Bloom filter over 16-byte keys (the cold nullifier keys: submitter ‖ nullifier[4..16]).
//
// Split-block layout (as in Parquet's SBBF): the filter is an array of 32-byte blocks of eight
// u32 words; a key picks one block with the top bits of its hash and sets one bit in each of the
// eight words, so a lookup touches one cache line. The hash is SipHash-1-3 under a 128-bit key
// the node draws at random on every start: submitters choose their nullifiers, and a public hash
// would let them aim keys at chosen blocks and raise everyone's false-positive rate.
//
// Memory: [static data][filter: 2^log2Bytes][scratch: input copy | u32 output]. Fresh pages are
// zero, so the filter is never filled at init and enters RSS only as bits are set.

let key0: u64 = 0;
let key1: u64 = 0;
let base: usize = 0;
let bytes: u64 = 0;
let blockShift: u64 = 0; // 64 - log2(blocks)
let scopeMask: u64 = 0xffffffffffffffff;
let scopeWord: u64 = 0;

// SipHash-1-3 of exactly two little-endian u64 words (16 bytes).
// @ts-ignore: decorator
@inline function sip13(a: u64, b: u64): u64 {
  let v0: u64 = key0 ^ 0x736f6d6570736575;
  let v1: u64 = key1 ^ 0x646f72616e646f6d;
  let v2: u64 = key0 ^ 0x6c7967656e657261;
  let v3: u64 = key1 ^ 0x7465646279746573;
  v3 ^= a;
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  v0 ^= a;
  v3 ^= b;
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  v0 ^= b;
  const fin: u64 = <u64>16 << 56;
  v3 ^= fin;
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  v0 ^= fin;
  v2 ^= 0xff;
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  return v0 ^ v1 ^ v2 ^ v3;
}

// Odd multipliers of the split-block Bloom filter (Parquet's SALT): one bit per word.
const S0: u32 = 0x47b6137b;
const S1: u32 = 0x44974d91;
const S2: u32 = 0x8824ad5b;
const S3: u32 = 0xa2b7289d;
const S4: u32 = 0x705495c7;
const S5: u32 = 0x2df1424b;
const S6: u32 = 0x9efc4947;
const S7: u32 = 0x5c6bfb31;

// @ts-ignore: decorator
@inline function blockAt(h: u64): usize {
  return base + (<usize>(h >> blockShift) << 5);
}

// @ts-ignore: decorator
@inline function bit(x: u32, salt: u32): u32 {
  return <u32>1 << ((x * salt) >> 27);
}

// @ts-ignore: decorator
@inline function insertHash(h: u64): void {
  const p = blockAt(h);
  const x = <u32>h;
  store<u32>(p, load<u32>(p) | bit(x, S0));
  store<u32>(p, load<u32>(p, 4) | bit(x, S1), 4);
  store<u32>(p, load<u32>(p, 8) | bit(x, S2), 8);
  store<u32>(p, load<u32>(p, 12) | bit(x, S3), 12);
  store<u32>(p, load<u32>(p, 16) | bit(x, S4), 16);
  store<u32>(p, load<u32>(p, 20) | bit(x, S5), 20);
  store<u32>(p, load<u32>(p, 24) | bit(x, S6), 24);
  store<u32>(p, load<u32>(p, 28) | bit(x, S7), 28);
}

// @ts-ignore: decorator
@inline function testHash(h: u64): bool {
  const p = blockAt(h);
  const x = <u32>h;
  return (load<u32>(p) & bit(x, S0)) != 0 && (load<u32>(p, 4) & bit(x, S1)) != 0
    && (load<u32>(p, 8) & bit(x, S2)) != 0 && (load<u32>(p, 12) & bit(x, S3)) != 0
    && (load<u32>(p, 16) & bit(x, S4)) != 0 && (load<u32>(p, 20) & bit(x, S5)) != 0
    && (load<u32>(p, 24) & bit(x, S6)) != 0 && (load<u32>(p, 28) & bit(x, S7)) != 0;
}

function setScope(submitter: u32): void {
  if (submitter == 0) {
    scopeMask = 0xffffffffffffffff;
    scopeWord = 0;
  } else {
    scopeMask = 0xffffffff00000000;
    scopeWord = <u64>bswap<u32>(submitter);
  }
}

// @ts-ignore: decorator
@inline function hashAt(q: usize): u64 {
  return sip13((load<u64>(q) & scopeMask) | scopeWord, load<u64>(q, 8));
}

function ensureMemory(end: u64): bool {
  const needPages = <i32>((end + 0xffff) >> 16);
  const have = memory.size();
  if (needPages <= have) return true;
  return memory.grow(needPages - have) >= 0;
}

// ---- exports ----

/** Sets the hash key and reserves a filter of 2^log2Bytes bytes (10..31); false if memory is unavailable. */
export function init(k0: u64, k1: u64, log2Bytes: u32): bool {
  if (log2Bytes < 10 || log2Bytes > 31) return false;
  key0 = k0;
  key1 = k1;
  base = (__heap_base + 63) & ~<usize>63;
  bytes = <u64>1 << log2Bytes;
  blockShift = <u64>(64 - (log2Bytes - 5));
  return ensureMemory(<u64>base + bytes);
}

/** Address of a scratch area of at least `n` bytes after the filter, or 0 when memory runs out. */
export function scratch(n: u32): usize {
  const p = <usize>(<u64>base + bytes);
  return ensureMemory(<u64>p + <u64>n) ? p : 0;
}

/** Adds the (scoped) 16-byte keys at `ptr + i*stride`. */
export function add(ptr: usize, n: u32, stride: u32, submitter: u32): void {
  setScope(submitter);
  for (let i: u32 = 0; i < n; i++) insertHash(hashAt(ptr + <usize>i * stride));
}

/** Writes the index (u32) of every key that may be present to `out`; returns how many. */
export function test(ptr: usize, n: u32, stride: u32, submitter: u32, out: usize): u32 {
  setScope(submitter);
  let m: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (testHash(hashAt(ptr + <usize>i * stride))) {
      store<u32>(out + (<usize>m << 2), i);
      m++;
    }
  }
  return m;
}

/** Diagnostics: set bits in the whole filter (reads every page: tests and tools only). */
export function countBits(): u64 {
  let total: u64 = 0;
  const end = <usize>(<u64>base + bytes);
  for (let p = base; p < end; p += 8) total += popcnt<u64>(load<u64>(p));
  return total;
}
