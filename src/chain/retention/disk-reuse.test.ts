import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestChain } from '../../test-helpers/chain.js';
import { tempDataDir } from '../../test-helpers/devnet.js';
import { forge } from '../../test-helpers/forge.js';
import { randomRecords } from '../../test-helpers/retention.js';
import type { Chain } from '../chain.js';
import { BatchRejectedError, RejectCode } from '../reject.js';

const MiB = 1024 * 1024;
const BATCHES = 40;
const RECORDS = 1_000;
/** Small body segments (4 frames of 128 KB each), so pruning empties whole segments within the test. */
const SEGMENT_BYTES = 512 * 1024;

/**
 * Batch frames live in append-only body segment files (src/storage/tx-body-store.ts); a prune turns
 * batches into stubs, and a segment file whose every batch is a stub is deleted. So disk use follows
 * what is retained, not history: measured against a control directory that takes the same writes
 * without a prune. Prints its figures (recorded in the README).
 */
describe('disk after pruning', () => {
  const dirs = [tempDataDir(), tempDataDir()];
  afterAll(() => dirs.forEach((d) => d.cleanup()));

  /** Batches one at a time (Busy, while a nullifier table is written out, is retried as a client would), a block every 4. */
  async function submit(chain: Chain, firstSequence: bigint): Promise<void> {
    for (let i = 0; i < BATCHES; i++) {
      const batch = forge(randomRecords(RECORDS), { sequence: firstSequence + BigInt(i) });
      for (;;) {
        const busy = await chain.submit(batch.frame.slice(), chain.httpSource).then(
          () => false,
          (err: unknown) => {
            if (err instanceof BatchRejectedError && err.code === RejectCode.Busy) return true;
            throw err;
          },
        );
        if (!busy) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      if (i % 4 === 3) await chain.flush();
    }
    await chain.flush();
    await chain.nullifiers.idle();
  }

  const segmentFiles = (dir: string) => readdirSync(join(dir, 'bodies')).filter((n) => n.endsWith('.seg')).length;

  async function run(dir: string, prune: boolean) {
    const chain = await openTestChain(dir, {
      workers: 2,
      // A nullifier segment every ~3 batches, so the watermark (and what may be pruned) follows the writes closely.
      nullifiers: { hotLog2: 12, filterLog2Bytes: 16 },
      txBodies: { segmentBytes: SEGMENT_BYTES },
      ...(prune ? { retention: { policy: { records: { keep: 'blocks', blocks: 0 } }, intervalMs: 3_600_000 } } : {}),
    });
    try {
      await submit(chain, 1n);
      const afterFirst = chain.diskBytes();
      const filesFirst = segmentFiles(dir);
      const first = prune ? (await chain.retention.runNow())! : undefined;
      const afterPrune = chain.diskBytes();
      const filesPruned = segmentFiles(dir);
      await submit(chain, BigInt(BATCHES + 1));
      const afterSecond = chain.diskBytes();
      const second = prune ? (await chain.retention.runNow())! : undefined;
      return {
        afterFirst, afterPrune, afterSecond, afterSecondPrune: chain.diskBytes(), filesFirst, filesPruned, filesEnd: segmentFiles(dir),
        prunedBytes: (first?.pruned.bytes ?? 0) + (second?.pruned.bytes ?? 0),
        deletedSegments: (first?.pruned.bodySegmentsDeleted ?? 0) + (second?.pruned.bodySegmentsDeleted ?? 0),
        firstDeleted: first?.pruned.bodyBytesDeleted ?? 0,
        maxChunkMs: Math.max(first?.longestChunkMs ?? 0, second?.longestChunkMs ?? 0),
      };
    } finally {
      await chain.close();
    }
  }

  it('a prune deletes the body segment files it emptied, so disk use stays bounded while the control grows with history', async () => {
    const control = await run(dirs[0]!.dir, false);
    const pruned = await run(dirs[1]!.dir, true);
    const f = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
    console.log(
      `[disk-reuse] ${BATCHES}×${RECORDS} records, prune, ${BATCHES}×${RECORDS} more, prune: disk (LMDB + body files) ` +
        `${f(pruned.afterFirst)} → ${f(pruned.afterPrune)} after the first prune (${pruned.filesFirst} → ${pruned.filesPruned} segment files) → ` +
        `${f(pruned.afterSecond)} → ${f(pruned.afterSecondPrune)} after the second (${pruned.filesEnd} files; ${pruned.deletedSegments} deleted in all, ${f(pruned.prunedBytes)} of frames pruned); ` +
        `control without prune ${f(control.afterFirst)} → ${f(control.afterSecond)}; longest prune chunk ${pruned.maxChunkMs.toFixed(1)} ms`,
    );
    const frameBytes = BATCHES * RECORDS * 128;
    // Most batches of the first round go: those still in the hot table or a nullifier segment being written stay (records-still-read.ts).
    expect(pruned.prunedBytes).toBeGreaterThan(0.8 * frameBytes);
    // Their segment files are gone and the bytes with them, at once.
    expect(pruned.filesPruned).toBeLessThan(pruned.filesFirst);
    expect(pruned.firstDeleted).toBeGreaterThan(0.3 * frameBytes);
    expect(pruned.afterPrune).toBeLessThanOrEqual(pruned.afterFirst - pruned.firstDeleted + 1 * MiB);
    // After a second round and its prune the directory is no bigger than after the first round,
    // while the control grew by the whole second round.
    expect(pruned.afterSecondPrune).toBeLessThanOrEqual(pruned.afterFirst + 1 * MiB);
    expect(control.afterSecond - control.afterFirst).toBeGreaterThan(0.9 * frameBytes);
    expect(control.filesEnd).toBeGreaterThan(pruned.filesEnd);
  }, 180_000);
});
