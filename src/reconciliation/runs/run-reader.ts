import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readerNumber, type BlockCache } from './block-cache.js';
import { bloomMayHave } from './bloom.js';
import { compareHashesAt, decodeHeader, FENCE_STRIDE, HEADER_BYTES, layoutOf, SECTIONS, type Section, type SectionLayout } from './run-format.js';

/** A run's bytes: a file read with positioned reads, or a buffer (a small run kept in LMDB). */
export interface RunBytes {
  readonly size: number;
  read(at: number, length: number): Buffer;
  close(): void;
}

export class BufferBytes implements RunBytes {
  constructor(private readonly bytes: Buffer) {}
  get size(): number {
    return this.bytes.length;
  }
  read(at: number, length: number): Buffer {
    return this.bytes.subarray(at, at + length);
  }
  close(): void {}
}

export class FileBytes implements RunBytes {
  readonly size: number;
  private readonly fd: number;
  private closed = false;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  read(at: number, length: number): Buffer {
    // Not from the shared pool: a block kept in a cache must not pin the pool's slab.
    const out = Buffer.allocUnsafeSlow(length);
    for (let done = 0; done < length; ) {
      const n = readSync(this.fd, out, done, length - done, at + done);
      if (n === 0) throw new RangeError(`reconciliation run ends at ${at + done}, ${length - done} bytes short`);
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** Entries read per step when a section is walked in order. */
const CURSOR_ENTRIES = 4096;

/**
 * One run, open: its header, and per section the fence and the filter in memory (about 1.3 to 2.5
 * bytes per entry); entries stay on disk and are read on a filter hit or a walk.
 */
export class RunReader {
  private readonly sections: readonly SectionLayout[];
  private readonly fences: readonly Uint32Array[];
  private readonly blooms: readonly Uint8Array[];
  private readonly number = readerNumber();

  /** `cache`: where lookups keep the blocks they read (for file runs; a run in memory needs none). */
  constructor(
    private readonly bytes: RunBytes,
    private readonly cache?: BlockCache,
  ) {
    const { sections, totalBytes } = layoutOf(decodeHeader(bytes.read(0, HEADER_BYTES)));
    if (totalBytes !== bytes.size) throw new RangeError(`reconciliation run is ${bytes.size} bytes, its header says ${totalBytes}`);
    this.sections = sections;
    this.fences = sections.map((l) => {
      const raw = bytes.read(l.fenceAt, l.fenceSteps * 4);
      const fence = new Uint32Array(l.fenceSteps);
      for (let i = 0; i < l.fenceSteps; i++) fence[i] = raw.readUInt32BE(i * 4);
      return fence;
    });
    this.blooms = sections.map((l) => Uint8Array.from(bytes.read(l.bloomAt, l.bloomBytes)));
  }

  /** The run's size in bytes. */
  get size(): number {
    return this.bytes.size;
  }

  count(section: Section): number {
    return this.sections[section]!.count;
  }

  counts(): readonly number[] {
    return SECTIONS.map((s) => this.sections[s]!.count);
  }

  /** The entry of `hash` in `section`, or undefined. Reads at most a few fence steps, and nothing when the filter says no. */
  find(section: Section, hash: Uint8Array): Buffer | undefined {
    const b = Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength);
    return this.findAt(section, b, 0);
  }

  /**
   * `find` for the hash at `at` of `bytes` (an entry of another run: no view allocated unless the filter
   * says maybe). The entry returned views a block the cache may hand to later lookups: read it, never write it.
   */
  findAt(section: Section, bytes: Buffer, at: number): Buffer | undefined {
    const l = this.sections[section]!;
    if (l.count === 0 || !bloomMayHave(this.blooms[section]!, bytes, at)) return undefined;
    const fence = this.fences[section]!;
    const top = bytes.readUInt32BE(at);
    // Steps whose first entry is below `top` can hold it only if it is the last of them; equal
    // prefixes may span several steps.
    const lower = bound(fence, top, false);
    const upper = bound(fence, top, true);
    // Usually one step (lower − 1); when a step starts with this prefix, that step first. Each step is
    // read (and cached) on its own, so a block is never kept twice under two ranges.
    const firstStep = Math.max(0, lower - 1);
    for (let step = Math.max(upper, lower === 0 ? 1 : lower) - 1; step >= firstStep; step--) {
      const from = step * FENCE_STRIDE;
      const n = Math.min(FENCE_STRIDE, l.count - from);
      if (n <= 0) continue;
      const block = this.block(l.entriesAt + from * l.entryBytes, n * l.entryBytes);
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const c = compareHashesAt(block, mid * l.entryBytes, bytes, at);
        if (c === 0) return block.subarray(mid * l.entryBytes, (mid + 1) * l.entryBytes);
        if (c < 0) lo = mid + 1;
        else hi = mid;
      }
    }
    return undefined;
  }

  /** One fence step's entries (`at` is a step's start), from the cache when there is one. */
  private block(at: number, length: number): Buffer {
    const cache = this.cache;
    if (cache === undefined) return this.bytes.read(at, length);
    const key = `${this.number}:${at}`;
    const known = cache.get(key);
    if (known !== undefined) return known;
    const block = this.bytes.read(at, length);
    cache.set(key, block);
    return block;
  }

  /** Whether the section may hold `hash` (the filter alone: no read). */
  mayHave(section: Section, hash: Uint8Array): boolean {
    return this.sections[section]!.count > 0 && bloomMayHave(this.blooms[section]!, hash);
  }

  /** Whether any entry is in `section`. */
  has(section: Section): boolean {
    return this.sections[section]!.count > 0;
  }

  /** Walks a section in event-hash order: from its first entry, or from the first above `after`. */
  cursor(section: Section, after?: Uint8Array): SectionCursor {
    return new SectionCursor(this.bytes, this.sections[section]!, after === undefined ? 0 : this.firstAbove(section, after));
  }

  /**
   * The index of the first entry whose hash is above `after` (the count if none). Entries of steps
   * before the one preceding `after`'s fence position are all below it, and the step whose fence is
   * above it starts with an entry above it: one read of the steps in between, then a binary search.
   */
  private firstAbove(section: Section, after: Uint8Array): number {
    const l = this.sections[section]!;
    if (l.count === 0) return 0;
    const key = Buffer.from(after.buffer, after.byteOffset, after.byteLength);
    const fence = this.fences[section]!;
    const top = key.readUInt32BE(0);
    const from = Math.max(0, bound(fence, top, false) - 1) * FENCE_STRIDE;
    const to = Math.min(l.count, bound(fence, top, true) * FENCE_STRIDE);
    if (to <= from) return from;
    const block = this.bytes.read(l.entriesAt + from * l.entryBytes, (to - from) * l.entryBytes);
    let lo = 0;
    let hi = to - from;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareHashesAt(block, mid * l.entryBytes, key, 0) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return from + lo;
  }

  close(): void {
    this.bytes.close();
  }
}

/**
 * Reads a section's entries in order, CURSOR_ENTRIES at a time. The current entry is at `offset`
 * of `block` (valid until the next `advance`): merges compare and copy entries in place.
 */
export class SectionCursor {
  block: Buffer = Buffer.alloc(0);
  offset = 0;

  constructor(
    private readonly bytes: RunBytes,
    private readonly layout: SectionLayout,
    private at = 0,
  ) {
    this.load();
  }

  get done(): boolean {
    return this.at >= this.layout.count;
  }

  /** The current entry as a view, or undefined at the end. */
  peek(): Buffer | undefined {
    return this.done ? undefined : this.block.subarray(this.offset, this.offset + this.layout.entryBytes);
  }

  advance(): void {
    this.at++;
    this.offset += this.layout.entryBytes;
    if (this.offset >= this.block.length) this.load();
  }

  private load(): void {
    const l = this.layout;
    const n = Math.min(CURSOR_ENTRIES, l.count - this.at);
    if (n <= 0) return;
    this.block = this.bytes.read(l.entriesAt + this.at * l.entryBytes, n * l.entryBytes);
    this.offset = 0;
  }
}

/** The first index whose value is ≥ `v` (or > `v` when `strict`). */
function bound(a: Uint32Array, v: number, strict: boolean): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strict ? a[mid]! <= v : a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
