import { close, closeSync, constants, existsSync, fdatasync, fstatSync, ftruncateSync, fsync, fsyncSync, mkdirSync, open, openSync, readdirSync, readSync, statSync, unlinkSync, write } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { GroupSync } from './group-sync.js';
import { StorageWriteError } from './storage-errors.js';
import type { TxBodyLocation } from './tx-body-location.js';
import type { TxBodySegmentInfo } from './tx-body-segments.js';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);
const fsyncAsync = promisify(fsync);
const openAsync = promisify(open);
const closeAsync = promisify(close);

const MiB = 1024 * 1024;
const SEGMENT_NAME = /^(\d{6,10})\.seg$/;
/** Bytes the writability probe writes: enough for a small batch, so "writable" means something. */
const PROBE_BYTES = 64 * 1024;

export interface TxBodyStoreOptions {
  /** A segment file is closed to appends once it would pass this size (a larger body gets a segment of its own). */
  readonly segmentBytes: number;
  /** Segment files kept open for reads at most (least recently read closed first). */
  readonly maxOpenSegments: number;
}

export const DEFAULT_TX_BODY_STORE: TxBodyStoreOptions = { segmentBytes: 256 * MiB, maxOpenSegments: 64 };

export class InvalidTxBodyStoreOptionsError extends Error {
  override readonly name = 'InvalidTxBodyStoreOptionsError';
}

export function validateTxBodyStoreOptions(o: Partial<TxBodyStoreOptions> = {}): TxBodyStoreOptions {
  const v = { ...DEFAULT_TX_BODY_STORE, ...o };
  if (!Number.isSafeInteger(v.segmentBytes) || v.segmentBytes < 4096 || v.segmentBytes > 2 ** 40) {
    throw new InvalidTxBodyStoreOptionsError(`segmentBytes must be an integer in 4096..2^40, got ${String(v.segmentBytes)}`);
  }
  if (!Number.isSafeInteger(v.maxOpenSegments) || v.maxOpenSegments < 2) {
    throw new InvalidTxBodyStoreOptionsError(`maxOpenSegments must be an integer ≥ 2, got ${String(v.maxOpenSegments)}`);
  }
  return Object.freeze(v);
}

/** The body files and the index disagree: bytes the index points at are gone (damaged disk, or files removed by hand). */
export class TxBodyStoreDamagedError extends Error {
  override readonly name = 'TxBodyStoreDamagedError';
}

/** Place reserved for one body: taken by `reserve`, handed back by `settle` whatever happened. */
export interface TxBodyReservation {
  readonly location: TxBodyLocation;
}

interface SegmentFile {
  readonly segment: number;
  fd: number | undefined;
  /** Reservations not yet settled: the file stays open and is never deleted. */
  inflight: number;
  /** Written since the last flush began. */
  dirty: boolean;
  /** A flush of this file failed: what was written to it since the last good flush may be lost. */
  poisoned: boolean;
}

/**
 * Transaction bodies (batch frames: ~128 B per CDR, nearly all the node's data) in append-only
 * segment files `<data>/bodies/NNNNNN.seg`, outside LMDB's memory map: written with positioned
 * writes, made durable with fdatasync (group commit: one flush for every body written meanwhile),
 * read with pread, never mmap'd, so they cost page cache but no RSS. LMDB's `txs` index maps a
 * transaction hash to its location (ChainStore), written only after the body's flush, so an index
 * entry never points at bytes a crash could lose. A segment file is deleted once every body in it
 * is pruned (TxBodySegments counts them).
 */
export class TxBodyStore {
  private readonly files = new Map<number, SegmentFile>();
  /** The segment appends go to, and the next free offset in it. */
  private active: SegmentFile | undefined;
  private position = 0;
  /** Next segment number to create. */
  private nextSegment: number;
  /** A segment file was created since the last flush: the directory entry must be made durable too. */
  private dirDirty = false;
  private bytesOnDisk = 0;
  private flushCount = 0;
  private closed = false;
  private readonly sync = new GroupSync(() => this.flush());

  private constructor(
    readonly dir: string,
    private readonly opts: TxBodyStoreOptions,
    nextSegment: number,
  ) {
    this.nextSegment = nextSegment;
  }

  /**
   * Opens `dir` without changing anything in it: reads work at once, and appends go to a new
   * segment until `recover` has run (a process that only reads or prunes, such as `cdrchain prune`
   * before it knows whether a node has the directory open, must not cut another process's tail).
   */
  static open(dir: string, options: Partial<TxBodyStoreOptions> = {}): TxBodyStore {
    const opts = validateTxBodyStoreOptions(options);
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true });
      fsyncDirectorySync(dirname(dir)); // the directory itself must survive a power loss with its first segment
    }
    let highest = 0;
    let bytes = 0;
    for (const { segment, path } of segmentFilesIn(dir)) {
      highest = Math.max(highest, segment);
      bytes += statSync(path).size;
    }
    const store = new TxBodyStore(dir, opts, highest + 1);
    store.bytesOnDisk = bytes;
    return store;
  }

  /**
   * Brings the files in line with what the index knows of them (`known`, from TxBodySegments), once,
   * by the process that will append, before its first append. Files the index never pointed into
   * are deleted (bodies written before a crash, never acknowledged); bytes past the furthest indexed
   * body are cut off (a torn or unacknowledged tail); bytes the index points at that are missing stop
   * it (TxBodyStoreDamagedError). Appends then continue in the last segment if it has room.
   */
  recover(known: readonly TxBodySegmentInfo[]): { deletedFiles: number; cutBytes: number } {
    if (this.active || this.files.size > 0) throw new Error('recover() runs once, before the first append');
    const byNumber = new Map(known.map((k) => [k.segment, k]));
    const present = new Map<number, number>(); // segment → size after recovery
    let deletedFiles = 0;
    let cutBytes = 0;
    let bytes = 0;
    for (const { segment, path } of segmentFilesIn(this.dir)) {
      this.nextSegment = Math.max(this.nextSegment, segment + 1);
      const info = byNumber.get(segment);
      if (!info) {
        cutBytes += statSync(path).size;
        unlinkSync(path); // nothing indexed in it: never acknowledged
        deletedFiles++;
        continue;
      }
      const fd = openSync(path, constants.O_RDWR);
      try {
        const size = fstatSync(fd).size;
        if (size < info.end) throw new TxBodyStoreDamagedError(`body segment ${path} is ${size} bytes but the index points up to byte ${info.end}`);
        if (size > info.end) {
          ftruncateSync(fd, info.end);
          cutBytes += size - info.end;
        }
        present.set(segment, info.end);
        bytes += info.end;
      } finally {
        closeSync(fd);
      }
    }
    for (const k of known) {
      this.nextSegment = Math.max(this.nextSegment, k.segment + 1);
      if (!present.has(k.segment) && k.liveCount > 0) {
        throw new TxBodyStoreDamagedError(`body segment ${k.segment} is missing from ${this.dir} but the index points at ${k.liveCount} bodies in it`);
      }
    }
    this.bytesOnDisk = bytes;
    // Continue in the newest segment if the index knows it and it has room.
    const last = [...present.keys()].sort((a, b) => b - a)[0];
    if (last !== undefined && present.get(last)! < this.opts.segmentBytes) {
      const file = this.file(last);
      file.fd = openSync(this.pathOf(last), constants.O_RDWR);
      this.active = file;
      this.position = present.get(last)!;
    }
    return { deletedFiles, cutBytes };
  }

  /** Bytes of body files on disk (what the node wrote or reserved; holes left by failed writes included). */
  get sizeBytes(): number {
    return this.bytesOnDisk;
  }

  /** Flushes (fdatasync rounds) since open: fewer than bodies written when group commit works. */
  get flushes(): number {
    return this.flushCount;
  }

  /** The segment appends go to now (undefined before the first append). */
  get activeSegment(): number | undefined {
    return this.active?.segment;
  }

  /**
   * Takes the next place for a body of `length` bytes, rolling to a new segment when the current one
   * is full. Every reservation must be handed back with `settle`.
   */
  reserve(length: number): TxBodyReservation {
    if (this.closed) throw new StorageWriteError('storage write failed: the body store is closed', undefined);
    if (!Number.isSafeInteger(length) || length < 1) throw new RangeError(`a body is at least 1 byte, got ${length}`);
    if (!this.active || this.active.poisoned || (this.position > 0 && this.position + length > this.opts.segmentBytes)) this.roll();
    const active = this.active!;
    const location: TxBodyLocation = { segment: active.segment, offset: this.position, length };
    this.position += length;
    this.bytesOnDisk += length;
    active.inflight++;
    return { location };
  }

  /**
   * Writes the body to its place and resolves once it is on disk (fdatasync, shared with every body
   * written meanwhile; plus the directory when a segment was created). Rejects with StorageWriteError.
   */
  async write(r: TxBodyReservation, bytes: Uint8Array): Promise<void> {
    const { segment, offset, length } = r.location;
    if (bytes.length !== length) throw new RangeError(`reserved ${length} bytes, got ${bytes.length}`);
    const file = this.files.get(segment);
    if (!file || file.fd === undefined) throw new StorageWriteError(`storage write failed: body segment ${segment} is not open`, undefined);
    try {
      let done = 0;
      while (done < length) {
        const { bytesWritten } = await writeAsync(file.fd, bytes, done, length - done, offset + done);
        if (bytesWritten <= 0) throw Object.assign(new Error('short write'), { errno: -5, code: 'EIO' });
        done += bytesWritten;
      }
    } catch (err) {
      throw storageWriteError(err, 'body write');
    }
    file.dirty = true;
    await this.sync.request();
    if (file.poisoned) throw new StorageWriteError(`storage write failed: an earlier flush of body segment ${segment} failed`, 5);
  }

  /**
   * Hands a reservation back. `indexed`: the index now points at it. Otherwise its bytes are
   * garbage nothing points at; when nothing was reserved after it, its place is taken again.
   */
  settle(r: TxBodyReservation, indexed: boolean): void {
    const { segment, offset, length } = r.location;
    const file = this.files.get(segment);
    if (file) file.inflight--;
    if (!indexed && this.active?.segment === segment && this.position === offset + length) {
      this.position = offset;
      this.bytesOnDisk -= length;
    }
  }

  /** Reads a body with pread (never through a memory map). */
  read(loc: TxBodyLocation): Buffer {
    const fd = this.readFd(loc.segment);
    const out = Buffer.allocUnsafe(loc.length);
    let done = 0;
    while (done < loc.length) {
      const n = readSync(fd, out, done, loc.length - done, loc.offset + done);
      if (n === 0) throw new TxBodyStoreDamagedError(`body segment ${this.pathOf(loc.segment)} ends before byte ${loc.offset + loc.length}`);
      done += n;
    }
    return out;
  }

  /**
   * Which of `known` may be deleted now: nothing indexed in them, not the segment appends go to,
   * no reservation pending in them.
   */
  deletable(known: readonly TxBodySegmentInfo[]): number[] {
    return known
      .filter((k) => k.liveCount === 0 && k.segment !== this.active?.segment && (this.files.get(k.segment)?.inflight ?? 0) === 0)
      .map((k) => k.segment);
  }

  /** Deletes a segment file (see `deletable`); returns the bytes freed. Unlinking needs no flush: a file that comes back after a crash is deleted again on open. */
  delete(segment: number): number {
    const file = this.files.get(segment);
    if (file && (file.inflight > 0 || file === this.active)) throw new Error(`body segment ${segment} is in use`);
    if (file?.fd !== undefined) closeSync(file.fd);
    this.files.delete(segment);
    const path = this.pathOf(segment);
    let size: number;
    try {
      size = statSync(path).size;
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return 0;
    }
    this.bytesOnDisk -= size;
    return size;
  }

  /** Whether a body of a small batch can be written and flushed now (StorageHealth's probe). */
  async probeWritable(): Promise<void> {
    const path = join(this.dir, 'probe.tmp');
    try {
      const fd = await openAsync(path, 'w');
      try {
        await writeAsync(fd, Buffer.alloc(PROBE_BYTES), 0, PROBE_BYTES, 0);
        await fdatasyncAsync(fd);
      } finally {
        await closeAsync(fd);
        unlinkSync(path);
      }
    } catch (err) {
      throw storageWriteError(err, 'body probe');
    }
  }

  /** Waits for a flush in progress, then closes every file. Call after writers have stopped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sync.busy) await this.sync.request().catch(() => undefined);
    for (const f of this.files.values()) if (f.fd !== undefined) closeSync(f.fd);
    this.files.clear();
    this.active = undefined;
  }

  private pathOf(segment: number): string {
    return join(this.dir, `${String(segment).padStart(6, '0')}.seg`);
  }

  private file(segment: number): SegmentFile {
    let f = this.files.get(segment);
    if (!f) {
      f = { segment, fd: undefined, inflight: 0, dirty: false, poisoned: false };
      this.files.set(segment, f);
    }
    return f;
  }

  /** Starts a new segment file; its directory entry is flushed with the next bodies. */
  private roll(): void {
    const segment = this.nextSegment;
    let fd: number;
    try {
      fd = openSync(this.pathOf(segment), constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC, 0o644);
    } catch (err) {
      throw storageWriteError(err, 'body segment create');
    }
    this.nextSegment++;
    const file = this.file(segment);
    file.fd = fd;
    this.active = file;
    this.position = 0;
    this.dirDirty = true;
    this.evict();
  }

  private readFd(segment: number): number {
    const f = this.files.get(segment);
    if (f?.fd !== undefined) {
      // Most recently used last (Map order), so eviction takes the coldest first.
      this.files.delete(segment);
      this.files.set(segment, f);
      return f.fd;
    }
    let fd: number;
    try {
      fd = openSync(this.pathOf(segment), constants.O_RDONLY);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new TxBodyStoreDamagedError(`body segment ${this.pathOf(segment)} is missing`);
      throw err;
    }
    const file = this.file(segment);
    file.fd = fd;
    this.files.delete(segment);
    this.files.set(segment, file);
    this.evict();
    return fd;
  }

  /** Closes the least recently read files beyond the limit; never one being written or flushed. */
  private evict(): void {
    let open = 0;
    for (const f of this.files.values()) if (f.fd !== undefined) open++;
    for (const f of this.files.values()) {
      if (open <= this.opts.maxOpenSegments) return;
      if (f.fd === undefined || f === this.active || f.inflight > 0 || f.dirty) continue;
      closeSync(f.fd);
      this.files.delete(f.segment);
      open--;
    }
  }

  /** One group's flush: fdatasync every file written since the last one began, and the directory after a roll. */
  private async flush(): Promise<void> {
    const dirty = [...this.files.values()].filter((f) => f.dirty && f.fd !== undefined);
    for (const f of dirty) f.dirty = false;
    const dir = this.dirDirty;
    this.dirDirty = false;
    this.flushCount++;
    try {
      await Promise.all(dirty.map((f) => fdatasyncAsync(f.fd!)));
      if (dir) await fsyncDirectory(this.dir);
    } catch (err) {
      // What was written to these files may be lost (Linux reports a writeback error once): no
      // body written to them before now may be acknowledged, and appends move to a new file.
      for (const f of dirty) f.poisoned = true;
      if (dir) this.dirDirty = true;
      throw storageWriteError(err, 'body flush');
    }
  }
}

function fsyncDirectorySync(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function* segmentFilesIn(dir: string): Generator<{ segment: number; path: string }> {
  for (const name of readdirSync(dir)) {
    const m = SEGMENT_NAME.exec(name);
    if (m) yield { segment: Number(m[1]), path: join(dir, name) };
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  const fd = await openAsync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fsyncAsync(fd);
  } finally {
    await closeAsync(fd);
  }
}

function storageWriteError(err: unknown, what: string): StorageWriteError {
  if (err instanceof StorageWriteError) return err;
  const errno = (err as NodeJS.ErrnoException | undefined)?.errno;
  const message = err instanceof Error ? err.message : String(err);
  return new StorageWriteError(`storage write failed: ${message} (${what})`, typeof errno === 'number' ? Math.abs(errno) : undefined, { cause: err });
}
