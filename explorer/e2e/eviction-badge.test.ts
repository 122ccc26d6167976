// An evicted transaction in a real browser (Debian's Chromium through playwright-core), the eviction
// produced for real: two validator processes (TLS peers) of one devnet, a CDR batch committed, then
// two Groth16 proofs of it, one by its submitter on one validator and one by its counterparty on the
// other, at once. The first in chain order is the record; the other is evicted (`already_proven`).
// The batch page shows the batch proven by the winner, as a billing batch; the loser's page shows the `evicted` badge,
// the reason in words, the block that caused it and the node's detail; GET /txns answers
// `status: evicted` with the reason. Contrast holds, no console errors. Screenshots go to
// test-artifacts/explorer/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devnetSecrets } from '../../src/cdr/operator-secrets.js';
import { generateTraffic } from '../../src/cdr/synthetic.js';
import { devnetBatchSeed } from '../../src/chain/genesis.js';
import { devnetInit } from '../../src/cli/commands/devnet.js';
import { proveOwnBatch, signBatchProof } from '../../src/client/batch-proof-tx.js';
import { IngestClient } from '../../src/client/ingest-client.js';
import { NodeApiClient } from '../../src/client/node-api-client.js';
import { Operator } from '../../src/client/operator.js';
import { OperatorRequestSigner } from '../../src/client/request-signer.js';
import { fromHex, toHex } from '../../src/codec/bytes.js';
import { releaseProofCurve } from '../../src/proofs/curve.js';
import { BUILD_TIMEOUT_MS, builtTestCircuits } from '../../src/proofs/test-helpers/built-circuits.js';
import { tempDataDir } from '../../src/test-helpers/devnet.js';
import { startNodeProcess, type NodeProcess } from '../../src/test-helpers/processes.js';
import { PoseidonWasm } from '../../src/wasm/poseidon.js';
import { findPackageRoot } from '../../src/wasm/load.js';
import { CHROMIUM_MISSING, CONTRAST_AUDIT, ensureExplorerBuilt, warnSkipped, openBrowserPage } from './browser.js';

const ARTIFACTS = join(findPackageRoot(), 'test-artifacts', 'explorer');
const TESTS = ["shows a batch proof evicted by another proof of its batch (already_proven): the badge, the reason, the block, the batch proven by the winner"];
warnSkipped('explorer/e2e/eviction-badge.test.ts', TESTS);

async function until(what: string, ok: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(CHROMIUM_MISSING !== undefined)(CHROMIUM_MISSING ? `an evicted transaction in a real browser — SKIPPED: ${CHROMIUM_MISSING}` : 'an evicted transaction in a real browser', () => {
  const data = tempDataDir();
  const nodes: NodeProcess[] = [];
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensureExplorerBuilt();
    // Two validators on 127.0.0.1 (ports from a random base: other tests may hold the default ones).
    const basePort = 20_000 + Math.floor(Math.random() * 20_000) * 2;
    const plan = await devnetInit({
      validators: 2, out: join(data.dir, 'devnet'), chainId: 'explorer-eviction', basePort, force: false,
      localPolicy: { emptyBlockIntervalMs: 100, minBlockSeparationMs: 5 },
    });
    for (const [i, v] of plan.validators.entries()) nodes.push(await startNodeProcess(join(data.dir, `node-${i}`), ['--validator', v.dir, '--genesis', plan.genesis]));
    await until('both validators connected', async () => (await new NodeApiClient(nodes[0]!.url).consensus()).validators.every((v) => v.connected));
    ({ browser, page } = await openBrowserPage(errors));
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    for (const n of nodes.reverse()) await n.stop();
    await releaseProofCurve();
    data.cleanup();
  });

  it(TESTS[0]!, async () => {
    const artifacts = await builtTestCircuits();
    const apis = nodes.map((n) => new NodeApiClient(n.url));
    const status = await apis[0]!.status();
    const chain = fromHex(status.genesisHash, 32);
    const [submitter, counterparty] = [status.operators[0]!.plmn, status.operators[1]!.plmn];
    // Five calls two days ago (their month still open), one batch, committed on both validators.
    const startTime = Math.floor(Date.now() / 1000) - 2 * 86_400;
    const cdrs = [...generateTraffic({ seed: 'explorer-eviction', submitter, counterparty, count: 5, startTime, periodSeconds: 3_600 })];
    const built = Operator.devnet(submitter, chain).batch(cdrs, 1n);
    const client = await IngestClient.connect(nodes[0]!.ingestUrl, { signer: OperatorRequestSigner.devnet(submitter) });
    try {
      await (await client.submit(built.frame, 1n, built.id)).final;
    } finally {
      await client.close();
    }
    const id = toHex(built.id);
    await until('the batch committed on both', async () => (await Promise.all(apis.map((a) => a.batch(id)))).every((b) => b.status === 'committed'));

    // One proof, signed twice: by the submitter to one validator, by the counterparty to the other, at once.
    const { bytes } = await proveOwnBatch({ artifacts, cdrs, header: built.header, secrets: devnetSecrets(submitter), chain, poseidon: PoseidonWasm.load() });
    const p = [
      signBatchProof({ signer: submitter, sequence: 1n, batchId: built.id, proof: bytes, seed: devnetBatchSeed(submitter), chain }),
      signBatchProof({ signer: counterparty, sequence: 1n, batchId: built.id, proof: bytes, seed: devnetBatchSeed(counterparty), chain }),
    ] as const;
    await Promise.all([apis[0]!.submitContractTx(p[0].frame), apis[1]!.submitContractTx(p[1].frame)]);
    await until('the batch proven', async () => (await apis[0]!.batch(id)).proven !== undefined);
    const proven = (await apis[0]!.batch(id)).proven!;
    const on = proven.txHash === toHex(p[0].hash) ? 1 : 0; // the loser was submitted to the other validator
    const loser = toHex(p[on].hash);
    await until('the other proof evicted', async () => (await apis[on]!.tx(loser)).status === 'evicted');
    const evicted = await apis[on]!.tx(loser);
    expect(evicted).toMatchObject({ type: 'batch_proof', status: 'evicted', eviction: { reason: 'already_proven', height: proven.height } });
    const node = nodes[on]!;

    // The batch: committed, proven by the winner.
    await page.goto(`${node.url}/#/batch/${id}`);
    await expect.poll(() => page.locator('.page-head .badge').textContent()).toBe('committed');
    await expect.poll(() => page.locator('main').textContent()).toContain('chunk proofs of 4 records, by ');
    // A proof declares billing unless it says view: the batch's charges count in the pair's aggregate.
    expect(proven.role).toBeUndefined();
    expect(await page.locator('main').textContent()).toContain('billing: the submitter invoices the counterparty');
    expect(await page.locator('main').textContent()).toContain('Pedersen commitments (hiding) added to the ');
    expect(await page.getByRole('link', { name: `${proven.txHash.slice(0, 8)}…${proven.txHash.slice(-8)}` }).count()).toBe(1);
    expect(await page.locator('.notice.error').count()).toBe(0);

    // The evicted proof: the badge, the reason in words, the block that caused it (a link), the node's detail.
    await page.goto(`${node.url}/#/tx/${loser}`);
    await expect.poll(() => page.locator('h1').textContent()).toContain(loser.slice(0, 8));
    await expect.poll(() => page.locator('.page-head .badge').textContent()).toBe('evicted');
    expect(await page.locator('.page-head .kicker').textContent()).toBe('Batch proof');
    const notice = page.locator('.notice.error');
    expect(await notice.textContent()).toContain(`Evicted: another proof of the batch was committed first (block #${proven.height}). No block will include it.`);
    expect(await notice.textContent()).toContain(proven.txHash);
    expect(await notice.getByRole('link', { name: `#${proven.height}` }).getAttribute('href')).toBe(`#/block/${proven.height}`);
    expect(await page.locator('main dl').textContent()).toContain('evicted: in no block');
    expect(await page.evaluate(CONTRAST_AUDIT)).toEqual([]);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1366);
    await page.screenshot({ path: join(ARTIFACTS, 'evicted-proof.png'), fullPage: true });
    // The block link leads to the winner's block.
    await notice.getByRole('link', { name: `#${proven.height}` }).click();
    await page.waitForURL(`**/#/block/${proven.height}`);
    expect(errors.splice(0)).toEqual([]);
  }, 300_000);
});
