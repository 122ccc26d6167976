import { createHash } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { tempDataDir } from '../test-helpers/devnet.js';
import { withRecord, classOfEntry, type EventEntry } from './event-entry.js';
import type { IndexBatch, IndexBlock, IndexChunk } from './index-chunk.js';
import { operatorPair } from './pair.js';
import { monthIndex, type CalendarMonth } from './period.js';
import { ReconciliationStore, type Dispute, type ReconciliationStoreOptions } from './reconciliation-store.js';

// The index against a reference model kept in plain maps, on random traffic cut into random
// chunks, with the run store's merges made frequent (fanout 2), every run a file, or every run
// an LMDB value: counts and dispute lists must be the model's whatever the runs look like.

const OPS = [20801, 23415, 26201];
const MONTHS: CalendarMonth[] = [{ year: 2026, month: 11 }, { year: 2026, month: 12 }];
const MONTH_START = [1_793_577_600n, 1_796_169_600n];
const ID = new Uint8Array(32).fill(7);
const h = (s: string): Buffer => createHash('sha256').update(s).digest();

interface Rec { event: number; value: number }
interface Batch { submitter: number; counterparty: number; month: 0 | 1; records: Rec[] }

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function traffic(seed: number): Batch[][] {
  const r = rng(seed);
  const blocks: Batch[][] = [];
  for (let b = 0; b < 24; b++) {
    const batches: Batch[] = [];
    for (let k = Math.floor(r() * 3); k > 0; k--) {
      const s = Math.floor(r() * 3);
      const c = (s + 1 + Math.floor(r() * 2)) % 3;
      // Events of a small pool, so both sides meet, repeat and disagree.
      const records = Array.from({ length: 1 + Math.floor(r() * 120) }, () => ({ event: Math.floor(r() * 400), value: r() < 0.1 ? 1 : 0 }));
      batches.push({ submitter: OPS[s]!, counterparty: OPS[c]!, month: r() < 0.7 ? 0 : 1, records });
    }
    blocks.push(batches);
  }
  return blocks;
}

const batchId = (height: number, k: number): Uint8Array => Uint8Array.from(h(`batch:${height}:${k}`));
// Both sides name an event by the same hash; the value differs per side only when altered.
const eventHash = (e: number): Buffer => h(`event:${e}`);
const commitment = (e: number, side: number, value: number): Buffer => h(`value:${e}:${value === 1 ? side : 'agreed'}`);

function chunkOf(blocks: Batch[][], from: number, to: number, closedBelowMonth?: number): IndexChunk {
  const all = blocks.slice(from, to).flat().flatMap((b) => b.records);
  const records = new Uint8Array(all.length * PUBLIC_RECORD_BYTES);
  let at = 0;
  const out: IndexBlock[] = blocks.slice(from, to).map((batches, i) => ({
    height: from + i,
    timestampMs: BigInt(from + i),
    unreadable: 0,
    batches: batches.map((b, k): IndexBatch => {
      const offset = at;
      const side = operatorPair(b.submitter, b.counterparty).a === b.submitter ? 0 : 1;
      for (const rec of b.records) {
        records.set(eventHash(rec.event), at + RECORD_OFFSET.eventKeyHash);
        records.set(commitment(rec.event, side, rec.value), at + RECORD_OFFSET.commitment);
        at += PUBLIC_RECORD_BYTES;
      }
      return { id: batchId(from + i, k), submitter: b.submitter, counterparty: b.counterparty, periodStart: MONTH_START[b.month]! + 86_400n, offset, count: b.records.length };
    }),
  }));
  return { blocks: out, records, ...(closedBelowMonth === undefined ? {} : { closedBelowMonth }) };
}

/** The reference: per (pair, month) a map of event states, applied record by record in block order. */
function model(blocks: Batch[][], closeAtBlock: number | undefined) {
  const events = new Map<string, Map<string, { entry: EventEntry; locs: (Dispute['a'])[] }>>();
  const counts = new Map<string, number[]>();
  blocks.forEach((batches, height) => {
    batches.forEach((b, k) => {
      if (closeAtBlock !== undefined && height >= closeAtBlock && b.month === 0) return;
      const pair = operatorPair(b.submitter, b.counterparty);
      const key = `${pair.a}-${pair.b}-${b.month}`;
      const side = pair.a === b.submitter ? 0 : 1;
      const m = events.get(key) ?? new Map();
      events.set(key, m);
      const c = counts.get(key) ?? Array(8).fill(0);
      counts.set(key, c);
      b.records.forEach((rec, index) => {
        const hx = eventHash(rec.event).toString('hex');
        const before = m.get(hx);
        const next = withRecord(before?.entry, side as 0 | 1, commitment(rec.event, side, rec.value), { batchNo: 0, index });
        if (!next) {
          c[side === 0 ? 6 : 7]++;
          return;
        }
        c[side === 0 ? 4 : 5]++;
        const locs = before?.locs ?? [undefined, undefined];
        locs[side] = { batchId: batchId(height, k), recordIndex: index, height };
        const cls = ['matched', 'mismatched', 'only_a', 'only_b'];
        if (before) c[cls.indexOf(classOfEntry(before.entry))]--;
        c[cls.indexOf(classOfEntry(next))]++;
        m.set(hx, { entry: next, locs });
      });
    });
  });
  return { events, counts };
}

function expectedDisputes(m: ReturnType<typeof model>, key: string): Dispute[] {
  const entries = [...(m.events.get(key) ?? new Map()).entries()].sort(([x], [y]) => (x < y ? -1 : 1));
  const out: Dispute[] = [];
  for (const cls of ['mismatched', 'only_a', 'only_b'] as const) {
    for (const [hx, { entry, locs }] of entries) {
      if (classOfEntry(entry) !== cls) continue;
      out.push({ eventHash: Uint8Array.from(Buffer.from(hx, 'hex')), class: cls, a: cls === 'only_b' ? undefined : locs[0], b: cls === 'only_a' ? undefined : locs[1] });
    }
  }
  return out;
}

describe('ReconciliationStore against a reference model', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  function open(opts: ReconciliationStoreOptions): { s: ReconciliationStore; dir: string } {
    const d = tempDataDir();
    const s = ReconciliationStore.open(d.dir, opts);
    cleanups.push(d.cleanup, () => s.close());
    s.prepare(ID, 1000);
    return { s, dir: d.dir };
  }

  const configs: [string, ReconciliationStoreOptions][] = [
    ['merges at every second run, every run a file', { runs: { fanout: 2, smallRunBytes: 0, maxOpenRuns: 3 } }],
    ['every run a file, a lookup cache of two blocks', { runs: { fanout: 3, smallRunBytes: 0, blockCacheBytes: 2 * 64 * 54 } }],
    ['several levels of runs (fanout 3)', { runs: { fanout: 3 } }],
    ['every run an LMDB value', { runs: { fanout: 3, smallRunBytes: 1 << 30 } }],
    ['defaults', {}],
  ];
  for (const [name, opts] of configs) {
    it(`gives the model's counts and disputes on random traffic in random chunks (${name})`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.boolean(), (seed, close) => {
          const blocks = traffic(seed);
          const r = rng(seed ^ 0x5eed);
          const closeAt = close ? 12 : undefined;
          const { s } = open(opts);
          // The month closes with the chunk that reaches block closeAt: from the next chunk on, its batches are refused.
          let refusedFrom: number | undefined;
          for (let from = 0; from < blocks.length; ) {
            const to = Math.min(blocks.length, from + 1 + Math.floor(r() * 5));
            const closes = closeAt !== undefined && to >= closeAt;
            s.applyChunk(chunkOf(blocks, from, to, closes ? monthIndex(MONTHS[1]!) : undefined));
            if (closes && refusedFrom === undefined) refusedFrom = to;
            from = to;
          }
          const m = model(blocks, refusedFrom);
          for (const [a, b] of [[0, 1], [0, 2], [1, 2]] as const) {
            for (const month of [0, 1]) {
              const pair = operatorPair(OPS[a]!, OPS[b]!);
              const key = `${pair.a}-${pair.b}-${month}`;
              const c = s.counts(pair, MONTHS[month]!);
              expect([c.matched, c.mismatched, c.onlyA, c.onlyB, c.recordsA, c.recordsB, c.duplicatesA, c.duplicatesB]).toEqual(m.counts.get(key) ?? Array(8).fill(0));
              const want = expectedDisputes(m, key);
              expect(s.disputes(pair, MONTHS[month]!, 0, 10_000).disputes).toEqual(want);
              expect(s.disputes(pair, MONTHS[month]!, 7, 5).disputes).toEqual(want.slice(7, 12));
              // Page by page after each page's cursor: the same list, whatever the runs' layout.
              const size = 1 + Math.floor(r() * 9);
              const paged: Dispute[] = [];
              for (let page = s.disputes(pair, MONTHS[month]!, 0, size); ; page = s.disputes(pair, MONTHS[month]!, page.next, size)) {
                paged.push(...page.disputes);
                if (page.next === undefined) break;
              }
              expect(paged).toEqual(want);
            }
          }
        }),
        { numRuns: 6 },
      );
    });
  }

  it('deletes run files a crash left unnamed, and the files of runs a merge replaced', () => {
    const { s, dir } = open({ runs: { fanout: 2, smallRunBytes: 0 } });
    const blocks = traffic(42);
    for (let i = 0; i < blocks.length; i++) s.applyChunk(chunkOf(blocks, i, i + 1));
    const runsDir = join(dir, 'runs');
    const files = readdirSync(runsDir);
    // Merges keep a few runs per (pair, month): far fewer files than chunks × (pair, month).
    expect(files.length).toBeGreaterThan(0);
    expect(files.length).toBeLessThan(6 * 6);
    writeFileSync(join(runsDir, 'ffffff00.run'), 'written, never named');
    expect(s.prepare(ID, 1000).reset).toBeUndefined();
    expect(existsSync(join(runsDir, 'ffffff00.run'))).toBe(false);
    expect(readdirSync(runsDir).sort()).toEqual(files.sort());
  });

  it('keeps nothing of a chunk whose transaction fails, and applies it in full afterwards', () => {
    const { s, dir } = open({ runs: { fanout: 2, smallRunBytes: 0 } });
    const blocks = traffic(7);
    s.applyChunk(chunkOf(blocks, 0, 12));
    const files = readdirSync(join(dir, 'runs')).sort();
    const pair = operatorPair(OPS[0]!, OPS[1]!);
    const before = s.counts(pair, MONTHS[0]!);
    // A gap fails the transaction after nothing; a malformed batch fails it midway (its runs already written).
    const bad = chunkOf(blocks, 12, 24);
    const broken: IndexChunk = { ...bad, blocks: bad.blocks.map((b, i) => (i === 3 ? { ...b, batches: b.batches.map((x) => ({ ...x, count: 1e6 })) } : b)) };
    expect(() => s.applyChunk(broken)).toThrow();
    expect(readdirSync(join(dir, 'runs')).sort()).toEqual(files);
    expect(s.counts(pair, MONTHS[0]!)).toEqual(before);
    expect(s.nextHeight()).toBe(12);
    s.applyChunk(bad);
    const m = model(blocks, undefined);
    const c = s.counts(pair, MONTHS[0]!);
    expect([c.matched, c.mismatched, c.onlyA, c.onlyB]).toEqual(m.counts.get(`${pair.a}-${pair.b}-0`)!.slice(0, 4));
  });
});
