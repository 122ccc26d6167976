import { Builder, ByteBuffer } from 'flatbuffers';
import { Cdr as CdrTable } from './generated/cdrchain/wire/cdr.js';
import { addHash } from './builder.js';
import { MalformedFrameError } from './errors.js';
import { structBytes } from './read.js';
import { verifyRoot, type TableSpec } from './verify.js';

/** The private fields of one CDR as the operator keeps (and, with the privacy issue, encrypts) them. */
export interface CdrPayloadFields {
  readonly recordId: string;
  readonly submitter: number;
  readonly counterparty: number;
  readonly pseudonym: Uint8Array;
  readonly service: number;
  readonly startTime: bigint;
  readonly durationSec: number;
  readonly volumeBytes: bigint;
  readonly charge: bigint;
  readonly currency: number;
  readonly tariffId: number;
  readonly eventKey: Uint8Array;
}

/**
 * The payload encoding, version 3: the two 32-byte keys at fixed offsets, every number as an unsigned
 * LEB128 varint (~108 bytes for the synthetic traffic's records, against ~129 in version 2 and 192
 * as a flatbuffer). It is what a sealed batch carries and every validator stores per record (as
 * ciphertext + 16), so each byte here is a byte per CDR on disk and on the wire.
 *
 *   0 version u8 = 3 │ 1 service u8 │ 2 currency u16 │ 4 pseudonym 32 │ 36 event key 32
 *   68 varints: submitter, counterparty, tariff, duration, start, volume, charge, record id length
 *   then the record id (UTF-8, at most 256 bytes)
 *
 * Varints are minimal (a trailing zero byte is refused) and in range for their field, so a payload has
 * one encoding. Version 2 (fixed big-endian, 110 bytes plus the id) and version 1 (a "CDRP" flatbuffer,
 * schemas/cdr.fbs) are still read: batches sealed before are on chains.
 */
export const PAYLOAD_VERSION = 3;
const V2_FIXED_BYTES = 110;
const V3_FIXED_BYTES = 68;
const MAX_RECORD_ID_BYTES = 256;
/** Fixed part, eight varints at their longest (u32: 5, u64: 10), the longest id. */
const MAX_PAYLOAD_BYTES = V3_FIXED_BYTES + 4 * 5 + 3 * 10 + 2 + MAX_RECORD_ID_BYTES;
const U32_MAX = 0xffff_ffff;
const U64_MAX = (1n << 64n) - 1n;

/** Encodes a CDR payload (version 3); one buffer is reused across calls: copy the result to keep it. */
export class CdrPayloadEncoder {
  private buf = Buffer.allocUnsafe(MAX_PAYLOAD_BYTES);
  private at = 0;

  encode(f: CdrPayloadFields): Uint8Array {
    const b = this.buf;
    const idBytes = Buffer.byteLength(f.recordId, 'utf8');
    if (idBytes > MAX_RECORD_ID_BYTES) throw new RangeError(`a record id is at most ${MAX_RECORD_ID_BYTES} bytes`);
    for (const [name, v] of [['submitter', f.submitter], ['counterparty', f.counterparty], ['tariffId', f.tariffId], ['durationSec', f.durationSec]] as const) {
      if (!Number.isInteger(v) || v < 0 || v > U32_MAX) throw new RangeError(`${name} ${v} is not a u32`);
    }
    for (const [name, v] of [['startTime', f.startTime], ['volumeBytes', f.volumeBytes], ['charge', f.charge]] as const) {
      if (v < 0n || v > U64_MAX) throw new RangeError(`${name} ${v} is not a u64`);
    }
    if (f.pseudonym.length !== 32 || f.eventKey.length !== 32) throw new RangeError('pseudonym and event key are 32 bytes');
    b[0] = PAYLOAD_VERSION;
    b.writeUInt8(f.service, 1);
    b.writeUInt16BE(f.currency, 2);
    b.set(f.pseudonym, 4);
    b.set(f.eventKey, 36);
    this.at = V3_FIXED_BYTES;
    this.u32(f.submitter);
    this.u32(f.counterparty);
    this.u32(f.tariffId);
    this.u32(f.durationSec);
    this.u64(f.startTime);
    this.u64(f.volumeBytes);
    this.u64(f.charge);
    this.u32(idBytes);
    this.at += b.write(f.recordId, this.at, 'utf8');
    return new Uint8Array(b.buffer, b.byteOffset, this.at);
  }

  private u32(v: number): void {
    while (v >= 0x80) {
      this.buf[this.at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.at++] = v;
  }

  private u64(v: bigint): void {
    if (v <= 0xffff_ffffn) return this.u32(Number(v));
    while (v >= 0x80n) {
      this.buf[this.at++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.at++] = Number(v);
  }
}

/** Reads minimal LEB128 varints from a payload, each bounded by its field's width (MalformedFrameError). */
class VarintReader {
  constructor(private readonly b: Uint8Array, public at: number) {}

  u64(name: string, bits: 32 | 64): bigint {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (this.at >= this.b.length) throw new MalformedFrameError(`the CDR payload ends inside ${name}`);
      const byte = this.b[this.at++]!;
      v |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) {
        if (byte === 0 && shift > 0n) throw new MalformedFrameError(`${name} is not a minimal varint`);
        if (v >> BigInt(bits) !== 0n) throw new MalformedFrameError(`${name} does not fit ${bits} bits`);
        return v;
      }
      if (shift >= BigInt(bits)) throw new MalformedFrameError(`${name} does not fit ${bits} bits`);
    }
  }

  u32(name: string): number {
    return Number(this.u64(name, 32));
  }
}

/** Version 1, the "CDRP" flatbuffer: no longer written, kept so tests can show old payloads still read. */
export function encodeFlatbufferPayload(f: CdrPayloadFields): Uint8Array {
  const b = new Builder(256);
  const recordId = b.createString(f.recordId);
  CdrTable.startCdr(b);
  CdrTable.addVersion(b, 1);
  CdrTable.addRecordId(b, recordId);
  CdrTable.addSubmitter(b, f.submitter);
  CdrTable.addCounterparty(b, f.counterparty);
  addHash(b, CdrTable.addPseudonym, f.pseudonym);
  CdrTable.addService(b, f.service);
  CdrTable.addStartTime(b, f.startTime);
  CdrTable.addDurationSec(b, f.durationSec);
  CdrTable.addVolumeBytes(b, f.volumeBytes);
  CdrTable.addCharge(b, f.charge);
  CdrTable.addCurrency(b, f.currency);
  CdrTable.addTariffId(b, f.tariffId);
  addHash(b, CdrTable.addEventKey, f.eventKey);
  CdrTable.finishCdrBuffer(b, CdrTable.endCdr(b));
  return b.asUint8Array().slice();
}

/** Reads a version-3 payload; every length and value range is checked (MalformedFrameError). */
function decodeVarint(bytes: Uint8Array): CdrPayloadFields {
  if (bytes.length < V3_FIXED_BYTES + 8) throw new MalformedFrameError(`a version-3 CDR payload is at least ${V3_FIXED_BYTES + 8} bytes, not ${bytes.length}`);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new VarintReader(bytes, V3_FIXED_BYTES);
  const submitter = r.u32('submitter');
  const counterparty = r.u32('counterparty');
  const tariffId = r.u32('tariff');
  const durationSec = r.u32('duration');
  const startTime = r.u64('start time', 64);
  const volumeBytes = r.u64('volume', 64);
  const charge = r.u64('charge', 64);
  const idBytes = r.u32('record id length');
  if (idBytes > MAX_RECORD_ID_BYTES || b.length !== r.at + idBytes) {
    throw new MalformedFrameError(`a CDR payload with a record id of ${idBytes} bytes is ${r.at + idBytes} bytes, not ${b.length} (record ids are at most ${MAX_RECORD_ID_BYTES})`);
  }
  const recordId = b.toString('utf8', r.at, r.at + idBytes);
  if (Buffer.byteLength(recordId, 'utf8') !== idBytes) throw new MalformedFrameError('the record id is not UTF-8');
  return {
    recordId,
    submitter,
    counterparty,
    pseudonym: Uint8Array.from(b.subarray(4, 36)),
    service: b[1]!,
    startTime,
    durationSec,
    volumeBytes,
    charge,
    currency: b.readUInt16BE(2),
    tariffId,
    eventKey: Uint8Array.from(b.subarray(36, 68)),
  };
}

/** Reads a version-2 payload (fixed big-endian layout; no longer written). */
function decodeFixed(bytes: Uint8Array): CdrPayloadFields {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < V2_FIXED_BYTES) throw new MalformedFrameError(`a CDR payload is at least ${V2_FIXED_BYTES} bytes, not ${b.length}`);
  const idBytes = b.readUInt16BE(108);
  if (idBytes > MAX_RECORD_ID_BYTES || b.length !== V2_FIXED_BYTES + idBytes) {
    throw new MalformedFrameError(`a CDR payload with a record id of ${idBytes} bytes is ${V2_FIXED_BYTES + idBytes} bytes, not ${b.length} (record ids are at most ${MAX_RECORD_ID_BYTES})`);
  }
  const recordId = b.toString('utf8', V2_FIXED_BYTES, V2_FIXED_BYTES + idBytes);
  if (Buffer.byteLength(recordId, 'utf8') !== idBytes) throw new MalformedFrameError('the record id is not UTF-8');
  return {
    recordId,
    submitter: b.readUInt32BE(4),
    counterparty: b.readUInt32BE(8),
    pseudonym: Uint8Array.from(b.subarray(44, 76)),
    service: b[1]!,
    startTime: b.readBigUInt64BE(20),
    durationSec: b.readUInt32BE(16),
    volumeBytes: b.readBigUInt64BE(28),
    charge: b.readBigUInt64BE(36),
    currency: b.readUInt16BE(2),
    tariffId: b.readUInt32BE(12),
    eventKey: Uint8Array.from(b.subarray(76, 108)),
  };
}

const PAYLOAD_SPEC: TableSpec = {
  name: 'Cdr',
  fields: [
    { index: 0, kind: 'scalar', size: 2 },
    { index: 1, kind: 'string', maxBytes: 256 },
    { index: 2, kind: 'scalar', size: 4 },
    { index: 3, kind: 'scalar', size: 4 },
    { index: 4, kind: 'struct', size: 32 },
    { index: 5, kind: 'scalar', size: 1 },
    { index: 6, kind: 'scalar', size: 8 },
    { index: 7, kind: 'scalar', size: 4 },
    { index: 8, kind: 'scalar', size: 8 },
    { index: 9, kind: 'scalar', size: 8 },
    { index: 10, kind: 'scalar', size: 2 },
    { index: 11, kind: 'scalar', size: 4 },
    { index: 12, kind: 'struct', size: 32 },
  ],
  required: [1, 4, 12],
};

/**
 * Reads a decrypted payload. It authenticated under the submitter's key, but the submitter is the
 * counterparty's adversary in a dispute: the structure is verified like any frame (MalformedFrameError).
 */
export function decodeCdrPayload(bytes: Uint8Array): CdrPayloadFields {
  // A version-1 flatbuffer starts with its root offset, a multiple of 4: never 2 or 3.
  if (bytes[0] === PAYLOAD_VERSION) return decodeVarint(bytes);
  if (bytes[0] === 2 && !isFlatbufferPayload(bytes)) return decodeFixed(bytes);
  return decodeFlatbufferPayload(bytes);
}

/** Version 1 carries the flatbuffer file identifier at bytes 4..8 (a version-2 submitter field can't: PLMN ids are < 10⁶). */
function isFlatbufferPayload(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[4] === 0x43 && bytes[5] === 0x44 && bytes[6] === 0x52 && bytes[7] === 0x50;
}

function decodeFlatbufferPayload(bytes: Uint8Array): CdrPayloadFields {
  verifyRoot(bytes, PAYLOAD_SPEC, 'CDRP');
  const bb = new ByteBuffer(bytes);
  const c = CdrTable.getRootAsCdr(bb);
  return {
    recordId: c.recordId() ?? '',
    submitter: c.submitter(),
    counterparty: c.counterparty(),
    pseudonym: Uint8Array.from(structBytes(bb, c.bb_pos, 12)),
    service: c.service(),
    startTime: c.startTime(),
    durationSec: c.durationSec(),
    volumeBytes: c.volumeBytes(),
    charge: c.charge(),
    currency: c.currency(),
    tariffId: c.tariffId(),
    eventKey: Uint8Array.from(structBytes(bb, c.bb_pos, 28)),
  };
}
