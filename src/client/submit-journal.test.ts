import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../codec/bytes.js';
import { tempDataDir } from '../test-helpers/devnet.js';
import { SubmitJournal, SubmitJournalError } from './submit-journal.js';

const dir = tempDataDir();
afterAll(() => dir.cleanup());

const scope = { genesisHash: new Uint8Array(32).fill(1), submitter: 26201, batchSize: 100 };
const id = (n: number) => new Uint8Array(32).fill(n);

describe('SubmitJournal', () => {
  it('keeps what a run sent for the next run of the same scope; a later line for a batch wins', () => {
    const path = join(dir.dir, 'a.journal');
    const j = SubmitJournal.open(path, scope);
    expect(j.get(0)).toBeUndefined();
    j.record(0, 7n, id(7));
    j.record(1, 8n, id(8));
    j.record(1, 12n, id(12)); // re-sequenced
    j.close();

    const again = SubmitJournal.open(path, scope);
    expect(again.get(0)).toEqual({ sequence: 7n, id: id(7) });
    expect(again.get(1)).toEqual({ sequence: 12n, id: id(12) });
    expect(again.maxSequence).toBe(12n);
    again.close();
  });

  it('ignores a line torn by a crash, and starts afresh for another chain, submitter or batch size', () => {
    const path = join(dir.dir, 'b.journal');
    const j = SubmitJournal.open(path, scope);
    j.record(0, 3n, id(3));
    j.close();
    appendFileSync(path, '{"i":1,"seq":"4","id":"0a0a');
    const torn = SubmitJournal.open(path, scope);
    expect(torn.get(0)?.sequence).toBe(3n);
    expect(torn.get(1)).toBeUndefined();
    torn.close();

    for (const other of [{ ...scope, genesisHash: new Uint8Array(32).fill(2) }, { ...scope, submitter: 23415 }, { ...scope, batchSize: 50 }]) {
      const fresh = SubmitJournal.open(path, other);
      expect(fresh.get(0)).toBeUndefined();
      expect(fresh.maxSequence).toBe(0n);
      fresh.close();
      expect(readFileSync(path, 'utf8')).toContain(toHex(other.genesisHash));
    }
  });

  it('says which file it cannot write', () => {
    expect(() => SubmitJournal.open(join(dir.dir, 'no', 'such', 'dir', 'c.journal'), scope)).toThrow(SubmitJournalError);
  });
});
