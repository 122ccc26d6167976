import fc from 'fast-check';
import { Builder } from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import {
  BATCH_FILE_IDENTIFIER,
  batchId,
  CANONICAL_BATCH_HEADER_BYTES,
  canonicalBatchHeader,
  decodeBatch,
  encodeBatch,
  recordsDigest,
  type BatchHeaderFields,
  type DecodedBatch,
} from './batch.js';
import { createBytes, createStructVector } from './builder.js';
import { fromHex, toHex } from './bytes.js';
import { MalformedFrameError, UnsupportedVersionError } from './errors.js';
import { Batch } from './generated/cdrchain/wire/batch.js';
import { BATCH_VERSION, ED25519_SIGNATURE_BYTES, PUBLIC_RECORD_BYTES } from './limits.js';

// ---- A fixed vector. These bytes are signed by operators and hashed into batch ids that live on
// the ledger: if any of them changes, every signature and id in existence breaks. Do not update
// these constants to make a failing test pass; a format change needs a new version and tag. ----

const VECTOR_HEADER: BatchHeaderFields = {
  version: 1,
  submitter: 26201,
  counterparty: 310260,
  periodStart: 1_767_225_600n, // 2026-01-01T00:00:00Z
  periodEnd: 1_767_229_200n,
  sequence: 0x0102_0304_0506_0708n,
  recordCount: 3,
  merkleRoot: Uint8Array.from({ length: 32 }, (_, i) => i + 1),
  recordsDigest: Uint8Array.from({ length: 32 }, (_, i) => 0xff - i),
};
const VECTOR_RECORDS = Uint8Array.from({ length: 3 * PUBLIC_RECORD_BYTES }, (_, i) => (i * 7) & 0xff);
const VECTOR_SIGNATURE = Uint8Array.from({ length: 64 }, (_, i) => 0x40 + i);

/** The chain the vector is signed for: a chain identity is 32 bytes (the genesis hash). */
const VECTOR_CHAIN = Uint8Array.from({ length: 32 }, (_, i) => 0xc0 + i);
const VECTOR_CANONICAL_HEADER_HEX =
  '636472636861696e3a62617463683a32' + // "cdrchain:batch:2"
  'c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf' + // chain identity
  '0001' + // version
  '00006659' + // submitter 26201
  '0004bbf4' + // counterparty 310260
  '000000006955b900' + // period start
  '000000006955c710' + // period end
  '0102030405060708' + // sequence
  '00000003' + // record count
  '0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20' + // merkle root
  'fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e0'; // records digest
const VECTOR_BATCH_ID_HEX = '4c9b4f93d173cb41c3eff25bde0c97f07e329e2a3da00b6281f50f9ca662f508';
const VECTOR_RECORDS_DIGEST_HEX = '7ccabc14e64f4769ee3c69e1a22726379164654b20ff9be73f2d17789f6cb462';
/**
 * The vector as today's encoder writes it. Flatbuffers bytes are not canonical, so the encoder may
 * change them; but frames like this one are stored in LMDB and must stay readable forever.
 */
const VECTOR_FRAME_HEX =
  '18000000434452420000000000000a0012000c00080004000a0000008c000000cc0000001c00000000001600680000006400600058005000480044002400040016000000' +
  'fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20' +
  '03000000080706050403020110c755690000000000b9556900000000f4bb04005966000040000000' +
  toHex(VECTOR_SIGNATURE) +
  '03000000' + // record vector length
  toHex(VECTOR_RECORDS);

const MAX_U64 = 0xffff_ffff_ffff_ffffn;

function sampleHeader(overrides: Partial<BatchHeaderFields> = {}): BatchHeaderFields {
  return { ...VECTOR_HEADER, ...overrides };
}

/** True when `view` lies inside `frame`'s bytes (same buffer, in bounds). */
function within(view: Uint8Array, frame: Uint8Array): boolean {
  return view.buffer === frame.buffer && view.byteOffset >= frame.byteOffset && view.byteOffset + view.byteLength <= frame.byteOffset + frame.byteLength;
}

/**
 * The contract of decodeBatch on untrusted bytes: a batch whose every view lies inside the input
 * and agrees with its header, or MalformedFrameError / UnsupportedVersionError. Anything else
 * (TypeError, RangeError, a hang) is a bug.
 */
function decodeOrRefuse(bytes: Uint8Array): DecodedBatch | 'refused' {
  let batch: DecodedBatch;
  try {
    batch = decodeBatch(bytes);
  } catch (err) {
    if (err instanceof MalformedFrameError || err instanceof UnsupportedVersionError) return 'refused';
    throw new Error(`decodeBatch threw ${String(err)} on ${toHex(bytes.subarray(0, 256))}${bytes.length > 256 ? '…' : ''} (${bytes.length} bytes)`, { cause: err });
  }
  const { header, records, signature } = batch;
  expect(header.version).toBe(BATCH_VERSION);
  expect(header.merkleRoot.length).toBe(32);
  expect(header.recordsDigest.length).toBe(32);
  expect(within(header.merkleRoot, bytes)).toBe(true);
  expect(within(header.recordsDigest, bytes)).toBe(true);
  expect(within(records, bytes) || records.length === 0).toBe(true);
  expect(within(signature, bytes) || signature.length === 0).toBe(true);
  expect(records.length).toBe(header.recordCount * PUBLIC_RECORD_BYTES);
  expect(signature.length).toBeLessThanOrEqual(ED25519_SIGNATURE_BYTES);
  // The canonical header must be computable from whatever decoded (the node signs and ids it).
  expect(canonicalBatchHeader(header, VECTOR_CHAIN).length).toBe(CANONICAL_BATCH_HEADER_BYTES);
  return batch;
}

// ---- Arbitraries ----

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const u64 = fc.bigInt({ min: 0n, max: MAX_U64 });
const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

const arbBatch = fc
  .record({
    submitter: u32,
    counterparty: u32,
    periodStart: u64,
    periodEnd: u64,
    sequence: u64,
    merkleRoot: hash32,
    recordsDigest: hash32,
    recordCount: fc.integer({ min: 0, max: 8 }),
    recordSeed: fc.integer({ min: 0, max: 255 }),
    signature: fc.uint8Array({ minLength: 0, maxLength: ED25519_SIGNATURE_BYTES }),
  })
  .map(({ recordCount, recordSeed, signature, ...h }) => {
    const records = Uint8Array.from({ length: recordCount * PUBLIC_RECORD_BYTES }, (_, i) => (i * 31 + recordSeed) & 0xff);
    const header: BatchHeaderFields = { version: BATCH_VERSION, recordCount, ...h };
    return { header, records, signature };
  });

/** One way to damage a frame. Positions are taken modulo the frame length. */
type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'u32'; at: number; value: number }
  /** A uint16 with the high bit set: vtable sizes and field offsets the runtime reads as negative. */
  | { kind: 'u16high'; at: number; value: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'append'; bytes: Uint8Array };

const basicMutations = [
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: fc.oneof(u32, fc.constantFrom(0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff)) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
];
/** Bit flips, byte and word overwrites, truncation, trailing bytes. */
const arbBasicMutation: fc.Arbitrary<Mutation> = fc.oneof(...basicMutations);
/** ...plus uint16 values of 0x8000 and above written where vtable entries sit. */
const arbMutation: fc.Arbitrary<Mutation> = fc.oneof(
  ...basicMutations,
  fc.record({ kind: fc.constant('u16high' as const), at: fc.nat(), value: fc.integer({ min: 0x8000, max: 0xffff }) }),
);

function mutate(frame: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = frame.slice();
  for (const m of mutations) {
    if (out.length === 0) break;
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    switch (m.kind) {
      case 'flip':
        out[m.at % out.length]! ^= 1 << m.bit;
        break;
      case 'byte':
        out[m.at % out.length] = m.value;
        break;
      case 'u32':
        if (out.length >= 4) view.setUint32(m.at % (out.length - 3), m.value, true);
        break;
      case 'u16high': {
        // Aligned (vtable entries are), and padded so a 64 KiB table or vtable can fit.
        const at = (m.at % Math.max(1, (out.length - 1) >> 1)) * 2;
        const padded = new Uint8Array(out.length + 0x10000);
        padded.set(out);
        new DataView(padded.buffer).setUint16(at, m.value, true);
        out = padded;
        break;
      }
      case 'truncate':
        out = out.slice(0, m.keep % out.length);
        break;
      case 'append': {
        const longer = new Uint8Array(out.length + m.bytes.length);
        longer.set(out);
        longer.set(m.bytes, out.length);
        out = longer;
        break;
      }
    }
  }
  return out;
}

// ---- Tests ----

describe('canonical batch header', () => {
  it('has the pinned layout: tag, chain identity, then big-endian fields in schema order', () => {
    expect(CANONICAL_BATCH_HEADER_BYTES).toBe(150);
    const bytes = canonicalBatchHeader(VECTOR_HEADER, VECTOR_CHAIN);
    expect(toHex(bytes)).toBe(VECTOR_CANONICAL_HEADER_HEX);
    expect(Buffer.from(bytes.subarray(0, 16)).toString('latin1')).toBe('cdrchain:batch:2');
    expect(toHex(bytes.subarray(16, 48))).toBe(toHex(VECTOR_CHAIN));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getUint16(48)).toBe(1);
    expect(view.getUint32(50)).toBe(26201);
    expect(view.getUint32(54)).toBe(310260);
    expect(view.getBigUint64(58)).toBe(1_767_225_600n);
    expect(view.getBigUint64(66)).toBe(1_767_229_200n);
    expect(view.getBigUint64(74)).toBe(0x0102_0304_0506_0708n);
    expect(view.getUint32(82)).toBe(3);
    expect(toHex(bytes.subarray(86, 118))).toBe(toHex(VECTOR_HEADER.merkleRoot));
    expect(toHex(bytes.subarray(118, 150))).toBe(toHex(VECTOR_HEADER.recordsDigest));
  });

  it('gives the pinned batch id and records digest', () => {
    expect(toHex(batchId(VECTOR_HEADER, VECTOR_CHAIN))).toBe(VECTOR_BATCH_ID_HEX);
    expect(toHex(recordsDigest(VECTOR_RECORDS))).toBe(VECTOR_RECORDS_DIGEST_HEX);
  });

  it('changes (and so does the id) when any single field or the chain changes', () => {
    const base = toHex(batchId(VECTOR_HEADER, VECTOR_CHAIN));
    const flipped = (h: Uint8Array) => Uint8Array.from(h, (b, i) => (i === 31 ? b ^ 1 : b));
    const variants: Partial<BatchHeaderFields>[] = [
      { version: 2 },
      { submitter: 26202 },
      { counterparty: 310261 },
      { periodStart: VECTOR_HEADER.periodStart + 1n },
      { periodEnd: VECTOR_HEADER.periodEnd + 1n },
      { sequence: VECTOR_HEADER.sequence + 1n },
      { recordCount: 4 },
      { merkleRoot: flipped(VECTOR_HEADER.merkleRoot) },
      { recordsDigest: flipped(VECTOR_HEADER.recordsDigest) },
      // Swapping submitter and counterparty must not collide.
      { submitter: VECTOR_HEADER.counterparty, counterparty: VECTOR_HEADER.submitter },
    ];
    const ids = new Set([base]);
    for (const v of variants) ids.add(toHex(batchId(sampleHeader(v), VECTOR_CHAIN)));
    // The same header on another chain is another batch: signatures and ids do not carry over.
    ids.add(toHex(batchId(VECTOR_HEADER, flipped(VECTOR_CHAIN))));
    expect(ids.size).toBe(variants.length + 2);
  });

  it('takes the full u32 and u64 ranges, and refuses hashes or chain identities that are not 32 bytes', () => {
    const max = canonicalBatchHeader(sampleHeader({ submitter: 0xffff_ffff, counterparty: 0, periodStart: MAX_U64, periodEnd: 0n, sequence: MAX_U64 }), VECTOR_CHAIN);
    expect(toHex(max.subarray(50, 82))).toBe('ffffffff' + '00000000' + 'ffffffffffffffff' + '0000000000000000' + 'ffffffffffffffff');
    expect(() => canonicalBatchHeader(sampleHeader({ merkleRoot: new Uint8Array(31) }), VECTOR_CHAIN)).toThrow(RangeError);
    expect(() => canonicalBatchHeader(sampleHeader({ recordsDigest: new Uint8Array(33) }), VECTOR_CHAIN)).toThrow(RangeError);
    expect(() => canonicalBatchHeader(VECTOR_HEADER, new Uint8Array(31))).toThrow(RangeError);
    expect(() => encodeBatch(sampleHeader({ merkleRoot: new Uint8Array(31) }), VECTOR_RECORDS, VECTOR_SIGNATURE)).toThrow(RangeError);
  });
});

describe('encodeBatch / decodeBatch', () => {
  it('reads the pinned frame: stored frames stay readable', () => {
    const frame = fromHex(VECTOR_FRAME_HEX);
    const b = decodeBatch(frame);
    expect(b.header).toEqual(VECTOR_HEADER);
    expect(toHex(b.records)).toBe(toHex(VECTOR_RECORDS));
    expect(toHex(b.signature)).toBe(toHex(VECTOR_SIGNATURE));
    expect(Buffer.from(frame.subarray(4, 8)).toString('latin1')).toBe(BATCH_FILE_IDENTIFIER);
  });

  it('round-trips the vector, zero-copy', () => {
    const frame = encodeBatch(VECTOR_HEADER, VECTOR_RECORDS, VECTOR_SIGNATURE);
    const b = decodeBatch(frame);
    expect(b.header).toEqual(VECTOR_HEADER);
    expect(b.records).toEqual(VECTOR_RECORDS);
    expect(b.signature).toEqual(VECTOR_SIGNATURE);
    expect(b.bytes).toBe(frame);
    // Views into the frame, not copies: the node hands records to WASM without decoding them.
    expect(within(b.records, frame) && within(b.signature, frame) && within(b.header.merkleRoot, frame)).toBe(true);
  });

  it('round-trips any header, 0-8 records and signatures of 0-64 bytes (property)', () => {
    fc.assert(
      fc.property(arbBatch, ({ header, records, signature }) => {
        const frame = encodeBatch(header, records, signature);
        const b = decodeBatch(frame);
        expect(b.header).toEqual(header);
        expect(b.records).toEqual(records);
        expect(b.signature).toEqual(signature);
        expect(toHex(batchId(b.header, VECTOR_CHAIN))).toBe(toHex(batchId(header, VECTOR_CHAIN)));
      }),
      { numRuns: 300 },
    );
  });

  it('decodes a frame that sits at an offset inside a larger buffer', () => {
    const frame = encodeBatch(VECTOR_HEADER, VECTOR_RECORDS, VECTOR_SIGNATURE);
    const host = new Uint8Array(frame.length + 13);
    host.set(frame, 5);
    const b = decodeBatch(host.subarray(5, 5 + frame.length));
    expect(b.header).toEqual(VECTOR_HEADER);
    expect(b.records).toEqual(VECTOR_RECORDS);
  });

  it('refuses a header record_count that disagrees with the records', () => {
    for (const recordCount of [0, 2, 4, 0xffff_ffff]) {
      const frame = encodeBatch(sampleHeader({ recordCount }), VECTOR_RECORDS, VECTOR_SIGNATURE);
      expect(() => decodeBatch(frame)).toThrow(MalformedFrameError);
    }
  });

  it('refuses versions other than 1 with UnsupportedVersionError carrying the version', () => {
    for (const version of [0, 2, 0xffff]) {
      const frame = encodeBatch(sampleHeader({ version }), VECTOR_RECORDS, VECTOR_SIGNATURE);
      let caught: unknown;
      try {
        decodeBatch(frame);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(UnsupportedVersionError);
      expect((caught as UnsupportedVersionError).version).toBe(version);
    }
  });

  it('refuses a signature over 64 bytes, and another file identifier', () => {
    expect(() => decodeBatch(encodeBatch(VECTOR_HEADER, VECTOR_RECORDS, new Uint8Array(65)))).toThrow(MalformedFrameError);
    const frame = encodeBatch(VECTOR_HEADER, VECTOR_RECORDS, VECTOR_SIGNATURE);
    frame.set(Buffer.from('CDRK'), 4);
    expect(() => decodeBatch(frame)).toThrow(/file identifier/);
  });

  it('refuses a batch that lacks its header, records or signature', () => {
    const builder = new Builder(1024);
    const records = createStructVector(builder, VECTOR_RECORDS, PUBLIC_RECORD_BYTES);
    const signature = createBytes(builder, VECTOR_SIGNATURE);
    Batch.startBatch(builder);
    Batch.addRecords(builder, records);
    Batch.addSignature(builder, signature);
    Batch.finishBatchBuffer(builder, Batch.endBatch(builder));
    expect(() => decodeBatch(builder.asUint8Array())).toThrow(/lacks required field 0/);
    // Without records or signature: take a real frame and clear that field's vtable slot.
    for (const [slot, field] of [[6, 1], [8, 2]] as const) {
      const frame = encodeBatch(VECTOR_HEADER, VECTOR_RECORDS, VECTOR_SIGNATURE);
      const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
      const root = view.getUint32(0, true);
      const vtable = root - view.getInt32(root, true);
      view.setUint16(vtable + slot, 0, true);
      expect(() => decodeBatch(frame)).toThrow(new RegExp(`lacks required field ${field}`));
    }
  });
});

describe('decodeBatch on hostile bytes', () => {
  const valid = encodeBatch(VECTOR_HEADER, VECTOR_RECORDS, VECTOR_SIGNATURE);
  const arbFrame = arbBatch.map(({ header, records, signature }) => encodeBatch(header, records, signature));

  it('refuses random byte strings with MalformedFrameError, never anything else (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1024 }), (bytes) => {
        expect(decodeOrRefuse(bytes)).toBe('refused');
      }),
      { numRuns: 2_000 },
    );
  });

  it('random bytes behind a plausible root offset and the CDRB identifier: a sound batch or a typed refusal (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 1024 }), fc.nat(), (bytes, root) => {
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        view.setUint32(0, 8 + (root % (bytes.length - 4)), true);
        bytes.set(Buffer.from(BATCH_FILE_IDENTIFIER), 4);
        decodeOrRefuse(bytes);
      }),
      { numRuns: 3_000 },
    );
  });

  it('every truncation of a valid frame is malformed', () => {
    for (let keep = 0; keep < valid.length; keep++) {
      expect(() => decodeBatch(valid.slice(0, keep)), `cut at ${keep}`).toThrow(MalformedFrameError);
    }
  });

  it('mutated valid frames (flips, overwrites, truncation, trailing bytes) decode soundly or are refused (property)', () => {
    fc.assert(
      fc.property(arbFrame, fc.array(arbBasicMutation, { minLength: 1, maxLength: 4 }), (frame, mutations) => {
        decodeOrRefuse(mutate(frame, mutations));
      }),
      { numRuns: 5_000 },
    );
  });

  it('...and with uint16 values of 0x8000+ where vtable entries sit (property)', () => {
    fc.assert(
      fc.property(arbFrame, fc.array(arbMutation, { minLength: 1, maxLength: 4 }), (frame, mutations) => {
        decodeOrRefuse(mutate(frame, mutations));
      }),
      { numRuns: 3_000 },
    );
  });

  // verify.ts reads vtable sizes and field offsets as uint16; the flatbuffers runtime reads them as
  // int16. A Batch vtable of 0x8000+ bytes passes the verifier, then header() reads as absent and
  // decodeBatch dereferences null: a TypeError, which admission answers as an internal error.
  it('a vtable claiming 0x8000 bytes or more is malformed (not a TypeError)', () => {
    const frame = new Uint8Array(valid.length + 0x8000);
    frame.set(valid);
    const view = new DataView(frame.buffer);
    const root = view.getUint32(0, true);
    view.setUint16(root - view.getInt32(root, true), 0x8000, true);
    expect(() => decodeBatch(frame)).toThrow(MalformedFrameError);
  });

  it('a header field offset of 0x8000 or more is malformed (not read from before the table)', () => {
    // Point the header's merkle_root slot (vtable index 7) past 0x8000 inside a table grown to 64 KiB.
    const frame = new Uint8Array(valid.length + 0x10000);
    frame.set(valid);
    const view = new DataView(frame.buffer);
    const root = view.getUint32(0, true);
    const rootVtable = root - view.getInt32(root, true);
    const headerField = root + view.getUint16(rootVtable + 4, true);
    const header = headerField + view.getUint32(headerField, true);
    const headerVtable = header - view.getInt32(header, true);
    view.setUint16(headerVtable + 2, 0xffff, true); // table size
    view.setUint16(headerVtable + 4 + 2 * 7, 0x8010, true); // merkle_root offset
    // Today the reader takes 0x8010 as -32752 and returns 32 bytes from somewhere else than the
    // verifier checked; the frame must be refused instead.
    expect(decodeOrRefuse(frame)).toBe('refused');
  });
});
