// Typed wrapper over build/poseidon.wasm (assembly/poseidon): circomlib-compatible Poseidon over
// the BN254 scalar field, and the project's Poseidon Merkle tree (definition in
// assembly/poseidon/merkle.ts). Field elements cross into WASM as 32-byte big-endian canonical
// encodings; BigInt conversion happens only here, at the edge.

import { isWasmMemory, loadWasm, type WasmMemory } from './load.js';

/** BN254 scalar field order r (circomlib's `F.p`). */
export const FIELD_MODULUS =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** Bytes per encoded field element. */
export const FIELD_BYTES = 32;
/** Poseidon accepts 1..MAX_POSEIDON_INPUTS inputs (state width t = inputs + 1 ≤ 7). */
export const MAX_POSEIDON_INPUTS = 6;
/** Largest Merkle tree: depth 16. */
export const MAX_MERKLE_LEAVES = 65_536;

/** An input is not a canonical field element: not an integer in [0, r), or bytes encoding ≥ r. */
export class NonCanonicalFieldError extends RangeError {
  override readonly name: string = 'NonCanonicalFieldError';
  constructor(
    /** Position of the offending element in the call's input (flat, across a batch). */
    readonly index: number,
    message = `field element ${index} is not canonical (must be < r)`,
  ) {
    super(message);
  }
}

/** A Merkle leaf is not a canonical field element. */
export class NonCanonicalLeafError extends NonCanonicalFieldError {
  override readonly name: string = 'NonCanonicalLeafError';
  constructor(index: number) {
    super(index, `Merkle leaf ${index} is not a canonical field element (must be < r)`);
  }
}

/** Counts, lengths, strides or indexes outside what the call supports. */
export class PoseidonArgumentError extends RangeError {
  override readonly name = 'PoseidonArgumentError';
}

/** A 2-to-1 hash over field elements, as used by verifyMerkleProof. */
export type Hash2 = (left: bigint, right: bigint) => bigint;

const MASK64 = 0xffff_ffff_ffff_ffffn;

/** Decodes a 32-byte big-endian canonical encoding. */
export function bytesToField(bytes: Uint8Array): bigint {
  if (bytes.length !== FIELD_BYTES) {
    throw new PoseidonArgumentError(`expected ${FIELD_BYTES} bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, FIELD_BYTES);
  const x =
    (view.getBigUint64(0) << 192n) |
    (view.getBigUint64(8) << 128n) |
    (view.getBigUint64(16) << 64n) |
    view.getBigUint64(24);
  if (x >= FIELD_MODULUS) throw new NonCanonicalFieldError(0);
  return x;
}

function checkField(x: bigint, index: number): void {
  if (typeof x !== 'bigint' || x < 0n || x >= FIELD_MODULUS) throw new NonCanonicalFieldError(index);
}

/** Writes x (checked to be in [0, r)) as 32 big-endian bytes at view[offset..]. */
function writeField(view: DataView, offset: number, x: bigint, index: number): void {
  checkField(x, index);
  view.setBigUint64(offset, x >> 192n);
  view.setBigUint64(offset + 8, (x >> 128n) & MASK64);
  view.setBigUint64(offset + 16, (x >> 64n) & MASK64);
  view.setBigUint64(offset + 24, x & MASK64);
}

/** Encodes x ∈ [0, r) as 32 big-endian bytes. */
export function fieldToBytes(x: bigint): Uint8Array {
  const out = new Uint8Array(FIELD_BYTES);
  writeField(new DataView(out.buffer), 0, x, 0);
  return out;
}

/** Packs field elements into consecutive 32-byte big-endian encodings. */
export function packFields(xs: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(xs.length * FIELD_BYTES);
  const view = new DataView(out.buffer);
  xs.forEach((x, i) => writeField(view, i * FIELD_BYTES, x, i));
  return out;
}

/** Depth of the tree over n leaves: ceil(log2 n), 0 for n = 1. */
export function merkleDepth(n: number): number {
  checkLeafCount(n);
  return n === 1 ? 0 : 32 - Math.clz32(n - 1);
}

function checkLeafCount(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_MERKLE_LEAVES) {
    throw new PoseidonArgumentError(`leaf count must be an integer in 1..${MAX_MERKLE_LEAVES}, got ${n}`);
  }
}

/**
 * Checks a Merkle proof in plain TypeScript: folds `leaf` up through `siblings` (bottom-up; bit k
 * of `index` set means the level-k node is a right child) and compares with `root`.
 */
export function verifyMerkleProof(
  leaf: bigint,
  index: number,
  siblings: readonly bigint[],
  root: bigint,
  hash2: Hash2,
): boolean {
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** siblings.length) return false;
  let node = leaf;
  let position = index;
  for (const sibling of siblings) {
    node = position % 2 === 0 ? hash2(node, sibling) : hash2(sibling, node);
    position = Math.floor(position / 2);
  }
  return node === root;
}

/** Return codes of the WASM functions (assembly/poseidon/index.ts). */
const OK = -1;
const BAD_ARGUMENTS = -2;

interface PoseidonExports {
  readonly memory: WasmMemory;
  ioBuffer(bytes: number): number;
  hash(input: number, width: number, out: number): number;
  hashMany(width: number, input: number, n: number, out: number): number;
  hashManyScalar(width: number, input: number, n: number, out: number): number;
  merkleRootStrided(records: number, n: number, stride: number, offset: number, out: number): number;
  merkleRootStridedScalar(records: number, n: number, stride: number, offset: number, out: number): number;
  merkleProofStrided(
    records: number,
    n: number,
    stride: number,
    offset: number,
    index: number,
    out: number,
  ): number;
}

const EXPORTED_FUNCTIONS = [
  'ioBuffer',
  'hash',
  'hashMany',
  'hashManyScalar',
  'merkleRootStrided',
  'merkleRootStridedScalar',
  'merkleProofStrided',
];

/**
 * Which WASM path computes batches. 'lockstep' (the default) runs two hashes at a time in SIMD
 * lanes; 'scalar' one at a time. Both give identical results: 'scalar' exists for differential
 * tests and for benchmarks that report the ratio in one run.
 */
export type PoseidonPath = 'lockstep' | 'scalar';

function asPoseidonExports(exports: Readonly<Record<string, unknown>>): PoseidonExports {
  if (!isWasmMemory(exports['memory'])) throw new Error('poseidon.wasm exports no memory');
  for (const name of EXPORTED_FUNCTIONS) {
    if (typeof exports[name] !== 'function') throw new Error(`poseidon.wasm does not export ${name}`);
  }
  return exports as unknown as PoseidonExports;
}

let perThread: PoseidonWasm | undefined;

/**
 * Poseidon and Merkle trees in WebAssembly. Not reentrant and not shareable across threads: each
 * worker calls PoseidonWasm.load() and gets its own instance (module state is per thread).
 */
export class PoseidonWasm {
  private readonly wasm: PoseidonExports;
  private io = 0;
  private ioBytes = 0;
  private view: DataView | undefined;

  private constructor(wasm: PoseidonExports) {
    this.wasm = wasm;
  }

  /** The calling thread's instance, created synchronously on first use. */
  static load(): PoseidonWasm {
    perThread ??= new PoseidonWasm(asPoseidonExports(loadWasm('poseidon').exports));
    return perThread;
  }

  /** Poseidon(inputs) for 1..6 field elements, identical to circomlib's `poseidon`. */
  hash(inputs: readonly bigint[]): bigint {
    const width = inputs.length;
    this.checkWidth(width);
    const io = this.reserve((width + 1) * FIELD_BYTES);
    let view = this.dataView();
    for (let i = 0; i < width; i++) writeField(view, io + i * FIELD_BYTES, inputs[i] ?? -1n, i);
    const out = io + width * FIELD_BYTES;
    this.check(this.wasm.hash(io, width, out), NonCanonicalFieldError);
    view = this.dataView();
    return (
      (view.getBigUint64(out) << 192n) |
      (view.getBigUint64(out + 8) << 128n) |
      (view.getBigUint64(out + 16) << 64n) |
      view.getBigUint64(out + 24)
    );
  }

  /** Poseidon of `count` encodings (count × 32 big-endian bytes); returns the 32-byte encoding. */
  hashBytes(inputs: Uint8Array, count: number): Uint8Array {
    this.checkWidth(count);
    return this.hashMany(count, inputs, 1);
  }

  /**
   * n independent hashes of `width` inputs each: inputs holds n·width encodings (hash h reads
   * encodings h·width .. h·width + width − 1); returns n encodings, packed.
   * Throws NonCanonicalFieldError with the flat encoding index; nothing is hashed then.
   */
  hashMany(width: number, inputs: Uint8Array, n: number, path: PoseidonPath = 'lockstep'): Uint8Array {
    this.checkWidth(width);
    if (!Number.isInteger(n) || n < 0) throw new PoseidonArgumentError(`hash count must be ≥ 0, got ${n}`);
    const inBytes = n * width * FIELD_BYTES;
    if (inputs.length !== inBytes) {
      throw new PoseidonArgumentError(`expected ${inBytes} input bytes, got ${inputs.length}`);
    }
    const io = this.reserve(inBytes + n * FIELD_BYTES);
    this.memory().set(inputs, io);
    const fn = path === 'scalar' ? this.wasm.hashManyScalar : this.wasm.hashMany;
    this.check(fn(width, io, n, io + inBytes), NonCanonicalFieldError);
    return this.memory().slice(io + inBytes, io + inBytes + n * FIELD_BYTES);
  }

  /** Merkle root of the first n 32-byte leaves. Throws NonCanonicalLeafError(index). */
  merkleRoot(leaves: Uint8Array, n: number, path: PoseidonPath = 'lockstep'): Uint8Array {
    return this.merkleRootStrided(leaves, n, FIELD_BYTES, 0, path);
  }

  /** As merkleRoot, but reports a non-canonical leaf instead of throwing (for the node's hot path). */
  merkleRootOrBadLeaf(leaves: Uint8Array, n: number): { root: Uint8Array } | { badLeaf: number } {
    return this.rootOrBadLeaf(leaves, n, FIELD_BYTES, 0);
  }

  /**
   * Merkle root of n leaves read in place from fixed-size records: leaf i is
   * records[offset + i·stride .. + 32]. Throws NonCanonicalLeafError(index).
   */
  merkleRootStrided(
    records: Uint8Array,
    n: number,
    stride: number,
    offset: number,
    path: PoseidonPath = 'lockstep',
  ): Uint8Array {
    const result = this.rootOrBadLeaf(records, n, stride, offset, path);
    if ('badLeaf' in result) throw new NonCanonicalLeafError(result.badLeaf);
    return result.root;
  }

  /** No-throw variant of merkleRootStrided for non-canonical leaves (argument errors still throw). */
  merkleRootStridedOrBadLeaf(
    records: Uint8Array,
    n: number,
    stride: number,
    offset: number,
  ): { root: Uint8Array } | { badLeaf: number } {
    return this.rootOrBadLeaf(records, n, stride, offset);
  }

  /** The d = merkleDepth(n) siblings of leaf `index`, bottom-up, as 32-byte encodings. */
  merkleProof(leaves: Uint8Array, n: number, index: number): Uint8Array[] {
    return this.merkleProofStrided(leaves, n, FIELD_BYTES, 0, index);
  }

  /** merkleProof over leaves stored in fixed-size records (see merkleRootStrided). */
  merkleProofStrided(
    records: Uint8Array,
    n: number,
    stride: number,
    offset: number,
    index: number,
  ): Uint8Array[] {
    const span = this.recordSpan(records, n, stride, offset);
    if (!Number.isInteger(index) || index < 0 || index >= n) {
      throw new PoseidonArgumentError(`leaf index must be an integer in 0..${n - 1}, got ${index}`);
    }
    const depth = merkleDepth(n);
    const io = this.reserve(span + (depth + 1) * FIELD_BYTES);
    this.memory().set(records.subarray(0, span), io);
    const out = io + span;
    const code = this.wasm.merkleProofStrided(io, n, stride, offset, index, out);
    if (code >= 0) throw new NonCanonicalLeafError(code);
    this.check(code, NonCanonicalLeafError);
    const memory = this.memory();
    return Array.from({ length: depth }, (_, k) =>
      memory.slice(out + k * FIELD_BYTES, out + (k + 1) * FIELD_BYTES),
    );
  }

  private rootOrBadLeaf(
    records: Uint8Array,
    n: number,
    stride: number,
    offset: number,
    path: PoseidonPath = 'lockstep',
  ): { root: Uint8Array } | { badLeaf: number } {
    const span = this.recordSpan(records, n, stride, offset);
    const io = this.reserve(span + FIELD_BYTES);
    this.memory().set(records.subarray(0, span), io);
    const fn = path === 'scalar' ? this.wasm.merkleRootStridedScalar : this.wasm.merkleRootStrided;
    const code = fn(io, n, stride, offset, io + span);
    if (code >= 0) return { badLeaf: code };
    this.check(code, NonCanonicalLeafError);
    return { root: this.memory().slice(io + span, io + span + FIELD_BYTES) };
  }

  /** Validates a strided leaf layout; returns the bytes of `records` it covers. */
  private recordSpan(records: Uint8Array, n: number, stride: number, offset: number): number {
    checkLeafCount(n);
    if (!Number.isInteger(stride) || stride < FIELD_BYTES || stride > 1 << 20) {
      throw new PoseidonArgumentError(`stride must be an integer in ${FIELD_BYTES}..${1 << 20}, got ${stride}`);
    }
    if (!Number.isInteger(offset) || offset < 0 || offset > stride - FIELD_BYTES) {
      throw new PoseidonArgumentError(`offset must be an integer in 0..${stride - FIELD_BYTES}, got ${offset}`);
    }
    const span = offset + (n - 1) * stride + FIELD_BYTES;
    if (records.length < span) {
      throw new PoseidonArgumentError(`${n} leaves need ${span} bytes, got ${records.length}`);
    }
    return span;
  }

  private checkWidth(width: number): void {
    if (!Number.isInteger(width) || width < 1 || width > MAX_POSEIDON_INPUTS) {
      throw new PoseidonArgumentError(`Poseidon takes 1..${MAX_POSEIDON_INPUTS} inputs, got ${width}`);
    }
  }

  /** Maps a WASM return code to success or a typed error. */
  private check(code: number, nonCanonical: new (index: number) => NonCanonicalFieldError): void {
    if (code === OK) return;
    if (code >= 0) throw new nonCanonical(code);
    if (code === BAD_ARGUMENTS) throw new PoseidonArgumentError('poseidon.wasm rejected its arguments');
    throw new Error(`poseidon.wasm returned unexpected code ${code}`);
  }

  /** IO space of at least `bytes` in WASM memory (address stable; memory may grow). */
  private reserve(bytes: number): number {
    if (bytes > this.ioBytes) {
      this.io = this.wasm.ioBuffer(bytes);
      this.ioBytes = bytes;
    }
    return this.io;
  }

  /** A view of WASM memory; re-created per call since growth detaches the old buffer. */
  private memory(): Uint8Array {
    return new Uint8Array(this.wasm.memory.buffer);
  }

  /** A DataView of all WASM memory, cached until memory grows (growth replaces the buffer). */
  private dataView(): DataView {
    const buffer = this.wasm.memory.buffer;
    if (this.view?.buffer !== buffer) this.view = new DataView(buffer);
    return this.view;
  }
}
