// Set of 32-byte nullifiers backed by an open-addressing hash table in WASM
// (assembly/nullifiers). Each call copies its input into WASM memory with one
// `set` and loops there, so JS never touches individual records.
import { isWasmMemory, loadWasm, type WasmMemory } from './load.js';

export const NULLIFIER_BYTES = 32;
/** Default record layout: event_key_hash | commitment | nullifier | payload_hash. */
export const RECORD_STRIDE = 128;
export const NULLIFIER_OFFSET = 64;

const MIN_LOG2 = 3;
const MAX_LOG2 = 26;
const MASK64 = (1n << 64n) - 1n;
// insertAll/removeAll need no atomicity, so they copy in chunks: the scratch area of linear
// memory grows to the largest single copy and WASM memory never shrinks.
const CHUNK_RECORDS = 65_536;

export class NullifierSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
/** Bad arguments: wrong nullifier length, out-of-range count/stride/offset. */
export class NullifierInputError extends NullifierSetError {}
/** The table or scratch space could not grow (wasm32 memory is capped at 4 GiB). */
export class NullifierCapacityError extends NullifierSetError {}
/** build/nullifiers.wasm does not export what this wrapper expects (stale build). */
export class NullifierWasmError extends NullifierSetError {}

interface NullifierExports {
  memory: WasmMemory;
  init(k0: bigint, k1: bigint, log2: number): number;
  prepare(extra: number, inputBytes: number): number;
  checkAndInsert(ptr: number, n: number, stride: number, keep: number, submitter: number): number;
  insertAll(ptr: number, n: number, stride: number, submitter: number): number;
  removeAll(ptr: number, n: number, stride: number, submitter: number): number;
  has(ptr: number, submitter: number): number;
  limit(log2: number): void;
  findPresent(ptr: number, n: number, stride: number, submitter: number): number;
  extractPrefixes(from: number, to: number, out: number): number;
  clearSlots(from: number, to: number): void;
  reset(): void;
  scratch(homes: number, inputBytes: number): number;
  size(): number;
  capacity(): number;
  hash(ptr: number): bigint;
  longestCluster(): number;
}

const FUNCTION_EXPORTS = [
  'init', 'prepare', 'checkAndInsert', 'insertAll', 'removeAll', 'has', 'size', 'capacity', 'hash',
  'longestCluster', 'limit', 'findPresent', 'extractPrefixes', 'clearSlots', 'reset', 'scratch',
] as const;

function isNullifierExports(e: Readonly<Record<string, unknown>>): e is Readonly<Record<string, unknown>> & NullifierExports {
  return isWasmMemory(e['memory']) && FUNCTION_EXPORTS.every((k) => typeof e[k] === 'function');
}

function randomSeed(): bigint {
  const w = new BigUint64Array(2);
  crypto.getRandomValues(w);
  return ((w[1] ?? 0n) << 64n) | (w[0] ?? 0n);
}

function log2Ceil(n: number): number {
  let l = 0;
  while (2 ** l < n) l++;
  return l;
}

/** Load factor above which the table doubles (the WASM side checks entries × 10 > slots × 7). */
export const MAX_LOAD_FACTOR = 0.7;

/**
 * Slot count that holds `entries` without growing: pass as `initialCapacity` when the count is
 * known (rebuild on start), since each doubling rehashes everything already inserted.
 */
export function slotsFor(entries: number): number {
  return 2 ** Math.min(MAX_LOG2, Math.max(MIN_LOG2, log2Ceil(Math.ceil((entries * 10) / 7))));
}

export interface NullifierSetOptions {
  /** Initial slot count (rounded up to a power of two, min 8); holds ~0.7× that before doubling. */
  initialCapacity?: number;
  /** Hash key, up to 128 bits. Defaults to 128 random bits; pass one only for reproducible tests. */
  seed?: bigint;
  /**
   * Largest slot count (a power of two, default 2^26): beyond it inserts throw
   * NullifierCapacityError. Equal to initialCapacity, the table never grows (NullifierIndex).
   */
  maxCapacity?: number;
}

/** Bytes of a cold key: the first 16 bytes of a scoped key (submitter ‖ nullifier[4..16]). */
export const PREFIX_BYTES = 16;

/**
 * Checks a submitter id for scoping: keys are submitter (4 bytes, big-endian) ‖ nullifier[4..32],
 * so distinct submitters never collide. 0 means unscoped (the key is the nullifier as given).
 */
function scope(submitter: number): number {
  if (!Number.isInteger(submitter) || submitter < 0 || submitter > 0xffffffff) throw new NullifierInputError(`bad submitter ${submitter}`);
  return submitter >>> 0;
}

export class NullifierSet {
  readonly #wasm: NullifierExports;
  #view: Uint8Array;

  private constructor(wasm: NullifierExports) {
    this.#wasm = wasm;
    this.#view = new Uint8Array(wasm.memory.buffer);
  }

  static create(opts: NullifierSetOptions = {}): NullifierSet {
    const seed = opts.seed ?? randomSeed();
    if (seed < 0n || seed > (1n << 128n) - 1n) throw new NullifierInputError('seed must fit in 128 unsigned bits');
    const initial = opts.initialCapacity ?? 1024;
    if (!Number.isFinite(initial) || initial < 0) throw new NullifierInputError(`bad initialCapacity ${initial}`);
    const log2 = Math.min(MAX_LOG2, Math.max(MIN_LOG2, log2Ceil(initial)));
    const maxCap = opts.maxCapacity ?? 2 ** MAX_LOG2;
    if (!Number.isFinite(maxCap) || maxCap < initial) throw new NullifierInputError(`bad maxCapacity ${maxCap}`);
    // loadWasm supplies env.abort (only the unused stub allocator could call it).
    const exports = loadWasm('nullifiers').exports;
    if (!isNullifierExports(exports)) throw new NullifierWasmError('nullifiers.wasm exports do not match the wrapper');
    if (!exports.init(BigInt.asUintN(64, seed & MASK64), BigInt.asUintN(64, seed >> 64n), log2)) {
      throw new NullifierCapacityError(`cannot allocate ${2 ** log2} slots`);
    }
    exports.limit(Math.min(MAX_LOG2, Math.max(MIN_LOG2, log2Ceil(maxCap))));
    return new NullifierSet(exports);
  }

  get size(): number {
    return this.#wasm.size() >>> 0;
  }

  /** Slot count of the table (a power of two). */
  get capacity(): number {
    return this.#wasm.capacity() >>> 0;
  }

  /** Whole WASM linear memory: table + scratch (+ a few KiB of static data). */
  get memoryBytes(): number {
    return this.#wasm.memory.buffer.byteLength;
  }

  has(nullifier: Uint8Array, submitter = 0): boolean {
    if (nullifier.length !== NULLIFIER_BYTES) {
      throw new NullifierInputError(`nullifier must be ${NULLIFIER_BYTES} bytes, got ${nullifier.length}`);
    }
    const sub = scope(submitter);
    const ptr = this.#copyIn(nullifier, 0);
    return this.#wasm.has(ptr, sub) !== 0;
  }

  /**
   * Checks then inserts all `count` nullifiers found at `offset + i*stride` in `records`
   * (all or nothing). Returns -1 when all were inserted; otherwise the index of the first one
   * already present or repeating an earlier one in the same call, and nothing is inserted.
   */
  checkAndInsert(records: Uint8Array, count: number, stride = RECORD_STRIDE, offset = NULLIFIER_OFFSET, submitter = 0): number {
    const slice = sliceFor(records, count, stride, offset);
    const sub = scope(submitter);
    if (count === 0) return -1;
    const ptr = this.#copyIn(slice, count);
    return this.#wasm.checkAndInsert(ptr, count, stride, 1, sub);
  }

  /** Check only, no insert; same return convention as checkAndInsert. */
  findConflict(records: Uint8Array, count: number, stride = RECORD_STRIDE, offset = NULLIFIER_OFFSET, submitter = 0): number {
    const slice = sliceFor(records, count, stride, offset);
    const sub = scope(submitter);
    if (count === 0) return -1;
    // Implemented as insert-then-undo, so the table needs room for the tentative inserts.
    const ptr = this.#copyIn(slice, count);
    return this.#wasm.checkAndInsert(ptr, count, stride, 0, sub);
  }

  /**
   * Read-only: index of the first of the `count` keys already in the set, or -1. Needs no room for
   * inserts (works on a full, frozen table) and does not see repeats inside the input.
   */
  findPresent(records: Uint8Array, count: number, stride = RECORD_STRIDE, offset = NULLIFIER_OFFSET, submitter = 0): number {
    const slice = sliceFor(records, count, stride, offset);
    const sub = scope(submitter);
    if (count === 0) return -1;
    const ptr = this.#copyInScratch(slice, count, 0);
    return this.#wasm.findPresent(ptr, count, stride, sub);
  }

  /**
   * Copies the first 16 bytes (PREFIX_BYTES) of every key in slots [from, to) into `out` at `at`,
   * packed; returns how many. `out` needs room for (to - from) prefixes.
   */
  extractPrefixes(from: number, to: number, out: Uint8Array, at: number): number {
    const span = Math.max(0, Math.min(to, this.capacity) - from);
    const ptr = this.#copyInScratch(new Uint8Array(0), 0, span * PREFIX_BYTES);
    const n = this.#wasm.extractPrefixes(from, to, ptr) >>> 0;
    out.set(this.#view.subarray(ptr, ptr + n * PREFIX_BYTES), at);
    return n;
  }

  /** Zeroes slots [from, to); once every slot is clear, reset() marks the set empty. */
  clearSlots(from: number, to: number): void {
    this.#wasm.clearSlots(from, to);
  }

  reset(): void {
    this.#wasm.reset();
  }

  /** Bulk insert for rebuild-on-start: inserts what is new, returns how many were already present. */
  insertAll(records: Uint8Array, count: number, stride = RECORD_STRIDE, offset = NULLIFIER_OFFSET, submitter = 0): number {
    sliceFor(records, count, stride, offset);
    const sub = scope(submitter);
    let dups = 0;
    for (let done = 0; done < count; done += CHUNK_RECORDS) {
      const n = Math.min(CHUNK_RECORDS, count - done);
      const ptr = this.#copyIn(sliceFor(records, n, stride, offset + done * stride), n);
      dups += this.#wasm.insertAll(ptr, n, stride, sub) >>> 0;
    }
    return dups;
  }

  /** Removes every listed nullifier that is present (backward-shift deletion, no tombstones). */
  removeAll(records: Uint8Array, count: number, stride = RECORD_STRIDE, offset = NULLIFIER_OFFSET, submitter = 0): void {
    sliceFor(records, count, stride, offset);
    const sub = scope(submitter);
    for (let done = 0; done < count; done += CHUNK_RECORDS) {
      const n = Math.min(CHUNK_RECORDS, count - done);
      const ptr = this.#copyIn(sliceFor(records, n, stride, offset + done * stride), 0);
      this.#wasm.removeAll(ptr, n, stride, sub);
    }
  }

  /** Diagnostics: the keyed SipHash-1-3 of a nullifier under this set's seed. */
  hashOf(nullifier: Uint8Array): bigint {
    if (nullifier.length !== NULLIFIER_BYTES) {
      throw new NullifierInputError(`nullifier must be ${NULLIFIER_BYTES} bytes, got ${nullifier.length}`);
    }
    return BigInt.asUintN(64, this.#wasm.hash(this.#copyIn(nullifier, 0)));
  }

  /** Diagnostics: longest run of occupied slots (probe-length bound for a miss). */
  longestCluster(): number {
    return this.#wasm.longestCluster() >>> 0;
  }

  /** Copies `bytes` into scratch memory (room for `homes` home slots before it, `extraBytes` after); never grows the table. */
  #copyInScratch(bytes: Uint8Array, homes: number, extraBytes: number): number {
    const ptr = this.#wasm.scratch(homes, bytes.length + extraBytes) >>> 0;
    if (ptr === 0) throw new NullifierCapacityError('cannot grow scratch memory');
    if (this.#view.byteLength === 0 || this.#view.buffer !== this.#wasm.memory.buffer) {
      this.#view = new Uint8Array(this.#wasm.memory.buffer);
    }
    this.#view.set(bytes, ptr);
    return ptr;
  }

  /** Grows the table for `extra` entries if needed, then copies `bytes` into scratch memory. */
  #copyIn(bytes: Uint8Array, extra: number): number {
    const ptr = this.#wasm.prepare(extra, bytes.length) >>> 0;
    if (ptr === 0) throw new NullifierCapacityError(`cannot grow beyond ${this.capacity} slots / 4 GiB`);
    // memory.grow detaches the old ArrayBuffer.
    if (this.#view.byteLength === 0 || this.#view.buffer !== this.#wasm.memory.buffer) {
      this.#view = new Uint8Array(this.#wasm.memory.buffer);
    }
    this.#view.set(bytes, ptr);
    return ptr;
  }
}

/** Validates the layout and returns the bytes spanning all `count` nullifiers. */
function sliceFor(records: Uint8Array, count: number, stride: number, offset: number): Uint8Array {
  if (!Number.isInteger(count) || count < 0 || count > 0xffffffff) throw new NullifierInputError(`bad count ${count}`);
  if (!Number.isInteger(stride) || stride < NULLIFIER_BYTES) {
    throw new NullifierInputError(`stride must be an integer >= ${NULLIFIER_BYTES}, got ${stride}`);
  }
  if (!Number.isInteger(offset) || offset < 0) throw new NullifierInputError(`bad offset ${offset}`);
  if (count === 0) return records.subarray(0, 0);
  const end = offset + (count - 1) * stride + NULLIFIER_BYTES;
  if (end > records.length) {
    throw new NullifierInputError(`${count} nullifiers at offset ${offset} stride ${stride} need ${end} bytes, got ${records.length}`);
  }
  return records.subarray(offset, end);
}
