import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readGenesisFile } from '../chain/genesis.js';
import { IngestClient } from '../client/ingest-client.js';
import { Operator } from '../client/operator.js';
import { devnetInit } from '../cli/commands/devnet.js';
import { silentLogger } from '../log.js';
import { tempDataDir, traffic, TELEKOM_DE, VODAFONE_UK } from '../test-helpers/devnet.js';
import { CdrNode } from './node.js';
import { readValidatorDir } from './validator-dir.js';

/**
 * Four validators in one process, each with its own LMDB, workers, TLS 1.3 listener and BLS key,
 * connected over real sockets on 127.0.0.1: a batch admitted by one is relayed to all, every
 * validator re-checks it, consensus puts it in a micro block (Committed) and a macro block (Final),
 * and every validator ends with the same final chain. (Multi-process faults: src/node/faults/; byzantine input: src/node/byzantine/.)
 */
describe('validators of one consortium', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function consortium(n: number) {
    const tmp = tempDataDir();
    cleanups.push(tmp.cleanup);
    const basePort = 20_000 + Math.floor(Math.random() * 20_000) * 2;
    const plan = await devnetInit({ validators: n, out: join(tmp.dir, 'devnet'), chainId: 'validators-test', basePort, force: false });
    const genesis = readGenesisFile(plan.genesis);
    const nodes: CdrNode[] = [];
    for (const v of plan.validators) {
      const node = await CdrNode.start({
        dataDir: join(v.dir, 'data'), host: '127.0.0.1', port: 0, workers: 1, genesis,
        validator: { ...readValidatorDir(v.dir), policy: { emptyBlockIntervalMs: 100, minBlockSeparationMs: 5 } },
        log: silentLogger(), defaultMetrics: false,
      });
      nodes.push(node);
      cleanups.push(() => node.stop());
    }
    return { plan, nodes };
  }

  it('4 validators: a batch submitted to one is Committed, then Final, with identical final chains everywhere', async () => {
    const { plan, nodes } = await consortium(4);
    const chain = nodes[0]!.chain.identity;
    for (const node of nodes) expect(node.chain.identity).toEqual(chain);
    // Submitters are the genesis operators (the first validators' operators).
    const op = Operator.devnet(TELEKOM_DE, chain);
    const batches = [...op.batches(traffic(TELEKOM_DE, VODAFONE_UK, 400, 'consortium'), 100, 1n)];
    const client = await IngestClient.connect(nodes[1]!.ingestUrl);
    cleanups.push(() => client.close());
    const results = await Promise.all(batches.map((b) => client.submit(b.frame, b.header.sequence)));
    const committed = await Promise.all(results.map((r) => r.committed));
    const final = await Promise.all(results.map((r) => r.final));
    for (const [i, f] of final.entries()) expect(f.height).toBeGreaterThanOrEqual(committed[i]!.height);

    const finalHeight = Math.max(...final.map((f) => f.height));
    await until(() => nodes.every((n) => n.chain.queries.chainHead().height >= finalHeight));
    const heads = nodes.map((n) => n.chain.queries.chainHead());
    const minHeight = Math.min(...heads.map((h) => h.height));
    for (let h = 0; h <= minHeight; h++) {
      const frames = nodes.map((n) => Buffer.from(n.chain.blockFrame(h)!).toString('hex'));
      // Final blocks are identical byte for byte (macro justifications may differ in who signed: compare hashes then).
      expect(new Set(nodes.map((n) => Buffer.from(n.chain.queries.block(h)!.hash).toString('hex'))).size, `height ${h}`).toBe(1);
      expect(frames[0]!.length).toBeGreaterThan(0);
    }
    // Every validator admitted (re-checked) every batch and holds it in a final block.
    for (const node of nodes) {
      for (const r of results) {
        const stored = node.chain.queries.batch(r.batchId);
        expect(stored?.view.status).toBe('committed');
      }
    }
    const batchJson = (await (await fetch(`${nodes[3]!.url}/batch/${Buffer.from(results[0]!.batchId).toString('hex')}`)).json()) as { stage: string; height: number };
    expect(batchJson).toMatchObject({ stage: 'final', height: final[0]!.height });
    const status = (await (await fetch(`${nodes[2]!.url}/consensus`)).json()) as { validators: { plmn: number; connected: boolean }[]; final: { height: number } };
    expect(status.validators.map((v) => v.plmn).sort()).toEqual(plan.validators.map((v) => v.plmn).sort());
    expect(status.validators.every((v) => v.connected)).toBe(true);
    await until(() => nodes.every((n) => n.validator!.validator.lastFinal.height >= finalHeight));
  }, 60_000);
});

async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
