import type { ByteBuffer } from 'flatbuffers';

/**
 * Zero-copy readers for verified buffers: the generated accessors read structs byte by byte,
 * these return views. `vt` is the field's vtable offset (4 + 2 × field index).
 */

/** A 32-byte struct field of the table at `tablePos`; all-zero when absent. */
export function structBytes(bb: ByteBuffer, tablePos: number, vt: number, size = 32): Uint8Array {
  const off = bb.__offset(tablePos, vt);
  if (off === 0) return new Uint8Array(size);
  return bb.bytes().subarray(tablePos + off, tablePos + off + size);
}

/** A vector field's elements as one view; empty when absent. */
export function vectorBytes(bb: ByteBuffer, tablePos: number, vt: number, elementSize: number): Uint8Array {
  const off = bb.__offset(tablePos, vt);
  if (off === 0) return new Uint8Array(0);
  const start = bb.__vector(tablePos + off);
  return bb.bytes().subarray(start, start + bb.__vector_len(tablePos + off) * elementSize);
}
