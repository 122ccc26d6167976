import type { Database } from 'lmdb';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { StorageEnv } from '../storage/env.js';
import { IndexGapError, PeriodOutOfRangeError, ReconciliationInputError } from './errors.js';
import { classOfEntry, decodeEntry, encodeEntry, withRecord, type EventClass, type EventEntry, type SideRecord } from './event-entry.js';
import type { IndexChunk } from './index-chunk.js';
import { operatorPair, type OperatorPair } from './pair.js';
import { batchPeriod, monthIndex, type CalendarMonth } from './period.js';
import { Section, SECTIONS } from './runs/run-format.js';
import { lookupState, RunSet, type RunSetOptions } from './runs/run-set.js';

/** Exact counts of one (pair, period). Every event is in exactly one class; `records*` count distinct events per side. */
export interface PairPeriodCounts {
  readonly matched: number;
  readonly mismatched: number;
  readonly onlyA: number;
  readonly onlyB: number;
  /** Distinct events side A submitted (= matched + mismatched + onlyA). */
  readonly recordsA: number;
  readonly recordsB: number;
  /** Records repeating an event key hash their side had already submitted (not classified again). */
  readonly duplicatesA: number;
  readonly duplicatesB: number;
}

export const ZERO_COUNTS: PairPeriodCounts = Object.freeze({
  matched: 0, mismatched: 0, onlyA: 0, onlyB: 0, recordsA: 0, recordsB: 0, duplicatesA: 0, duplicatesB: 0,
});

export type DisputeClass = 'mismatched' | 'only_a' | 'only_b';

/** Where one side's record of an event is on the ledger. */
export interface RecordLocator {
  readonly batchId: Uint8Array;
  readonly recordIndex: number;
  readonly height: number;
}

export interface Dispute {
  readonly eventHash: Uint8Array;
  readonly class: DisputeClass;
  readonly a: RecordLocator | undefined;
  readonly b: RecordLocator | undefined;
}

/** A place in a (pair, period)'s disputes: after this event of this class (keyset paging). */
export interface DisputeCursor {
  readonly class: DisputeClass;
  readonly eventHash: Uint8Array;
}

export interface DisputePage {
  readonly total: number;
  readonly disputes: readonly Dispute[];
  /** Where the next page starts, when this one is full (the last page may then be empty). */
  readonly next?: DisputeCursor;
}

/** What the index could not classify, since it began (retention, out-of-range periods). */
export interface IndexSkips {
  readonly unreadableBatches: number;
  /** Batches of a month outside 2000..9999, or of a month already closed (the chain refuses both). */
  readonly outOfRangeBatches: number;
}

/** Entries held, for tests, metrics and size reports. */
export interface IndexEntries {
  /** Events both sides submitted: matched ones of open months, mismatched ones of every month. */
  readonly events: number;
  /** Events only one side submitted. */
  readonly oneSided: number;
  /** (pair, month) numbers whose matched events are still held. */
  readonly openPeriods: number;
  /** Runs holding the events, and how many of them are files (the rest are LMDB values). */
  readonly runs: number;
  readonly runFiles: number;
}

export interface ApplyResult {
  /** The next height to index after this chunk. */
  readonly nextHeight: number;
  readonly blocks: number;
  readonly records: number;
}

/** Opens an index, checks it belongs to this chain and is not ahead of it: else it starts over (reason). */
export interface PrepareResult {
  readonly nextHeight: number;
  readonly reset: string | undefined;
}

// Layout 6. Keys are big-endian, so one (pair, period) is one contiguous key range.
//   periods  pair a u32 ‖ pair b u32 ‖ month u32                              → its number u32 (in order of first use)
//   open     month u32 ‖ pair a u32 ‖ pair b u32                              → its number: matched events still held
//   runs     number (u32 key)                                                 → its runs, oldest first (runs/run-set.ts)
//   counts   pair ‖ month                                                     → 8 × u64: the fields of PairPeriodCounts in order
//   batches  batch number (u32 key)                                           → batch id 32 ‖ height u32
//   meta     'next-height' u32, 'next-batch' u32, 'next-period' u32, 'chain' 32 bytes, 'skips' 2 × u64, 'layout' u32,
//            'closed-below' u32 (months below it are closed: see retireClosedMonths)
// The events themselves are in runs (runs/): per (pair, period), sorted runs of event states, one
// written per chunk and merged as they accumulate, small ones as LMDB values and large ones as
// files of `runs/`. Layouts 1 to 5 kept every event in LMDB B-trees keyed by its random hash, so
// each chunk rewrote a 4 KiB page per event once the tree outgrew the chunk: the index cost the
// pipeline 40% of its rate, and its data file 131 B/CDR after copy-on-write; a run keeps an
// event in 32 to 54 bytes and writes it in sequence.
// An event is current in exactly one state; a matched event is kept only while its month is open
// (to catch a repeat): once the chain has closed the month, its runs are rewritten without them.
const LAYOUT = 6;
/** Entries of closed months' runs rewritten per chunk transaction, by default (at least one (pair, month) per chunk). */
const RETIRE_PER_CHUNK = 2_000_000;

export interface ReconciliationStoreOptions {
  /** Entries of closed months' runs rewritten per chunk at most, by default 2,000,000; a (pair, month) is rewritten whole. */
  readonly retirePerChunk?: number;
  readonly runs?: RunSetOptions;
}
const COUNT_FIELDS = ['matched', 'mismatched', 'onlyA', 'onlyB', 'recordsA', 'recordsB', 'duplicatesA', 'duplicatesB'] as const;
/** The classes of disputes, in the order they are listed. */
export const DISPUTE_CLASSES: readonly DisputeClass[] = Object.freeze(['mismatched', 'only_a', 'only_b'] as const);
const META = {
  nextHeight: Buffer.from('next-height'),
  nextBatch: Buffer.from('next-batch'),
  nextPeriod: Buffer.from('next-period'),
  chain: Buffer.from('chain'),
  skips: Buffer.from('skips'),
  layout: Buffer.from('layout'),
  closedBelow: Buffer.from('closed-below'),
};
const enum F { Matched, Mismatched, OnlyA, OnlyB, RecordsA, RecordsB, DuplicatesA, DuplicatesB }

/**
 * The reconciliation index in its own LMDB environment (`<data dir>/reconciliation`): event key
 * hash → each side's commitment and record locator, per (pair, period) exact counts, and the
 * disputed events. It sees only hashes and commitments, never a value.
 *
 * One writer (the index worker) calls `applyChunk`: each chunk is one LMDB transaction that also
 * moves the watermark (`next-height`), so a chunk applied twice (a crash between commit and
 * notification) changes nothing, and a restart neither skips nor repeats a block. Readers (the API,
 * on the main thread) open the same environment and read committed snapshots.
 */
export class ReconciliationStore {
  private readonly runs: RunSet;
  private readonly countsDb: Database<Buffer, Uint8Array>;
  private readonly periods: Database<Buffer, Uint8Array>;
  private readonly openPeriods: Database<Buffer, Uint8Array>;
  private readonly batches: Database<Buffer, number>;
  private readonly meta: Database<Buffer, Uint8Array>;

  private readonly retirePerChunk: number;

  private constructor(readonly env: StorageEnv, opts: ReconciliationStoreOptions) {
    this.retirePerChunk = opts.retirePerChunk ?? RETIRE_PER_CHUNK;
    if (!Number.isSafeInteger(this.retirePerChunk) || this.retirePerChunk < 1) throw new RangeError('retirePerChunk must be a positive integer');
    this.runs = new RunSet(env, opts.runs);
    this.countsDb = env.hashDb('recon-counts');
    this.periods = env.hashDb('recon-periods');
    this.openPeriods = env.hashDb('recon-open');
    this.batches = env.uint32Db('recon-batches');
    this.meta = env.hashDb('recon-meta');
  }

  static open(path: string, opts: ReconciliationStoreOptions = {}): ReconciliationStore {
    return new ReconciliationStore(StorageEnv.open(path), opts);
  }

  /** The next block height to index (0 on a fresh index: the genesis block carries no batch). */
  nextHeight(): number {
    return this.meta.getBinary(META.nextHeight)?.readUInt32BE(0) ?? 0;
  }

  skips(): IndexSkips {
    const b = this.meta.getBinary(META.skips);
    return b ? { unreadableBatches: Number(b.readBigUInt64BE(0)), outOfRangeBatches: Number(b.readBigUInt64BE(8)) } : { unreadableBatches: 0, outOfRangeBatches: 0 };
  }

  /** Latest committed snapshot for the next reads (another thread writes). */
  refresh(): void {
    this.env.root.resetReadTxn();
    this.runs.refreshed();
  }

  /**
   * Before the first chunk: an index of another chain (identity) or ahead of the chain's head (the
   * chain's data was restored from an older backup) is wiped and rebuilt from height 0.
   */
  prepare(identity: Uint8Array, chainHeight: number): PrepareResult {
    const result = this.written(() => {
      const known = this.meta.getBinary(META.chain);
      const next = this.nextHeight();
      let reset: string | undefined;
      const layout = this.meta.getBinary(META.layout)?.readUInt32BE(0);
      if (known && !Buffer.from(identity).equals(known)) reset = 'the index belongs to another chain';
      else if (known && layout !== LAYOUT) reset = `the index has layout ${layout ?? 1}, this node writes layout ${LAYOUT}`;
      else if (next > chainHeight + 1) reset = `the index is at height ${next - 1}, ahead of the chain's head ${chainHeight}`;
      if (reset) {
        this.runs.dropAll();
        for (const db of [this.countsDb, this.periods, this.openPeriods, this.meta]) for (const k of [...db.getKeys()]) db.removeSync(k);
        for (const k of [...this.batches.getKeys()]) this.batches.removeSync(k);
      }
      if (!known || reset) {
        this.meta.putSync(META.chain, Buffer.from(identity));
        this.meta.putSync(META.layout, u32(LAYOUT));
      }
      return { nextHeight: this.nextHeight(), reset };
    });
    // Only the writer prepares: run files a crash left unnamed go now.
    this.runs.removeOrphans();
    return result;
  }

  /** One write transaction of the index, with its runs: new run files kept only if it commits, replaced ones deleted once it has. */
  private written<T>(writes: () => T): T {
    let result: T;
    try {
      result = this.env.root.transactionSync(() => {
        const r = writes();
        this.runs.sync();
        return r;
      });
    } catch (err) {
      this.runs.aborted();
      throw err;
    }
    this.runs.committed();
    return result;
  }

  /**
   * Classifies every record of the chunk's blocks in one durable transaction with the watermark.
   * Blocks below the watermark are skipped (already indexed); a gap throws IndexGapError and
   * writes nothing. The result depends only on the chunk's blocks, never on how they were cut
   * into chunks: records are visited sorted by key (sequential B-tree access, and both sides of a
   * call in one chunk meet in one read and one write), one side's repeats in block order.
   */
  applyChunk(chunk: IndexChunk): ApplyResult {
    const records = chunk.records;
    return this.written(() => {
      let next = this.nextHeight();
      let batchNo = this.meta.getBinary(META.nextBatch)?.readUInt32BE(0) ?? 0;
      const skips = this.skips();
      let unreadable = skips.unreadableBatches;
      let outOfRange = skips.outOfRangeBatches;
      const closedBelow = this.closedBelow();
      const groups = new Map<string, PairPeriodGroup>();
      let applied = 0;
      let recordCount = 0;
      for (const block of chunk.blocks) {
        if (block.height < next) continue;
        if (block.height !== next) throw new IndexGapError(`block ${block.height} handed to the index before block ${next}`);
        unreadable += block.unreadable;
        for (const batch of block.batches) {
          let pair: OperatorPair;
          let month: number;
          try {
            pair = operatorPair(batch.submitter, batch.counterparty);
            month = monthIndex(batchPeriod(batch.periodStart));
          } catch (err) {
            // Admission refuses both; a batch the index cannot place is counted, not guessed.
            if (!(err instanceof ReconciliationInputError || err instanceof PeriodOutOfRangeError)) throw err;
            outOfRange++;
            continue;
          }
          // Blocks refuse records of closed months; one that carried some anyway is counted the same way.
          if (month < closedBelow) {
            outOfRange++;
            continue;
          }
          const prefix = pairPeriodKey(pair, month);
          const tag = prefix.toString('latin1');
          let group = groups.get(tag);
          if (!group) groups.set(tag, (group = { prefix, offsets: [], sides: [], batchNos: [], indexes: [] }));
          const no = batchNo++;
          const batchValue = Buffer.alloc(36);
          batchValue.set(batch.id, 0);
          batchValue.writeUInt32BE(block.height, 32);
          this.batches.putSync(no, batchValue);
          const side = batch.submitter === pair.a ? 0 : 1;
          for (let i = 0; i < batch.count; i++) {
            group.offsets.push(batch.offset + i * PUBLIC_RECORD_BYTES);
            group.sides.push(side);
            group.batchNos.push(no);
            group.indexes.push(i);
          }
          recordCount += batch.count;
        }
        next = block.height + 1;
        applied++;
      }
      // Sorted, so (pair, period) numbers are handed out in an order that does not depend on the Map's.
      const ordered = [...groups.values()].sort((x, y) => Buffer.compare(x.prefix, y.prefix));
      for (const group of ordered) this.addCounts(group.prefix, this.classifyGroup(this.periodNumber(group.prefix, true)!.readUInt32BE(0), group, records));
      if (chunk.closedBelowMonth !== undefined) this.retireClosedMonths(Math.max(closedBelow, chunk.closedBelowMonth));
      this.meta.putSync(META.nextHeight, u32(next));
      this.meta.putSync(META.nextBatch, u32(batchNo));
      const s = Buffer.alloc(16);
      s.writeBigUInt64BE(BigInt(unreadable), 0);
      s.writeBigUInt64BE(BigInt(outOfRange), 8);
      this.meta.putSync(META.skips, s);
      return { nextHeight: next, blocks: applied, records: recordCount };
    });
  }

  /** The records of one (pair, period) in this chunk, by event key: each event looked up once, its new state written once (one run per chunk); returns the count deltas. */
  private classifyGroup(period: number, g: PairPeriodGroup, records: Uint8Array): number[] {
    const d = new Array<number>(COUNT_FIELDS.length).fill(0);
    const order = sortedByEventHash(records, g.offsets);
    const hashAt = (k: number): Uint8Array => records.subarray(g.offsets[k]! + RECORD_OFFSET.eventKeyHash, g.offsets[k]! + RECORD_OFFSET.eventKeyHash + 32);
    const runs = this.runs.readers(period);
    // New states by section, each in event-hash order (the order of this loop).
    const changed: Buffer[][] = SECTIONS.map(() => []);
    for (let i = 0; i < order.length; ) {
      const first = order[i]!;
      const eventHash = hashAt(first);
      let j = i + 1;
      while (j < order.length && Buffer.compare(hashAt(order[j]!), eventHash) === 0) j++;
      const found = lookupState(runs, eventHash);
      const before = found ? decodeEntry(found.section, found.entry) : undefined;
      let entry = before;
      for (let k = i; k < j; k++) {
        const r = order[k]!;
        const side = g.sides[r]!;
        const commitment = records.subarray(g.offsets[r]! + RECORD_OFFSET.commitment, g.offsets[r]! + RECORD_OFFSET.commitment + 32);
        const next = withRecord(entry, side, commitment, { batchNo: g.batchNos[r]!, index: g.indexes[r]! });
        if (!next) {
          d[side === 0 ? F.DuplicatesA : F.DuplicatesB]!++;
          continue;
        }
        d[side === 0 ? F.RecordsA : F.RecordsB]!++;
        entry = next;
      }
      i = j;
      if (entry === before || !entry) continue;
      const { section, bytes } = encodeEntry(eventHash, entry);
      changed[section]!.push(bytes);
      if (before) d[CLASS_FIELD[classOfEntry(before)]]!--;
      d[CLASS_FIELD[classOfEntry(entry)]]!++;
    }
    const counts = changed.map((c) => c.length) as [number, number, number, number];
    if (counts.some((n) => n > 0)) {
      this.runs.append(period, counts, (w) => {
        for (const s of SECTIONS) for (const e of changed[s]!) w.add(s, e);
      });
    }
    return d;
  }

  private closedBelow(): number {
    return this.meta.getBinary(META.closedBelow)?.readUInt32BE(0) ?? 0;
  }

  /**
   * Drops the matched events of months below `closedBelow`: each (pair, month), oldest month first,
   * has its runs rewritten as one without them, and leaves `open`; about `retirePerChunk` entries
   * read per call (at least one (pair, month)). Counts, mismatched events (their locators are the
   * disputes list) and one-sided events stay. Safe because a closed month never gets another
   * record: the only use of a matched entry is to tell a repeat from a new event.
   */
  private retireClosedMonths(closedBelow: number): void {
    this.meta.putSync(META.closedBelow, u32(closedBelow));
    let budget = this.retirePerChunk;
    for (const { key, value } of [...this.openPeriods.getRange({ end: u32(closedBelow) })]) {
      if (budget <= 0) return;
      budget -= this.runs.retire(Buffer.from(value).readUInt32BE(0));
      this.openPeriods.removeSync(key);
    }
  }

  /** Entries held in runs; a one-sided entry a newer run has made matched or mismatched counts until a merge drops it. */
  entries(): IndexEntries {
    let events = 0;
    let oneSided = 0;
    let runs = 0;
    let runFiles = 0;
    for (const { refs } of this.runs.allRefs()) {
      for (const r of refs) {
        runs++;
        if (r.inFile) runFiles++;
        events += r.counts[Section.Matched] + r.counts[Section.Mismatched];
        oneSided += r.counts[Section.OnlyA] + r.counts[Section.OnlyB];
      }
    }
    return { events, oneSided, openPeriods: (this.openPeriods.getStats() as { entryCount: number }).entryCount, runs, runFiles };
  }

  /** The run store's lookup block cache (bytes held, hits, misses). */
  lookupCache(): { readonly bytes: number; readonly hits: number; readonly misses: number } {
    return this.runs.cacheStats();
  }

  /** The 4-byte number that stands for a (pair, month) in event keys; assigned on first use when `create`. */
  private periodNumber(prefix: Buffer, create: boolean): Buffer | undefined {
    const known = this.periods.getBinary(prefix);
    if (known) return Buffer.from(known);
    if (!create) return undefined;
    const next = this.meta.getBinary(META.nextPeriod)?.readUInt32BE(0) ?? 0;
    const id = u32(next);
    this.periods.putSync(prefix, id);
    this.openPeriods.putSync(Buffer.concat([prefix.subarray(8, 12), prefix.subarray(0, 8)]), id);
    this.meta.putSync(META.nextPeriod, u32(next + 1));
    return id;
  }

  private addCounts(prefix: Buffer, d: readonly number[]): void {
    const stored = this.countsDb.getBinary(prefix);
    const out = Buffer.alloc(COUNT_FIELDS.length * 8);
    for (let i = 0; i < COUNT_FIELDS.length; i++) {
      const before = stored ? Number(stored.readBigUInt64BE(i * 8)) : 0;
      out.writeBigUInt64BE(BigInt(before + d[i]!), i * 8);
    }
    this.countsDb.putSync(prefix, out);
  }

  counts(pair: OperatorPair, period: CalendarMonth): PairPeriodCounts {
    const b = this.countsDb.getBinary(pairPeriodKey(pair, monthIndex(period)));
    if (!b) return ZERO_COUNTS;
    const c: Record<string, number> = {};
    COUNT_FIELDS.forEach((f, i) => (c[f] = Number(b.readBigUInt64BE(i * 8))));
    return c as unknown as PairPeriodCounts;
  }

  /**
   * Disputed events of a (pair, period): mismatched first, then only A, then only B; by event hash
   * within a class. From an offset, a page far into a class walks the runs up to it (a few µs per
   * event skipped); from a cursor (the previous page's `next`), each run seeks to it by its fences.
   */
  disputes(pair: OperatorPair, period: CalendarMonth, from: number | DisputeCursor, limit: number): DisputePage {
    for (let attempt = 1; ; attempt++) {
      try {
        return this.disputesNow(pair, period, from, limit);
      } catch (err) {
        // The writer replaced and deleted a run after this reader's snapshot: take a newer one.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw err;
        this.refresh();
      }
    }
  }

  private disputesNow(pair: OperatorPair, period: CalendarMonth, from: number | DisputeCursor, limit: number): DisputePage {
    const counts = this.counts(pair, period);
    const number = this.periodNumber(pairPeriodKey(pair, monthIndex(period)), false);
    if (!number) return { total: 0, disputes: [] };
    const perClass: Readonly<Record<DisputeClass, number>> = { mismatched: counts.mismatched, only_a: counts.onlyA, only_b: counts.onlyB };
    const total = counts.mismatched + counts.onlyA + counts.onlyB;
    const out: Dispute[] = [];
    let skip = typeof from === 'number' ? from : 0;
    const firstClass = typeof from === 'number' ? 0 : DISPUTE_CLASSES.indexOf(from.class);
    for (const [k, cls] of DISPUTE_CLASSES.entries()) {
      if (out.length >= limit) break;
      if (k < firstClass) continue;
      const n = perClass[cls];
      if (skip >= n) {
        skip -= n;
        continue;
      }
      const section = CLASS_SECTION[cls];
      const start = typeof from !== 'number' && k === firstClass ? from.eventHash : skip;
      this.runs.walk(number.readUInt32BE(0), section, start, (bytes) => {
        const e = decodeEntry(section, bytes);
        const eventHash = Uint8Array.from(bytes.subarray(0, 32));
        if (e.kind === 'mismatched') out.push({ eventHash, class: cls, a: this.locate(e.a), b: this.locate(e.b) });
        else if (e.kind === 'one') {
          const at = this.locate(e.record);
          out.push({ eventHash, class: cls, a: e.side === 0 ? at : undefined, b: e.side === 1 ? at : undefined });
        }
        return out.length < limit;
      });
      skip = 0;
    }
    const last = out.at(-1);
    return last !== undefined && out.length === limit ? { total, disputes: out, next: { class: last.class, eventHash: last.eventHash } } : { total, disputes: out };
  }

  private locate(r: SideRecord): RecordLocator | undefined {
    const batch = this.batches.getBinary(r.batchNo);
    return batch ? { batchId: Uint8Array.from(batch.subarray(0, 32)), height: batch.readUInt32BE(32), recordIndex: r.index } : undefined;
  }

  close(): Promise<void> {
    this.runs.close();
    return this.env.close();
  }
}

/** The records of one (pair, period) within a chunk, in block order (parallel arrays). */
interface PairPeriodGroup {
  readonly prefix: Buffer;
  readonly offsets: number[];
  readonly sides: (0 | 1)[];
  readonly batchNos: number[];
  readonly indexes: number[];
}

const CLASS_FIELD: Readonly<Record<EventClass, F>> = { matched: F.Matched, mismatched: F.Mismatched, only_a: F.OnlyA, only_b: F.OnlyB };
const CLASS_SECTION: Readonly<Record<DisputeClass, Section>> = { mismatched: Section.Mismatched, only_a: Section.OnlyA, only_b: Section.OnlyB };

/** 2^24: positions within one group of one chunk (a chunk is far smaller: blocks are bounded). */
const POSITION_SPAN = 16_777_216;

/**
 * Positions 0..n-1 ordered by (event hash, position): a native numeric sort on the hash's top 29
 * bits with the position below them, then the rare runs that share those bits sorted by the full
 * hash. Deterministic, and stable for equal hashes.
 */
function sortedByEventHash(records: Uint8Array, offsets: readonly number[]): Uint32Array {
  const n = offsets.length;
  if (n > POSITION_SPAN) throw new RangeError(`${n} records of one pair and period in one chunk (at most ${POSITION_SPAN})`);
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = (view.getUint32(offsets[i]! + RECORD_OFFSET.eventKeyHash) >>> 3) * POSITION_SPAN + i;
  keys.sort();
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = keys[i]! % POSITION_SPAN;
  const hash = (p: number): Uint8Array => records.subarray(offsets[p]! + RECORD_OFFSET.eventKeyHash, offsets[p]! + RECORD_OFFSET.eventKeyHash + 32);
  for (let i = 0; i < n; ) {
    const top = Math.floor(keys[i]! / POSITION_SPAN);
    let j = i + 1;
    while (j < n && Math.floor(keys[j]! / POSITION_SPAN) === top) j++;
    if (j - i > 1) {
      const run = Array.from(order.subarray(i, j)).sort((x, y) => Buffer.compare(hash(x), hash(y)) || x - y);
      order.set(run, i);
    }
    i = j;
  }
  return order;
}

function pairPeriodKey(pair: OperatorPair, month: number): Buffer {
  const k = Buffer.allocUnsafe(12);
  k.writeUInt32BE(pair.a, 0);
  k.writeUInt32BE(pair.b, 4);
  k.writeUInt32BE(month, 8);
  return k;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
