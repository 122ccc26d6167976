import { compareHashesAt, HASH_BYTES, Section, SECTIONS } from './run-format.js';
import type { RunReader, SectionCursor } from './run-reader.js';
import type { RunWriter } from './run-writer.js';

export interface MergeOptions {
  /** Leave matched events out (their month is closed: nothing can repeat them any more). */
  readonly dropMatched: boolean;
}

/** Entries each section of the merge of `runs` can have at most: the writer's filter sizes. */
export function mergeCapacity(runs: readonly RunReader[], opts: MergeOptions): [number, number, number, number] {
  const out: [number, number, number, number] = [0, 0, 0, 0];
  for (const r of runs) for (const s of SECTIONS) out[s] += r.count(s);
  if (opts.dropMatched) out[Section.Matched] = 0;
  return out;
}

/**
 * Merges runs (oldest first) into one. An event's state only moves forward (one side known, then
 * matched or mismatched, never back), so a one-sided entry that any of the runs also holds as
 * matched or mismatched is stale and is left out; each state section is the sorted union of the
 * runs' sections, the newest entry kept when two runs hold the same hash.
 */
export function mergeRuns(runs: readonly RunReader[], writer: RunWriter, opts: MergeOptions): void {
  const finals = runs.filter((r) => r.has(Section.Matched) || r.has(Section.Mismatched));
  for (const s of SECTIONS) {
    if (s === Section.Matched && opts.dropMatched) continue;
    const oneSided = s === Section.OnlyA || s === Section.OnlyB;
    mergeSorted(runs.map((r) => r.cursor(s)), (bytes, at) => {
      if (!(oneSided && heldAsFinal(finals, bytes, at))) writer.addAt(s, bytes, at);
      return true;
    });
  }
}

/** Whether any of `runs` holds the hash at `at` of `bytes` as matched or mismatched: a one-sided entry of it is stale. */
export function heldAsFinal(runs: readonly RunReader[], bytes: Buffer, at: number): boolean {
  return runs.some((r) => r.findAt(Section.Matched, bytes, at) !== undefined || r.findAt(Section.Mismatched, bytes, at) !== undefined);
}

/**
 * k-way merge by hash; of equal hashes the last cursor's (the newest run's) entry wins. `emit` gets
 * the entry in place (valid during the call); it stops the merge by returning false.
 */
export function mergeSorted(cursors: readonly SectionCursor[], emit: (bytes: Buffer, at: number) => boolean): void {
  const live = cursors.filter((c) => !c.done);
  const hash = Buffer.alloc(HASH_BYTES);
  while (live.length > 0) {
    let best = live[0]!;
    for (let i = 1; i < live.length; i++) {
      const c = live[i]!;
      if (compareHashesAt(c.block, c.offset, best.block, best.offset) <= 0) best = c;
    }
    best.block.copy(hash, 0, best.offset, best.offset + HASH_BYTES);
    if (!emit(best.block, best.offset)) return;
    for (let i = live.length - 1; i >= 0; i--) {
      const c = live[i]!;
      if (compareHashesAt(c.block, c.offset, hash, 0) !== 0) continue;
      c.advance();
      if (c.done) live.splice(i, 1);
    }
  }
}
