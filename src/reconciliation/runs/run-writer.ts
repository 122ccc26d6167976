import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { bloomAdd, bloomBytesFor } from './bloom.js';
import { compareHashesAt, encodeHeader, ENTRY_BYTES, FENCE_STRIDE, HEADER_BYTES, SECTIONS, type Section } from './run-format.js';

/** Where a run's bytes go: a file (large runs) or memory (small ones, kept in LMDB). */
export interface RunSink {
  append(bytes: Uint8Array): void;
  /** Appends `length` bytes of `bytes` from `at`. */
  appendFrom(bytes: Buffer, at: number, length: number): void;
  /** Writes the header over the reserved first bytes, makes everything durable (files) and closes. */
  finish(header: Buffer): void;
  /** Drops what was written (a failed write). */
  abandon(): void;
}

/** A run in memory, to be stored as one LMDB value. */
export class MemorySink implements RunSink {
  private buf: Buffer;
  private length = HEADER_BYTES;

  constructor(expectedBytes = 4096) {
    this.buf = Buffer.alloc(Math.max(expectedBytes, HEADER_BYTES));
  }

  append(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buf.length) {
      const grown = Buffer.alloc(Math.max(this.buf.length * 2, this.length + bytes.length));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  appendFrom(bytes: Buffer, at: number, length: number): void {
    if (this.length + length > this.buf.length) {
      const grown = Buffer.alloc(Math.max(this.buf.length * 2, this.length + length));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    bytes.copy(this.buf, this.length, at, at + length);
    this.length += length;
  }

  finish(header: Buffer): void {
    header.copy(this.buf, 0);
  }

  abandon(): void {}

  get bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

const FILE_BUFFER_BYTES = 1 << 20;

/** A run as a file, written through a 1 MiB buffer and fsynced before `finish` returns. */
export class FileSink implements RunSink {
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(FILE_BUFFER_BYTES);
  private used = 0;
  private position = HEADER_BYTES;
  private closed = false;

  constructor(readonly path: string) {
    // 'w', not 'wx': a file of this id can only be an orphan of a write whose transaction never committed.
    this.fd = openSync(path, 'w');
  }

  append(bytes: Uint8Array): void {
    if (this.used + bytes.length > this.buf.length) this.flush();
    if (bytes.length > this.buf.length) {
      this.writeFully(bytes, this.position);
      this.position += bytes.length;
      return;
    }
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
  }

  appendFrom(bytes: Buffer, at: number, length: number): void {
    if (this.used + length > this.buf.length) this.flush();
    bytes.copy(this.buf, this.used, at, at + length);
    this.used += length;
  }

  finish(header: Buffer): void {
    this.flush();
    this.writeFully(header, 0);
    fsyncSync(this.fd);
    this.close();
  }

  abandon(): void {
    this.close();
  }

  private flush(): void {
    if (this.used === 0) return;
    this.writeFully(this.buf.subarray(0, this.used), this.position);
    this.position += this.used;
    this.used = 0;
  }

  private writeFully(bytes: Uint8Array, at: number): void {
    for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done, bytes.length - done, at + done);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/**
 * Writes a run section by section, each section's entries in event-hash order. A section's
 * filter is sized from its expected count (a merge knows only an upper bound: the filter is then
 * somewhat larger than needed, never smaller).
 */
export class RunWriter {
  private readonly counts: [number, number, number, number] = [0, 0, 0, 0];
  private readonly bloomBytes: [number, number, number, number] = [0, 0, 0, 0];
  private current = -1;
  private fence: number[] = [];
  private bloom: Uint8Array = new Uint8Array(0);
  /** The previous entry's hash (its own copy), valid while `hasLast`. */
  private readonly last = Buffer.alloc(32);
  private hasLast = false;

  constructor(
    private readonly sink: RunSink,
    private readonly expected: readonly [number, number, number, number],
  ) {}

  /** Adds one entry of `section`: sections in order, hashes strictly ascending within one. */
  add(section: Section, entry: Uint8Array): void {
    if (entry.length !== ENTRY_BYTES[section]) throw new RangeError(`a section ${section} entry is ${ENTRY_BYTES[section]} bytes, not ${entry.length}`);
    this.addAt(section, Buffer.from(entry.buffer, entry.byteOffset, entry.byteLength), 0);
  }

  /** Adds the entry at `at` of `bytes` (a merge's input block: copied, no view allocated). */
  addAt(section: Section, bytes: Buffer, at: number): void {
    if (section !== this.current) this.moveTo(section);
    if (this.hasLast && compareHashesAt(this.last, 0, bytes, at) >= 0) throw new RangeError('run entries must be in strictly ascending event-hash order');
    bytes.copy(this.last, 0, at, at + 32);
    this.hasLast = true;
    // The filter was sized for `expected`: more entries would raise its false positives silently.
    if (this.counts[section] >= this.expected[section]) throw new RangeError(`more section ${section} entries than the ${this.expected[section]} announced`);
    if (this.counts[section] % FENCE_STRIDE === 0) this.fence.push(bytes.readUInt32BE(at));
    bloomAdd(this.bloom, bytes, at);
    this.counts[section]++;
    this.sink.appendFrom(bytes, at, ENTRY_BYTES[section]);
  }

  /** Ends the last section and makes the run durable; returns the entries per section. */
  finish(): readonly [number, number, number, number] {
    this.moveTo(SECTIONS.length);
    this.sink.finish(encodeHeader({ counts: this.counts, bloomBytes: this.bloomBytes }));
    return this.counts;
  }

  abandon(): void {
    this.sink.abandon();
  }

  private moveTo(section: number): void {
    if (section < this.current) throw new RangeError('run sections must be written in order');
    if (this.current >= 0) this.closeSection();
    // Sections with no entries still get their (empty) place, so the layout is the same for all runs.
    for (let s = this.current + 1; s < section; s++) {
      this.open(s);
      this.closeSection();
    }
    if (section < SECTIONS.length) this.open(section);
  }

  /** A section's fence and filter follow its entries. */
  private closeSection(): void {
    const fence = Buffer.alloc(this.fence.length * 4);
    this.fence.forEach((v, i) => fence.writeUInt32BE(v, i * 4));
    this.sink.append(fence);
    this.sink.append(this.bloom);
  }

  private open(s: number): void {
    this.current = s;
    this.fence = [];
    this.hasLast = false;
    const expected = this.expected[s as Section];
    this.bloomBytes[s as Section] = expected === 0 ? 0 : bloomBytesFor(expected);
    this.bloom = new Uint8Array(this.bloomBytes[s as Section]);
  }
}
