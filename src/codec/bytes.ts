/** Byte helpers shared by the codecs: hex for humans and JSON, fixed-width big-endian for canonical encodings. */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

export class HexError extends Error {
  override readonly name = 'HexError';
}

/** Parses lowercase or uppercase hex without a 0x prefix; `expectedLength` is in bytes. */
export function fromHex(hex: string, expectedLength?: number): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new HexError('not a hex string');
  if (expectedLength !== undefined && hex.length !== expectedLength * 2) {
    throw new HexError(`expected ${expectedLength} bytes of hex, got ${hex.length / 2}`);
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** A fixed-layout big-endian writer for canonical (signed, hashed) encodings. */
export class CanonicalWriter {
  private readonly view: DataView;
  readonly bytes: Uint8Array;
  private pos = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  tag(ascii: string): this {
    for (let i = 0; i < ascii.length; i++) this.bytes[this.pos++] = ascii.charCodeAt(i);
    return this;
  }
  u8(v: number): this {
    this.view.setUint8(this.pos, v);
    this.pos += 1;
    return this;
  }
  u16(v: number): this {
    this.view.setUint16(this.pos, v);
    this.pos += 2;
    return this;
  }
  u32(v: number): this {
    this.view.setUint32(this.pos, v);
    this.pos += 4;
    return this;
  }
  u64(v: bigint): this {
    this.view.setBigUint64(this.pos, v);
    this.pos += 8;
    return this;
  }
  raw(b: Uint8Array, length: number): this {
    if (b.length !== length) throw new RangeError(`expected ${length} bytes, got ${b.length}`);
    this.bytes.set(b, this.pos);
    this.pos += length;
    return this;
  }
  finish(): Uint8Array {
    if (this.pos !== this.bytes.length) throw new RangeError(`canonical encoding wrote ${this.pos} of ${this.bytes.length} bytes`);
    return this.bytes;
  }
}
