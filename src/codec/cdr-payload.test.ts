import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CdrPayloadEncoder, decodeCdrPayload, encodeFlatbufferPayload, type CdrPayloadFields } from './cdr-payload.js';
import { MalformedFrameError } from './errors.js';

const fields: CdrPayloadFields = {
  recordId: '20801-b12-0004711',
  submitter: 20801,
  counterparty: 310260,
  pseudonym: new Uint8Array(32).fill(0x11),
  service: 4,
  startTime: 1_796_169_600n,
  durationSec: 4_294_967_295,
  volumeBytes: (1n << 64n) - 1n,
  charge: 123_456_789n,
  currency: 978,
  tariffId: 77,
  eventKey: new Uint8Array(32).fill(0x22),
};

describe('CDR payload encoding', () => {
  it('is 68 fixed bytes, varints and the record id, and reads back every field', () => {
    const bytes = new CdrPayloadEncoder().encode(fields);
    // varints: submitter 3, counterparty 3, tariff 1, duration 5 (u32 max), start 5, volume 10 (u64 max), charge 4, id length 1
    expect(bytes.length).toBe(68 + 3 + 3 + 1 + 5 + 5 + 10 + 4 + 1 + fields.recordId.length);
    expect(bytes[0]).toBe(3);
    expect(decodeCdrPayload(bytes)).toEqual(fields);
    // Smaller than version 2 (110 fixed bytes plus the id) on typical values, the bytes every sealed record carries.
    const typical = { ...fields, durationSec: 42, volumeBytes: 0n, charge: 5n };
    expect(new CdrPayloadEncoder().encode(typical).length).toBe(68 + 3 + 3 + 1 + 1 + 5 + 1 + 1 + 1 + fields.recordId.length);
    expect(decodeCdrPayload(new CdrPayloadEncoder().encode(typical))).toEqual(typical);
  });

  it('reads back any field values in range', () => {
    const enc = new CdrPayloadEncoder();
    fc.assert(
      fc.property(
        fc.record({
          submitter: fc.nat({ max: 0xffff_ffff }), counterparty: fc.nat({ max: 0xffff_ffff }), tariffId: fc.nat({ max: 0xffff_ffff }), durationSec: fc.nat({ max: 0xffff_ffff }),
          startTime: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), volumeBytes: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), charge: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          recordId: fc.string({ maxLength: 60 }),
        }),
        (v) => {
          const f = { ...fields, ...v };
          expect(decodeCdrPayload(enc.encode(f))).toEqual(f);
        },
      ),
    );
  });

  it('still reads version 2 (fixed layout) and version 1 (flatbuffer) payloads sealed before', () => {
    expect(decodeCdrPayload(encodeVersion2(fields))).toEqual(fields);
    expect(decodeCdrPayload(encodeFlatbufferPayload(fields))).toEqual(fields);
  });

  it('refuses varints that are not minimal or do not fit their field', () => {
    const bytes = Uint8Array.from(new CdrPayloadEncoder().encode({ ...fields, tariffId: 5 }));
    // tariff is the third varint, after submitter (3 bytes) and counterparty (3 bytes): 5 as 0x85 0x00
    const padded = Uint8Array.from([...bytes.subarray(0, 74), 0x85, 0x00, ...bytes.subarray(75)]);
    expect(() => decodeCdrPayload(padded)).toThrow(/minimal/);
    const wide = Uint8Array.from([...bytes.subarray(0, 74), 0x80, 0x80, 0x80, 0x80, 0x10, ...bytes.subarray(75)]);
    expect(() => decodeCdrPayload(wide)).toThrow(/32 bits/);
  });

  it('refuses a payload cut short, padded, or with a record id longer than the bound', () => {
    const bytes = Uint8Array.from(new CdrPayloadEncoder().encode(fields));
    expect(() => decodeCdrPayload(bytes.subarray(0, bytes.length - 1))).toThrow(MalformedFrameError);
    expect(() => decodeCdrPayload(Uint8Array.from([...bytes, 0]))).toThrow(MalformedFrameError);
    expect(() => decodeCdrPayload(bytes.subarray(0, 50))).toThrow(MalformedFrameError);
    const long = Uint8Array.from(bytes);
    long[bytes.length - fields.recordId.length - 1] = 0x7f; // record id length 127, 17 bytes there
    expect(() => decodeCdrPayload(long)).toThrow(MalformedFrameError);
    const v2 = encodeVersion2(fields);
    new DataView(v2.buffer).setUint16(108, 300);
    expect(() => decodeCdrPayload(v2)).toThrow(MalformedFrameError);
    expect(() => new CdrPayloadEncoder().encode({ ...fields, recordId: 'x'.repeat(257) })).toThrow(RangeError);
    expect(() => new CdrPayloadEncoder().encode({ ...fields, charge: -1n })).toThrow(RangeError);
  });
});

/** A version-2 payload as it was written until version 3 (a fixed big-endian layout, 110 bytes plus the id). */
function encodeVersion2(f: CdrPayloadFields): Uint8Array {
  const id = Buffer.from(f.recordId, 'utf8');
  const b = Buffer.alloc(110 + id.length);
  b[0] = 2;
  b[1] = f.service;
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
  b.writeUInt16BE(id.length, 108);
  id.copy(b, 110);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}
