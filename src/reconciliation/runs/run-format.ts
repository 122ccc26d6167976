/**
 * The layout of one run of the reconciliation index: the event states one (pair, month) gained
 * in one chunk, or several runs merged. A run is immutable once written.
 *
 *   header    magic 'CDRRUN' 0 1 (8) ‖ per section: entry count u32 (4 × 4) ‖ per section: filter bytes u32 (4 × 4)
 *   sections  one after another, in the order of `Section`; each:
 *             entries, sorted by event hash (fixed size per section, below)
 *             fence: the first 4 bytes of every FENCE_STRIDE-th entry's hash (u32 big-endian)
 *             Bloom filter over the section's hashes (bloom.ts)
 *
 * Entries (big-endian; record indexes fit a u16, batch numbers a u32):
 *   only A / only B   event hash 32 ‖ commitment's low 16 bytes ‖ batch no u32 ‖ index u16   (54)
 *   matched           event hash 32                                                          (32)
 *   mismatched        event hash 32 ‖ A batch no u32 ‖ A index u16 ‖ B batch no u32 ‖ B index u16 (44)
 *
 * One section per state, so a state's events are one sorted range (the dispute lists read only
 * theirs) and a filter per section answers "is it in this state here" with one probe.
 */
export const enum Section {
  OnlyA = 0,
  OnlyB = 1,
  Matched = 2,
  Mismatched = 3,
}

export const SECTIONS = [Section.OnlyA, Section.OnlyB, Section.Matched, Section.Mismatched] as const;
export const ENTRY_BYTES: Readonly<Record<Section, number>> = { [Section.OnlyA]: 54, [Section.OnlyB]: 54, [Section.Matched]: 32, [Section.Mismatched]: 44 };
export const HASH_BYTES = 32;
/** Entries per fence step: a lookup reads one step's entries (at most 3.4 KiB). */
export const FENCE_STRIDE = 64;
const MAGIC = Buffer.from([0x43, 0x44, 0x52, 0x52, 0x55, 0x4e, 0x00, 0x01]);
export const HEADER_BYTES = MAGIC.length + 4 * 4 + 4 * 4;

export interface RunHeader {
  readonly counts: readonly [number, number, number, number];
  readonly bloomBytes: readonly [number, number, number, number];
}

export interface SectionLayout {
  readonly count: number;
  readonly entryBytes: number;
  readonly entriesAt: number;
  readonly fenceAt: number;
  readonly fenceSteps: number;
  readonly bloomAt: number;
  readonly bloomBytes: number;
}

export function encodeHeader(h: RunHeader): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(b, 0);
  for (const s of SECTIONS) {
    b.writeUInt32BE(h.counts[s], MAGIC.length + s * 4);
    b.writeUInt32BE(h.bloomBytes[s], MAGIC.length + 16 + s * 4);
  }
  return b;
}

/** Throws RangeError on bytes that are not a run header. */
export function decodeHeader(b: Buffer): RunHeader {
  if (b.length < HEADER_BYTES || !b.subarray(0, MAGIC.length).equals(MAGIC)) throw new RangeError('not a reconciliation run (bad magic)');
  const counts = SECTIONS.map((s) => b.readUInt32BE(MAGIC.length + s * 4)) as unknown as RunHeader['counts'];
  const bloomBytes = SECTIONS.map((s) => b.readUInt32BE(MAGIC.length + 16 + s * 4)) as unknown as RunHeader['bloomBytes'];
  return { counts, bloomBytes };
}

export const fenceSteps = (count: number): number => Math.ceil(count / FENCE_STRIDE);

/** Where each section lies, and the run's total size. */
export function layoutOf(h: RunHeader): { sections: readonly SectionLayout[]; totalBytes: number } {
  let at = HEADER_BYTES;
  const sections = SECTIONS.map((s): SectionLayout => {
    const count = h.counts[s];
    const entryBytes = ENTRY_BYTES[s];
    const entriesAt = at;
    at += count * entryBytes;
    const fenceAt = at;
    const steps = fenceSteps(count);
    at += steps * 4;
    const bloomAt = at;
    at += h.bloomBytes[s];
    return { count, entryBytes, entriesAt, fenceAt, fenceSteps: steps, bloomAt, bloomBytes: h.bloomBytes[s] };
  });
  return { sections, totalBytes: at };
}

/** Compares the 32-byte hashes at `ai` of `a` and `bi` of `b` in place (4 bytes at a time: no views allocated). */
export function compareHashesAt(a: Buffer, ai: number, b: Buffer, bi: number): number {
  for (let i = 0; i < HASH_BYTES; i += 4) {
    const x = a.readUInt32BE(ai + i);
    const y = b.readUInt32BE(bi + i);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
