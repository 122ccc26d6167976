import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { fromHex, toHex } from '../codec/bytes.js';

/**
 * What makes one run of a file comparable with another: batches are cut the same way only for the
 * same submitter and batch size, and signed the same way only for the same chain.
 */
export interface JournalScope {
  readonly genesisHash: Uint8Array;
  readonly submitter: number;
  readonly batchSize: number;
}

export interface JournalEntry {
  readonly sequence: bigint;
  readonly id: Uint8Array;
}

export class SubmitJournalError extends Error {
  override readonly name = 'SubmitJournalError';
}

const FORMAT = 'cdrchain-submit-journal/1';

/**
 * The submit client's memory of what it signed for one input file: per batch (in the order the
 * file is cut into batches) the sequence it used and the batch id that gave. A batch id binds the
 * sequence, so after a crash a re-run must sign each batch it sent before with the same sequence to
 * recognise it on the node (GET /batch/:id); this file is how it knows that sequence.
 *
 * NDJSON: a scope line, then `{"i","seq","id"}` lines, appended synchronously before each send (a
 * later line for the same batch wins: it was re-sequenced). A journal of another scope is replaced.
 */
export class SubmitJournal {
  private constructor(
    private readonly fd: number,
    private readonly entries: Map<number, JournalEntry>,
    readonly path: string,
  ) {}

  /** Opens `path` for `scope`: keeps its entries if it was written for the same scope, else starts it afresh. */
  static open(path: string, scope: JournalScope): SubmitJournal {
    const header = JSON.stringify({ format: FORMAT, genesisHash: toHex(scope.genesisHash), submitter: scope.submitter, batchSize: scope.batchSize });
    try {
      const entries = existsSync(path) ? readEntries(path, header) : undefined;
      if (entries) return new SubmitJournal(openSync(path, 'a'), entries, path);
      const fd = openSync(path, 'w', 0o600);
      writeSync(fd, `${header}\n`);
      return new SubmitJournal(fd, new Map(), path);
    } catch (err) {
      throw new SubmitJournalError(`cannot use the journal ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  get(index: number): JournalEntry | undefined {
    return this.entries.get(index);
  }

  /** The highest sequence the journal holds (0 when empty). */
  get maxSequence(): bigint {
    let max = 0n;
    for (const e of this.entries.values()) if (e.sequence > max) max = e.sequence;
    return max;
  }

  /** Records that batch `index` is about to be sent with `sequence`, giving id `id`. */
  record(index: number, sequence: bigint, id: Uint8Array): void {
    this.entries.set(index, { sequence, id });
    writeSync(this.fd, `${JSON.stringify({ i: index, seq: sequence.toString(), id: toHex(id) })}\n`);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The entries of a journal of `header`'s scope; undefined for another scope or an unreadable file. */
function readEntries(path: string, header: string): Map<number, JournalEntry> | undefined {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines[0] !== header) return undefined;
  const entries = new Map<number, JournalEntry>();
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as { i: number; seq: string; id: string };
      if (!Number.isSafeInteger(e.i) || e.i < 0) continue;
      entries.set(e.i, { sequence: BigInt(e.seq), id: fromHex(e.id, 32) });
    } catch {
      // A line torn by a crash mid-write: that batch was not sent with it.
      continue;
    }
  }
  return entries;
}
