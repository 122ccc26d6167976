// Bytes per CDR of the reconciliation index on disk (docs/privacy.md §5: LMDB's data file and the
// run files beside it), away from a node: the sealed benchmark's shape (180 batches of 1,000
// records, six submitters, one month) applied in chunks of `--chunk` batches, the index worker's
// unit of one transaction.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/micro/reconciliation-index-size.bench.js [--chunk 8] [--batches 180]
//
// Two traffics: one-sided (every event seen by one operator only: the sealed benchmark's data set,
// and the index's worst case) and matched (each batch followed by its counterparty's view of the
// same events: two CDRs per event). Reports the index's size per CDR (data file and run files),
// the run files and the LMDB pages of the runs' manifest and small runs.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../../src/codec/limits.js';
import type { IndexBatch } from '../../src/reconciliation/index-chunk.js';
import { ReconciliationStore } from '../../src/reconciliation/reconciliation-store.js';

const argBatches = process.argv.indexOf('--batches');
const BATCHES = argBatches > 0 ? Number(process.argv[argBatches + 1]) : 180;
const BATCH = 1_000;
const OPERATORS = [20801, 23415, 26201, 310260, 23430, 20810];

function run(chunkBatches: number, matched: boolean): { bytesPerCdr: number; runFiles: number; runFileBytesPerCdr: number; pages: Record<string, number>; ms: number } {
  const dir = mkdtempSync(join(tmpdir(), 'recon-size-'));
  const store = ReconciliationStore.open(dir);
  try {
    store.prepare(new Uint8Array(32).fill(7), 1_000_000);
    const periodStart = BigInt(Math.floor(Date.now() / 86_400_000) * 86_400 - 2 * 86_400);
    let previous: Buffer[] = [];
    let height = 0;
    let ms = 0;
    for (let done = 0; done < BATCHES; ) {
      const n = Math.min(chunkBatches, BATCHES - done);
      const records = new Uint8Array(n * BATCH * PUBLIC_RECORD_BYTES);
      const batches: IndexBatch[] = [];
      for (let b = 0; b < n; b++, done++) {
        const answer = matched && done % 2 === 1;
        const submitter = matched ? (answer ? OPERATORS[1]! : OPERATORS[0]!) : OPERATORS[done % 6]!;
        const counterparty = matched ? (answer ? OPERATORS[0]! : OPERATORS[1]!) : OPERATORS.filter((p) => p !== submitter)[Math.floor(done / 60) % 5]!;
        const hashes = answer ? previous : Array.from({ length: BATCH }, () => randomBytes(32));
        hashes.forEach((h, i) => {
          const at = (b * BATCH + i) * PUBLIC_RECORD_BYTES;
          records.set(h, at + RECORD_OFFSET.eventKeyHash);
          records.set(matched ? h : randomBytes(32), at + RECORD_OFFSET.commitment);
        });
        previous = hashes;
        batches.push({ id: randomBytes(32), submitter, counterparty, periodStart, offset: b * BATCH * PUBLIC_RECORD_BYTES, count: BATCH });
      }
      const started = performance.now();
      store.applyChunk({ blocks: [{ height: height++, timestampMs: 0n, unreadable: 0, batches }], records });
      ms += performance.now() - started;
    }
    const pages: Record<string, number> = {};
    for (const name of ['recon-runs', 'recon-run-blobs']) {
      const s = store.env.uint32Db(name).getStats() as { treeLeafPageCount: number; treeBranchPageCount: number; overflowPages: number };
      pages[name] = s.treeLeafPageCount + s.treeBranchPageCount + s.overflowPages;
    }
    const files = readdirSync(join(dir, 'runs'));
    const fileBytes = files.reduce((n, f) => n + statSync(join(dir, 'runs', f)).size, 0);
    const perCdr = (bytes: number): number => Math.round((bytes / (BATCHES * BATCH)) * 10) / 10;
    return { bytesPerCdr: perCdr(statSync(join(dir, 'data.mdb')).size + fileBytes), runFiles: files.length, runFileBytesPerCdr: perCdr(fileBytes), pages, ms: Math.round(ms) };
  } finally {
    void store.close().then(() => rmSync(dir, { recursive: true, force: true }));
  }
}

const at = process.argv.indexOf('--chunk');
const chunk = at > 0 ? Number(process.argv[at + 1]) : 8;
for (const matched of [false, true]) {
  const r = run(chunk, matched);
  console.log(`${matched ? 'matched   ' : 'one-sided '} chunks of ${chunk} batches: ${r.bytesPerCdr} B/CDR on disk (run files ${r.runFileBytesPerCdr} B/CDR in ${r.runFiles}); LMDB pages ${JSON.stringify(r.pages)} (4,096 B each); ${r.ms} ms applying`);
}
