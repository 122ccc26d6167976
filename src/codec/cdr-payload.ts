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
 * The payload encoding, version 2: a fixed big-endian layout, 110 bytes plus the record id (~128 for
 * the synthetic traffic's ids, against 192 as a flatbuffer). It is what a sealed batch carries and
 * every validator stores per record (as ciphertext + 16), so each byte here is a byte per CDR on
 * disk and on the wire.
 *
 *   0 version u8 = 2 │ 1 service u8 │ 2 currency u16 │ 4 submitter u32 │ 8 counterparty u32 │ 12 tariff u32
 *   16 duration u32 │ 20 start u64 │ 28 volume u64 │ 36 charge u64 │ 44 pseudonym 32 │ 76 event key 32
 *   108 record id length u16 │ 110 record id (UTF-8, at most 256 bytes)
 *
 * Version 1 (a "CDRP" flatbuffer, schemas/cdr.fbs) is still read: batches sealed before are on chains.
 */
export const PAYLOAD_VERSION = 2;
const FIXED_BYTES = 110;
const MAX_RECORD_ID_BYTES = 256;
const U32_MAX = 0xffff_ffff;
const U64_MAX = (1n << 64n) - 1n;

/** Encodes a CDR payload (version 2); one buffer is reused across calls: copy the result to keep it. */
export class CdrPayloadEncoder {
  private buf = Buffer.allocUnsafe(FIXED_BYTES + MAX_RECORD_ID_BYTES);

  encode(f: CdrPayloadFields): Uint8Array {
    const b = this.buf;
    if (Buffer.byteLength(f.recordId, 'utf8') > MAX_RECORD_ID_BYTES) throw new RangeError(`a record id is at most ${MAX_RECORD_ID_BYTES} bytes`);
    const idBytes = b.write(f.recordId, FIXED_BYTES, 'utf8');
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
    b.writeUInt32BE(f.submitter, 4);
    b.writeUInt32BE(f.counterparty, 8);
    b.writeUInt32BE(f.tariffId, 12);
    b.writeUInt32BE(f.durationSec, 16);
    b.writeBigUInt64BE(f.startTime, 20);
    b.writeBigUInt64BE(f.volumeBytes, 28);
    b.writeBigUInt64BE(f.charge, 36);
    b.set(f.pseudonym, 44);
    b.set(f.eventKey, 76);
    b.writeUInt16BE(idBytes, 108);
    return new Uint8Array(b.buffer, b.byteOffset, FIXED_BYTES + idBytes);
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

/** Reads a version-2 payload; every length and value range is checked (MalformedFrameError). */
function decodeCompact(bytes: Uint8Array): CdrPayloadFields {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < FIXED_BYTES) throw new MalformedFrameError(`a CDR payload is at least ${FIXED_BYTES} bytes, not ${b.length}`);
  const idBytes = b.readUInt16BE(108);
  if (idBytes > MAX_RECORD_ID_BYTES || b.length !== FIXED_BYTES + idBytes) {
    throw new MalformedFrameError(`a CDR payload with a record id of ${idBytes} bytes is ${FIXED_BYTES + idBytes} bytes, not ${b.length} (record ids are at most ${MAX_RECORD_ID_BYTES})`);
  }
  const recordId = b.toString('utf8', FIXED_BYTES, FIXED_BYTES + idBytes);
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
  if (bytes[0] === PAYLOAD_VERSION && !isFlatbufferPayload(bytes)) return decodeCompact(bytes);
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
