import { afterAll, describe, expect, it } from 'vitest';
import type { NodeConfig } from '../../node/node.js';
import { startTestNode, tempDataDir } from '../../test-helpers/devnet.js';
import { submitBatches } from '../../test-helpers/retention.js';

const MiB = 1024 * 1024;
const BATCHES = 40;
const RECORDS = 1_000;

/**
 * LMDB never shrinks its data file, but it reuses the pages a prune frees: after pruning, the next
 * writes fill the freed pages before the file grows. Measured against a control directory that
 * takes the same writes without a prune. Prints its figures (recorded in the README).
 */
describe('disk after pruning', () => {
  const dirs = [tempDataDir(), tempDataDir()];
  afterAll(() => dirs.forEach((d) => d.cleanup()));

  async function run(dir: string, prune: boolean): Promise<{ afterFirst: number; afterPrune: number; afterSecond: number; prunedBytes: number; maxChunkMs: number }> {
    const config: Partial<NodeConfig> = {
      // A segment every ~3 batches, so the watermark (and what may be pruned) follows the writes closely.
      nullifiers: { hotLog2: 12, filterLog2Bytes: 16 },
      ...(prune ? { retention: { policy: { records: { keep: 'blocks', blocks: 0 } }, intervalMs: 3_600_000 } } : {}),
    };
    const node = await startTestNode(dir, config);
    try {
      await submitBatches(node.ingestUrl, { groups: BATCHES / 4, perGroup: 4, records: RECORDS, firstSequence: 1n });
      await node.chain.nullifiers.idle();
      const afterFirst = node.chain.diskBytes();
      let prunedBytes = 0;
      let maxChunkMs = 0;
      if (prune) {
        const report = (await node.chain.retention.runNow())!;
        prunedBytes = report.pruned.bytes;
        maxChunkMs = report.longestChunkMs;
      }
      const afterPrune = node.chain.diskBytes();
      await submitBatches(node.ingestUrl, { groups: BATCHES / 4, perGroup: 4, records: RECORDS, firstSequence: BigInt(BATCHES + 1) });
      return { afterFirst, afterPrune, afterSecond: node.chain.diskBytes(), prunedBytes, maxChunkMs };
    } finally {
      await node.stop();
    }
  }

  it('writing after a prune fills the freed pages instead of growing the file by the pruned amount', async () => {
    const control = await run(dirs[0]!.dir, false);
    const pruned = await run(dirs[1]!.dir, true);
    const controlGrowth = control.afterSecond - control.afterPrune;
    const prunedGrowth = pruned.afterSecond - pruned.afterPrune;
    const f = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
    console.log(
      `[disk-reuse] ${BATCHES}×${RECORDS} records, then pruned, then ${BATCHES}×${RECORDS} more: ` +
        `pruned ${f(pruned.prunedBytes)}; file ${f(pruned.afterFirst)} → ${f(pruned.afterPrune)} after the prune → ${f(pruned.afterSecond)} (+${f(prunedGrowth)}); ` +
        `control without prune ${f(control.afterFirst)} → ${f(control.afterSecond)} (+${f(controlGrowth)}); longest prune chunk ${pruned.maxChunkMs.toFixed(1)} ms`,
    );
    // Most batches: those still in the hot table or a segment being written stay (records-still-read.ts).
    expect(pruned.prunedBytes).toBeGreaterThan(0.4 * BATCHES * RECORDS * 128);
    expect(pruned.afterPrune).toBeLessThanOrEqual(pruned.afterFirst + 1 * MiB); // the file does not shrink, nor grow much
    // The second half lands mostly in pages the prune freed.
    expect(prunedGrowth).toBeLessThan(controlGrowth - 0.6 * pruned.prunedBytes);
  }, 120_000);
});
