import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeBatch } from '../codec/batch.js';
import { batchToJson } from '../codec/batch-json.js';
import { IngestClient } from '../client/ingest-client.js';
import { Operator } from '../client/operator.js';
import { startTestNode, tempDataDir, traffic, ORANGE_FR, TELEKOM_DE, VODAFONE_UK } from '../test-helpers/devnet.js';
import type { CdrNode } from '../node/node.js';

describe('node API', () => {
  let node: CdrNode;
  const data = tempDataDir();
  beforeAll(async () => {
    node = await startTestNode(data.dir);
  });
  afterAll(async () => {
    await node.stop();
    data.cleanup();
  });

  const json = async <T>(path: string): Promise<T> => (await (await fetch(`${node.url}${path}`)).json()) as T;

  it('streams accepted batches and committed blocks on WS /events', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${node.port}/events`);
    const events: { type: string; txIds?: string[]; id?: string }[] = [];
    ws.on('message', (d) => events.push(JSON.parse(String(d)) as { type: string }));
    await new Promise((r) => ws.once('open', r));

    const op = Operator.devnet(ORANGE_FR);
    const built = op.batch(traffic(ORANGE_FR, VODAFONE_UK, 20, 'events'), 1n);
    const client = await IngestClient.connect(node.ingestUrl);
    const r = await client.submit(built.frame, 1n);
    await r.committed;
    await client.close();
    const id = Buffer.from(built.id).toString('hex');
    await expect.poll(() => events.find((e) => e.type === 'block_committed' && e.txIds?.includes(id))).toBeTruthy();
    expect(events.find((e) => e.type === 'batch_accepted')?.id).toBe(id);
    ws.close();
  });

  it('accepts a signed batch as JSON on POST /cdr and serves it on /txns and /batch', async () => {
    const op = Operator.devnet(TELEKOM_DE);
    const built = op.batch(traffic(TELEKOM_DE, ORANGE_FR, 5, 'json'), 1n);
    const res = await fetch(`${node.url}/cdr`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batchToJson(decodeBatch(built.frame))),
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { batchId: string; status: string };
    expect(body.batchId).toBe(Buffer.from(built.id).toString('hex'));
    await node.chain.flush();
    const tx = await json<{ type: string; status: string; records: { nullifier: string }[] }>(`/txns/${body.batchId}?records=1`);
    expect(tx.type).toBe('cdr_batch');
    expect(tx.status).toBe('committed');
    expect(tx.records).toHaveLength(5);
    expect((await json<{ lastSequence: string }>(`/operators/${TELEKOM_DE}`)).lastSequence).toBe('1');
  });

  it('lists blocks newest first and links them by hash', async () => {
    const { blocks } = await json<{ blocks: { height: number; hash: string; prevHash: string }[] }>('/blocks?limit=50');
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (let i = 0; i + 1 < blocks.length; i++) {
      expect(blocks[i]!.height).toBe(blocks[i + 1]!.height + 1);
      expect(blocks[i]!.prevHash).toBe(blocks[i + 1]!.hash);
    }
    expect(blocks.at(-1)!.height).toBe(0);
  });

  it('exports Prometheus metrics that move with the work done', async () => {
    const text = await (await fetch(`${node.url}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('cdrchain_ingest_cdrs_accepted_total')).toBe(25);
    expect(value('cdrchain_cdrs_committed_total')).toBe(25);
    expect(value('cdrchain_nullifier_set_size')).toBe(25);
    expect(value('cdrchain_chain_height')).toBeGreaterThanOrEqual(1);
    expect(value('cdrchain_lmdb_size_bytes')).toBeGreaterThan(0);
    expect(text).toMatch(/cdrchain_pool_task_seconds_count [1-9]/);
    expect(text).toMatch(/cdrchain_block_commit_seconds_count [1-9]/);
    expect(text).toContain('cdrchain_pool_queue_depth');
  });
});
