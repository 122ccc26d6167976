import { HASH_BYTES, Section, SECTIONS } from './run-format.js';
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
  const superseded = (hash: Buffer): boolean => runs.some((r) => r.find(Section.Matched, hash) !== undefined || r.find(Section.Mismatched, hash) !== undefined);
  for (const s of SECTIONS) {
    if (s === Section.Matched && opts.dropMatched) continue;
    const oneSided = s === Section.OnlyA || s === Section.OnlyB;
    mergeSorted(runs.map((r) => r.cursor(s)), (entry) => {
      if (!(oneSided && superseded(entry.subarray(0, HASH_BYTES)))) writer.add(s, entry);
      return true;
    });
  }
}

/** k-way merge by hash; of equal hashes the last cursor's (the newest run's) entry wins. Stops when `emit` returns false. */
export function mergeSorted(cursors: readonly SectionCursor[], emit: (entry: Buffer) => boolean): void {
  for (;;) {
    let best: Buffer | undefined;
    for (const c of cursors) {
      const e = c.peek();
      if (!e) continue;
      if (!best || Buffer.compare(e.subarray(0, HASH_BYTES), best.subarray(0, HASH_BYTES)) <= 0) best = e;
    }
    if (!best) return;
    const hash = Buffer.from(best.subarray(0, HASH_BYTES));
    if (!emit(best)) return;
    for (const c of cursors) {
      const e = c.peek();
      if (e && Buffer.compare(e.subarray(0, HASH_BYTES), hash) === 0) c.advance();
    }
  }
}
