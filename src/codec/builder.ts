import { Builder, type ByteBuffer } from 'flatbuffers';

/** The two Builder fields flatbuffers keeps private; needed to write a struct vector as one copy. */
interface BuilderInternals {
  bb: ByteBuffer;
  space: number;
}

/**
 * Writes `bytes` as a vector of `count` fixed-size structs in one copy (the generated code would
 * write every byte of every struct separately). The caller guarantees `bytes` is already in the
 * struct layout, which for our structs of byte arrays is the bytes themselves.
 */
export function createStructVector(builder: Builder, bytes: Uint8Array, structSize: number): number {
  const count = bytes.length / structSize;
  if (!Number.isInteger(count)) throw new RangeError(`${bytes.length} bytes is not a whole number of ${structSize}-byte structs`);
  builder.startVector(structSize, count, 1);
  const b = builder as unknown as BuilderInternals;
  b.space -= bytes.length;
  b.bb.bytes().set(bytes, b.space);
  return builder.endVector();
}

/** Writes a `[ubyte]` vector in one copy. */
export function createBytes(builder: Builder, bytes: Uint8Array): number {
  return builder.createByteVector(bytes);
}

export function finishedBytes(builder: Builder): Uint8Array {
  return builder.asUint8Array();
}

/** Struct fields inside a table are written in place: prep, copy the 32 bytes, then record the slot. */
export function addHash(builder: Builder, add: (b: Builder, offset: number) => void, hash: Uint8Array): void {
  if (hash.length !== 32) throw new RangeError(`expected a 32-byte hash, got ${hash.length}`);
  builder.prep(1, 32);
  for (let i = 31; i >= 0; i--) builder.writeInt8(hash[i]!);
  add(builder, builder.offset());
}
