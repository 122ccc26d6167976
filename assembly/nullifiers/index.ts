// Nullifier set: open-addressing hash table of 32-byte keys, linear probing.
//
// Memory layout (manual, no GC allocations anywhere in this module):
//   [static data][table: cap × 32 B][scratch: undo log (u32 × n) | home slots (u32 × n) | input copy]
// The table sits directly after the static data so it can double in place
// (memory.grow + in-place rehash); the scratch area lives after the table and
// is simply relocated when the table grows (its contents never outlive a call).
//
// A slot of all-zero bytes means "empty". The all-zero nullifier itself is
// legal input, so it is kept out of the table in the `hasZero` flag.
// Deletion is backward-shift (no tombstones), so probe lengths never degrade.
// Slot index = top bits of a keyed SipHash-1-3 of the key: nullifiers are
// chosen by submitters, so the hash must not be predictable (hash flooding).
// SipHash-1-3 (Rust's HashMap default) costs ~10-20 ns here, small next to the
// cache miss of a 64+ MiB table, and unlike a bare multiply-xorshift mix it is
// a keyed PRF with no known seed-independent collisions.

const MIN_LOG2: u32 = 3;
const MAX_LOG2: u32 = 26; // 2^26 × 32 B = 2 GiB of table; wasm32 tops out at 4 GiB
const ZERO_KEY_POS: u32 = 0xffffffff; // undo-log marker for the out-of-table zero key

let key0: u64 = 0;
let key1: u64 = 0;
let tableBase: usize = 0;
let log2Cap: u32 = 0;
let cap: u32 = 0;
let mask: u32 = 0;
let shift: u64 = 0;
let entries: u32 = 0; // keys stored in the table (the zero key is not counted here)
let hasZero: bool = false;
let logPtr: usize = 0;
let inputPtr: usize = 0;
let homesPtr: usize = 0; // u32 home slot per input key, filled by hashBatch
let maxLog2: u32 = MAX_LOG2; // growth limit (limit()): a fixed-size table freezes instead of growing
// Submitter scoping: the key is submitter (4 bytes, big-endian) ‖ nullifier[4..32], substituted
// while loading the first word, so two submitters' keys never collide and scoping costs an and + or.
let scopeMask: u64 = 0xffffffffffffffff;
let scopeWord: u64 = 0;

// ---- SipHash-1-3 over exactly four little-endian u64 words, 128-bit key ----

// @ts-ignore: decorator
@inline function sip13(a: u64, b: u64, c: u64, d: u64): u64 {
  let v0: u64 = key0 ^ 0x736f6d6570736575;
  let v1: u64 = key1 ^ 0x646f72616e646f6d;
  let v2: u64 = key0 ^ 0x6c7967656e657261;
  let v3: u64 = key1 ^ 0x7465646279746573;
  // One compression round per 8-byte word (c = 1).
  v3 ^= a;
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  v0 ^= a;
  v3 ^= b;
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  v0 ^= b;
  v3 ^= c;
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  v0 ^= c;
  v3 ^= d;
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  v0 ^= d;
  // Final block: message length (32) in the top byte, no tail bytes.
  const fin: u64 = <u64>32 << 56;
  v3 ^= fin;
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  v0 ^= fin;
  // Finalization: three rounds (d = 3).
  v2 ^= 0xff;
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  return v0 ^ v1 ^ v2 ^ v3;
}

/** Scopes the keys of the current call to `submitter` (0: unscoped, the key is the nullifier itself). */
function setScope(submitter: u32): void {
  if (submitter == 0) {
    scopeMask = 0xffffffffffffffff;
    scopeWord = 0;
  } else {
    scopeMask = 0xffffffff00000000;
    scopeWord = <u64>bswap<u32>(submitter);
  }
}

/** First 8 bytes of the (scoped) key at q. */
// @ts-ignore: decorator
@inline function w0(q: usize): u64 {
  return (load<u64>(q) & scopeMask) | scopeWord;
}

// @ts-ignore: decorator
@inline function homeOf(a: u64, b: u64, c: u64, d: u64): u32 {
  return <u32>(sip13(a, b, c, d) >> shift);
}

// @ts-ignore: decorator
@inline function slotAddr(i: u32): usize {
  return tableBase + (<usize>i << 5);
}

// @ts-ignore: decorator
@inline function slotEmpty(p: usize): bool {
  return (load<u64>(p) | load<u64>(p, 8) | load<u64>(p, 16) | load<u64>(p, 24)) == 0;
}

/** Slot index holding the key, or ~index of the first empty slot on its probe path from `i`. */
// @ts-ignore: decorator
@inline function probeFrom(i: u32, a: u64, b: u64, c: u64, d: u64): i32 {
  while (true) {
    const p = slotAddr(i);
    const x = load<u64>(p);
    if (x == a && load<u64>(p, 8) == b && load<u64>(p, 16) == c && load<u64>(p, 24) == d) return <i32>i;
    if (x == 0 && (load<u64>(p, 8) | load<u64>(p, 16) | load<u64>(p, 24)) == 0) return ~(<i32>i);
    i = (i + 1) & mask;
  }
  return 0; // unreachable: the load factor cap keeps at least one slot empty
}

// @ts-ignore: decorator
@inline function probe(a: u64, b: u64, c: u64, d: u64): i32 {
  return probeFrom(homeOf(a, b, c, d), a, b, c, d);
}

// Batch loops hash every key first, then walk the keys touching the home slot of the key
// PREFETCH_AHEAD positions later: WASM has no prefetch instruction, but a plain load whose
// value is only folded into a global lets the CPU overlap the cache and TLB misses of
// several independent keys instead of taking them one at a time.
const PREFETCH_AHEAD: u32 = 8;
let prefetchSink: u64 = 0;

function hashBatch(ptr: usize, n: u32, stride: u32): void {
  for (let i: u32 = 0; i < n; i++) {
    const q = ptr + <usize>i * stride;
    store<u32>(homesPtr + (<usize>i << 2), homeOf(w0(q), load<u64>(q, 8), load<u64>(q, 16), load<u64>(q, 24)));
  }
}

// @ts-ignore: decorator
@inline function homeAt(i: u32): u32 {
  return load<u32>(homesPtr + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function touchAhead(i: u32, n: u32, sink: u64): u64 {
  const j = i + PREFETCH_AHEAD;
  return j < n ? sink ^ load<u64>(slotAddr(homeAt(j))) : sink;
}

// @ts-ignore: decorator
@inline function writeSlot(p: usize, a: u64, b: u64, c: u64, d: u64): void {
  store<u64>(p, a);
  store<u64>(p, b, 8);
  store<u64>(p, c, 16);
  store<u64>(p, d, 24);
}

// @ts-ignore: decorator
@inline function clearSlot(p: usize): void {
  writeSlot(p, 0, 0, 0, 0);
}

/** Backward-shift delete of the entry at slot `hole`: pulls later cluster members back. */
function deleteAt(hole: u32): void {
  let j = (hole + 1) & mask;
  while (true) {
    const p = slotAddr(j);
    const a = load<u64>(p), b = load<u64>(p, 8), c = load<u64>(p, 16), d = load<u64>(p, 24);
    if ((a | b | c | d) == 0) break;
    const h = homeOf(a, b, c, d);
    // The entry may move into the hole unless its home lies cyclically in (hole, j].
    if (((j - h) & mask) >= ((j - hole) & mask)) {
      writeSlot(slotAddr(hole), a, b, c, d);
      hole = j;
    }
    j = (j + 1) & mask;
  }
  clearSlot(slotAddr(hole));
  entries--;
}

function ensureMemory(end: u64): bool {
  const needPages = <i32>((end + 0xffff) >> 16);
  const have = memory.size();
  if (needPages <= have) return true;
  return memory.grow(needPages - have) >= 0;
}

function setCapacity(l2: u32): void {
  log2Cap = l2;
  cap = <u32>1 << l2;
  mask = cap - 1;
  shift = <u64>(64 - l2);
}

/**
 * Grows the table in place from `cap` to 2^newLog2 slots.
 * Old entries are marked "pending" in a bitmap placed after the new table; each pending
 * entry (any order is correct) is lifted out and re-placed at the first slot on its new probe path that is empty
 * or still pending (swapping with a pending occupant, which then gets re-placed itself).
 * Placed entries only ever sit behind placed entries, so the probing invariant holds.
 */
function growTo(newLog2: u32): bool {
  const oldCap = cap;
  const newCap = <u32>1 << newLog2;
  const bitmap = tableBase + (<usize>newCap << 5);
  const bitmapWords = (oldCap + 63) >> 6;
  const oldMemEnd = <u64>memory.size() << 16;
  if (!ensureMemory(<u64>bitmap + (<u64>bitmapWords << 3))) return false;
  // Only the part that existed before may hold stale scratch bytes; freshly grown pages are
  // zero, and leaving them untouched keeps them out of RSS until entries land there.
  const newStart = <u64>slotAddr(oldCap);
  const newEnd = <u64>bitmap;
  if (oldMemEnd > newStart) memory.fill(<usize>newStart, 0, <usize>(min<u64>(oldMemEnd, newEnd) - newStart));
  for (let w: u32 = 0; w < bitmapWords; w++) {
    let bits: u64 = 0;
    const base = w << 6;
    const lim = min<u32>(64, oldCap - base);
    for (let k: u32 = 0; k < lim; k++) {
      if (!slotEmpty(slotAddr(base + k))) bits |= <u64>1 << k;
    }
    store<u64>(bitmap + (<usize>w << 3), bits);
  }
  setCapacity(newLog2);
  // Descending order: an entry's new home is about twice its old one, so the slots it lands
  // on have mostly been processed already (no swap chains) and both walks stay sequential.
  for (let w = <i32>bitmapWords - 1; w >= 0; w--) {
    const wp = bitmap + (<usize>w << 3);
    while (true) {
      const bits = load<u64>(wp);
      if (bits == 0) break;
      const k = 63 - <u32>clz(bits);
      const i = (<u32>w << 6) + k;
      store<u64>(wp, bits & ~(<u64>1 << k));
      let p = slotAddr(i);
      let a = load<u64>(p), b = load<u64>(p, 8), c = load<u64>(p, 16), d = load<u64>(p, 24);
      clearSlot(p);
      // Carry (a,b,c,d) until it lands in an empty slot.
      let j = homeOf(a, b, c, d);
      while (true) {
        p = slotAddr(j);
        if (slotEmpty(p)) {
          writeSlot(p, a, b, c, d);
          break;
        }
        if (j < oldCap) {
          const bw = bitmap + (<usize>(j >> 6) << 3);
          const bit = <u64>1 << (j & 63);
          const bv = load<u64>(bw);
          if (bv & bit) {
            store<u64>(bw, bv & ~bit);
            const a2 = load<u64>(p), b2 = load<u64>(p, 8), c2 = load<u64>(p, 16), d2 = load<u64>(p, 24);
            writeSlot(p, a, b, c, d);
            a = a2; b = b2; c = c2; d = d2;
            j = homeOf(a, b, c, d);
            continue;
          }
        }
        j = (j + 1) & mask;
      }
    }
  }
  return true;
}

// ---- exports ----

/** Sets the hash key and allocates the initial table; returns false if memory is unavailable. */
export function init(k0: u64, k1: u64, initialLog2: u32): bool {
  key0 = k0;
  key1 = k1;
  const l2 = max<u32>(MIN_LOG2, min<u32>(MAX_LOG2, initialLog2));
  tableBase = (__heap_base + 63) & ~<usize>63;
  setCapacity(l2);
  entries = 0;
  hasZero = false;
  const oldEnd = <u64>memory.size() << 16;
  if (!ensureMemory(<u64>tableBase + (<u64>cap << 5))) return false;
  // Freshly grown pages are zero: clearing only what existed keeps a big fixed table out of RSS
  // until keys land in it.
  const tableEnd = <u64>tableBase + (<u64>cap << 5);
  if (oldEnd > <u64>tableBase) memory.fill(tableBase, 0, <usize>(min<u64>(oldEnd, tableEnd) - <u64>tableBase));
  logPtr = slotAddr(cap);
  homesPtr = logPtr;
  inputPtr = logPtr;
  return true;
}

/**
 * Makes room for `extra` more entries (load factor ≤ 0.7) and for an input copy of
 * `inputBytes`; returns the address to copy the input to, or 0 when memory runs out.
 */
export function prepare(extra: u32, inputBytes: u32): usize {
  const need = <u64>entries + <u64>extra;
  let l2 = log2Cap;
  while (need * 10 > (<u64>1 << l2) * 7) {
    if (l2 >= maxLog2) return 0;
    l2++;
  }
  if (l2 != log2Cap && !growTo(l2)) return 0;
  logPtr = slotAddr(cap);
  homesPtr = logPtr + (<usize>extra << 2);
  inputPtr = (homesPtr + (<usize>extra << 2) + 63) & ~<usize>63;
  if (!ensureMemory(<u64>inputPtr + <u64>inputBytes)) return 0;
  return inputPtr;
}

/**
 * Inserts each key at `ptr + i*stride`, stopping at the first key already present
 * (including one inserted earlier in this call). On a conflict every insert of this call
 * is undone; with `keep` false the inserts are undone even on success (check only).
 * Returns the conflicting index, or -1.
 */
export function checkAndInsert(ptr: usize, n: u32, stride: u32, keep: bool, submitter: u32): i32 {
  setScope(submitter);
  hashBatch(ptr, n, stride);
  let sink: u64 = 0;
  let conflict: i32 = -1;
  let i: u32 = 0;
  for (; i < n; i++) {
    sink = touchAhead(i, n, sink);
    const q = ptr + <usize>i * stride;
    const a = w0(q), b = load<u64>(q, 8), c = load<u64>(q, 16), d = load<u64>(q, 24);
    if ((a | b | c | d) == 0) {
      if (hasZero) { conflict = <i32>i; break; }
      hasZero = true;
      store<u32>(logPtr + (<usize>i << 2), ZERO_KEY_POS);
      continue;
    }
    const r = probeFrom(homeAt(i), a, b, c, d);
    if (r >= 0) { conflict = <i32>i; break; }
    const slot = <u32>~r;
    writeSlot(slotAddr(slot), a, b, c, d);
    store<u32>(logPtr + (<usize>i << 2), slot);
    entries++;
  }
  prefetchSink = sink;
  if (conflict >= 0 || !keep) {
    // Inserts never move existing entries, so clearing exactly the slots this call
    // filled restores the table bit for bit; no backward shift is needed.
    for (let j: u32 = 0; j < i; j++) {
      const slot = load<u32>(logPtr + (<usize>j << 2));
      if (slot == ZERO_KEY_POS) {
        hasZero = false;
      } else {
        clearSlot(slotAddr(slot));
        entries--;
      }
    }
  }
  return conflict;
}

/** Inserts every key, skipping ones already present; returns how many were skipped. */
export function insertAll(ptr: usize, n: u32, stride: u32, submitter: u32): u32 {
  setScope(submitter);
  hashBatch(ptr, n, stride);
  let sink: u64 = 0;
  let dups: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    sink = touchAhead(i, n, sink);
    const q = ptr + <usize>i * stride;
    const a = w0(q), b = load<u64>(q, 8), c = load<u64>(q, 16), d = load<u64>(q, 24);
    if ((a | b | c | d) == 0) {
      if (hasZero) dups++;
      hasZero = true;
      continue;
    }
    const r = probeFrom(homeAt(i), a, b, c, d);
    if (r >= 0) { dups++; continue; }
    writeSlot(slotAddr(<u32>~r), a, b, c, d);
    entries++;
  }
  prefetchSink = sink;
  return dups;
}

/** Removes every key that is present; returns how many were removed. */
export function removeAll(ptr: usize, n: u32, stride: u32, submitter: u32): u32 {
  setScope(submitter);
  let removed: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const q = ptr + <usize>i * stride;
    const a = w0(q), b = load<u64>(q, 8), c = load<u64>(q, 16), d = load<u64>(q, 24);
    if ((a | b | c | d) == 0) {
      if (hasZero) { hasZero = false; removed++; }
      continue;
    }
    const r = probe(a, b, c, d);
    if (r < 0) continue;
    deleteAt(<u32>r);
    removed++;
  }
  return removed;
}

export function has(ptr: usize, submitter: u32): bool {
  setScope(submitter);
  const a = w0(ptr), b = load<u64>(ptr, 8), c = load<u64>(ptr, 16), d = load<u64>(ptr, 24);
  if ((a | b | c | d) == 0) return hasZero;
  return probe(a, b, c, d) >= 0;
}

/**
 * Lays out scratch memory for a call that inserts nothing (findPresent, extractPrefixes): room
 * for `homes` home slots, then `inputBytes`; returns the input address, or 0 when memory runs out.
 */
export function scratch(homes: u32, inputBytes: u32): usize {
  logPtr = slotAddr(cap);
  homesPtr = logPtr;
  inputPtr = (homesPtr + (<usize>homes << 2) + 63) & ~<usize>63;
  if (!ensureMemory(<u64>inputPtr + <u64>inputBytes)) return 0;
  return inputPtr;
}

/** Caps growth at 2^l2 slots (a fixed-capacity table: prepare() then fails instead of growing). */
export function limit(l2: u32): void {
  maxLog2 = max<u32>(MIN_LOG2, min<u32>(MAX_LOG2, l2));
}

/**
 * Read-only check: index of the first key at `ptr + i*stride` present in the table, or -1.
 * Unlike checkAndInsert(keep = false) it needs no room for tentative inserts (a frozen table is full).
 */
export function findPresent(ptr: usize, n: u32, stride: u32, submitter: u32): i32 {
  setScope(submitter);
  hashBatch(ptr, n, stride);
  let sink: u64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    sink = touchAhead(i, n, sink);
    const q = ptr + <usize>i * stride;
    const a = w0(q), b = load<u64>(q, 8), c = load<u64>(q, 16), d = load<u64>(q, 24);
    if ((a | b | c | d) == 0) {
      if (hasZero) { prefetchSink = sink; return <i32>i; }
      continue;
    }
    if (probeFrom(homeAt(i), a, b, c, d) >= 0) { prefetchSink = sink; return <i32>i; }
  }
  prefetchSink = sink;
  return -1;
}

/**
 * Copies the first 16 bytes of every occupied slot in [from, to) to `out`, packed; returns how
 * many. A frozen table leaves memory this way, in slices, so no call holds the thread for long.
 */
export function extractPrefixes(from: u32, to: u32, out: usize): u32 {
  let n: u32 = 0;
  const end = min<u32>(to, cap);
  for (let i = from; i < end; i++) {
    const p = slotAddr(i);
    if (slotEmpty(p)) continue;
    const o = out + (<usize>n << 4);
    store<u64>(o, load<u64>(p));
    store<u64>(o, load<u64>(p, 8), 8);
    n++;
  }
  return n;
}

/** Zeroes slots [from, to); call reset() once every slot is clear. */
export function clearSlots(from: u32, to: u32): void {
  const end = min<u32>(to, cap);
  if (end > from) memory.fill(slotAddr(from), 0, <usize>(end - from) << 5);
}

/** Marks the table empty (after clearSlots over every slot). */
export function reset(): void {
  entries = 0;
  hasZero = false;
}

export function size(): u32 {
  return entries + (hasZero ? 1 : 0);
}

export function capacity(): u32 {
  return cap;
}

/** Exposed for tests: SipHash-1-3 of the 32 bytes at ptr under the current key. */
export function hash(ptr: usize): u64 {
  return sip13(load<u64>(ptr), load<u64>(ptr, 8), load<u64>(ptr, 16), load<u64>(ptr, 24));
}

/** Exposed for tests: longest run of occupied slots (a flooding / clustering indicator). */
export function longestCluster(): u32 {
  let best: u32 = 0;
  let run: u32 = 0;
  // Walk twice the table so a cluster wrapping past the end is measured whole.
  for (let k: u32 = 0; k < cap * 2; k++) {
    if (slotEmpty(slotAddr(k & mask))) {
      run = 0;
    } else {
      run++;
      if (run > best) best = run;
    }
  }
  return min<u32>(best, cap);
}
