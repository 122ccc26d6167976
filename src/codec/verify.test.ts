import fc from 'fast-check';
import { Builder } from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import { BlockKind, decodeBlock, encodeBlock, MAX_BLOCK_TXS, type BlockHeaderFields, type DecodedBlock } from './block.js';
import { toHex } from './bytes.js';
import { MalformedFrameError, UnsupportedVersionError } from './errors.js';
import { decodeIngestReply, encodeIngestReply, RejectCode, ReplyKind, type IngestReplyFields } from './ingest-reply.js';
import { verifyRoot, type FieldSpec, type TableSpec } from './verify.js';

// ---- Hand-built buffers for the verifier itself ----

/** A table: a u32 scalar (0), a 32-byte struct (1), a vector of 4-byte elements (2), a string (3). */
const LEAF_SPEC: TableSpec = {
  name: 'Leaf',
  fields: [
    { index: 0, kind: 'scalar', size: 4 },
    { index: 1, kind: 'struct', size: 32 },
    { index: 2, kind: 'vector', elementSize: 4, maxLength: 8 },
    { index: 3, kind: 'string', maxBytes: 16 },
  ],
  required: [0],
};

/** A root whose field 0 is a Leaf. */
const ROOT_SPEC: TableSpec = { name: 'Root', fields: [{ index: 0, kind: 'table', table: LEAF_SPEC }], required: [0] };

function leafFrame(opts: { vector?: number[]; text?: string } = {}): Uint8Array {
  const b = new Builder(256);
  b.startVector(4, (opts.vector ?? [1, 2]).length, 4);
  for (const v of [...(opts.vector ?? [1, 2])].reverse()) b.addInt32(v);
  const vec = b.endVector();
  const str = b.createString(opts.text ?? 'hello');
  b.startObject(4);
  b.addFieldInt32(0, 42, 0);
  b.prep(1, 32);
  for (let i = 31; i >= 0; i--) b.writeInt8(i);
  b.addFieldStruct(1, b.offset(), 0);
  b.addFieldOffset(2, vec, 0);
  b.addFieldOffset(3, str, 0);
  const leaf = b.endObject();
  b.startObject(1);
  b.addFieldOffset(0, leaf, 0);
  b.finish(b.endObject(), 'TEST');
  return b.asUint8Array().slice();
}

/** Positions inside a leafFrame, found by walking it the way a reader does. */
function layout(frame: Uint8Array): { view: DataView; root: number; rootVtable: number; leaf: number; leafVtable: number } {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const root = view.getUint32(0, true);
  const rootVtable = root - view.getInt32(root, true);
  const field = root + view.getUint16(rootVtable + 4, true);
  const leaf = field + view.getUint32(field, true);
  const leafVtable = leaf - view.getInt32(leaf, true);
  return { view, root, rootVtable, leaf, leafVtable };
}

/** Absolute position of a leaf field's uoffset target (vector or string length word). */
function leafTarget(frame: Uint8Array, index: number): number {
  const { view, leaf, leafVtable } = layout(frame);
  const at = leaf + view.getUint16(leafVtable + 4 + 2 * index, true);
  return at + view.getUint32(at, true);
}

const verify = (frame: Uint8Array) => verifyRoot(frame, ROOT_SPEC, 'TEST');

describe('verifyRoot', () => {
  it('accepts a well-formed buffer', () => {
    expect(() => verify(leafFrame())).not.toThrow();
  });

  it('refuses buffers shorter than 8 bytes and the wrong file identifier', () => {
    for (let n = 0; n < 8; n++) expect(() => verify(leafFrame().slice(0, n))).toThrow(MalformedFrameError);
    const frame = leafFrame();
    frame[7] = 0x58;
    expect(() => verify(frame)).toThrow(/file identifier/);
  });

  it('refuses a root offset outside the buffer', () => {
    for (const root of [0xffff_fff0, 0x8000_0000, 1_000_000]) {
      const frame = leafFrame();
      new DataView(frame.buffer).setUint32(0, root, true);
      expect(() => verify(frame)).toThrow(MalformedFrameError);
    }
  });

  it('refuses a vtable outside the buffer (either direction)', () => {
    for (const soffset of [0x7fff_ffff, -0x7fff_ffff, 1_000_000]) {
      const frame = leafFrame();
      const { view, root } = layout(frame);
      view.setInt32(root, soffset, true);
      expect(() => verify(frame), `soffset ${soffset}`).toThrow(MalformedFrameError);
    }
  });

  it('refuses vtable sizes that are odd or below 4, and table sizes below 4', () => {
    for (const [slot, value] of [[0, 3], [0, 5], [0, 0], [2, 0], [2, 3]] as const) {
      const frame = leafFrame();
      const { view, leafVtable } = layout(frame);
      view.setUint16(leafVtable + slot, value, true);
      expect(() => verify(frame), `slot ${slot} = ${value}`).toThrow(MalformedFrameError);
    }
  });

  it('refuses a missing required field', () => {
    const frame = leafFrame();
    const { view, leafVtable } = layout(frame);
    view.setUint16(leafVtable + 4, 0, true);
    expect(() => verify(frame)).toThrow(/Leaf lacks required field 0/);
  });

  it('refuses scalar and struct fields that overrun their table', () => {
    for (const index of [0, 1]) {
      const frame = leafFrame();
      const { view, leafVtable } = layout(frame);
      const tableSize = view.getUint16(leafVtable + 2, true);
      view.setUint16(leafVtable + 4 + 2 * index, tableSize - 1, true);
      expect(() => verify(frame), `field ${index}`).toThrow(/overruns its table/);
    }
  });

  it('refuses a vector longer than its limit without allocating for it, and one that runs past the end', () => {
    for (const length of [9, 0xffff_ffff]) {
      const frame = leafFrame();
      new DataView(frame.buffer).setUint32(leafTarget(frame, 2), length, true);
      expect(() => verify(frame)).toThrow(/elements, limit 8/);
    }
    const atLimit = leafFrame({ vector: [1, 2, 3, 4, 5, 6, 7, 8] });
    expect(() => verify(atLimit)).not.toThrow();
    // 8 elements claimed, but the buffer ends first.
    const short = leafFrame({ vector: [1] });
    const at = leafTarget(short, 2);
    new DataView(short.buffer).setUint32(at, 8, true);
    expect(() => verify(short.slice(0, Math.min(short.length, at + 4 + 8)))).toThrow(MalformedFrameError);
  });

  it('refuses a string over its limit or without room for its terminator', () => {
    expect(() => verify(leafFrame({ text: 'x'.repeat(17) }))).toThrow(/bytes, limit 16/);
    expect(() => verify(leafFrame({ text: 'x'.repeat(16) }))).not.toThrow();
    const frame = leafFrame({ text: 'abc' });
    const at = leafTarget(frame, 3);
    expect(() => verify(frame.slice(0, at + 4 + 3))).toThrow(MalformedFrameError);
  });

  it('stops at 16 levels of nested tables', () => {
    const spec: { name: string; fields: FieldSpec[] } = { name: 'Nest', fields: [] };
    spec.fields.push({ index: 0, kind: 'table', table: spec }); // a table that may hold itself
    const build = (depth: number): Uint8Array => {
      const b = new Builder(64);
      b.startObject(1);
      let t = b.endObject();
      for (let i = 0; i < depth; i++) {
        b.startObject(1);
        b.addFieldOffset(0, t, 0);
        t = b.endObject();
      }
      b.finish(t, 'NEST');
      return b.asUint8Array();
    };
    expect(() => verifyRoot(build(16), spec, 'NEST')).not.toThrow();
    expect(() => verifyRoot(build(17), spec, 'NEST')).toThrow(/nested too deeply/);
  });

  // The flatbuffers runtime reads vtable sizes and field offsets as int16 (ByteBuffer.__offset:
  // readInt16); the verifier as uint16. Whatever the verifier lets through, the runtime must read
  // the same way, so 0x8000 and above must be refused.
  it('refuses a vtable size of 0x8000 or more, which the runtime reads as negative', () => {
    const base = leafFrame();
    const frame = new Uint8Array(base.length + 0x10000);
    frame.set(base);
    const { view, rootVtable } = layout(frame);
    view.setUint16(rootVtable, 0x8000, true);
    expect(() => verify(frame)).toThrow(MalformedFrameError);
  });

  it('refuses a field offset (and so a table size) of 0x8000 or more', () => {
    const base = leafFrame();
    const frame = new Uint8Array(base.length + 0x10000);
    frame.set(base);
    const { view, leafVtable } = layout(frame);
    view.setUint16(leafVtable + 2, 0xffff, true);
    view.setUint16(leafVtable + 4, 0x8000, true); // field 0, a u32 at +0x8000
    expect(() => verify(frame)).toThrow(MalformedFrameError);
  });
});

// ---- decodeBlock and decodeIngestReply on untrusted bytes ----

function within(view: Uint8Array, frame: Uint8Array): boolean {
  return view.buffer === frame.buffer && view.byteOffset >= frame.byteOffset && view.byteOffset + view.byteLength <= frame.byteOffset + frame.byteLength;
}

/** Decodes, or returns 'refused' for the two typed errors; anything else is rethrown with the input. */
function decodeOrRefuse<T>(decode: (b: Uint8Array) => T, bytes: Uint8Array): T | 'refused' {
  try {
    return decode(bytes);
  } catch (err) {
    if (err instanceof MalformedFrameError || err instanceof UnsupportedVersionError) return 'refused';
    throw new Error(`${decode.name} threw ${String(err)} on ${toHex(bytes.subarray(0, 256))}${bytes.length > 256 ? '…' : ''} (${bytes.length} bytes)`, { cause: err });
  }
}

function checkBlock(bytes: Uint8Array): void {
  const b = decodeOrRefuse(decodeBlock, bytes);
  if (b === 'refused') return;
  const block: DecodedBlock = b;
  expect(block.header.version).toBe(1);
  expect(block.header.prevHash.length).toBe(32);
  expect(block.header.txRoot.length).toBe(32);
  expect(within(block.header.prevHash, bytes) && within(block.header.txRoot, bytes)).toBe(true);
  expect(block.txHashes.length).toBe(block.header.txCount * 32);
  expect(within(block.txHashes, bytes) || block.txHashes.length === 0).toBe(true);
}

function checkReply(bytes: Uint8Array): void {
  const r = decodeOrRefuse(decodeIngestReply, bytes);
  if (r === 'refused') return;
  const reply: IngestReplyFields = r;
  expect(reply.batchId.length).toBe(32);
  expect(typeof reply.message).toBe('string');
  expect(reply.message.length).toBeLessThanOrEqual(4096);
  expect(typeof reply.sequence).toBe('bigint');
  expect(typeof reply.height).toBe('bigint');
}

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn });
const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

const arbBlock = fc
  .record({
    kind: fc.constantFrom(BlockKind.Micro, BlockKind.Macro, BlockKind.Skip),
    height: u64,
    prevHash: hash32,
    timestampMs: u64,
    producer: u32,
    txRoot: hash32,
    cdrCount: u32,
    txCount: fc.integer({ min: 0, max: 6 }),
    seed: fc.integer({ min: 0, max: 255 }),
  })
  .map(({ txCount, seed, ...h }) => {
    const header: BlockHeaderFields = { version: 1, txCount, ...h };
    const txHashes = Uint8Array.from({ length: txCount * 32 }, (_, i) => (i * 13 + seed) & 0xff);
    return { header, txHashes };
  });

const arbReply = fc.record({
  kind: fc.constantFrom(ReplyKind.Ack, ReplyKind.Nack, ReplyKind.Committed),
  sequence: u64,
  batchId: hash32,
  code: fc.constantFrom(...Object.values(RejectCode).filter((v): v is RejectCode => typeof v === 'number')),
  message: fc.string({ maxLength: 200 }),
  height: u64,
});

type Mutation = { at: number; value: number; kind: 'byte' | 'u32' | 'u16high' } | { kind: 'truncate'; keep: number };
const arbMutation = (withHighU16: boolean): fc.Arbitrary<Mutation> =>
  fc.oneof(
    fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: fc.oneof(u32, fc.constantFrom(0, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff)) }),
    fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
    ...(withHighU16 ? [fc.record({ kind: fc.constant('u16high' as const), at: fc.nat(), value: fc.integer({ min: 0x8000, max: 0xffff }) })] : []),
  );

function mutate(frame: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = frame.slice();
  for (const m of mutations) {
    if (out.length === 0) break;
    if (m.kind === 'truncate') {
      out = out.slice(0, m.keep % out.length);
    } else if (m.kind === 'byte') {
      out[m.at % out.length] = m.value;
    } else if (m.kind === 'u32') {
      if (out.length >= 4) new DataView(out.buffer).setUint32(m.at % (out.length - 3), m.value, true);
    } else {
      const padded = new Uint8Array(out.length + 0x10000);
      padded.set(out);
      new DataView(padded.buffer).setUint16((m.at % Math.max(1, (out.length - 1) >> 1)) * 2, m.value, true);
      out = padded;
    }
  }
  return out;
}

describe('decodeBlock', () => {
  it('round-trips any block header and up to 6 transaction hashes (property)', () => {
    fc.assert(
      fc.property(arbBlock, ({ header, txHashes }) => {
        const b = decodeBlock(encodeBlock(header, txHashes));
        expect(b.header).toEqual(header);
        expect(b.txHashes).toEqual(txHashes);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a tx_count that disagrees with the hashes, another version, and another identifier', () => {
    const header: BlockHeaderFields = { version: 1, kind: BlockKind.Micro, height: 1n, prevHash: new Uint8Array(32), timestampMs: 1n, producer: 26201, txRoot: new Uint8Array(32), txCount: 2, cdrCount: 0 };
    expect(() => decodeBlock(encodeBlock(header, new Uint8Array(32)))).toThrow(MalformedFrameError);
    expect(() => decodeBlock(encodeBlock({ ...header, version: 2 }, new Uint8Array(64)))).toThrow(UnsupportedVersionError);
    const batchLabelled = encodeBlock(header, new Uint8Array(64));
    batchLabelled.set(Buffer.from('CDRB'), 4);
    expect(() => decodeBlock(batchLabelled)).toThrow(/file identifier/);
    expect(MAX_BLOCK_TXS).toBe(65_536);
  });

  it('refuses random bytes with a typed error (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        expect(decodeOrRefuse(decodeBlock, bytes)).toBe('refused');
      }), { numRuns: 2_000 });
  });

  it('mutated and truncated blocks decode soundly or are refused with a typed error (property)', () => {
    fc.assert(
      fc.property(arbBlock, fc.array(arbMutation(false), { minLength: 1, maxLength: 4 }), ({ header, txHashes }, mutations) => {
        checkBlock(mutate(encodeBlock(header, txHashes), mutations));
      }),
      { numRuns: 4_000 },
    );
  });

  it('...and with uint16 values of 0x8000+ where vtable entries sit (property)', () => {
    fc.assert(
      fc.property(arbBlock, fc.array(arbMutation(true), { minLength: 1, maxLength: 3 }), ({ header, txHashes }, mutations) => {
        checkBlock(mutate(encodeBlock(header, txHashes), mutations));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('decodeIngestReply', () => {
  it('round-trips any reply (property)', () => {
    fc.assert(
      fc.property(arbReply, (r) => {
        const back = decodeIngestReply(encodeIngestReply(r));
        expect(back).toEqual(r);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses random bytes with a typed error (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        expect(decodeOrRefuse(decodeIngestReply, bytes)).toBe('refused');
      }), { numRuns: 2_000 });
  });

  it('mutated and truncated replies decode soundly or are refused with a typed error (property)', () => {
    fc.assert(
      fc.property(arbReply, fc.array(arbMutation(true), { minLength: 1, maxLength: 4 }), (r, mutations) => {
        checkReply(mutate(encodeIngestReply(r), mutations));
      }),
      { numRuns: 4_000 },
    );
  });

  it('refuses a message longer than 4096 bytes', () => {
    const long = encodeIngestReply({ kind: ReplyKind.Nack, code: RejectCode.Malformed, message: 'x'.repeat(4097) });
    expect(() => decodeIngestReply(long)).toThrow(/limit 4096/);
    expect(decodeIngestReply(encodeIngestReply({ kind: ReplyKind.Nack, message: 'x'.repeat(4096) })).message).toHaveLength(4096);
  });
});
