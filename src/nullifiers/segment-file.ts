// Immutable sorted segment files of cold nullifier keys (16 bytes each: submitter ‖ nullifier[4..16]).
//
// Layout, every region page-aligned so each lookup is aligned 4 KiB preads:
//   page 0            header: magic "CDRNSEG1", version, key bytes, keys per block, count
//   keys              count keys in memcmp order, unique; block b = keys [256 b, 256 b + 256) at
//                     PAGE + b·PAGE (the last block zero-padded)
//   block index       first key of every block, 16 bytes each (zero-padded to a page)
// In memory a reader keeps only the first key of every index page (one per 65,536 keys, 16 B:
// 0.25 MB per 10^9 keys); a lookup is one binary search there, one pread of an index page, one pread
// of a key block. Reads are pread, never mmap, so the files stay out of the node's RSS.
import { closeSync, constants, fsyncSync, openSync, readSync, renameSync, writeSync, fstatSync, existsSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';

export const KEY_BYTES = 16;
export const PAGE = 4096;
export const BLOCK_KEYS = PAGE / KEY_BYTES; // 256
/** Index entries per index page: one in-memory top key per this many blocks. */
export const INDEX_PAGE_ENTRIES = PAGE / KEY_BYTES;
const MAGIC = 'CDRNSEG1';
const VERSION = 1;

export class SegmentFileError extends Error {
  override readonly name = 'SegmentFileError';
}

export function blocksFor(count: number): number {
  return Math.ceil(count / BLOCK_KEYS);
}

/** File size of a segment of `count` keys. */
export function segmentBytes(count: number): number {
  const blocks = blocksFor(count);
  return PAGE + blocks * PAGE + Math.ceil((blocks * KEY_BYTES) / PAGE) * PAGE;
}

/** fsync of a directory, so a rename or unlink in it is durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at, position + at);
}

function readAll(fd: number, into: Uint8Array, position: number): number {
  let at = 0;
  while (at < into.length) {
    const n = readSync(fd, into, at, into.length - at, position + at);
    if (n === 0) break;
    at += n;
  }
  return at;
}

/**
 * Writes one segment from keys given in ascending order (repeats of the previous key are dropped):
 * `<path>.tmp`, fsync, rename to `path`, fsync the directory. A crash leaves at most a `.tmp` file.
 */
export class SegmentWriter {
  private readonly fd: number;
  private readonly tmp: string;
  private readonly buf = new Uint8Array(256 * PAGE); // 1 MiB of keys per write
  private fill = 0;
  private written = 0; // bytes of keys already written
  private index = new Uint8Array(64 * KEY_BYTES);
  private last = new Uint8Array(KEY_BYTES);
  private count = 0;
  private done = false;

  constructor(private readonly path: string) {
    this.tmp = `${path}.tmp`;
    this.fd = openSync(this.tmp, 'w');
  }

  /** Appends `n` keys packed in `keys` from byte `at`; they must ascend strictly, above every earlier key. */
  add(keys: Uint8Array, at: number, n: number): void {
    const buf = this.buf;
    for (let i = 0; i < n; i++) {
      const off = at + i * KEY_BYTES;
      if (this.count > 0) {
        const c = i > 0 ? compareKeys(keys, off, keys, off - KEY_BYTES) : compareKeys(keys, off, this.last, 0);
        if (c <= 0) throw new SegmentFileError(c === 0 ? 'segment keys repeat' : 'segment keys out of order');
      }
      if (this.count % BLOCK_KEYS === 0) {
        const b = this.count / BLOCK_KEYS;
        if ((b + 1) * KEY_BYTES > this.index.length) {
          const grown = new Uint8Array(this.index.length * 2);
          grown.set(this.index);
          this.index = grown;
        }
        for (let k = 0; k < KEY_BYTES; k++) this.index[b * KEY_BYTES + k] = keys[off + k]!;
      }
      const f = this.fill;
      for (let k = 0; k < KEY_BYTES; k++) buf[f + k] = keys[off + k]!;
      this.fill += KEY_BYTES;
      this.count++;
      if (this.fill === buf.length) this.flush();
    }
    if (n > 0) for (let k = 0; k < KEY_BYTES; k++) this.last[k] = keys[at + (n - 1) * KEY_BYTES + k]!;
  }

  private flush(): void {
    writeAll(this.fd, this.buf.subarray(0, this.fill), PAGE + this.written);
    this.written += this.fill;
    this.fill = 0;
  }

  /** Completes the file durably under its final name; returns its key count and in-memory top index. */
  finish(): { count: number; top: Uint8Array; bytes: number } {
    if (this.done) throw new SegmentFileError('segment already finished');
    this.done = true;
    try {
      // Zero-pad the last block to a whole page.
      const padTo = Math.ceil((this.written + this.fill) / PAGE) * PAGE - this.written;
      this.buf.fill(0, this.fill, padTo);
      this.fill = padTo;
      this.flush();
      const blocks = blocksFor(this.count);
      const indexBytes = Math.ceil((blocks * KEY_BYTES) / PAGE) * PAGE;
      const index = new Uint8Array(indexBytes);
      index.set(this.index.subarray(0, blocks * KEY_BYTES));
      writeAll(this.fd, index, PAGE + blocks * PAGE);
      writeAll(this.fd, header(this.count), 0);
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
    renameSync(this.tmp, this.path);
    fsyncDir(dirname(this.path));
    return { count: this.count, top: topIndex(this.index, blocksFor(this.count)), bytes: segmentBytes(this.count) };
  }

  /** Gives up: closes and removes the temporary file. */
  abort(): void {
    if (!this.done) {
      this.done = true;
      closeSync(this.fd);
    }
    if (existsSync(this.tmp)) unlinkSync(this.tmp);
  }
}

function header(count: number): Uint8Array {
  const h = new Uint8Array(PAGE);
  const v = new DataView(h.buffer);
  h.set(Buffer.from(MAGIC, 'ascii'), 0);
  v.setUint32(8, VERSION, true);
  v.setUint32(12, KEY_BYTES, true);
  v.setUint32(16, BLOCK_KEYS, true);
  v.setFloat64(24, count, true);
  return h;
}

/** First key of every index page: the part of the block index a reader keeps in memory. */
function topIndex(index: Uint8Array, blocks: number): Uint8Array {
  const pages = Math.ceil(blocks / INDEX_PAGE_ENTRIES);
  const top = new Uint8Array(pages * KEY_BYTES);
  for (let p = 0; p < pages; p++) top.set(index.subarray(p * PAGE, p * PAGE + KEY_BYTES), p * KEY_BYTES);
  return top;
}

/** Reads a segment's header and checks its size; returns its key count. */
function readHeader(fd: number, path: string): number {
  const h = new Uint8Array(PAGE);
  if (readAll(fd, h, 0) < 32) throw new SegmentFileError(`${path}: truncated header`);
  const v = new DataView(h.buffer);
  if (Buffer.from(h.subarray(0, 8)).toString('ascii') !== MAGIC) throw new SegmentFileError(`${path}: not a nullifier segment`);
  if (v.getUint32(8, true) !== VERSION || v.getUint32(12, true) !== KEY_BYTES || v.getUint32(16, true) !== BLOCK_KEYS) {
    throw new SegmentFileError(`${path}: unsupported segment format`);
  }
  const count = v.getFloat64(24, true);
  if (!Number.isSafeInteger(count) || count < 0) throw new SegmentFileError(`${path}: bad key count`);
  const size = fstatSync(fd).size;
  if (size !== segmentBytes(count)) throw new SegmentFileError(`${path}: ${size} bytes, ${segmentBytes(count)} expected for ${count} keys`);
  return count;
}

/** memcmp order of the 16-byte keys at a[ai..] and b[bi..]. */
export function compareKeys(a: Uint8Array, ai: number, b: Uint8Array, bi: number): number {
  for (let k = 0; k < KEY_BYTES; k++) {
    const d = a[ai + k]! - b[bi + k]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Last index i in [0, n) with entry(i) ≤ key (memcmp), or -1. Entries are 16 bytes at i·16 of `arr`. */
function floorSearch(arr: Uint8Array, n: number, key: Uint8Array): number {
  let lo = 0;
  let hi = n - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(arr, mid * KEY_BYTES, key, 0);
    if (c <= 0) {
      found = mid;
      if (c === 0) return mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** A segment open for lookups: a file descriptor and the top index. */
export class SegmentReader {
  private readonly page = new Uint8Array(PAGE);
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    readonly count: number,
    private readonly top: Uint8Array,
  ) {}

  /** Opens a finished segment, reading its block index once to build the top index. */
  static open(path: string, top?: Uint8Array): SegmentReader {
    const fd = openSync(path, 'r');
    try {
      const count = readHeader(fd, path);
      if (top === undefined) {
        const blocks = blocksFor(count);
        const index = new Uint8Array(blocks * KEY_BYTES);
        if (readAll(fd, index, PAGE + blocks * PAGE) !== index.length) throw new SegmentFileError(`${path}: truncated block index`);
        top = topIndex(index, blocks);
      }
      return new SegmentReader(path, fd, count, top);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** Bytes this reader holds in memory. */
  get memoryBytes(): number {
    return this.top.length + this.page.length;
  }

  /** True if the 16-byte `key` is in the segment: up to two preads. */
  has(key: Uint8Array): boolean {
    if (this.count === 0) return false;
    const blocks = blocksFor(this.count);
    const p = floorSearch(this.top, this.top.length / KEY_BYTES, key);
    if (p < 0) return false;
    const entries = Math.min(INDEX_PAGE_ENTRIES, blocks - p * INDEX_PAGE_ENTRIES);
    const indexAt = PAGE + blocks * PAGE + p * PAGE;
    readAll(this.fd, this.page.subarray(0, entries * KEY_BYTES), indexAt);
    const e = floorSearch(this.page, entries, key);
    if (e < 0) return false;
    const b = p * INDEX_PAGE_ENTRIES + e;
    const keys = Math.min(BLOCK_KEYS, this.count - b * BLOCK_KEYS);
    readAll(this.fd, this.page.subarray(0, keys * KEY_BYTES), PAGE + b * PAGE);
    const k = floorSearch(this.page, keys, key);
    return k >= 0 && compareKeys(this.page, k * KEY_BYTES, key, 0) === 0;
  }

  /** Streams the keys in order, `chunkKeys` at a time (views into one reused buffer). */
  *chunks(chunkKeys = 65_536): Generator<{ keys: Uint8Array; n: number }> {
    const buf = new Uint8Array(chunkKeys * KEY_BYTES);
    for (let done = 0; done < this.count; ) {
      const n = Math.min(chunkKeys, this.count - done);
      const got = readAll(this.fd, buf.subarray(0, n * KEY_BYTES), PAGE + done * KEY_BYTES);
      if (got !== n * KEY_BYTES) throw new SegmentFileError(`${this.path}: truncated keys`);
      yield { keys: buf, n };
      done += n;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
