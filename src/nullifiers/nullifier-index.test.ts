import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../test-helpers/devnet.js';
import { readManifest } from './manifest.js';
import { NullifierIndex, NullifierIndexBusyError, type NullifierIndexOptions } from './nullifier-index.js';
import { KEY_BYTES, SegmentReader } from './segment-file.js';

const STRIDE = 32;
const A = 26201;
const B = 23415;

/** A stored batch as the admission log would give it back. */
interface Logged {
  readonly ordinal: number;
  readonly submitter: number;
  readonly keys: Uint8Array;
  readonly n: number;
}

const cleanups: (() => void)[] = [];
const open: NullifierIndex[] = [];
afterEach(async () => {
  for (const i of open.splice(0)) await i.close();
  for (const c of cleanups.splice(0)) c();
});

function dir(): string {
  const d = tempDataDir();
  cleanups.push(d.cleanup);
  return join(d.dir, 'nullifiers');
}

async function openIndex(o: NullifierIndexOptions): Promise<NullifierIndex> {
  const i = await NullifierIndex.open(o);
  open.push(i);
  return i;
}

async function closeIndex(i: NullifierIndex): Promise<void> {
  open.splice(open.indexOf(i), 1);
  await i.close();
}

/** Admission's view of Busy: the client retries once the last freeze is written out. */
async function insertRetrying(i: NullifierIndex, keys: Uint8Array, n: number, submitter: number, ordinal: number): Promise<number> {
  for (;;) {
    try {
      return i.checkAndInsert(keys, n, submitter, ordinal, STRIDE, 0);
    } catch (err) {
      if (!(err instanceof NullifierIndexBusyError)) throw err;
      await i.idle();
    }
  }
}

/** Re-inserts what a restart would: logged batches from the watermark on. */
async function restoreFrom(i: NullifierIndex, log: readonly Logged[]): Promise<void> {
  for (const b of log) if (b.ordinal >= i.watermark) await i.restore(b.keys, b.n, b.submitter, b.ordinal, STRIDE, 0);
}

describe('NullifierIndex', () => {
  it('freezes, writes and merges segments, stays exact over 2 million keys, and restarts from the watermark', async () => {
    const d = dir();
    const opts = { dir: d, hotLog2: 16, filterLog2Bytes: 24, sliceSlots: 8_192 }; // 45,875 keys per hot table
    let index = await openIndex(opts);
    const log: Logged[] = [];
    const batch = 2_000;
    const batches = 1_000;
    for (let o = 0; o < batches; o++) {
      const keys = randomBytes(batch * STRIDE);
      const submitter = o % 2 === 0 ? A : B;
      expect(await insertRetrying(index, keys, batch, submitter, o)).toBe(-1);
      log.push({ ordinal: o, submitter, keys, n: batch });
      if (o % 5 === 0) await new Promise((r) => setImmediate(r)); // let the pipeline run, as admission would
    }
    await index.idle();
    const st = index.stats();
    expect(index.size).toBe(batch * batches);
    expect(st.coldKeys + st.hotEntries).toBe(batch * batches);
    expect(st.coldKeys).toBeGreaterThan(1_800_000);
    // Size-tiered merging keeps the count small (43 freezes here).
    expect(st.segments).toBeLessThanOrEqual(12);
    expect(readdirSync(d).filter((f) => f.endsWith('.bin')).length).toBe(st.segments);

    // Every key is a duplicate, one at a time (hot or cold), for its own submitter only.
    for (let o = 0; o < batches; o += 37) {
      const b = log[o]!;
      for (const r of [0, 777, 1_999]) {
        const one = b.keys.subarray(r * STRIDE, (r + 1) * STRIDE);
        expect(index.checkAndInsert(one, 1, b.submitter, batches, STRIDE, 0)).toBe(0);
      }
    }
    // Exact: 200,000 fresh keys, and the same keys under the other submitter, are all new.
    const fresh = randomBytes(200_000 * STRIDE);
    let ordinal = batches;
    for (let at = 0; at < 200_000; at += 10_000) {
      expect(await insertRetrying(index, fresh.subarray(at * STRIDE), 10_000, A, ordinal++)).toBe(-1);
    }
    const cross = log[0]!; // A's keys, as B's
    expect(await insertRetrying(index, cross.keys, cross.n, B, ordinal++)).toBe(-1);
    await index.idle();
    const total = index.size;
    const watermark = index.watermark;
    expect(watermark).toBeGreaterThan(0);
    expect(readManifest(d).watermark).toBe(watermark);

    // Restart: segments and filter from disk, only batches from the watermark re-inserted.
    for (let at = 0, o = batches; at < 200_000; at += 10_000, o++) log.push({ ordinal: o, submitter: A, keys: fresh.subarray(at * STRIDE, (at + 10_000) * STRIDE), n: 10_000 });
    log.push({ ordinal: ordinal - 1, submitter: B, keys: cross.keys, n: cross.n });
    await closeIndex(index);
    index = await openIndex(opts);
    expect(index.watermark).toBe(watermark);
    await restoreFrom(index, log);
    expect(index.size).toBe(total);
    for (let o = 0; o < log.length; o += 29) {
      const b = log[o]!;
      expect(index.checkAndInsert(b.keys.subarray(0, STRIDE), 1, b.submitter, ordinal, STRIDE, 0)).toBe(0);
    }
    expect(index.checkAndInsert(randomBytes(5_000 * STRIDE), 5_000, B, ordinal, STRIDE, 0)).toBe(-1);
  }, 240_000);

  it('answers like a JS Set through freezes, rollbacks and restarts (property)', async () => {
    const d = dir();
    const opts = { dir: d, hotLog2: 6, filterLog2Bytes: 10, mergeFanIn: 2, sliceSlots: 16 }; // 44 keys per hot table; tiny filter: many positives
    const pool = Array.from({ length: 120 }, () => randomBytes(32));
    const op = fc.oneof(
      fc.record({ kind: fc.constant('batch' as const), submitter: fc.constantFrom(A, B), picks: fc.array(fc.nat(pool.length - 1), { minLength: 1, maxLength: 8 }), fail: fc.boolean() }),
      fc.record({ kind: fc.constant('restart' as const) }),
      fc.record({ kind: fc.constant('settle' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), async (ops) => {
        const sub = `${d}-${Math.random().toString(36).slice(2)}`;
        let index = await openIndex({ ...opts, dir: sub });
        const model = new Set<string>();
        const log: Logged[] = [];
        let ordinal = 0;
        for (const o of ops) {
          if (o.kind === 'settle') {
            await index.idle();
            continue;
          }
          if (o.kind === 'restart') {
            await closeIndex(index);
            index = await openIndex({ ...opts, dir: sub });
            await restoreFrom(index, log);
            continue;
          }
          const keys = new Uint8Array(o.picks.length * STRIDE);
          o.picks.forEach((p, i) => keys.set(pool[p]!, i * STRIDE));
          const names = o.picks.map((p) => `${o.submitter}:${p}`);
          const want = names.some((n, i) => model.has(n) || names.indexOf(n) < i);
          let got: number;
          try {
            got = index.checkAndInsert(keys, o.picks.length, o.submitter, ordinal, STRIDE, 0);
          } catch (err) {
            // A full table while the last freeze is still being written: Busy, nothing inserted.
            expect(err).toBeInstanceOf(NullifierIndexBusyError);
            await index.idle();
            got = index.checkAndInsert(keys, o.picks.length, o.submitter, ordinal, STRIDE, 0);
          }
          expect(got >= 0).toBe(want);
          if (got >= 0) {
            const n = names[got]!;
            expect(model.has(n) || names.indexOf(n) < got).toBe(true);
            continue;
          }
          if (o.fail) {
            // The write failed: admission takes the keys back.
            index.removeAll(keys, o.picks.length, o.submitter, STRIDE, 0);
          } else {
            for (const n of names) model.add(n);
            log.push({ ordinal, submitter: o.submitter, keys, n: o.picks.length });
          }
          ordinal++;
          expect(index.size).toBe(model.size);
        }
        await closeIndex(index);
      }),
      { numRuns: 40 },
    );
  }, 240_000);

  it('writes a frozen table only once every batch before the freeze is settled', async () => {
    const d = dir();
    let settled = 0;
    const index = await openIndex({ dir: d, hotLog2: 6, filterLog2Bytes: 10 });
    index.bindSettlement(() => settled);
    const batch = (): Uint8Array => randomBytes(10 * STRIDE);
    const b0 = batch();
    const b1 = batch();
    expect(index.checkAndInsert(b0, 10, A, 0, STRIDE, 0)).toBe(-1);
    expect(index.checkAndInsert(b1, 10, A, 1, STRIDE, 0)).toBe(-1);
    for (let o = 2; o < 5; o++) expect(index.checkAndInsert(batch(), 10, A, o, STRIDE, 0)).toBe(-1);
    // 50 keys > 44: ordinal 4 froze the table holding 0..3.
    await new Promise((r) => setTimeout(r, 50));
    expect(index.stats().segments).toBe(0);
    // Batch 1's write failed after the freeze: its keys leave the frozen table, never reach a segment.
    index.removeAll(b1, 10, A, STRIDE, 0);
    settled = 5;
    await index.idle();
    expect(index.stats().segments).toBe(1);
    expect(index.stats().coldKeys).toBe(30);
    expect(index.checkAndInsert(b1, 10, A, 5, STRIDE, 0)).toBe(-1);
    expect(index.checkAndInsert(b0.subarray(0, STRIDE), 1, A, 6, STRIDE, 0)).toBe(0);
  });

  it('restarts cleanly after a kill mid-write: leftovers are removed, nothing listed is lost', async () => {
    const d = dir();
    const opts = { dir: d, hotLog2: 12, filterLog2Bytes: 16 }; // 2,867 keys per table
    let index = await openIndex(opts);
    const log: Logged[] = [];
    for (let o = 0; o < 12; o++) {
      const keys = randomBytes(1_000 * STRIDE);
      expect(await insertRetrying(index, keys, 1_000, A, o)).toBe(-1);
      log.push({ ordinal: o, submitter: A, keys, n: 1_000 });
    }
    await index.idle();
    const before = readManifest(d);
    expect(before.segments.length).toBeGreaterThan(0);
    // Freeze again and stop while the worker writes (terminated mid-job), then add the debris a
    // kill -9 mid-write leaves: a torn .tmp and a segment written but never listed.
    for (let o = 12; o < 15; o++) {
      const keys = randomBytes(1_000 * STRIDE);
      expect(await insertRetrying(index, keys, 1_000, A, o)).toBe(-1);
      log.push({ ordinal: o, submitter: A, keys, n: 1_000 });
    }
    await closeIndex(index);
    writeFileSync(join(d, 'seg-00000099.bin.tmp'), randomBytes(10_000));
    writeFileSync(join(d, 'seg-00000098.bin'), randomBytes(8_192));
    writeFileSync(join(d, 'MANIFEST.json.tmp'), '{"torn');
    index = await openIndex(opts);
    const names = readdirSync(d);
    expect(names.some((n) => n.endsWith('.tmp'))).toBe(false);
    expect(existsSync(join(d, 'seg-00000098.bin'))).toBe(false);
    await restoreFrom(index, log);
    expect(index.size).toBe(15_000);
    for (const b of log) expect(index.checkAndInsert(b.keys.subarray(500 * STRIDE), 500, A, 100, STRIDE, 0)).toBe(0);
  });

  it('segment readers find every key and no other, with two preads', async () => {
    const d = dir();
    const index = await openIndex({ dir: d, hotLog2: 17, filterLog2Bytes: 20 });
    const keys = randomBytes(91_000 * STRIDE);
    expect(index.checkAndInsert(keys, 91_000, A, 0, STRIDE, 0)).toBe(-1);
    index.checkAndInsert(randomBytes(1_000 * STRIDE), 1_000, A, 1, STRIDE, 0); // freezes the first
    await index.idle();
    const m = readManifest(d);
    expect(m.segments).toHaveLength(1);
    const reader = SegmentReader.open(join(d, m.segments[0]!.file));
    try {
      expect(reader.count).toBe(91_000);
      const k = new Uint8Array(KEY_BYTES);
      let prev = Buffer.alloc(KEY_BYTES);
      for (const { keys: chunk, n } of reader.chunks(4_096)) {
        for (let i = 0; i < n; i++) {
          const cur = Buffer.from(chunk.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES));
          expect(Buffer.compare(prev, cur)).toBe(-1);
          prev = cur;
        }
      }
      for (let i = 0; i < 91_000; i += 97) {
        k.set([0x00, 0x00, 0x66, 0x59]); // 26201 big-endian
        k.set(keys.subarray(i * STRIDE + 4, i * STRIDE + 16), 4);
        expect(reader.has(k)).toBe(true);
        k[15] = k[15]! ^ 1;
        expect(reader.has(k)).toBe(false);
      }
    } finally {
      reader.close();
    }
  });
});
