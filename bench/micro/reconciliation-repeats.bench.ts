// The reconciliation index on traffic it has seen before (the soak benchmark's shape: one data set of
// one-sided calls replayed pass after pass, so from the second pass on every record repeats an event
// the index holds): index-worker time per record on the first pass (new events: runs written and
// merged) and on the repeats (every record a lookup that finds its event), away from a node.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/micro/reconciliation-repeats.bench.js [--batches 1200] [--passes 4] [--chunk 3] [--cache-mib 64]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../../src/codec/limits.js';
import type { IndexBatch } from '../../src/reconciliation/index-chunk.js';
import { ReconciliationStore } from '../../src/reconciliation/reconciliation-store.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const BATCHES = arg('--batches', 1_200);
const PASSES = arg('--passes', 4);
const CHUNK = arg('--chunk', 3);
const CACHE_MIB = arg('--cache-mib', 64);
const BATCH = 1_000;
const OPERATORS = [20801, 23415, 26201, 310260, 23430, 20810];

const dir = mkdtempSync(join(tmpdir(), 'recon-repeats-'));
const store = ReconciliationStore.open(dir, { runs: { blockCacheBytes: CACHE_MIB * 2 ** 20 } });
try {
  store.prepare(new Uint8Array(32).fill(7), 1_000_000);
  const periodStart = BigInt(Math.floor(Date.now() / 86_400_000) * 86_400 - 2 * 86_400);
  // The data set: per batch its event hashes and commitments, fixed across passes.
  const data = Array.from({ length: BATCHES }, (_, b) => {
    const submitter = OPERATORS[b % 6]!;
    const counterparty = OPERATORS.filter((p) => p !== submitter)[Math.floor(b / 6) % 5]!;
    return { submitter, counterparty, events: randomBytes(BATCH * 32), commitments: randomBytes(BATCH * 32) };
  });
  let height = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    let ms = 0;
    for (let done = 0; done < BATCHES; ) {
      const n = Math.min(CHUNK, BATCHES - done);
      const records = new Uint8Array(n * BATCH * PUBLIC_RECORD_BYTES);
      const batches: IndexBatch[] = [];
      for (let b = 0; b < n; b++, done++) {
        const d = data[done]!;
        for (let i = 0; i < BATCH; i++) {
          const at = (b * BATCH + i) * PUBLIC_RECORD_BYTES;
          records.set(d.events.subarray(i * 32, i * 32 + 32), at + RECORD_OFFSET.eventKeyHash);
          records.set(d.commitments.subarray(i * 32, i * 32 + 32), at + RECORD_OFFSET.commitment);
        }
        batches.push({ id: randomBytes(32), submitter: d.submitter, counterparty: d.counterparty, periodStart, offset: b * BATCH * PUBLIC_RECORD_BYTES, count: BATCH });
      }
      const started = performance.now();
      store.applyChunk({ blocks: [{ height: height++, timestampMs: 0n, unreadable: 0, batches }], records });
      ms += performance.now() - started;
    }
    const e = store.entries();
    const c = store.lookupCache();
    console.log(`pass ${pass + 1}: ${((ms * 1000) / (BATCHES * BATCH)).toFixed(2)} µs per record (${Math.round(ms)} ms for ${BATCHES * BATCH} records in chunks of ${CHUNK} batches); ${e.runs} runs (${e.runFiles} files); lookup cache ${(c.bytes / 2 ** 20).toFixed(1)} MiB, ${c.hits} hits, ${c.misses} reads`);
  }
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
