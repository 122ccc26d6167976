// "Was this record already billed?" with memory bounded whatever the history.
//
// Keys are scoped to the submitter: submitter (4 bytes, big-endian) ‖ nullifier[4..32], so no
// member can register another's record ids first. Three tiers answer a lookup:
//   hot     a fixed-size WASM hash table (2^20 slots, 32 MiB) taking every new key;
//   frozen  the previous hot table, read-only, while its keys are written out (at most one);
//   cold    immutable sorted segment files of 16-byte key prefixes (96 bits of nullifier per
//           submitter), behind one fixed-size keyed blocked Bloom filter; a filter positive is
//           confirmed by two preads per segment (src/nullifiers/segment-file.ts).
// A full hot table is frozen and a clean spare takes its place. Once every batch admitted before
// the freeze is settled (durable, or rolled back by removeAll), its keys leave in slices of the
// main thread (a few ms each, also added to the filter), a worker sorts and writes them as a
// segment, the frozen table is cleared in slices and becomes the spare. The worker also merges
// segments (size-tiered) and writes the manifest, whose watermark says which admission ordinals
// the segments cover: on start only later batches are re-inserted (from the admission log).
import { existsSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import { NullifierFilter } from '../wasm/nullifier-filter.js';
import { NULLIFIER_OFFSET, NullifierSet, PREFIX_BYTES, RECORD_STRIDE } from '../wasm/nullifier-set.js';
import { MANIFEST_FILE, readManifest, segmentFileName, type Manifest, type SegmentEntry } from './manifest.js';
import { KEY_BYTES, SegmentReader } from './segment-file.js';
import type { SegmentJob, SegmentJobReply, SegmentWorkerData, SegmentWritten } from './segment-jobs.js';

/**
 * 2^20 slots: 32 MiB a table, a freeze every ~10 s at 70 k CDR/s. Two tables and two key buffers are
 * resident, so each step up costs ~96 MiB of RSS: 2^22 held 260 MiB more for no measured gain in
 * rate (12 M-CDR soaks at 2^20 / 2^21 / 2^22: 744 / 840 / 1,004 MiB peak RSS, 66 / 71 / 70 k CDR/s).
 */
export const DEFAULT_HOT_LOG2 = 20;

export class NullifierIndexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
/** The hot table is full and the previous one is still being written out: retry shortly (Busy). */
export class NullifierIndexBusyError extends NullifierIndexError {}
/** The index was closed. */
export class NullifierIndexClosedError extends NullifierIndexError {}

export interface NullifierIndexOptions {
  /** Directory of segments and manifest (<dataDir>/nullifiers). */
  readonly dir: string;
  /** log2 of the hot table's slots (default DEFAULT_HOT_LOG2 = 20: 32 MiB, 734 k keys at load 0.7). */
  readonly hotLog2?: number;
  /** log2 of the Bloom filter's bytes (default 28: 256 MiB, 2^31 bits). */
  readonly filterLog2Bytes?: number;
  /** Segments of one size tier merged at once (default 4). */
  readonly mergeFanIn?: number;
  /** Hot-table slots per main-thread slice when a frozen table is extracted or cleared (default 2^15: ~2 ms with the filter inserts). */
  readonly sliceSlots?: number;
  readonly metrics?: NodeMetrics;
  readonly log?: Logger;
  /** Called once a manifest with a higher watermark is durable (the admission log may drop what lies below). */
  readonly onDurableWatermark?: (watermark: number) => void;
  /** Fixed hash keys, for reproducible tests only (default: random per start). */
  readonly seed?: bigint;
}

/** Sizes of the index, for /status, metrics and tests. */
export interface NullifierIndexStats {
  readonly hotEntries: number;
  readonly frozenEntries: number;
  readonly coldKeys: number;
  readonly segments: number;
  readonly filterBytes: number;
  readonly watermark: number;
  readonly memoryBytes: number;
}

interface Segment {
  readonly id: number;
  readonly file: string;
  readonly reader: SegmentReader;
}

interface Frozen {
  readonly set: NullifierSet;
  /** Keys of batches admitted with an ordinal below this; all of them are in `set`. */
  readonly ordinal: number;
}

const MAX_LOAD = 0.7; // the WASM table's own growth threshold
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = here.endsWith('.js') ? dirname(here) : join(dirname(here), '..', '..', 'dist', 'src', 'nullifiers');
  const file = join(dir, 'segment.worker.js');
  if (!existsSync(file)) throw new NullifierIndexError(`${file} is missing: run \`npx tsc -p tsconfig.build.json\``);
  return file;
}

export class NullifierIndex {
  private hot: NullifierSet;
  private spare: NullifierSet | undefined;
  private frozen: Frozen | undefined;
  private segments: Segment[] = [];
  private coldKeys = 0;
  private manifest: Manifest;
  private durableWatermark: number;
  private settledBelow: () => number = () => Number.POSITIVE_INFINITY;
  private readonly hotMax: number;
  private readonly slice: number;
  private readonly fanIn: number;
  private pipeline: Promise<void> = Promise.resolve();
  private merging = false;
  private mergeDone: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly worker: Worker;
  private nextJob = 1;
  private readonly jobs = new Map<number, { resolve: (r: SegmentJobReply) => void; reject: (e: Error) => void }>();
  private manifestChain: Promise<void> = Promise.resolve();
  private readonly prefix = new Uint8Array(KEY_BYTES);
  /** A frozen table's keys on their way to the worker: one table's worth, shared, allocated once. */
  private readonly keys: Uint8Array;

  private constructor(
    private readonly opts: NullifierIndexOptions,
    private readonly filter: NullifierFilter,
    manifest: Manifest,
    hotLog2: number,
  ) {
    const slots = 2 ** hotLog2;
    const seed = opts.seed;
    const table = (): NullifierSet => NullifierSet.create({ initialCapacity: slots, maxCapacity: slots, ...(seed !== undefined ? { seed } : {}) });
    this.hot = table();
    this.spare = table();
    this.hotMax = Math.floor(slots * MAX_LOAD);
    this.slice = opts.sliceSlots ?? 32_768;
    this.fanIn = opts.mergeFanIn ?? 4;
    this.manifest = manifest;
    this.durableWatermark = manifest.watermark;
    const shared = new SharedArrayBuffer(this.hotMax * KEY_BYTES);
    this.keys = new Uint8Array(shared);
    const workerData: SegmentWorkerData = { keys: shared };
    this.worker = new Worker(workerFile(), { workerData });
    this.worker.unref();
    this.worker.on('message', (r: SegmentJobReply) => {
      const j = this.jobs.get(r.id);
      this.jobs.delete(r.id);
      j?.resolve(r);
    });
    const m = opts.metrics;
    m?.onScrape(() => {
      if (this.closed) return;
      m.nullifierSetSize.set(this.size);
      m.nullifierSetBytes.set(this.memoryBytes);
      m.nullifierHotEntries.set(this.hot.size + (this.frozen?.set.size ?? 0));
      m.nullifierSegments.set(this.segments.length);
      m.nullifierColdKeys.set(this.coldKeys);
      m.nullifierFilterBytes.set(this.filter.bytes);
    });
    this.worker.on('error', (err) => {
      for (const j of this.jobs.values()) j.reject(err);
      this.jobs.clear();
      opts.log?.error({ err }, 'nullifier segment worker failed');
    });
  }

  /**
   * Opens the index in `dir`: reads the manifest, removes what it does not list (a `.tmp` left by a
   * crash mid-write, a segment written but never listed), opens the segments and fills the filter
   * from them (streamed, 16 bytes per key: no batch is read). Batches admitted from `watermark` on
   * must then be re-inserted with restore().
   */
  static async open(opts: NullifierIndexOptions): Promise<NullifierIndex> {
    mkdirSync(opts.dir, { recursive: true });
    const manifest = readManifest(opts.dir);
    const listed = new Set(manifest.segments.map((s) => s.file));
    for (const name of readdirSync(opts.dir)) {
      if (name === MANIFEST_FILE || listed.has(name)) continue;
      if (name.endsWith('.tmp') || /^seg-\d+\.bin$/.test(name)) unlinkSync(join(opts.dir, name));
    }
    const filter = NullifierFilter.create(opts.filterLog2Bytes ?? 28, opts.seed);
    const index = new NullifierIndex(opts, filter, manifest, opts.hotLog2 ?? DEFAULT_HOT_LOG2);
    try {
      for (const s of manifest.segments) {
        const reader = SegmentReader.open(join(opts.dir, s.file));
        index.segments.push({ id: s.id, file: s.file, reader });
        index.coldKeys += reader.count;
        for (const { keys, n } of reader.chunks(1 << 16)) {
          filter.add(keys, n);
          await yieldToLoop();
        }
      }
    } catch (err) {
      await index.close();
      throw err;
    }
    return index;
  }

  /** Admission ordinals below this have their keys in durable segments. */
  get watermark(): number {
    return this.durableWatermark;
  }

  /** Every key: hot, frozen and cold (the count of records ever accepted). */
  get size(): number {
    return this.hot.size + (this.frozen?.set.size ?? 0) + this.coldKeys;
  }

  get memoryBytes(): number {
    let n = this.hot.memoryBytes + (this.spare?.memoryBytes ?? 0) + (this.frozen?.set.memoryBytes ?? 0) + this.filter.memoryBytes + this.keys.length;
    for (const s of this.segments) n += s.reader.memoryBytes;
    return n;
  }

  stats(): NullifierIndexStats {
    return {
      hotEntries: this.hot.size,
      frozenEntries: this.frozen?.set.size ?? 0,
      coldKeys: this.coldKeys,
      segments: this.segments.length,
      filterBytes: this.filter.bytes,
      watermark: this.durableWatermark,
      memoryBytes: this.memoryBytes,
    };
  }

  /**
   * Where settlement stands: every batch admitted with an ordinal below `settledBelow()` is durable
   * or rolled back. A frozen table is written out only once that passes its freeze ordinal.
   */
  bindSettlement(settledBelow: () => number): void {
    this.settledBelow = settledBelow;
  }

  /**
   * Checks then inserts the `count` nullifiers at `offset + i*stride` of `records`, scoped to
   * `submitter`, for the batch that will get admission ordinal `ordinal` (all or nothing). Returns
   * -1 when inserted, else the index of a record already present (or repeated in the batch).
   * Throws NullifierIndexBusyError when the hot table is full and the last freeze is unfinished.
   */
  checkAndInsert(records: Uint8Array, count: number, submitter: number, ordinal: number, stride = RECORD_STRIDE, offset = NULLIFIER_OFFSET): number {
    if (this.closed) throw new NullifierIndexClosedError('nullifier index is closed');
    if (count > this.hotMax) throw new NullifierIndexError(`${count} records exceed the hot table's ${this.hotMax} entries`);
    if (this.hot.size + count > this.hotMax) this.freeze(ordinal);
    if (this.frozen) {
      const c = this.frozen.set.findPresent(records, count, stride, offset, submitter);
      if (c >= 0) return c;
    }
    const c = this.findCold(records, count, submitter, stride, offset);
    if (c >= 0) return c;
    return this.hot.checkAndInsert(records, count, stride, offset, submitter);
  }

  /** Takes back the keys of a batch that was inserted but could not be stored (it was never acknowledged). */
  removeAll(records: Uint8Array, count: number, submitter: number, stride = RECORD_STRIDE, offset = NULLIFIER_OFFSET): void {
    this.hot.removeAll(records, count, stride, offset, submitter);
    // Its keys may have been frozen since; a frozen table is written only after this settles.
    this.frozen?.set.removeAll(records, count, stride, offset, submitter);
  }

  /** On start: inserts a stored batch's keys (admission ordinal `ordinal` ≥ watermark) without checks. */
  async restore(records: Uint8Array, count: number, submitter: number, ordinal: number, stride = RECORD_STRIDE, offset = NULLIFIER_OFFSET): Promise<void> {
    if (this.hot.size + count > this.hotMax) {
      while (this.frozen || !this.spare) await this.pipeline;
      this.freeze(ordinal);
    }
    this.hot.insertAll(records, count, stride, offset, submitter);
  }

  /** Resolves once no freeze or merge is in progress (tests, benchmarks). */
  async idle(): Promise<void> {
    for (;;) {
      const p = this.pipeline;
      const m = this.mergeDone;
      const w = this.manifestChain;
      await Promise.all([p, m, w]);
      if (p === this.pipeline && m === this.mergeDone && w === this.manifestChain && !this.frozen && !this.merging) return;
    }
  }

  /**
   * Stops the worker and closes the segments. Work in flight is abandoned safely: a half-written
   * file is a `.tmp` (removed on open) and keys not yet in a listed segment come back from the log.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const j of this.jobs.values()) j.reject(new NullifierIndexClosedError('nullifier index closed'));
    this.jobs.clear();
    await this.worker.terminate();
    for (const s of this.segments) s.reader.close();
  }

  // ---- cold lookups ----

  private findCold(records: Uint8Array, count: number, submitter: number, stride: number, offset: number): number {
    if (this.coldKeys === 0 || count === 0) return -1;
    const positives = this.filter.test(records, count, stride, offset, submitter);
    if (positives.length === 0) return -1;
    this.opts.metrics?.nullifierFilterPositives.inc(positives.length);
    const key = this.prefix;
    for (const i of positives) {
      const at = offset + i * stride;
      key[0] = submitter >>> 24;
      key[1] = (submitter >>> 16) & 0xff;
      key[2] = (submitter >>> 8) & 0xff;
      key[3] = submitter & 0xff;
      key.set(records.subarray(at + 4, at + PREFIX_BYTES), 4);
      for (const s of this.segments) {
        if (s.reader.has(key)) {
          this.opts.metrics?.nullifierFilterConfirmed.inc();
          return i;
        }
      }
    }
    return -1;
  }

  // ---- freezing ----

  private freeze(ordinal: number): void {
    if (this.frozen || !this.spare) throw new NullifierIndexBusyError('nullifier table full while the previous one is still being written out');
    this.frozen = { set: this.hot, ordinal };
    this.hot = this.spare;
    this.spare = undefined;
    const frozen = this.frozen;
    this.pipeline = this.pipeline.then(() => this.writeOut(frozen));
  }

  /** Retries until the frozen table is in a durable segment: a full disk delays it, never loses it. */
  private async writeOut(f: Frozen): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.writeOutOnce(f);
        return;
      } catch (err) {
        if (this.closed) return;
        this.opts.log?.error({ err, attempt }, 'could not write a nullifier segment; retrying');
        await sleep(Math.min(10_000, 200 * 2 ** attempt));
      }
    }
  }

  private async writeOutOnce(f: Frozen): Promise<void> {
    const started = performance.now();
    while (this.settledBelow() < f.ordinal) {
      if (this.closed) return;
      await sleep(2);
    }
    // Immutable from here: every batch it holds is settled, so nothing removes from it any more.
    const n = f.set.size;
    const keys = this.keys; // free: one freeze at a time, and the worker is done with the last
    let at = 0;
    const cap = f.set.capacity;
    for (let from = 0; from < cap; from += this.slice) {
      const got = f.set.extractPrefixes(from, from + this.slice, keys, at);
      if (got > 0) this.filter.add(keys.subarray(at, at + got * KEY_BYTES), got);
      at += got * KEY_BYTES;
      await yieldToLoop();
      if (this.closed) return;
    }
    if (at !== n * KEY_BYTES) throw new NullifierIndexError(`frozen table yielded ${at / KEY_BYTES} keys, holds ${n}`);
    const id = this.allocateId();
    const written = await this.job({ kind: 'freeze', id: 0, dir: this.opts.dir, file: segmentFileName(id), n });
    if (this.closed) return;
    const reader = SegmentReader.open(join(this.opts.dir, written.file), written.top);
    this.segments.push({ id, file: written.file, reader });
    this.coldKeys += reader.count;
    // The segment and the filter answer for these keys now.
    this.frozen = undefined;
    const m = this.opts.metrics;
    m?.nullifierSegmentWrites.inc();
    m?.nullifierSegmentWriteSeconds.observe((performance.now() - started) / 1000);
    void this.commitManifest(f.ordinal, []);
    for (let from = 0; from < cap; from += this.slice) {
      f.set.clearSlots(from, from + this.slice);
      await yieldToLoop();
      if (this.closed) return;
    }
    f.set.reset();
    this.spare = f.set;
    this.maybeMerge();
  }

  private allocateId(): number {
    const id = this.manifest.nextId;
    this.manifest = { ...this.manifest, nextId: id + 1 };
    return id;
  }

  /** Writes the manifest for the current segments (in order, one at a time); removes `remove` after. */
  private commitManifest(watermark: number, remove: readonly string[]): Promise<void> {
    const w = Math.max(watermark, this.manifest.watermark);
    const segments: SegmentEntry[] = this.segments.map((s) => ({ id: s.id, file: s.file, count: s.reader.count }));
    this.manifest = { ...this.manifest, watermark: w, segments };
    const m = this.manifest;
    const run = async (): Promise<void> => {
      for (let attempt = 0; !this.closed; attempt++) {
        try {
          await this.job({ kind: 'manifest', id: 0, dir: this.opts.dir, manifest: m, remove });
          break;
        } catch (err) {
          if (this.closed) return;
          this.opts.log?.error({ err, attempt }, 'could not write the nullifier manifest; retrying');
          await sleep(Math.min(10_000, 200 * 2 ** attempt));
        }
      }
      if (this.closed || m.watermark <= this.durableWatermark) return;
      this.durableWatermark = m.watermark;
      try {
        this.opts.onDurableWatermark?.(m.watermark);
      } catch (err) {
        this.opts.log?.warn({ err }, 'durable watermark hook failed');
      }
    };
    this.manifestChain = this.manifestChain.then(run);
    return this.manifestChain;
  }

  // ---- merging ----

  /** Size tier of a segment: how many times `fanIn` its size is above one hot table's worth. */
  private tier(count: number): number {
    return Math.max(0, Math.floor(Math.log(Math.max(1, count) / this.hotMax) / Math.log(this.fanIn) + 1e-9));
  }

  private maybeMerge(): void {
    if (this.merging || this.closed) return;
    const byTier = new Map<number, Segment[]>();
    for (const s of this.segments) {
      const t = this.tier(s.reader.count);
      const list = byTier.get(t) ?? [];
      list.push(s);
      byTier.set(t, list);
    }
    const tiers = [...byTier.keys()].sort((a, b) => a - b);
    const t = tiers.find((k) => (byTier.get(k)?.length ?? 0) >= this.fanIn);
    if (t === undefined) return;
    const inputs = byTier.get(t)!.slice(0, this.fanIn);
    this.merging = true;
    this.mergeDone = this.merge(inputs).finally(() => {
      this.merging = false;
      this.maybeMerge();
    });
  }

  private async merge(inputs: readonly Segment[]): Promise<void> {
    const started = performance.now();
    const id = this.allocateId();
    let written: SegmentWritten;
    try {
      written = await this.job({ kind: 'merge', id: 0, dir: this.opts.dir, inputs: inputs.map((s) => s.file), file: segmentFileName(id) });
    } catch (err) {
      if (!this.closed) this.opts.log?.error({ err }, 'nullifier segment merge failed; the inputs stay');
      return;
    }
    if (this.closed) return;
    const reader = SegmentReader.open(join(this.opts.dir, written.file), written.top);
    const gone = new Set(inputs.map((s) => s.id));
    const at = this.segments.findIndex((s) => gone.has(s.id));
    const kept = this.segments.filter((s) => !gone.has(s.id));
    kept.splice(at, 0, { id, file: written.file, reader });
    this.segments = kept;
    for (const s of inputs) s.reader.close();
    this.opts.metrics?.nullifierSegmentMerges.inc();
    this.opts.metrics?.nullifierMergeSeconds.observe((performance.now() - started) / 1000);
    await this.commitManifest(this.manifest.watermark, inputs.map((s) => s.file));
  }

  private job(job: SegmentJob, transfer: ArrayBuffer[] = []): Promise<SegmentWritten> {
    if (this.closed) return Promise.reject(new NullifierIndexClosedError('nullifier index closed'));
    const id = this.nextJob++;
    return new Promise<SegmentJobReply>((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      this.worker.postMessage({ ...job, id }, transfer);
    }).then((r) => {
      if (!r.ok) throw new NullifierIndexError(r.error);
      return r.written as SegmentWritten;
    });
  }
}
