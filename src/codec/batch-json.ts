import { encodeBatch, type BatchHeaderFields, type DecodedBatch } from './batch.js';
import { fromHex, HexError, toHex } from './bytes.js';
import { MalformedFrameError } from './errors.js';
import { MAX_BATCH_RECORDS, PUBLIC_RECORD_BYTES } from './limits.js';

/**
 * The JSON form of a signed batch (POST /cdr, for small submitters): the same fields as the
 * flatbuffer, hashes in hex, 64-bit numbers as decimal strings. It converts to the same frame and
 * takes the same checks; the signature covers the canonical header, so either form verifies.
 */
export interface BatchJson {
  header: {
    version: number;
    submitter: number;
    counterparty: number;
    periodStart: string;
    periodEnd: string;
    sequence: string;
    recordCount: number;
    merkleRoot: string;
    recordsDigest: string;
  };
  records: { eventKeyHash: string; commitment: string; nullifier: string; payloadHash: string }[];
  signature: string;
}

export function batchToJson(b: DecodedBatch): BatchJson {
  const h = b.header;
  const records: BatchJson['records'] = [];
  for (let i = 0; i < b.records.length; i += PUBLIC_RECORD_BYTES) {
    const r = b.records.subarray(i, i + PUBLIC_RECORD_BYTES);
    records.push({
      eventKeyHash: toHex(r.subarray(0, 32)),
      commitment: toHex(r.subarray(32, 64)),
      nullifier: toHex(r.subarray(64, 96)),
      payloadHash: toHex(r.subarray(96, 128)),
    });
  }
  return {
    header: {
      version: h.version,
      submitter: h.submitter,
      counterparty: h.counterparty,
      periodStart: h.periodStart.toString(),
      periodEnd: h.periodEnd.toString(),
      sequence: h.sequence.toString(),
      recordCount: h.recordCount,
      merkleRoot: toHex(h.merkleRoot),
      recordsDigest: toHex(h.recordsDigest),
    },
    records,
    signature: toHex(b.signature),
  };
}

/** Validates untrusted JSON and encodes it as a batch frame. Throws MalformedFrameError. */
export function batchFrameFromJson(value: unknown): Uint8Array {
  const j = object(value, 'batch');
  const h = object(j['header'], 'header');
  const recordsJson = j['records'];
  if (!Array.isArray(recordsJson)) throw new MalformedFrameError('records must be an array');
  if (recordsJson.length > MAX_BATCH_RECORDS) throw new MalformedFrameError(`more than ${MAX_BATCH_RECORDS} records`);
  const header: BatchHeaderFields = {
    version: uint(h['version'], 'header.version', 0xffff),
    submitter: uint(h['submitter'], 'header.submitter', 0xffffffff),
    counterparty: uint(h['counterparty'], 'header.counterparty', 0xffffffff),
    periodStart: u64(h['periodStart'], 'header.periodStart'),
    periodEnd: u64(h['periodEnd'], 'header.periodEnd'),
    sequence: u64(h['sequence'], 'header.sequence'),
    recordCount: uint(h['recordCount'], 'header.recordCount', MAX_BATCH_RECORDS),
    merkleRoot: hex32(h['merkleRoot'], 'header.merkleRoot'),
    recordsDigest: hex32(h['recordsDigest'], 'header.recordsDigest'),
  };
  const records = new Uint8Array(recordsJson.length * PUBLIC_RECORD_BYTES);
  recordsJson.forEach((rv: unknown, i: number) => {
    const r = object(rv, `records[${i}]`);
    const at = i * PUBLIC_RECORD_BYTES;
    records.set(hex32(r['eventKeyHash'], `records[${i}].eventKeyHash`), at);
    records.set(hex32(r['commitment'], `records[${i}].commitment`), at + 32);
    records.set(hex32(r['nullifier'], `records[${i}].nullifier`), at + 64);
    records.set(hex32(r['payloadHash'], `records[${i}].payloadHash`), at + 96);
  });
  if (typeof j['signature'] !== 'string' || j['signature'].length > 256) throw new MalformedFrameError('signature must be a hex string');
  return encodeBatch(header, records, hex(j['signature'], 'signature'));
}

function object(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new MalformedFrameError(`${what} must be an object`);
  return v as Record<string, unknown>;
}

function uint(v: unknown, what: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new MalformedFrameError(`${what} must be an integer in 0..${max}`);
  return v;
}

function u64(v: unknown, what: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v !== 'string' || !/^[0-9]{1,20}$/.test(v)) throw new MalformedFrameError(`${what} must be a decimal string`);
  const n = BigInt(v);
  if (n > 0xffff_ffff_ffff_ffffn) throw new MalformedFrameError(`${what} exceeds 64 bits`);
  return n;
}

function hex32(v: unknown, what: string): Uint8Array {
  if (typeof v !== 'string') throw new MalformedFrameError(`${what} must be 32 bytes of hex`);
  return hex(v, what, 32);
}

function hex(v: string, what: string, length?: number): Uint8Array {
  try {
    return fromHex(v, length);
  } catch (err) {
    if (err instanceof HexError) throw new MalformedFrameError(`${what}: ${err.message}`);
    throw err;
  }
}
