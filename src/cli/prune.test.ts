import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, tempDataDir } from '../test-helpers/devnet.js';
import { cdrchain, startNodeProcess } from '../test-helpers/processes.js';
import { submitBatches, type SubmittedBatch } from '../test-helpers/retention.js';
import type { PruneSummary } from './commands/prune.js';

/** `cdrchain prune` as a real process on a stopped node's data directory (built CLI: `npx tsc -p tsconfig.build.json`). */
describe('cdrchain prune', () => {
  const data = tempDataDir();
  let batches: SubmittedBatch[];
  let watermark: number;

  beforeAll(async () => {
    // A small nullifier hot table, so segments (and a watermark) exist after a few hundred records.
    const node = await startTestNode(data.dir, { nullifiers: { hotLog2: 10, filterLog2Bytes: 16 } });
    try {
      batches = await submitBatches(node.ingestUrl, { groups: 10, perGroup: 2, records: 100 });
      await node.chain.nullifiers.idle();
      watermark = node.chain.nullifiers.watermark;
    } finally {
      await node.stop();
    }
    expect(watermark).toBeGreaterThan(0);
  }, 60_000);
  afterAll(() => data.cleanup());

  it('exits 2 on bad arguments, a missing directory or a contradictory policy', async () => {
    const none = await cdrchain('prune', '--data', data.dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/nothing to prune/);
    expect((await cdrchain('prune', '--data', data.dir, '--records-days', 'soon')).code).toBe(2);
    expect((await cdrchain('prune', '--records-days', '1')).code).toBe(2); // --data is required
    const missing = await cdrchain('prune', '--data', `${data.dir}/nope`, '--records-days', '1');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/not a cdrchain data directory/);
    const contradictory = await cdrchain('prune', '--data', data.dir, '--records-blocks', '5', '--blocks-blocks', '1');
    expect(contradictory.code).toBe(2);
    expect(contradictory.stderr).toMatch(/shorter than records retention/);
    const both = await cdrchain('prune', '--data', data.dir, '--records-blocks', '5', '--records-days', '1');
    expect(both.code).toBe(2);
    // The node checks its policy before it opens anything.
    const node = await cdrchain('node', '--data', `${data.dir}/unused`, '--port', '0', '--retention-blocks-days', '30');
    expect(node.code).toBe(2);
    expect(node.stderr).toMatch(/retention: blocks retention \(30 days\) is shorter than records retention \(forever\)/);
  });

  it('refuses, with exit 7, while a node has the directory open', async () => {
    const running = await startNodeProcess(data.dir);
    try {
      const res = await cdrchain('prune', '--data', data.dir, '--records-blocks', '0');
      expect(res.code).toBe(7);
      expect(res.stderr).toContain(`open in process ${running.proc.pid}`);
    } finally {
      await running.stop();
    }
  }, 60_000);

  it('a dry run reports what it would prune and writes nothing; a run prunes it; a repeat prunes nothing', async () => {
    const dry = await cdrchain('prune', '--data', data.dir, '--records-blocks', '0', '--dry-run');
    expect(dry.code).toBe(0);
    const would = JSON.parse(dry.stdout) as PruneSummary;
    expect(would).toMatchObject({ dryRun: true, batches: watermark, records: watermark * 100, totals: { batches: 0 } });
    expect(would.stoppedAt?.reason).toMatch(/not yet in segments/);
    expect(dry.stderr).toMatch(/would prune the records of \d+ batches/);

    const run = await cdrchain('prune', '--data', data.dir, '--records-blocks', '0', '--blocks-days', '0', '--chunk', '3');
    expect(run.code).toBe(0);
    const done = JSON.parse(run.stdout) as PruneSummary;
    expect(done).toMatchObject({ dryRun: false, batches: watermark, records: watermark * 100, totals: { batches: watermark } });
    expect(done.policy).toEqual({ records: 'the last 0 blocks', blocks: '0 days', payloads: 'forever' });
    expect(done.blockBodies).toBeGreaterThan(0);
    expect(done.txLocations).toBe(watermark);
    expect(done.bytes).toBeGreaterThan(would.bytes); // the records as predicted, plus the bodies
    expect(done.chunks).toBeGreaterThanOrEqual(Math.ceil(watermark / 3));
    const prunedHeight = batches[watermark - 1]!.height;
    expect(done.recordsPrunedUpToHeight).toBeGreaterThanOrEqual(prunedHeight - 1);
    expect(done.blockBodiesPrunedUpToHeight).toBe(done.recordsPrunedUpToHeight);
    expect(run.stderr).toMatch(new RegExp(`pruned the records of ${watermark} batches`));

    const again = await cdrchain('prune', '--data', data.dir, '--records-blocks', '0', '--blocks-days', '0');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ batches: 0, records: 0, bytes: 0, blockBodies: 0, totals: { batches: watermark } });
  });

  it('leaves a directory the node starts on, with the pruned batches answered from their stubs', async () => {
    const node = await startTestNode(data.dir);
    try {
      const first = await fetch(`${node.url}/batch/${Buffer.from(batches[0]!.id).toString('hex')}`);
      expect(await first.json()).toMatchObject({ pruned: true, status: 'committed', height: batches[0]!.height });
      const status = (await (await fetch(`${node.url}/status`)).json()) as { nullifiers: number };
      expect(status.nullifiers).toBe(batches.length * 100);
    } finally {
      await node.stop();
    }
  });
});
