import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../test-helpers/devnet.js';
import { cdrchain, cdrchainInBackground, startAckDroppingProxy, startNodeProcess, type NodeProcess } from '../test-helpers/processes.js';

interface Summary {
  acceptedCdrs: number;
  acceptedBatches: number;
  alreadyStoredBatches: number;
  rejectedBatches: number;
  rejects: Record<string, number>;
  committedUpToHeight?: number;
}

const getJson = async <T>(url: string): Promise<{ status: number; body: T }> => {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
};

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The journal's latest entry per batch: index → { seq, id }. */
function journalEntries(path: string): Map<number, { seq: string; id: string }> {
  const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  const out = new Map<number, { seq: string; id: string }>();
  for (const l of lines) {
    const e = JSON.parse(l) as { i: number; seq: string; id: string };
    out.set(e.i, { seq: e.seq, id: e.id });
  }
  return out;
}

describe('cdrchain submit after a node crash (real node process, SIGKILL)', () => {
  const data = tempDataDir();
  const files = tempDataDir();
  const nodes: NodeProcess[] = [];
  afterAll(async () => {
    for (const n of nodes) await n.kill();
    data.cleanup();
    files.cleanup();
  });

  it('recognises the batches the node stored but never acknowledged, and reports each accepted exactly once', async () => {
    const csv = join(files.dir, 'cdrs.csv');
    expect((await cdrchain('generate', '--submitter', '26201', '--counterparty', '23415,20801', '--count', '1200', '--seed', 'crash', '--out', csv)).code).toBe(0);

    // A slow block interval: at the kill the stored batches are pending, not yet in a block.
    const first = await startNodeProcess(data.dir, ['--block-interval', '60000']);
    nodes.push(first);
    const proxy = await startAckDroppingProxy(first.port);
    // 12 batches of 100; the window lets 4 go out, whose acks the proxy swallows.
    const run1 = cdrchainInBackground('submit', csv, '--url', `ws://127.0.0.1:${proxy.port}`, '--batch-size', '100', '--window', '4');
    const journal = `${csv}.journal`;
    await until('the node to store the 4 batches sent', async () => {
      const { body } = await getJson<{ lastSequence: string }>(`${first.url}/operators/26201`);
      if (body.lastSequence !== '4') return false;
      const sent = [...journalEntries(journal).values()];
      const stored = await Promise.all(sent.map(async (e) => (await fetch(`${first.url}/batch/${e.id}`)).status === 200));
      return stored.filter(Boolean).length === 4;
    });
    await first.kill();
    const crashed = await run1.done;
    await proxy.close();
    expect(crashed.code).toBe(4); // the connection died; nothing was acknowledged to it
    expect(crashed.stdout).toBe('');

    const second = await startNodeProcess(data.dir, ['--block-interval', '10']);
    nodes.push(second);
    const rerun = await cdrchain('submit', csv, '--url', `ws://127.0.0.1:${second.port}`, '--batch-size', '100', '--window', '4');
    // No rejection reported (the progress lines count rejects: theirs must stay at 0).
    expect(rerun.stderr).not.toMatch(/batch\(es\) rejected|[1-9][\d,]* rejected/);
    expect(rerun.stderr).toMatch(/, 0 rejected/);
    expect(rerun.code).toBe(0);
    const summary = JSON.parse(rerun.stdout) as Summary;
    expect(summary).toMatchObject({ acceptedCdrs: 1200, acceptedBatches: 12, alreadyStoredBatches: 4, rejectedBatches: 0, rejects: {} });
    expect(summary.committedUpToHeight).toBeGreaterThan(0);

    // Exactly once on the node: 12 batches under sequences 1..12, every CDR one nullifier, all committed.
    const status = (await getJson<{ nullifiers: number; mempool: { txs: number } }>(`${second.url}/status`)).body;
    expect(status.nullifiers).toBe(1200);
    expect((await getJson<{ lastSequence: string }>(`${second.url}/operators/26201`)).body.lastSequence).toBe('12');
    const entries = journalEntries(journal);
    expect([...entries.values()].map((e) => e.seq).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 12 }, (_, i) => String(i + 1)));
    for (const e of entries.values()) {
      const { status: code, body } = await getJson<{ status: string; sequence: string }>(`${second.url}/batch/${e.id}`);
      expect({ code, status: body.status, sequence: body.sequence }).toEqual({ code: 200, status: 'committed', sequence: e.seq });
    }
    const blocks = (await getJson<{ blocks: { cdrCount: number; txCount: number }[] }>(`${second.url}/blocks?limit=100`)).body.blocks;
    expect(blocks.reduce((n, b) => n + b.cdrCount, 0)).toBe(1200);
    expect(blocks.reduce((n, b) => n + b.txCount, 0)).toBe(12);

    // Idempotent: the same file again finds everything stored and changes nothing.
    const again = await cdrchain('submit', csv, '--url', `ws://127.0.0.1:${second.port}`, '--batch-size', '100', '--window', '4');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout) as Summary).toMatchObject({ acceptedBatches: 12, alreadyStoredBatches: 12, rejectedBatches: 0 });
    expect((await getJson<{ nullifiers: number }>(`${second.url}/status`)).body.nullifiers).toBe(1200);

    // Without its journal the client cannot know those batches were its own: it says duplicate, truthfully.
    const blind = await cdrchain('submit', csv, '--url', `ws://127.0.0.1:${second.port}`, '--batch-size', '100', '--no-journal');
    expect(blind.code).toBe(3);
    expect(blind.stderr).toContain('duplicate_record');
    await second.stop();
  });

  it('--chain refuses a node of another chain with exit code 6, and a malformed pin with 2', async () => {
    const csv = join(files.dir, 'few.csv');
    expect((await cdrchain('generate', '--count', '5', '--seed', 'pin', '--out', csv)).code).toBe(0);
    const other = tempDataDir();
    const node = await startNodeProcess(other.dir);
    nodes.push(node);
    try {
      const { genesisHash } = (await getJson<{ genesisHash: string }>(`${node.url}/status`)).body;
      expect(genesisHash).toMatch(/^[0-9a-f]{64}$/);
      const wrong = await cdrchain('submit', csv, '--url', node.url, '--chain', 'ab'.repeat(32), '--no-journal');
      expect(wrong.code).toBe(6);
      expect(wrong.stderr).toMatch(new RegExp(`runs chain ${genesisHash}, not the pinned ${'ab'.repeat(32)}`));
      expect((await getJson<{ nullifiers: number }>(`${node.url}/status`)).body.nullifiers).toBe(0);
      expect((await cdrchain('submit', csv, '--url', node.url, '--chain', 'xyz')).code).toBe(2);
      const pinned = await cdrchain('submit', csv, '--url', node.url, '--chain', genesisHash, '--no-journal');
      expect(pinned.code).toBe(0);
      expect((JSON.parse(pinned.stdout) as Summary).acceptedCdrs).toBe(5);
    } finally {
      await node.stop();
      other.cleanup();
    }
  });
});
