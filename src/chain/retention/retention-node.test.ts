import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchNackError, IngestClient } from '../../client/ingest-client.js';
import { RejectCode } from '../../codec/ingest-reply.js';
import type { CdrNode, NodeConfig } from '../../node/node.js';
import { startTestNode, tempDataDir } from '../../test-helpers/devnet.js';
import { forge } from '../../test-helpers/forge.js';
import { getJson } from '../../test-helpers/ledger.js';
import { randomRecords, submitBatches, type SubmittedBatch } from '../../test-helpers/retention.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * A real node with a retention policy and a small nullifier hot table (1,024 slots: a segment
 * after ~700 records), so that the nullifier watermark moves within the test.
 */
describe('a node with a retention policy', () => {
  const data = tempDataDir();
  const config: Partial<NodeConfig> = {
    nullifiers: { hotLog2: 10, filterLog2Bytes: 16 },
    // An hour between runs: the test runs it (runNow); the first automatic run may overlap and is the same run.
    retention: { policy: { records: { keep: 'blocks', blocks: 0 } }, intervalMs: 3_600_000 },
  };
  let node: CdrNode;
  let batches: SubmittedBatch[];
  let pruned: SubmittedBatch[];

  beforeAll(async () => {
    node = await startTestNode(data.dir, config);
    // 24 batches of 100 records, two at a time.
    batches = await submitBatches(node.ingestUrl, { groups: 12, perGroup: 2, records: 100 });
    await node.chain.nullifiers.idle();
  }, 60_000);
  afterAll(async () => {
    await node?.stop();
    data.cleanup();
  });

  it('prunes only the batches whose nullifiers are in segments, never one a restart re-reads', async () => {
    const watermark = node.chain.nullifiers.watermark;
    expect(watermark).toBeGreaterThan(0);
    expect(watermark).toBeLessThan(batches.length);
    const report = (await node.chain.retention.runNow())!;
    expect(report.stoppedAt?.reason).toMatch(/not yet in segments/);
    const status = await Promise.all(batches.map(async (b) => (await getJson(node.url, `/batch/${hex(b.id)}`)).body));
    pruned = batches.filter((_, i) => status[i]!['pruned'] === true);
    // Admission order is submission order here: the pruned batches are exactly those below the watermark.
    expect(pruned.length).toBe(watermark);
    expect(pruned).toEqual(batches.slice(0, watermark));
    // The node's own first run (a second after start) may have done part of it.
    expect(report.totals).toMatchObject({ batches: watermark, records: watermark * 100 });
  });

  it('answers a pruned batch with its signed header, and its records with 410 Gone', async () => {
    const b = pruned[0]!;
    const view = await getJson(node.url, `/batch/${hex(b.id)}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      id: hex(b.id), status: 'committed', height: b.height, pruned: true,
      merkleRoot: hex(b.header.merkleRoot), recordsDigest: hex(b.header.recordsDigest), recordCount: 100, signature: hex(b.signature),
    });
    for (const path of [`/batch/${hex(b.id)}?records=1`, `/txns/${hex(b.id)}?records=1&offset=10&limit=5`]) {
      const gone = await getJson(node.url, path);
      expect(gone.status).toBe(410);
      expect(gone.body).toMatchObject({ error: 'records_pruned' });
      expect(String(gone.body['message'])).toMatch(/retention policy/);
    }
    const kept = await getJson(node.url, `/batch/${hex(batches.at(-1)!.id)}?records=1&limit=2`);
    expect(kept.status).toBe(200);
    expect(kept.body['records']).toHaveLength(2);
  });

  it('counts what it pruned in /metrics', async () => {
    const text = await (await fetch(`${node.url}/metrics`)).text();
    expect(text).toContain(`cdrchain_pruned_batches_total ${pruned.length}`);
    expect(text).toContain(`cdrchain_pruned_records_total ${pruned.length * 100}`);
    expect(Number(/cdrchain_pruned_bytes_total (\d+)/.exec(text)?.[1])).toBeGreaterThan(pruned.length * 100 * 128 * 0.9);
  });

  it('keeps admitting while a prune runs', async () => {
    // The node's records were all pruned up to the watermark; new ones arrive while it prunes again.
    const more = submitBatches(node.ingestUrl, { groups: 6, perGroup: 2, records: 100, firstSequence: BigInt(batches.length + 1) });
    const runs: Promise<unknown>[] = [];
    for (let i = 0; i < 5; i++) {
      runs.push(node.chain.retention.runNow());
      await new Promise((r) => setTimeout(r, 20));
    }
    const added = await more;
    await Promise.all(runs);
    batches = [...batches, ...added];
    expect(added).toHaveLength(12);
    await node.chain.nullifiers.idle();
    const report = (await node.chain.retention.runNow())!;
    expect(report.longestChunkMs).toBeLessThan(1_000);
    const status = await getJson(node.url, '/status');
    expect(status.body['nullifiers']).toBe(batches.length * 100);
    const prunedNow = await Promise.all(batches.map(async (b) => (await getJson(node.url, `/batch/${hex(b.id)}`)).body['pruned'] === true));
    // Still a prefix of admission order, and never past the watermark.
    const count = prunedNow.filter(Boolean).length;
    expect(prunedNow).toEqual(batches.map((_, i) => i < count));
    expect(count).toBeLessThanOrEqual(node.chain.nullifiers.watermark);
    expect(count).toBeGreaterThan(pruned.length);
    pruned = batches.slice(0, count);
  });

  it('restarts on the pruned directory, and a pruned record still cannot be billed again', async () => {
    await node.stop();
    node = await startTestNode(data.dir, config);
    const status = await getJson(node.url, '/status');
    expect(status.body['nullifiers']).toBe(batches.length * 100);
    expect((await getJson(node.url, `/batch/${hex(pruned[0]!.id)}`)).body['pruned']).toBe(true);

    // One record of a pruned batch, in a new batch with a fresh sequence: refused as a duplicate.
    const again = new Uint8Array([...randomRecords(3), ...pruned[0]!.records.subarray(5 * 128, 6 * 128)]);
    const client = await IngestClient.connect(node.ingestUrl);
    try {
      const sequence = BigInt(batches.length + 1); // every batch so far had its own sequence from 1
      const err = await client.submit(forge(again, { sequence }).frame, sequence).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(BatchNackError);
      expect((err as BatchNackError).code).toBe(RejectCode.DuplicateRecord);
    } finally {
      await client.close();
    }
  });
});
