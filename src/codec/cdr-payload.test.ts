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
  it('is a fixed 110-byte layout plus the record id, and reads back every field', () => {
    const bytes = new CdrPayloadEncoder().encode(fields);
    expect(bytes.length).toBe(110 + fields.recordId.length);
    expect(bytes[0]).toBe(2);
    expect(decodeCdrPayload(bytes)).toEqual(fields);
    // Far smaller than version 1 (the flatbuffer), the bytes every sealed record carries.
    expect(encodeFlatbufferPayload(fields).length - bytes.length).toBeGreaterThanOrEqual(60);
  });

  it('still reads version 1 (flatbuffer) payloads sealed before', () => {
    expect(decodeCdrPayload(encodeFlatbufferPayload(fields))).toEqual(fields);
  });

  it('refuses a payload cut short, padded, or with a record id longer than the bound', () => {
    const bytes = Uint8Array.from(new CdrPayloadEncoder().encode(fields));
    expect(() => decodeCdrPayload(bytes.subarray(0, bytes.length - 1))).toThrow(MalformedFrameError);
    expect(() => decodeCdrPayload(Uint8Array.from([...bytes, 0]))).toThrow(MalformedFrameError);
    expect(() => decodeCdrPayload(bytes.subarray(0, 50))).toThrow(MalformedFrameError);
    const long = Uint8Array.from(bytes);
    new DataView(long.buffer).setUint16(108, 300);
    expect(() => decodeCdrPayload(long)).toThrow(MalformedFrameError);
    expect(() => new CdrPayloadEncoder().encode({ ...fields, recordId: 'x'.repeat(257) })).toThrow(RangeError);
    expect(() => new CdrPayloadEncoder().encode({ ...fields, charge: -1n })).toThrow(RangeError);
  });
});
