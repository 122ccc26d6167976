// Typed wrapper over build/babyjubjub.wasm (assembly/babyjubjub): the sum behind the VM's BJJ_SUM
// host function (docs/vm.md). Points cross as bytes, 64 each (affine x ‖ y, 32-byte big-endian
// words); no BigInt on this path.

import { isWasmMemory, loadWasm, type WasmMemory } from './load.js';

/** Bytes per point: affine x ‖ y. */
export const BJJ_POINT_BYTES = 64;

interface BabyJubjubExports {
  readonly memory: WasmMemory;
  ioBuffer(bytes: number): number;
  sum(input: number, added: number, subtracted: number, out: number): number;
}

/** The module's `sum` succeeded (otherwise it returns the index of the first point refused). */
const OK = -1;

function asExports(exports: Readonly<Record<string, unknown>>): BabyJubjubExports {
  if (!isWasmMemory(exports['memory'])) throw new Error('babyjubjub.wasm exports no memory');
  for (const name of ['ioBuffer', 'sum']) {
    if (typeof exports[name] !== 'function') throw new Error(`babyjubjub.wasm does not export ${name}`);
  }
  return exports as unknown as BabyJubjubExports;
}

let perThread: BabyJubjubWasm | undefined;

/**
 * Baby Jubjub point sums in WebAssembly. Not reentrant and not shareable across threads: each
 * worker calls BabyJubjubWasm.load() and gets its own instance.
 */
export class BabyJubjubWasm {
  private readonly wasm: BabyJubjubExports;
  private io = 0;
  private ioBytes = 0;

  private constructor(wasm: BabyJubjubExports) {
    this.wasm = wasm;
  }

  /** The calling thread's instance, created synchronously on first use. */
  static load(): BabyJubjubWasm {
    perThread ??= new BabyJubjubWasm(asExports(loadWasm('babyjubjub').exports));
    return perThread;
  }

  /**
   * Σ of the first `added` points minus Σ of the next `subtracted`, as 64 bytes; undefined when
   * `points` is not 64·(added + subtracted) bytes, or a point has a coordinate ≥ r or is not on
   * the curve. Subgroup membership is not checked.
   */
  sum(points: Uint8Array, added: number, subtracted: number): Uint8Array | undefined {
    const count = added + subtracted;
    if (!Number.isInteger(added) || !Number.isInteger(subtracted) || added < 0 || subtracted < 0) return undefined;
    if (points.length !== BJJ_POINT_BYTES * count) return undefined;
    const io = this.reserve(BJJ_POINT_BYTES + points.length);
    new Uint8Array(this.wasm.memory.buffer).set(points, io + BJJ_POINT_BYTES);
    if (this.wasm.sum(io + BJJ_POINT_BYTES, added, subtracted, io) !== OK) return undefined;
    return new Uint8Array(this.wasm.memory.buffer).slice(io, io + BJJ_POINT_BYTES);
  }

  private reserve(bytes: number): number {
    if (bytes > this.ioBytes) {
      this.io = this.wasm.ioBuffer(bytes);
      this.ioBytes = bytes;
    }
    return this.io;
  }
}
