// Linear-memory layout. Nothing here allocates through the AssemblyScript runtime.
//
//   [0, __heap_base)            data segment: packed constants, small scratch
//   [CONSTANTS, +ELEMENTS·36)   round constants unpacked to limb form at start-up
//   [ZEROS, +17·36)             zero-subtree roots Z0..Z16 (Montgomery form)
//   [IO, IO + ioSize)           caller-owned input/output bytes (see ioBuffer)
//   [work, ...)                 per-call work area, placed after IO and after the call's data

import { ELEMENT_COUNT } from './constants';
import { ELEMENT_BYTES } from './field';

/** Largest supported Merkle depth: 2^16 = 65,536 leaves. */
export const MAX_DEPTH: i32 = 16;

@inline function align64(x: usize): usize {
  return (x + 63) & ~(<usize>63);
}

export const CONSTANTS: usize = align64(__heap_base);
export const ZEROS: usize = align64(CONSTANTS + <usize>ELEMENT_COUNT * ELEMENT_BYTES);
export const IO: usize = align64(ZEROS + <usize>(MAX_DEPTH + 1) * ELEMENT_BYTES);

let ioSize: usize = 0;

/** Grows memory so that [0, end) is addressable. Traps if the engine refuses. */
export function ensureMemory(end: u64): void {
  if (end > 0xffff0000) unreachable();
  const have = <u64>memory.size() << 16;
  if (end <= have) return;
  const pages = <i32>((end - have + 0xffff) >> 16);
  if (memory.grow(pages) < 0) unreachable();
}

/** Reserves `bytes` of IO space at IO; returns IO. Earlier contents below `bytes` survive. */
export function reserveIo(bytes: usize): usize {
  ensureMemory(<u64>IO + <u64>bytes);
  if (bytes > ioSize) ioSize = bytes;
  return IO;
}

/** Start of a work area of `bytes` that lies above IO and above the call's data ending at `dataEnd`. */
export function workArea(dataEnd: u64, bytes: u64): usize {
  let base = <u64>(IO + ioSize);
  if (dataEnd > base) base = dataEnd;
  base = (base + 63) & ~(<u64>63);
  ensureMemory(base + bytes);
  return <usize>base;
}
