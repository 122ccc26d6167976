/** Where one transaction body sits in the body segment files (src/storage/tx-body-store.ts). */
export interface TxBodyLocation {
  /** Segment number: file `bodies/<segment, 6+ digits>.seg`. */
  readonly segment: number;
  readonly offset: number;
  readonly length: number;
}

/**
 * The `txs` value that points at a body instead of holding it: 24 bytes. Like every frame the node
 * stores (batch, contract transaction, pruned stub), it carries a 4-byte identifier at bytes 4..8,
 * so one look tells a location from an inline value.
 */
export const TX_BODY_LOCATION_IDENTIFIER = 'CDRL';
export const TX_BODY_LOCATION_BYTES = 24;
/** Offsets are stored in 48 bits: 256 TiB per segment, far beyond any segment size. */
const MAX_OFFSET = 2 ** 48;

export function isTxBodyLocation(value: Uint8Array): boolean {
  if (value.length !== TX_BODY_LOCATION_BYTES) return false;
  for (let i = 0; i < 4; i++) if (value[4 + i] !== TX_BODY_LOCATION_IDENTIFIER.charCodeAt(i)) return false;
  return true;
}

/** version 0 (4 bytes) ‖ "CDRL" ‖ segment u32 ‖ offset u64 ‖ length u32, big-endian. */
export function encodeTxBodyLocation(loc: TxBodyLocation): Buffer {
  if (!Number.isSafeInteger(loc.segment) || loc.segment < 1 || loc.segment > 0xffff_ffff) throw new RangeError(`bad body segment ${loc.segment}`);
  if (!Number.isSafeInteger(loc.offset) || loc.offset < 0 || loc.offset >= MAX_OFFSET) throw new RangeError(`bad body offset ${loc.offset}`);
  if (!Number.isSafeInteger(loc.length) || loc.length < 1 || loc.length > 0xffff_ffff) throw new RangeError(`bad body length ${loc.length}`);
  const b = Buffer.alloc(TX_BODY_LOCATION_BYTES);
  b.write(TX_BODY_LOCATION_IDENTIFIER, 4, 'latin1');
  b.writeUInt32BE(loc.segment, 8);
  b.writeBigUInt64BE(BigInt(loc.offset), 12);
  b.writeUInt32BE(loc.length, 20);
  return b;
}

/** Only for values `isTxBodyLocation` accepted. */
export function decodeTxBodyLocation(value: Uint8Array): TxBodyLocation {
  const v = Buffer.from(value.buffer, value.byteOffset, value.length);
  return { segment: v.readUInt32BE(8), offset: Number(v.readBigUInt64BE(12)), length: v.readUInt32BE(20) };
}
