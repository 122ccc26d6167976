import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BlockCache } from './block-cache.js';
import { bloomAdd, bloomBytesFor, bloomMayHave } from './bloom.js';
import { ENTRY_BYTES, FENCE_STRIDE, Section } from './run-format.js';
import { BufferBytes, FileBytes, RunReader } from './run-reader.js';
import { FileSink, MemorySink, RunWriter } from './run-writer.js';

const hash = (i: number): Buffer => createHash('sha256').update(`h${i}`).digest();
const sorted = (hs: Buffer[]): Buffer[] => [...hs].sort(Buffer.compare);
const entry = (section: Section, h: Buffer, fill = 1): Buffer => Buffer.concat([h, Buffer.alloc(ENTRY_BYTES[section] - 32, fill)]);

describe('reconciliation runs: write, then find and walk', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function build(sections: Partial<Record<Section, Buffer[]>>, inFile: boolean, cache?: BlockCache): RunReader {
    const counts = [0, 1, 2, 3].map((s) => sections[s as Section]?.length ?? 0) as [number, number, number, number];
    let sink: MemorySink | FileSink;
    let path = '';
    if (inFile) {
      const d = mkdtempSync(join(tmpdir(), 'run-'));
      dirs.push(d);
      path = join(d, 'r.run');
      sink = new FileSink(path);
    } else sink = new MemorySink();
    const w = new RunWriter(sink, counts);
    for (const s of [0, 1, 2, 3] as Section[]) for (const h of sorted(sections[s] ?? [])) w.add(s, entry(s, h, s + 1));
    expect(w.finish()).toEqual(counts);
    return new RunReader(inFile ? new FileBytes(path) : new BufferBytes((sink as MemorySink).bytes), cache);
  }

  for (const inFile of [false, true]) {
    it(`finds every entry in its own section and nothing else (${inFile ? 'file' : 'memory'})`, () => {
      const a = Array.from({ length: 1000 }, (_, i) => hash(i));
      const m = Array.from({ length: 300 }, (_, i) => hash(10_000 + i));
      const r = build({ [Section.OnlyA]: a, [Section.Matched]: m }, inFile);
      expect(r.counts()).toEqual([1000, 0, 300, 0]);
      for (const h of a) {
        expect(r.find(Section.OnlyA, h)).toEqual(entry(Section.OnlyA, h, 1));
        expect(r.find(Section.OnlyB, h)).toBeUndefined();
      }
      for (const h of m) expect(r.find(Section.Matched, h)).toEqual(entry(Section.Matched, h, 3));
      let absentHits = 0;
      for (let i = 0; i < 2000; i++) if (r.find(Section.OnlyA, hash(50_000 + i))) absentHits++;
      expect(absentHits).toBe(0);
      // Walks in hash order.
      const c = r.cursor(Section.OnlyA);
      const walked: Buffer[] = [];
      for (let e = c.peek(); e; c.advance(), e = c.peek()) walked.push(Buffer.from(e.subarray(0, 32)));
      expect(walked).toEqual(sorted(a));
      r.close();
    });
  }

  it('a file run with a block cache answers the same, reads a block once while it fits, and stays within the budget', () => {
    const a = Array.from({ length: 20 * FENCE_STRIDE }, (_, i) => hash(i));
    const blockBytes = FENCE_STRIDE * ENTRY_BYTES[Section.OnlyA];
    const cache = new BlockCache(4 * blockBytes);
    const r = build({ [Section.OnlyA]: a }, true, cache);
    const other = build({ [Section.OnlyA]: a.slice(0, 2 * FENCE_STRIDE) }, true, cache);
    // In hash order: each of the 20 steps read once, the other lookups of its step answered from memory.
    for (const h of sorted(a)) expect(r.find(Section.OnlyA, h)).toEqual(entry(Section.OnlyA, h, 1));
    expect(cache.stats()).toEqual({ bytes: 4 * blockBytes, hits: a.length - 20, misses: 20 });
    // In random order, through a cache of 4 of the 20 steps: most lookups read, and the budget holds.
    for (const h of a) expect(r.find(Section.OnlyA, h)).toEqual(entry(Section.OnlyA, h, 1));
    expect(cache.stats().misses).toBeGreaterThan(20 + a.length / 2);
    expect(cache.stats().bytes).toBeLessThanOrEqual(4 * blockBytes);
    // Two runs in one cache never answer with each other's blocks (keys are per reader).
    for (const h of a.slice(0, 2 * FENCE_STRIDE)) expect(other.find(Section.OnlyA, h)).toEqual(entry(Section.OnlyA, h, 1));
    expect(other.find(Section.OnlyA, a[3 * FENCE_STRIDE]!)).toBeUndefined();
    // The block of the last lookup is the most recently used: asked again, no read.
    const before = cache.stats();
    expect(r.find(Section.OnlyA, a.at(-1)!)).toEqual(entry(Section.OnlyA, a.at(-1)!, 1));
    expect(cache.stats().misses).toBe(before.misses);
    r.close();
    other.close();
  });

  it('block cache: least recently used out first, a block over the budget never kept', () => {
    const c = new BlockCache(10);
    c.set('a', Buffer.alloc(4));
    c.set('b', Buffer.alloc(4));
    expect(c.get('a')).toBeDefined(); // a is now the most recent
    c.set('c', Buffer.alloc(4)); // 12 > 10: b goes
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBeDefined();
    expect(c.get('c')).toBeDefined();
    c.set('big', Buffer.alloc(11));
    expect(c.get('big')).toBeUndefined();
    expect(c.stats()).toEqual({ bytes: 8, hits: 3, misses: 2 });
    expect(() => new BlockCache(-1)).toThrow(RangeError);
  });

  it('finds hashes whose first four bytes are equal across several fence steps', () => {
    // 3 fence steps of one 4-byte prefix, framed by smaller and larger prefixes.
    const same = Array.from({ length: FENCE_STRIDE * 3 + 5 }, (_, i) => Buffer.concat([Buffer.from([0x80, 0, 0, 1]), hash(i).subarray(4)]));
    const before = Array.from({ length: 70 }, (_, i) => Buffer.concat([Buffer.from([0x10, 0, 0, i]), hash(500 + i).subarray(4)]));
    const after = Array.from({ length: 70 }, (_, i) => Buffer.concat([Buffer.from([0xf0, 0, 0, i]), hash(900 + i).subarray(4)]));
    const r = build({ [Section.Mismatched]: [...same, ...before, ...after] }, false);
    for (const h of [...same, ...before, ...after]) expect(r.find(Section.Mismatched, h)?.subarray(0, 32)).toEqual(h);
    expect(r.find(Section.Mismatched, Buffer.concat([Buffer.from([0x80, 0, 0, 1]), Buffer.alloc(28, 0xff)]))).toBeUndefined();
    expect(r.find(Section.Mismatched, Buffer.alloc(32))).toBeUndefined();
    expect(r.find(Section.Mismatched, Buffer.alloc(32, 0xff))).toBeUndefined();
  });

  it('a cursor after a hash starts at the first entry above it: entries, hashes between them, shared prefixes, both ends', () => {
    const same = Array.from({ length: FENCE_STRIDE * 3 + 5 }, (_, i) => Buffer.concat([Buffer.from([0x80, 0, 0, 1]), hash(i).subarray(4)]));
    const spread = Array.from({ length: 10 * FENCE_STRIDE }, (_, i) => hash(2000 + i));
    const all = sorted([...same, ...spread]);
    const r = build({ [Section.OnlyB]: all }, false);
    const walk = (after: Buffer): Buffer[] => {
      const out: Buffer[] = [];
      const c = r.cursor(Section.OnlyB, after);
      for (let e = c.peek(); e; c.advance(), e = c.peek()) out.push(Buffer.from(e.subarray(0, 32)));
      return out;
    };
    const above = (after: Buffer): Buffer[] => all.filter((h) => Buffer.compare(h, after) > 0);
    // After each entry (and every step's first and last), and after a hash just above each one.
    for (let i = 0; i < all.length; i += 29) expect(walk(all[i]!)).toEqual(above(all[i]!));
    for (const i of [FENCE_STRIDE - 1, FENCE_STRIDE, 2 * FENCE_STRIDE, all.length - 1]) expect(walk(all[i]!)).toEqual(above(all[i]!));
    for (let i = 0; i < all.length; i += 37) {
      const between = Buffer.from(all[i]!);
      between[31] = between[31]! ^ 1; // a hash next to the entry, above or below it: not an entry
      expect(walk(between)).toEqual(above(between));
    }
    for (const edge of [Buffer.alloc(32), Buffer.alloc(32, 0xff), Buffer.concat([Buffer.from([0x80, 0, 0, 1]), Buffer.alloc(28)])]) expect(walk(edge)).toEqual(above(edge));
    const empty = build({ [Section.OnlyA]: [hash(1)] }, false);
    expect(empty.cursor(Section.OnlyB, hash(1)).peek()).toBeUndefined();
  });

  it('refuses entries out of order, of the wrong size, or more than announced; and bytes that are not a run', () => {
    const w = new RunWriter(new MemorySink(), [2, 0, 1, 0]);
    const [x, y] = sorted([hash(1), hash(2)]);
    w.add(Section.OnlyA, entry(Section.OnlyA, y!));
    expect(() => w.add(Section.OnlyA, entry(Section.OnlyA, x!))).toThrow(/ascending/);
    expect(() => w.add(Section.OnlyA, entry(Section.Matched, y!))).toThrow(/bytes/);
    w.add(Section.Matched, entry(Section.Matched, x!));
    expect(() => w.add(Section.OnlyA, entry(Section.OnlyA, x!))).toThrow(/order/);
    expect(() => w.add(Section.Matched, entry(Section.Matched, y!))).toThrow(/announced/);
    expect(() => new RunReader(new BufferBytes(Buffer.alloc(64)))).toThrow(/magic/);
    const ok = new MemorySink();
    const w2 = new RunWriter(ok, [1, 0, 0, 0]);
    w2.add(Section.OnlyA, entry(Section.OnlyA, x!));
    w2.finish();
    expect(() => new RunReader(new BufferBytes(ok.bytes.subarray(0, ok.bytes.length - 1)))).toThrow(/header says/);
    const d = mkdtempSync(join(tmpdir(), 'run-'));
    dirs.push(d);
    writeFileSync(join(d, 'short.run'), ok.bytes.subarray(0, 20));
    expect(() => new RunReader(new FileBytes(join(d, 'short.run')))).toThrow(RangeError);
  });

  it('filters: no false negatives, about 1% false positives at the default size', () => {
    const n = 20_000;
    const bits = new Uint8Array(bloomBytesFor(n));
    for (let i = 0; i < n; i++) bloomAdd(bits, hash(i));
    for (let i = 0; i < n; i++) expect(bloomMayHave(bits, hash(i))).toBe(true);
    let fp = 0;
    for (let i = 0; i < n; i++) if (bloomMayHave(bits, hash(n + i))) fp++;
    expect(fp / n).toBeLessThan(0.02);
  });
});
