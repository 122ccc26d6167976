// Blocked (split-block) Bloom filter over 16-byte cold nullifier keys, in WASM
// (assembly/nullifier-filter). Keys are hashed with SipHash-1-3 under a random 128-bit key drawn
// per instance, so no client can aim its nullifiers at chosen bits.
import { isWasmMemory, loadWasm, type WasmMemory } from './load.js';
import { NullifierCapacityError, NullifierInputError, NullifierWasmError, PREFIX_BYTES } from './nullifier-set.js';

interface FilterExports {
  memory: WasmMemory;
  init(k0: bigint, k1: bigint, log2Bytes: number): number;
  scratch(n: number): number;
  add(ptr: number, n: number, stride: number, submitter: number): void;
  test(ptr: number, n: number, stride: number, submitter: number, out: number): number;
  countBits(): bigint;
}

const FUNCTION_EXPORTS = ['init', 'scratch', 'add', 'test', 'countBits'] as const;

function isFilterExports(e: Readonly<Record<string, unknown>>): e is Readonly<Record<string, unknown>> & FilterExports {
  return isWasmMemory(e['memory']) && FUNCTION_EXPORTS.every((k) => typeof e[k] === 'function');
}

/** Bits set per key (one per u32 word of a 256-bit block). */
export const FILTER_BITS_PER_KEY_SET = 8;
export const MIN_FILTER_LOG2_BYTES = 10;
export const MAX_FILTER_LOG2_BYTES = 31;

/**
 * Expected false-positive rate of a split-block Bloom filter of `bytes` holding `keys`: a block
 * holds Poisson(λ) keys, λ = keys / blocks; with j keys in it, each of its 8 words has one of 32
 * bits set per key, so a miss passes with probability (1 − (31/32)^j)^8.
 */
export function expectedFalsePositiveRate(bytes: number, keys: number): number {
  const blocks = bytes / 32;
  const lambda = keys / blocks;
  let p = Math.exp(-lambda); // P(j = 0)
  let fp = 0;
  for (let j = 0; j < 10_000; j++) {
    if (j > 0) p *= lambda / j;
    fp += p * (1 - (31 / 32) ** j) ** 8;
    if (j > lambda && p < 1e-12) break;
  }
  return fp;
}

export class NullifierFilter {
  readonly #wasm: FilterExports;
  readonly bytes: number;
  #view: Uint8Array;

  private constructor(wasm: FilterExports, bytes: number) {
    this.#wasm = wasm;
    this.bytes = bytes;
    this.#view = new Uint8Array(wasm.memory.buffer);
  }

  /** A filter of 2^log2Bytes bytes (10..31) with a fresh random hash key (or `seed`, for tests). */
  static create(log2Bytes: number, seed?: bigint): NullifierFilter {
    if (!Number.isInteger(log2Bytes) || log2Bytes < MIN_FILTER_LOG2_BYTES || log2Bytes > MAX_FILTER_LOG2_BYTES) {
      throw new NullifierInputError(`filter size must be 2^${MIN_FILTER_LOG2_BYTES}..2^${MAX_FILTER_LOG2_BYTES} bytes, got 2^${log2Bytes}`);
    }
    const exports = loadWasm('nullifier-filter').exports;
    if (!isFilterExports(exports)) throw new NullifierWasmError('nullifier-filter.wasm exports do not match the wrapper');
    const words = new BigUint64Array(2);
    if (seed === undefined) crypto.getRandomValues(words);
    else {
      words[0] = BigInt.asUintN(64, seed);
      words[1] = BigInt.asUintN(64, seed >> 64n);
    }
    if (!exports.init(words[0] ?? 0n, words[1] ?? 0n, log2Bytes)) throw new NullifierCapacityError(`cannot reserve a 2^${log2Bytes}-byte filter`);
    prefault(exports.memory);
    return new NullifierFilter(exports, 2 ** log2Bytes);
  }

  /** WASM memory reserved, all of it resident from creation (prefault). */
  get memoryBytes(): number {
    return this.#wasm.memory.buffer.byteLength;
  }

  /** Adds `count` keys at `offset + i*stride` of `keys` (first 16 bytes each, scoped to `submitter`; 0: as given). */
  add(keys: Uint8Array, count: number, stride = PREFIX_BYTES, offset = 0, submitter = 0): void {
    if (count === 0) return;
    const ptr = this.#copyIn(span(keys, count, stride, offset), 0);
    this.#wasm.add(ptr, count, stride, submitter >>> 0);
  }

  /** Indices (ascending) of the keys that may be present; every key added is among them. */
  test(keys: Uint8Array, count: number, stride = PREFIX_BYTES, offset = 0, submitter = 0): Uint32Array {
    if (count === 0) return new Uint32Array(0);
    const input = span(keys, count, stride, offset);
    const outAt = (input.length + 3) & ~3;
    const ptr = this.#copyIn(input, outAt - input.length + count * 4);
    const m = this.#wasm.test(ptr, count, stride, submitter >>> 0, ptr + outAt) >>> 0;
    return new Uint32Array(this.#wasm.memory.buffer.slice(ptr + outAt, ptr + outAt + m * 4));
  }

  /** Diagnostics: bits set (reads the whole filter). */
  countBits(): number {
    return Number(this.#wasm.countBits());
  }

  #copyIn(bytes: Uint8Array, extra: number): number {
    const ptr = this.#wasm.scratch(bytes.length + extra) >>> 0;
    if (ptr === 0) throw new NullifierCapacityError('filter scratch memory cannot grow');
    if (this.#view.byteLength === 0 || this.#view.buffer !== this.#wasm.memory.buffer) this.#view = new Uint8Array(this.#wasm.memory.buffer);
    this.#view.set(bytes, ptr);
    return ptr;
  }
}

function span(keys: Uint8Array, count: number, stride: number, offset: number): Uint8Array {
  if (!Number.isInteger(count) || count < 0) throw new NullifierInputError(`bad count ${count}`);
  if (!Number.isInteger(stride) || stride < PREFIX_BYTES) throw new NullifierInputError(`stride must be an integer >= ${PREFIX_BYTES}, got ${stride}`);
  const end = offset + (count - 1) * stride + PREFIX_BYTES;
  if (!Number.isInteger(offset) || offset < 0 || end > keys.length) throw new NullifierInputError(`${count} keys at offset ${offset} stride ${stride} need ${end} bytes, got ${keys.length}`);
  return keys.subarray(offset, end);
}

/**
 * Touches every page of the filter's memory once, up front (~0.1 s for 256 MiB). Left to the first
 * freeze, whose keys land on random pages, the kernel's zero-fill faults ran on the main thread in the
 * middle of admission: send→committed p99 239–297 ms against 28–36 ms prefaulted, at 30,400 CDR/s
 * (`node dist/bench/pipeline/run.js --latency-only 30400 --no-reconciliation`, 2026-12-06). The
 * filter is resident after its first freeze anyway; now that is true from the start.
 */
function prefault(memory: WasmMemory): void {
  const bytes = new Uint8Array(memory.buffer);
  for (let at = 0; at < bytes.length; at += 4096) bytes[at] = bytes[at]!;
}
