import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'lmdb';
import type { StorageEnv } from '../../storage/env.js';
import { BlockCache } from './block-cache.js';
import { heldAsFinal, mergeCapacity, mergeRuns, mergeSorted } from './run-merge.js';
import { ENTRY_BYTES, HEADER_BYTES, Section, SECTIONS } from './run-format.js';
import { BufferBytes, FileBytes, RunReader } from './run-reader.js';
import { FileSink, MemorySink, RunWriter, type RunSink } from './run-writer.js';

/** A run as the manifest lists it. */
export interface RunRef {
  readonly id: number;
  /** In a file of the runs directory (large), or a value of `recon-run-blobs` (small). */
  readonly inFile: boolean;
  /** Entries per section. */
  readonly counts: readonly [number, number, number, number];
  /** 0 for a chunk's run; a merge of `fanout` runs of level L is of level L + 1. */
  readonly level: number;
}

export interface RunSetOptions {
  /** Runs of one level merged together once this many sit at the newest end (default 4). */
  readonly fanout?: number;
  /** Runs up to this size are kept in LMDB, larger ones in files (default 256 KiB). */
  readonly smallRunBytes?: number;
  /** Readers kept open (filters in memory, a file descriptor each for file runs) at most; the least recently used close first (default 1,024). */
  readonly maxOpenRuns?: number;
  /** Blocks of run files that lookups read, kept in memory up to this many bytes (default 64 MiB; 0: none). */
  readonly blockCacheBytes?: number;
}

/** An event's stored state: the section it is in and its entry. */
export interface Found {
  readonly section: Section;
  readonly entry: Buffer;
}

const REF_BYTES = 4 + 1 + 4 * 4 + 1;
const NEXT_RUN = 0xffff_ffff;
/** The soak's index (1.2 M one-sided events, 65 MB of entries) fits; a lookup hit then costs no read. */
const DEFAULT_BLOCK_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * The runs of every (pair, month) of the reconciliation index: a log-structured store. Each chunk
 * adds, per (pair, month) it touches, one run of the event states it changed, written once in
 * sequence instead of scattered over a B-tree (which rewrote a 4 KiB page per event at high rate);
 * runs of one size merge in the background of later chunks, so a (pair, month) has a few runs of
 * growing size, and a lookup asks each run's in-memory filter before reading anything.
 *
 * The manifest (`recon-runs`: period number → its runs, oldest first) is an LMDB table, written in
 * the chunk's transaction with the watermark: a run file is fsynced before the transaction that
 * names it commits, files the manifest no longer names are deleted only after it has committed,
 * and files it never named (a crash in between) are deleted when the writer opens the index.
 */
export class RunSet {
  private readonly manifest: Database<Buffer, number>;
  private readonly blobs: Database<Buffer, number>;
  private readonly dir: string;
  private readonly fanout: number;
  private readonly smallRunBytes: number;
  private readonly maxOpenRuns: number;
  private readonly blockCache: BlockCache | undefined;
  /** Open readers by run id (runs are immutable), least recently used first. */
  private readonly open = new Map<number, RunReader>();
  /** This transaction's new runs (deleted if it fails) and runs it made obsolete (deleted once it commits). */
  private created: RunRef[] = [];
  private obsolete: RunRef[] = [];
  private seenNextRun = -1;
  private unsyncedDirectory = false;

  constructor(env: StorageEnv, opts: RunSetOptions = {}) {
    this.manifest = env.uint32Db('recon-runs');
    this.blobs = env.uint32Db('recon-run-blobs');
    this.dir = join(env.path, 'runs');
    this.fanout = opts.fanout ?? 4;
    this.smallRunBytes = opts.smallRunBytes ?? 256 * 1024;
    this.maxOpenRuns = opts.maxOpenRuns ?? 1024;
    const cacheBytes = opts.blockCacheBytes ?? DEFAULT_BLOCK_CACHE_BYTES;
    this.blockCache = cacheBytes > 0 ? new BlockCache(cacheBytes) : undefined;
    if (!(Number.isInteger(this.fanout) && this.fanout >= 2)) throw new RangeError('fanout must be an integer ≥ 2');
    if (!(this.maxOpenRuns >= 1)) throw new RangeError('maxOpenRuns must be ≥ 1');
    mkdirSync(this.dir, { recursive: true });
  }

  /** The lookup block cache: bytes held, lookups answered from it and lookups that read (zeros without one). */
  cacheStats(): { readonly bytes: number; readonly hits: number; readonly misses: number } {
    return this.blockCache?.stats() ?? { bytes: 0, hits: 0, misses: 0 };
  }

  refs(period: number): RunRef[] {
    const v = this.manifest.getBinary(period);
    return v ? decodeRefs(v) : [];
  }

  /** Every period's runs (entries held, cleanup). */
  *allRefs(): Generator<{ period: number; refs: RunRef[] }> {
    for (const { key, value } of this.manifest.getRange({ start: 0, end: NEXT_RUN })) yield { period: key, refs: decodeRefs(value) };
  }

  /** A period's readers, oldest first. */
  readers(period: number): RunReader[] {
    return this.refs(period).map((ref) => this.reader(ref));
  }

  /**
   * Visits a state's current entries of a period in event-hash order: skipping `from` entries first
   * (a number: each one read), or from the first entry above the hash `from` (each run seeks by its
   * fences); stops when `visit` returns false. A one-sided entry that a run also holds as matched or
   * mismatched is stale (merges drop those) and not visited.
   */
  walk(period: number, section: Section, from: number | Uint8Array, visit: (entry: Buffer) => boolean): void {
    const runs = this.readers(period);
    const oneSided = section === Section.OnlyA || section === Section.OnlyB;
    let left = typeof from === 'number' ? from : 0;
    const after = typeof from === 'number' ? undefined : from;
    mergeSorted(runs.map((r) => r.cursor(section, after)), (bytes, at) => {
      if (oneSided && heldAsFinal(runs, bytes, at)) return true;
      if (left > 0) {
        left--;
        return true;
      }
      return visit(bytes.subarray(at, at + ENTRY_BYTES[section]));
    });
  }

  /**
   * Within the writer's LMDB transaction: adds a run of a period's new states, written by `fill`
   * (sections in order, hashes ascending; `counts` entries per section), then merges the newest runs
   * while `fanout` of them share a level. Levels count merges, not sizes: every entry is rewritten
   * about log_fanout(chunks) times however small the chunks are (levels by size re-merged a growing
   * small run with each new chunk: twice the cost per CDR at chunks of 2,000 records).
   */
  append(period: number, counts: readonly [number, number, number, number], fill: (w: RunWriter) => void): void {
    const refs = this.refs(period);
    refs.push(this.write(counts, fill, 0));
    for (;;) {
      const level = refs[refs.length - 1]!.level;
      let n = 0;
      while (n < refs.length && refs[refs.length - 1 - n]!.level === level) n++;
      if (n < this.fanout) break;
      refs.push(this.merged(refs.splice(refs.length - n, n), false, level + 1));
    }
    this.setRefs(period, refs);
  }

  /** Within the writer's transaction: rewrites a period's runs as one, matched events left out. Returns the entries read. */
  retire(period: number): number {
    const refs = this.refs(period);
    if (refs.length === 0) return 0;
    const read = refs.reduce((n, r) => n + total(r), 0);
    const merged = this.merged(refs, true, Math.max(...refs.map((r) => r.level)));
    this.setRefs(period, total(merged) === 0 ? [] : [merged]);
    if (total(merged) === 0) this.replaced([merged]);
    return read;
  }

  /** Within the writer's transaction: forgets every run (the index starts over). */
  dropAll(): void {
    for (const { period, refs } of [...this.allRefs()]) {
      this.replaced(refs);
      this.manifest.removeSync(period);
    }
  }

  /** Last in the writer's transaction, before it commits: the new files' directory entries become durable (one fsync for all). */
  sync(): void {
    if (!this.unsyncedDirectory) return;
    syncDirectory(this.dir);
    this.unsyncedDirectory = false;
  }

  /** After the writer's transaction committed: the run files it replaced go. */
  committed(): void {
    for (const ref of this.obsolete) removeFile(this.path(ref.id));
    this.obsolete = [];
    this.created = [];
  }

  /** After the writer's transaction failed (LMDB rolled back its blobs): the run files it wrote go; the manifest never named them. */
  aborted(): void {
    for (const ref of this.created) {
      this.forget(ref.id);
      if (ref.inFile) removeFile(this.path(ref.id));
    }
    this.created = [];
    this.obsolete = [];
    this.unsyncedDirectory = false;
  }

  /** The writer, on opening: deletes run files the manifest does not name (a crash between write and commit). */
  removeOrphans(): number {
    const named = new Set<number>();
    for (const { refs } of this.allRefs()) for (const r of refs) if (r.inFile) named.add(r.id);
    let removed = 0;
    for (const name of readdirSync(this.dir)) {
      const id = /^([0-9a-f]{8})\.run$/.exec(name);
      if (id && named.has(parseInt(id[1]!, 16))) continue;
      unlinkSync(join(this.dir, name));
      removed++;
    }
    return removed;
  }

  /** Readers, after taking a newer snapshot: closes the runs it no longer names, if runs were written since the last call. */
  refreshed(): void {
    const v = this.manifest.getBinary(NEXT_RUN);
    const next = v ? v.readUInt32BE(0) : 0;
    if (next === this.seenNextRun) return;
    this.seenNextRun = next;
    this.forgetStale();
  }

  private forgetStale(): void {
    const named = new Set<number>();
    for (const { refs } of this.allRefs()) for (const r of refs) named.add(r.id);
    for (const [id, r] of this.open) {
      if (named.has(id)) continue;
      r.close();
      this.open.delete(id);
    }
  }

  close(): void {
    for (const r of this.open.values()) r.close();
    this.open.clear();
  }

  private merged(inputs: RunRef[], dropMatched: boolean, level: number): RunRef {
    const runs = inputs.map((r) => this.reader(r));
    const capacity = mergeCapacity(runs, { dropMatched });
    const ref = this.write(capacity, (w) => mergeRuns(runs, w, { dropMatched }), level, runs.reduce((n, r) => n + r.size, 0));
    this.replaced(inputs);
    return ref;
  }

  private write(expected: readonly [number, number, number, number], fill: (w: RunWriter) => void, level: number, boundBytes?: number): RunRef {
    const id = this.nextId();
    const bytes = boundBytes ?? estimateBytes(expected);
    const inFile = bytes > this.smallRunBytes;
    const sink: RunSink = inFile ? new FileSink(this.path(id)) : new MemorySink(bytes);
    const writer = new RunWriter(sink, expected);
    let counts: readonly [number, number, number, number];
    try {
      fill(writer);
      counts = writer.finish();
    } catch (err) {
      writer.abandon();
      if (inFile) removeFile(this.path(id));
      throw err;
    }
    if (inFile) this.unsyncedDirectory = true;
    else this.blobs.putSync(id, (sink as MemorySink).bytes);
    const ref: RunRef = { id, inFile, counts: [...counts] as [number, number, number, number], level };
    this.created.push(ref);
    if (!inFile) this.remember(id, new RunReader(new BufferBytes(Buffer.from((sink as MemorySink).bytes))));
    return ref;
  }

  private reader(ref: RunRef): RunReader {
    const known = this.open.get(ref.id);
    if (known) {
      this.open.delete(ref.id);
      this.open.set(ref.id, known);
      return known;
    }
    let r: RunReader;
    if (ref.inFile) r = new RunReader(new FileBytes(this.path(ref.id)), this.blockCache);
    else {
      const blob = this.blobs.getBinary(ref.id);
      if (!blob) throw new RangeError(`reconciliation run ${ref.id} is named by the manifest but not stored`);
      r = new RunReader(new BufferBytes(Buffer.from(blob)));
    }
    this.remember(ref.id, r);
    return r;
  }

  private remember(id: number, r: RunReader): void {
    this.open.set(id, r);
    while (this.open.size > this.maxOpenRuns) {
      const [oldest, reader] = this.open.entries().next().value as [number, RunReader];
      reader.close();
      this.open.delete(oldest);
    }
  }

  /**
   * Runs the manifest stops naming in this transaction: a blob goes with the transaction (readers
   * on older snapshots still see it), a file once the transaction has committed.
   */
  private replaced(refs: readonly RunRef[]): void {
    for (const ref of refs) {
      this.forget(ref.id);
      if (ref.inFile) this.obsolete.push(ref);
      else this.blobs.removeSync(ref.id);
    }
  }

  private forget(id: number): void {
    this.open.get(id)?.close();
    this.open.delete(id);
  }

  private setRefs(period: number, refs: readonly RunRef[]): void {
    if (refs.length === 0) this.manifest.removeSync(period);
    else this.manifest.putSync(period, encodeRefs(refs));
  }

  private nextId(): number {
    const v = this.manifest.getBinary(NEXT_RUN);
    const id = v ? v.readUInt32BE(0) : 0;
    const next = Buffer.alloc(4);
    next.writeUInt32BE(id + 1);
    this.manifest.putSync(NEXT_RUN, next);
    return id;
  }

  private path(id: number): string {
    return join(this.dir, `${id.toString(16).padStart(8, '0')}.run`);
  }
}

/** The stored state of `hash` among a period's runs (oldest first): a state only moves forward, so the newest run's is current. */
export function lookupState(runs: readonly RunReader[], hash: Uint8Array): Found | undefined {
  const bytes = Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength);
  for (let i = runs.length - 1; i >= 0; i--) {
    const r = runs[i]!;
    for (const section of LOOKUP_ORDER) {
      const entry = r.findAt(section, bytes, 0);
      if (entry) return { section, entry };
    }
  }
  return undefined;
}

/** Final states first: a one-sided entry of an older run may be stale, a newer final never is. */
const LOOKUP_ORDER = [Section.Matched, Section.Mismatched, Section.OnlyA, Section.OnlyB] as const;

const total = (r: RunRef): number => r.counts[0] + r.counts[1] + r.counts[2] + r.counts[3];

function estimateBytes(counts: readonly [number, number, number, number]): number {
  return HEADER_BYTES + SECTIONS.reduce((n, s) => n + counts[s] * (s === Section.Matched ? 32 : s === Section.Mismatched ? 44 : 54) + Math.ceil(counts[s] * 2.5) + 16, 0);
}

function encodeRefs(refs: readonly RunRef[]): Buffer {
  const b = Buffer.alloc(refs.length * REF_BYTES);
  refs.forEach((r, i) => {
    const at = i * REF_BYTES;
    b.writeUInt32BE(r.id, at);
    b[at + 4] = r.inFile ? 1 : 0;
    for (const s of SECTIONS) b.writeUInt32BE(r.counts[s], at + 5 + s * 4);
    b[at + 21] = r.level;
  });
  return b;
}

function decodeRefs(v: Buffer): RunRef[] {
  if (v.length % REF_BYTES !== 0) throw new RangeError(`not a reconciliation run list (${v.length} bytes)`);
  const out: RunRef[] = [];
  for (let at = 0; at < v.length; at += REF_BYTES) {
    out.push({ id: v.readUInt32BE(at), inFile: v[at + 4] === 1, counts: [v.readUInt32BE(at + 5), v.readUInt32BE(at + 9), v.readUInt32BE(at + 13), v.readUInt32BE(at + 17)], level: v[at + 21]! });
  }
  return out;
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone, or left as an orphan that the writer's next open removes.
  }
}

/** Makes a new file's directory entry durable (before the transaction that names it commits). */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
