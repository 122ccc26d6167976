import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { tempDataDir } from '../test-helpers/devnet.js';
import { IndexGapError } from './errors.js';
import type { IndexBatch, IndexBlock, IndexChunk } from './index-chunk.js';
import { operatorPair } from './pair.js';
import { monthIndex } from './period.js';
import { ReconciliationStore, ZERO_COUNTS, type ReconciliationStoreOptions } from './reconciliation-store.js';

const A = 20801;
const B = 23415;
const C = 26201;
const NOV_2026 = 1_793_577_600n; // 2026-11-01T00:00:00Z
const DEC_2026 = 1_796_169_600n; // 2026-12-01T00:00:00Z
const NOV = { year: 2026, month: 11 };
const DEC = { year: 2026, month: 12 };
const ID = new Uint8Array(32).fill(7);

const h = (s: string): Uint8Array => createHash('sha256').update(s).digest();

interface Rec { event: string; value: string }
interface BatchSpec { submitter: number; counterparty: number; periodStart?: bigint; records: Rec[]; id?: Uint8Array }

/** Blocks from `height` on, one per entry, each with its batches. */
function chunk(height: number, blocks: BatchSpec[][]): IndexChunk {
  const all: Rec[] = blocks.flat().flatMap((b) => b.records);
  const records = new Uint8Array(all.length * PUBLIC_RECORD_BYTES);
  let at = 0;
  const out: IndexBlock[] = blocks.map((batches, i) => ({
    height: height + i,
    timestampMs: BigInt(height + i),
    unreadable: 0,
    batches: batches.map((b): IndexBatch => {
      const offset = at;
      for (const r of b.records) {
        records.set(r.event.startsWith('raw:') ? Buffer.from(r.event.slice(4), 'hex') : h(`event:${r.event}`), at + RECORD_OFFSET.eventKeyHash);
        records.set(h(`value:${r.value}`), at + RECORD_OFFSET.commitment);
        at += PUBLIC_RECORD_BYTES;
      }
      return { id: b.id ?? ID, submitter: b.submitter, counterparty: b.counterparty, periodStart: b.periodStart ?? NOV_2026 + 86_400n, offset, count: b.records.length };
    }),
  }));
  return { blocks: out, records };
}

const recs = (events: string[], alter: Set<string> = new Set()): Rec[] => events.map((e) => ({ event: e, value: alter.has(e) ? `${e}!` : e }));
const range = (from: number, to: number, p = 'e'): string[] => Array.from({ length: to - from }, (_, i) => `${p}${from + i}`);

describe('ReconciliationStore', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  function store(opts: ReconciliationStoreOptions = {}): ReconciliationStore {
    const d = tempDataDir();
    const s = ReconciliationStore.open(d.dir, opts);
    cleanups.push(d.cleanup, () => s.close());
    s.prepare(ID, 1000);
    return s;
  }

  it('classifies events as both sides arrive, in any order, with exact counts per class and side', () => {
    const s = store();
    const pair = operatorPair(A, B);
    // A: e0..e99. B: e5..e104, with e10..e19 altered. Matched e5..e99 less the 10 altered = 85.
    s.applyChunk(chunk(0, [[{ submitter: A, counterparty: B, records: recs(range(0, 60)) }], []]));
    expect(s.counts(pair, NOV)).toMatchObject({ onlyA: 60, recordsA: 60, matched: 0 });
    s.applyChunk(chunk(2, [
      [{ submitter: B, counterparty: A, records: recs(range(5, 105), new Set(range(10, 20))) }],
      [{ submitter: A, counterparty: B, records: recs(range(60, 100)) }],
    ]));
    expect(s.counts(pair, NOV)).toEqual({ matched: 85, mismatched: 10, onlyA: 5, onlyB: 5, recordsA: 100, recordsB: 100, duplicatesA: 0, duplicatesB: 0 });
    expect(s.nextHeight()).toBe(4);
    // Either order of the pair names the same counts.
    expect(s.counts(operatorPair(B, A), NOV).matched).toBe(85);
  });

  it('lists disputes mismatched first, then only A, then only B, paged exactly', () => {
    const s = store();
    const pair = operatorPair(A, B);
    const idA = new Uint8Array(32).fill(0xaa);
    const idB = new Uint8Array(32).fill(0xbb);
    s.applyChunk(chunk(0, [[
      { submitter: A, counterparty: B, records: recs(range(0, 20)), id: idA },
      { submitter: B, counterparty: A, records: recs(range(3, 23), new Set(range(10, 14))), id: idB },
    ]]));
    const all = s.disputes(pair, NOV, 0, 1000);
    expect(all.total).toBe(4 + 3 + 3);
    expect(all.disputes.map((d) => d.class)).toEqual([...Array(4).fill('mismatched'), ...Array(3).fill('only_a'), ...Array(3).fill('only_b')]);
    const mismatched = all.disputes[0]!;
    expect(Buffer.from(mismatched.a!.batchId)).toEqual(Buffer.from(idA));
    expect(Buffer.from(mismatched.b!.batchId)).toEqual(Buffer.from(idB));
    const onlyA = all.disputes.find((d) => d.class === 'only_a')!;
    expect(onlyA.b).toBeUndefined();
    expect([0, 1, 2].map((i) => `e${i}`).map((e) => Buffer.from(h(`event:${e}`)).toString('hex')).sort()).toContain(Buffer.from(onlyA.eventHash).toString('hex'));
    expect(onlyA.a!.recordIndex).toBeLessThan(3);
    // Pages cut across classes and add up to the whole list.
    const pages = [0, 3, 6, 9].map((o) => s.disputes(pair, NOV, o, 3).disputes).flat();
    expect(pages.map((d) => Buffer.from(d.eventHash).toString('hex'))).toEqual(all.disputes.map((d) => Buffer.from(d.eventHash).toString('hex')));
    expect(s.disputes(pair, NOV, 10, 5).disputes).toEqual([]);
  });

  it('changes nothing when a chunk is applied again (crash between commit and notification), and refuses a gap', () => {
    const s = store();
    const pair = operatorPair(A, B);
    const c1 = chunk(0, [[{ submitter: A, counterparty: B, records: recs(range(0, 10)) }], [{ submitter: B, counterparty: A, records: recs(range(5, 15)) }]]);
    s.applyChunk(c1);
    const before = s.counts(pair, NOV);
    const again = s.applyChunk(c1);
    expect(again).toEqual({ nextHeight: 2, blocks: 0, records: 0 });
    expect(s.counts(pair, NOV)).toEqual(before);
    expect(() => s.applyChunk(chunk(3, [[{ submitter: A, counterparty: B, records: recs(range(100, 110)) }]]))).toThrow(IndexGapError);
    expect(s.counts(pair, NOV)).toEqual(before);
    expect(s.nextHeight()).toBe(2);
    // Overlapping chunk: the known block is skipped, the new one applied.
    s.applyChunk(chunk(1, [[{ submitter: B, counterparty: A, records: recs(range(5, 15)) }], [{ submitter: A, counterparty: B, records: recs([...range(10, 12), 'e0']) }]]));
    expect(s.counts(pair, NOV)).toMatchObject({ matched: 7, onlyA: 5, onlyB: 3, duplicatesA: 1, duplicatesB: 0 });
  });

  it("keeps pairs and periods apart: another operator copying a pair's public event hashes touches only its own pair", () => {
    const s = store();
    s.applyChunk(chunk(0, [[
      { submitter: A, counterparty: B, records: recs(range(0, 10)) },
      { submitter: C, counterparty: A, records: recs(range(0, 10)) },
      { submitter: B, counterparty: A, periodStart: DEC_2026 + 10n, records: recs(range(0, 10)) },
    ]]));
    expect(s.counts(operatorPair(A, B), NOV)).toMatchObject({ onlyA: 10, onlyB: 0, matched: 0 });
    expect(s.counts(operatorPair(A, B), DEC)).toMatchObject({ onlyB: 10, matched: 0 });
    expect(s.counts(operatorPair(A, C), NOV)).toMatchObject({ onlyB: 10 });
    expect(s.counts(operatorPair(B, C), NOV)).toEqual(ZERO_COUNTS);
  });

  it('gives the same index however the blocks are cut into chunks', () => {
    const blocks: BatchSpec[][] = [
      [{ submitter: A, counterparty: B, records: recs(range(0, 300)) }, { submitter: B, counterparty: A, records: recs(range(100, 400), new Set(range(150, 170))) }],
      [{ submitter: A, counterparty: B, records: recs([...range(300, 350), 'e5', 'e120']) }, { submitter: C, counterparty: B, records: recs(range(0, 50)) }],
      [{ submitter: B, counterparty: A, records: recs([...range(400, 420), 'e0', 'e101'], new Set(['e0'])) }],
    ];
    const whole = store();
    whole.applyChunk(chunk(0, blocks));
    const cut = store();
    for (let i = 0; i < blocks.length; i++) cut.applyChunk(chunk(i, [blocks[i]!]));
    for (const [pair, month] of [[operatorPair(A, B), NOV], [operatorPair(B, C), NOV]] as const) {
      expect(cut.counts(pair, month)).toEqual(whole.counts(pair, month));
      expect(cut.disputes(pair, month, 0, 1000)).toEqual(whole.disputes(pair, month, 0, 1000));
    }
    expect(whole.counts(operatorPair(A, B), NOV)).toMatchObject({ matched: 230, mismatched: 21, onlyA: 99, onlyB: 70, duplicatesA: 2, duplicatesB: 1 });
  });

  it('meets both sides of an event among hashes that share their leading bits', () => {
    const s = store();
    const x = `raw:${'00'.repeat(31)}01`;
    const y = `raw:${'00'.repeat(31)}02`;
    const z = `raw:${'00'.repeat(31)}03`;
    s.applyChunk(chunk(0, [[
      { submitter: A, counterparty: B, records: [{ event: x, value: '1' }, { event: y, value: '2' }, { event: z, value: '3' }] },
      { submitter: B, counterparty: A, records: [{ event: z, value: '3' }, { event: x, value: '1' }, { event: y, value: 'other' }] },
    ]]));
    expect(s.counts(operatorPair(A, B), NOV)).toMatchObject({ matched: 2, mismatched: 1, onlyA: 0, onlyB: 0 });
  });

  it('counts a repeated event hash of one side as a duplicate, not as a second event', () => {
    const s = store();
    s.applyChunk(chunk(0, [[{ submitter: A, counterparty: B, records: [...recs(['x', 'y']), { event: 'x', value: 'other' }] }]]));
    expect(s.counts(operatorPair(A, B), NOV)).toMatchObject({ onlyA: 2, recordsA: 2, duplicatesA: 1 });
  });

  it('counts batches it cannot place (period out of range) and unreadable ones, without guessing', () => {
    const s = store();
    const c = chunk(0, [[{ submitter: A, counterparty: B, periodStart: 2n ** 60n, records: recs(['x']) }]]);
    s.applyChunk({ ...c, blocks: c.blocks.map((b) => ({ ...b, unreadable: 2 })) });
    expect(s.skips()).toEqual({ unreadableBatches: 2, outOfRangeBatches: 1 });
    expect(s.nextHeight()).toBe(1);
  });

  it('starts over on an index of an older layout (one-sided events kept twice; (pair, month) in every key)', () => {
    const s = store();
    s.applyChunk(chunk(0, [[{ submitter: A, counterparty: B, records: recs(range(0, 5)) }]]));
    expect(s.prepare(ID, 10).reset).toBeUndefined();
    // Layout 1 wrote no 'layout' entry.
    s.env.hashDb('recon-meta').removeSync(Buffer.from('layout'));
    expect(s.prepare(ID, 10).reset).toMatch(/layout 1, this node writes layout 6/);
    s.applyChunk(chunk(0, [[{ submitter: A, counterparty: B, records: recs(range(0, 5)) }]]));
    s.env.hashDb('recon-meta').putSync(Buffer.from('layout'), Buffer.from([0, 0, 0, 3]));
    expect(s.prepare(ID, 10).reset).toMatch(/layout 3, this node writes layout 6/);
    expect(s.nextHeight()).toBe(0);
    expect(s.counts(operatorPair(A, B), NOV)).toEqual(ZERO_COUNTS);
    expect(s.prepare(ID, 10).reset).toBeUndefined();
  });

  it('keeps each event once, in the section of its state (locators only when one-sided or mismatched)', () => {
    const s = store();
    s.applyChunk(chunk(0, [[
      { submitter: A, counterparty: B, records: recs(range(0, 30)) },
      { submitter: B, counterparty: A, records: recs(range(20, 40), new Set(['e25'])) },
    ]]));
    // 20 only A, 10 only B, 10 both (9 matched, 1 mismatched).
    expect(s.entries()).toMatchObject({ events: 10, oneSided: 30, openPeriods: 1 });
    expect(s.disputes(operatorPair(A, B), NOV, 0, 100).disputes.map((d) => d.class)).toEqual(['mismatched', ...Array(20).fill('only_a'), ...Array(10).fill('only_b')]);
  });

  it("starts over for another chain's identity, or when it is ahead of the chain (restored backup)", () => {
    const s = store();
    s.applyChunk(chunk(0, [[{ submitter: A, counterparty: B, records: recs(range(0, 5)) }], []]));
    expect(s.prepare(ID, 10)).toEqual({ nextHeight: 2, reset: undefined });
    expect(s.prepare(ID, 0).reset).toMatch(/ahead of the chain/);
    expect(s.counts(operatorPair(A, B), NOV)).toEqual(ZERO_COUNTS);
    s.applyChunk(chunk(0, [[{ submitter: A, counterparty: B, records: recs(range(0, 5)) }]]));
    expect(s.prepare(new Uint8Array(32).fill(1), 10).reset).toMatch(/another chain/);
    expect(s.nextHeight()).toBe(0);
    expect(s.disputes(operatorPair(A, B), NOV, 0, 10)).toEqual({ total: 0, disputes: [] });
  });

  it('drops the matched events of a closed month (kept only to catch repeats), keeping its counts, disputes and one-sided events, and places no later batch in it', () => {
    const s = store({ retirePerChunk: 1 });
    const pair = operatorPair(A, B);
    // November: A e0..e99; B e0..e89 with e10..e19 altered: 80 matched, 10 mismatched, 10 only A. December: 10 matched.
    s.applyChunk(chunk(0, [[
      { submitter: A, counterparty: B, records: recs(range(0, 100)) },
      { submitter: B, counterparty: A, records: recs(range(0, 90), new Set(range(10, 20))) },
      { submitter: A, counterparty: B, periodStart: DEC_2026, records: recs(range(0, 10, 'd')) },
      { submitter: B, counterparty: A, periodStart: DEC_2026, records: recs(range(0, 10, 'd')) },
    ]]));
    const novCounts = s.counts(pair, NOV);
    const novDisputes = s.disputes(pair, NOV, 0, 100);
    expect(novCounts).toMatchObject({ matched: 80, mismatched: 10, onlyA: 10 });
    expect(s.entries()).toMatchObject({ events: 100, oneSided: 10, openPeriods: 2 });
    // A block says November is closed: its runs are rewritten without the matched events (one (pair, month) per chunk at this budget).
    const closesNov = (height: number): IndexChunk => ({ ...chunk(height, [[]]), closedBelowMonth: monthIndex(DEC) });
    s.applyChunk(closesNov(1));
    expect(s.entries()).toMatchObject({ events: 20, oneSided: 10, openPeriods: 1 });
    s.applyChunk(closesNov(2));
    s.applyChunk(closesNov(3));
    expect(s.entries()).toMatchObject({ events: 20, oneSided: 10, openPeriods: 1 });
    expect(s.counts(pair, NOV)).toEqual(novCounts);
    expect(s.disputes(pair, NOV, 0, 100)).toEqual(novDisputes);
    expect(s.counts(pair, DEC)).toMatchObject({ matched: 10 });
    // A batch of November in a later block (the chain refuses those) is counted, not classified as new events.
    s.applyChunk(chunk(4, [[{ submitter: B, counterparty: A, records: recs(range(0, 5)) }]]));
    expect(s.counts(pair, NOV)).toEqual(novCounts);
    expect(s.skips().outOfRangeBatches).toBe(1);
    // December's events are still caught as repeats.
    s.applyChunk(chunk(5, [[{ submitter: A, counterparty: B, periodStart: DEC_2026, records: recs(['d3']) }]]));
    expect(s.counts(pair, DEC)).toMatchObject({ matched: 10, duplicatesA: 1 });
  });
});
