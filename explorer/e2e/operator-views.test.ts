// The explorer's consensus and reconciliation views and operator sign-in, in a real browser
// (Debian's Chromium through playwright-core) against a real validator process that checks request
// signatures (`--api-auth signatures`), fed by the real ingest client: both views render without
// console errors; an operator signs in with its key (a key file loaded, a PEM pasted), sees its
// pair's disputed events and its own sequences, and signing out hides them; a screenshot of each
// page goes to test-artifacts/explorer/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cdr } from '../../src/cdr/model.js';
import { generatePairTraffic } from '../../src/cdr/synthetic.js';
import { devnetInit } from '../../src/cli/commands/devnet.js';
import { IngestClient } from '../../src/client/ingest-client.js';
import { devnetKeyFile, writeKeyFile } from '../../src/client/key-file.js';
import { NodeApiClient } from '../../src/client/node-api-client.js';
import { Operator } from '../../src/client/operator.js';
import { OperatorRequestSigner } from '../../src/client/request-signer.js';
import { fromHex } from '../../src/codec/bytes.js';
import { devnetBatchSeed } from '../../src/chain/genesis.js';
import { privateKeyObject } from '../../src/crypto/ed25519.js';
import { VALIDATOR_FILES } from '../../src/node/validator-dir.js';
import { ORANGE_FR, TELEKOM_DE, tempDataDir, VODAFONE_UK } from '../../src/test-helpers/devnet.js';
import { startNodeProcess, type NodeProcess } from '../../src/test-helpers/processes.js';
import { findPackageRoot } from '../../src/wasm/load.js';
import { CHROMIUM_MISSING, CONTRAST_AUDIT, ensureExplorerBuilt, warnSkipped, openBrowserPage } from './browser.js';

const ARTIFACTS = join(findPackageRoot(), 'test-artifacts', 'explorer');
const TESTS = [
  'shows anonymous visitors the public reconciliation counts, not the disputes, and the consensus view only to operators',
  'signs an operator in with its key file, signs its calls, and shows its own page',
  'shows the consensus view: validators, slot, final height, blocks by kind, finality',
  "shows a signed-in pair member the pair's disputed events; another operator and a signed-out visitor do not see them",
  'refuses a key the node does not know, and is labelled, keyboard-usable and readable',
];
warnSkipped('explorer/e2e/operator-views.test.ts', TESTS);

// The traffic is of the whole UTC day two days ago: ended, in a month still open for records (a month
// closes 3 days after its end; older traffic is refused with period_closed). PERIOD is that month.
const DAY = 86_400;
const TRAFFIC_DAY_START = (Math.floor(Date.now() / 1000 / DAY) - 2) * DAY;
const PERIOD = new Date(TRAFFIC_DAY_START * 1000).toISOString().slice(0, 7);
const PAIR = `${ORANGE_FR}-${VODAFONE_UK}`;

describe.skipIf(CHROMIUM_MISSING !== undefined)(CHROMIUM_MISSING ? `explorer operator views in a real browser — SKIPPED: ${CHROMIUM_MISSING}` : 'explorer operator views in a real browser', () => {
  const data = tempDataDir();
  let node: NodeProcess;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const truth = { events: 0, matched: 0, mismatched: 0, onlyA: 0, onlyB: 0 };
  let orangeKeyFile: string;

  /** Submits `cdrs` as `plmn` (a signed ingest upgrade: the node checks signatures) and waits until they are final. */
  async function submitAs(url: string, chain: Uint8Array, plmn: number, cdrs: readonly Cdr[]): Promise<number> {
    const client = await IngestClient.connect(url, { signer: OperatorRequestSigner.devnet(plmn) });
    try {
      const replies = await Promise.all([...Operator.devnet(plmn, chain).batches(cdrs, 100, 1n)].map((b) => client.submit(b.frame, b.header.sequence, b.id)));
      const finals = await Promise.all(replies.map((r) => r.final));
      return Math.max(...finals.map((f) => f.height));
    } finally {
      await client.close();
    }
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensureExplorerBuilt();
    // One validator of a chain with the six devnet operators, checking signatures; its P2P port is any free one.
    const plan = await devnetInit({
      validators: 1, out: join(data.dir, 'devnet'), chainId: 'explorer-e2e', basePort: 20_000, force: false, wellKnownKeys: true,
      localPolicy: { emptyBlockIntervalMs: 100, minBlockSeparationMs: 5, tendermintTimeoutInitMs: 500, tendermintTimeoutDeltaMs: 250, rebroadcastIntervalMs: 500 },
    });
    const v = plan.validators[0]!;
    const settings = join(v.dir, VALIDATOR_FILES.settings);
    writeFileSync(settings, JSON.stringify({ ...JSON.parse(readFileSync(settings, 'utf8')), p2p: { host: '127.0.0.1', port: 0 }, peers: [] }));
    node = await startNodeProcess(join(data.dir, 'node'), ['--validator', v.dir, '--genesis', plan.genesis, '--api-auth', 'signatures']);
    const chain = fromHex((await new NodeApiClient(node.url).status()).genesisHash, 32);

    // Both operators' views of 400 calls two days ago: some altered, some recorded by one side only.
    const events = [...generatePairTraffic({
      seed: 'explorer-e2e', submitter: ORANGE_FR, counterparty: VODAFONE_UK, count: 400, startTime: TRAFFIC_DAY_START, periodSeconds: DAY,
      missingRate: 0.05, mismatchRate: 0.05, mismatchKinds: ['duration', 'charge'],
    })];
    for (const e of events) {
      truth.events++;
      if (!e.counterpartyView) truth.onlyA++;
      else if (!e.submitterView) truth.onlyB++;
      else if (e.mismatch) truth.mismatched++;
      else truth.matched++;
    }
    const mine = events.flatMap((e) => (e.submitterView ? [e.submitterView] : []));
    const theirs = events.flatMap((e) => (e.counterpartyView ? [e.counterpartyView] : []));
    const height = Math.max(...(await Promise.all([submitAs(node.ingestUrl, chain, ORANGE_FR, mine), submitAs(node.ingestUrl, chain, VODAFONE_UK, theirs)])));
    // The index classifies final blocks as they come: wait until it has these.
    const deadline = Date.now() + 30_000;
    while ((await new NodeApiClient(node.url).reconciliationCounts(PAIR, PERIOD)).indexedHeight < height) {
      if (Date.now() > deadline) throw new Error('the reconciliation index did not reach the submitted blocks in 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }

    orangeKeyFile = join(data.dir, 'orange.key.json');
    writeKeyFile(orangeKeyFile, devnetKeyFile(ORANGE_FR, [VODAFONE_UK, TELEKOM_DE]));
    ({ browser, page } = await openBrowserPage(errors));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    data.cleanup();
  });

  const takeErrors = () => errors.splice(0);
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const tileValue = (id: string) => page.locator(`#${id} .tile-value`).textContent();
  const refused = (status: number) => `console: Failed to load resource: the server responded with a status of ${status} (${status === 401 ? 'Unauthorized' : 'Forbidden'})`;

  it(TESTS[0]!, async () => {
    await page.goto(`${node.url}/#/reconciliation/${PAIR}/${PERIOD}`);
    await expect.poll(() => tileValue('matched')).toBe(truth.matched.toLocaleString('en-US'));
    expect(await tileValue('mismatched')).toBe(String(truth.mismatched));
    expect(await tileValue('only-a')).toBe(String(truth.onlyA));
    expect(await tileValue('only-b')).toBe(String(truth.onlyB));
    expect(await tileValue('rate')).toBe(`${((100 * truth.matched) / truth.events).toFixed(2)} %`);
    expect(await page.locator('#sides-table tbody tr').count()).toBe(2);
    // Disputes: not requested, and the page says who may see them.
    expect(await page.locator('#disputes-table').count()).toBe(0);
    await expect(page.locator('#disputes .notice').textContent()).resolves.toContain('sign in as Orange France or Vodafone UK');
    expect(takeErrors()).toEqual([]);

    // The consensus view is the consortium's: the node refuses it unsigned (Chromium logs the 401), the page says why.
    await page.goto(`${node.url}/#/consensus`);
    await expect.poll(() => page.locator('main .notice').textContent()).toContain('Sign in as an operator');
    expect(takeErrors()).toEqual([refused(401)]);
  });

  it(TESTS[1]!, async () => {
    await page.getByRole('link', { name: 'Operator sign-in' }).click();
    await page.waitForURL('**/#/sign-in');
    await shot('sign-in');
    await page.getByLabel('Key file').setInputFiles(orangeKeyFile);
    await expect.poll(() => page.getByLabel('Or paste the key').inputValue()).toContain('"batchSeed"');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/#/me');
    await expect.poll(() => page.locator('#signed-in-as').textContent()).toBe('Orange France');
    // Its own sequences (GET /operators/20801: the operator's alone), read with a signed request.
    await expect.poll(() => tileValue('my-batch-seq')).toBe(String(Math.ceil((truth.events - truth.onlyB) / 100)));
    await expect.poll(() => page.locator('#my-pairs tbody tr').count()).toBe(1);
    await expect(page.locator('#my-pairs tbody tr').textContent()).resolves.toContain('Vodafone UK');
    // The key is in no storage the page could leave behind.
    expect(await page.evaluate('localStorage.length + sessionStorage.length')).toBe(0);
    await shot('me');
    expect(takeErrors()).toEqual([]);
  });

  it(TESTS[2]!, async () => {
    await page.getByRole('link', { name: 'Consensus', exact: true }).click();
    await page.waitForURL('**/#/consensus');
    await expect.poll(() => page.locator('#validators-table tbody tr').count()).toBe(1);
    await expect(page.locator('#validators-table tbody tr').textContent()).resolves.toMatch(/Orange France.*this node/);
    const status = await (await fetch(`${node.url}/status`)).json() as { height: number };
    // Head and final follow the chain (empty micro blocks every 100 ms, a macro block every batch).
    await expect.poll(async () => Number((await tileValue('tile-head'))!.replace(/[#,]/g, '')), { timeout: 10_000 }).toBeGreaterThan(status.height);
    await expect.poll(async () => Number((await tileValue('tile-final'))!.replace(/[#,]/g, '')), { timeout: 15_000 }).toBeGreaterThanOrEqual(status.height);
    await expect(page.locator('#tile-slot .tile-sub').textContent()).resolves.toContain('last producer Orange France');
    await expect.poll(async () => Number((await tileValue('count-macro'))!.replace(/,/g, '')), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(Number((await tileValue('count-micro'))!.replace(/,/g, ''))).toBeGreaterThan(0);
    await expect.poll(() => tileValue('finality')).toMatch(/^\d/);
    await expect.poll(() => page.locator('#consensus-blocks tbody tr').count()).toBe(20);
    expect(await page.locator('figure#chart-finality canvas').count()).toBe(1);
    await page.waitForTimeout(2500); // one more scrape, so the finality chart has a segment in the screenshot
    await shot('consensus');
    expect(await page.evaluate(CONTRAST_AUDIT), 'contrast on /consensus').toEqual([]);
    expect(await page.evaluate('document.documentElement.scrollWidth'), 'width of /consensus').toBeLessThanOrEqual(1366);
    expect(takeErrors()).toEqual([]);
  });

  it(TESTS[3]!, async () => {
    await page.getByRole('link', { name: 'Reconciliation', exact: true }).click();
    // Signed in as Orange, the view opens on Orange's first pair: Orange–Vodafone, this month; choose the traffic's month.
    await page.getByLabel('Month (UTC)').fill(PERIOD);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(`**/#/reconciliation/${PAIR}/${PERIOD}`);
    const disputed = truth.mismatched + truth.onlyA + truth.onlyB;
    await expect.poll(() => page.locator('#disputes-table tbody tr').count()).toBe(Math.min(50, disputed));
    await expect(page.locator('#disputes .pager').textContent()).resolves.toContain(`of ${disputed}`);
    // Mismatched first; a mismatched event has a record on both sides, each linking to its batch.
    const first = page.locator('#disputes-table tbody tr').first();
    await expect(first.textContent()).resolves.toContain('mismatched');
    expect(await first.locator('a[aria-label^="A\'s batch"]').count()).toBe(1);
    expect(await first.locator('a[aria-label^="B\'s batch"]').count()).toBe(1);
    await shot('reconciliation');
    // Its own batch opens signed (the node checks signatures: a batch is its pair's).
    await first.locator('a[aria-label^="A\'s batch"]').click();
    await page.waitForURL('**/#/batch/*');
    await expect.poll(() => page.locator('ol.stages li').count()).toBe(4);
    await page.goBack();
    await expect.poll(() => page.locator('#disputes-table tbody tr').count()).toBe(Math.min(50, disputed));
    expect(takeErrors()).toEqual([]);

    // Signing out forgets the key: the disputes go, the counts stay.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.locator('#disputes-table').count()).toBe(0);
    await expect(page.locator('#disputes .notice').textContent()).resolves.toContain('sign in as');
    await expect(page.locator('#sign-in-link').textContent()).resolves.toBe('Operator sign-in');
    expect(await tileValue('matched')).toBe(truth.matched.toLocaleString('en-US'));

    // Another operator (Telekom, its PEM key pasted) sees the counts and not the disputes.
    const pem = privateKeyObject(devnetBatchSeed(TELEKOM_DE)).export({ type: 'pkcs8', format: 'pem' }).toString();
    await page.goto(`${node.url}/#/sign-in?next=${encodeURIComponent(`/reconciliation/${PAIR}/${PERIOD}`)}`);
    await page.getByLabel('Or paste the key').fill(pem);
    await page.getByLabel('Operator', { exact: true }).selectOption(String(TELEKOM_DE));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`**/#/reconciliation/${PAIR}/${PERIOD}`);
    await expect.poll(() => page.locator('#signed-in-as').textContent()).toBe('Telekom Deutschland');
    await expect.poll(() => page.locator('#disputes .notice').textContent()).toContain('shown to Orange France and Vodafone UK only');
    expect(await page.locator('#disputes-table').count()).toBe(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.locator('#sign-in-link').count()).toBe(1);
    expect(takeErrors()).toEqual([]);
  });

  it(TESTS[4]!, async () => {
    // A key of nobody the genesis knows, claimed as Orange's: the node refuses the signed probe.
    await page.goto(`${node.url}/#/sign-in`);
    const stranger = privateKeyObject(new Uint8Array(32).fill(7)).export({ type: 'pkcs8', format: 'pem' }).toString();
    await page.getByLabel('Or paste the key').fill(stranger);
    await page.getByLabel('Operator', { exact: true }).selectOption(String(ORANGE_FR));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#sign-in-error').textContent()).toContain("the node does not accept this key as operator 20801's");
    expect(await page.locator('#sign-in-link').count()).toBe(1);
    expect(takeErrors()).toEqual([refused(401)]);
    // Nonsense is refused on the page, before anything is sent.
    await page.getByLabel('Or paste the key').fill('not a key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#sign-in-error').textContent()).toContain('not a cdrchain key file');

    // Keyboard: from the search box, Tab reaches the sign-in link; every control has a name.
    await page.getByRole('searchbox').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.id')).toBe('sign-in-link');
    for (const [path, ready] of [[`/reconciliation/${PAIR}/${PERIOD}`, '#sides-table'], ['/sign-in', '#key-text']] as const) {
      await page.goto(`${node.url}/#${path}`);
      await page.locator(ready).waitFor();
      const unlabelled = await page.evaluate(`[...document.querySelectorAll('main input, main select, main textarea')].filter((e) => !(e.labels && e.labels.length)).map((e) => e.id)`);
      expect(unlabelled, `unlabelled controls on ${path}`).toEqual([]);
      expect(await page.evaluate(CONTRAST_AUDIT), `contrast on ${path}`).toEqual([]);
      expect(await page.evaluate('document.documentElement.scrollWidth'), `width of ${path}`).toBeLessThanOrEqual(1366);
    }
    expect(takeErrors()).toEqual([]);
  });
});
