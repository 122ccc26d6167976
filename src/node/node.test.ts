import { afterEach, describe, expect, it } from 'vitest';
import { IngestClient } from '../client/ingest-client.js';
import { Operator } from '../client/operator.js';
import { startTestNode, tempDataDir, traffic, TELEKOM_DE, VODAFONE_UK } from '../test-helpers/devnet.js';
import type { CdrNode } from './node.js';

describe('single-node pipeline', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function node(dir: string): Promise<CdrNode> {
    const n = await startTestNode(dir);
    cleanups.push(() => n.stop());
    return n;
  }

  it('accepts, commits and serves batches streamed over WebSocket', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const n = await node(data.dir);
    const op = Operator.devnet(TELEKOM_DE);
    const batches = [...op.batches(traffic(TELEKOM_DE, VODAFONE_UK, 600), 200, 1n)];
    expect(batches).toHaveLength(3);

    const client = await IngestClient.connect(n.ingestUrl);
    cleanups.push(() => client.close());
    const results = await Promise.all(batches.map((b) => client.submit(b.frame, b.header.sequence)));
    const heights = await Promise.all(results.map((r) => r.committed));
    for (const h of heights) expect(h.height).toBeGreaterThan(0);

    const status = (await (await fetch(`${n.url}/status`)).json()) as { height: number; nullifiers: number };
    expect(status.nullifiers).toBe(600);
    expect(status.height).toBeGreaterThanOrEqual(Math.max(...heights.map((h) => h.height)));

    const id = Buffer.from(results[1]!.batchId).toString('hex');
    const batch = (await (await fetch(`${n.url}/batch/${id}`)).json()) as { status: string; sequence: string; recordCount: number; height: number };
    expect(batch).toMatchObject({ status: 'committed', sequence: '2', recordCount: 200, height: heights[1]!.height });

    const block = (await (await fetch(`${n.url}/blocks/${batch.height}`)).json()) as { txIds: string[] };
    expect(block.txIds).toContain(id);
  });

  it('resumes from disk after a restart: nothing lost, nothing applied twice', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const op = Operator.devnet(TELEKOM_DE);
    const [first, second] = [...op.batches(traffic(TELEKOM_DE, VODAFONE_UK, 400, 'restart'), 200, 1n)];

    const a = await startTestNode(data.dir);
    const c1 = await IngestClient.connect(a.ingestUrl);
    const r1 = await c1.submit(first!.frame, 1n);
    await r1.committed;
    await c1.close();
    await a.stop();

    const b = await node(data.dir);
    const c2 = await IngestClient.connect(b.ingestUrl);
    cleanups.push(() => c2.close());
    // The committed batch cannot be replayed, under its own sequence or a fresh one.
    await expect(c2.submit(first!.frame, 1n)).rejects.toMatchObject({ reason: 'replay' });
    const reSequenced = op.seal(op.publicRecords(traffic(TELEKOM_DE, VODAFONE_UK, 400, 'restart').slice(0, 200)), VODAFONE_UK, 5n, {
      periodStart: first!.header.periodStart, periodEnd: first!.header.periodEnd,
    });
    await expect(c2.submit(reSequenced.frame, 5n)).rejects.toMatchObject({ reason: 'duplicate_record' });
    // The next batch goes through.
    const r2 = await c2.submit(second!.frame, 2n);
    expect((await r2.committed).height).toBeGreaterThan(0);
    const status = (await (await fetch(`${b.url}/status`)).json()) as { nullifiers: number };
    expect(status.nullifiers).toBe(400);
  });
});
