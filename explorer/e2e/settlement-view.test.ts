// The explorer's settlement view in a real browser (Debian's Chromium through playwright-core)
// against a real node process: an FX rate set signed by a devnet rate publisher and a bilateral
// statement signed by both operators of a pair, built with the real client (src/client/
// settlement-tx.ts) and posted on POST /tx through the typed client, appear on the period's page,
// the statement live (without a reload); the picker works from the keyboard; contrast and width hold
// at 1366×768; no console errors. Screenshots go to test-artifacts/explorer/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_OPENAPI_JSON } from '../../src/api/openapi.js';
import { devnetChainIdentity } from '../../src/chain/devnet-chain.js';
import { DEVNET_OPERATORS, devnetBatchSeed, devnetBlsSeed } from '../../src/chain/genesis.js';
import { NodeApiClient } from '../../src/client/node-api-client.js';
import { fxRateSetAction, signSettlementTx, statementAction } from '../../src/client/settlement-tx.js';
import { toHex } from '../../src/codec/bytes.js';
import { blsKeyPairFromSeed } from '../../src/crypto/bls/bls.js';
import { makeBilateralStatement, signBilateralStatement } from '../../src/settlement/commitment/bilateral-statement.js';
import { randomBlinding } from '../../src/settlement/commitment/pedersen.js';
import { signFxRateSet, type FxRateSet } from '../../src/settlement/fx/fx-rate-book.js';
import { rational } from '../../src/settlement/fx/rational.js';
import { tempDataDir, ORANGE_FR, VODAFONE_UK } from '../../src/test-helpers/devnet.js';
import { startNodeProcess, type NodeProcess } from '../../src/test-helpers/processes.js';
import { findPackageRoot } from '../../src/wasm/load.js';
import { periodBefore, periodIdAt } from '../src/settlement-periods.js';
import { CHROMIUM_MISSING, CHROMIUM_PATH, CONTRAST_AUDIT, ensureExplorerBuilt, warnSkipped } from './browser.js';

const ARTIFACTS = join(findPackageRoot(), 'test-artifacts', 'explorer');
const TESTS = [
  "shows a period's dates, stage, rate set (exact decimals) and statement count, the statement arriving live",
  'picks periods from the keyboard, says what an id of another rule is, and reads well (labels, contrast, 1366×768)',
];
warnSkipped('explorer/e2e/settlement-view.test.ts', TESTS);

const blsSecret = (plmn: number): Uint8Array => blsKeyPairFromSeed(devnetBlsSeed(plmn)).secretKey;
/** The devnet's rate publishers are its validators in consortium order (PLMN ascending). */
const PUBLISHERS = DEVNET_OPERATORS.map((o) => o.plmn).sort((a, b) => a - b);

describe.skipIf(CHROMIUM_MISSING !== undefined)(CHROMIUM_MISSING ? `settlement view in a real browser — SKIPPED: ${CHROMIUM_MISSING}` : 'settlement view in a real browser', () => {
  const data = tempDataDir();
  let node: NodeProcess;
  let api: NodeApiClient;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  // The month before this one has ended at the head (statements are taken); this one has not.
  const current = periodIdAt({ kind: 'month' }, Date.now());
  const ended = periodBefore(current)!;
  const chain = toHex(devnetChainIdentity());

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensureExplorerBuilt();
    node = await startNodeProcess(data.dir, ['--block-interval', '20']);
    api = new NodeApiClient(node.url);
    // The period's rate set, signed by publisher 0 (one signature is the devnet's threshold). INR's rate has no finite decimal.
    const set: FxRateSet = {
      chain, periodId: ended, base: 'XDR', override: false,
      rates: new Map([['EUR', rational(87n, 100n)], ['USD', rational(3n, 4n)], ['INR', rational(1n, 111n)]]),
    };
    const fx = signSettlementTx({
      submitter: ORANGE_FR, sequence: 1n, period: ended, seed: devnetBatchSeed(ORANGE_FR),
      action: fxRateSetAction({ set, signatures: [signFxRateSet(set, 0, blsSecret(PUBLISHERS[0]!))] }),
    });
    await api.submitContractTx(fx.frame);
    await waitFor(async () => (await api.settlementPeriod(ended)).rateSet, 'the rate set recorded');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    data.cleanup();
  });

  const takeErrors = () => errors.splice(0);
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  it(TESTS[0]!, async () => {
    // The nav tab leads to the current period.
    await page.goto(`${node.url}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settlement' }).click();
    // #/settlement names the current period in the address (history.replaceState: no navigation event).
    await expect.poll(() => page.url()).toBe(`${node.url}/#/settlement/${current}`);
    await expect.poll(() => page.locator('h1').textContent()).toBe(`Period ${current} · current`);
    await expect.poll(() => page.locator('#settlement-stage').textContent()).toContain('open');
    expect(await page.locator('#rates').textContent()).toContain(`No rate set recorded for ${current}`);
    // Recent periods: this month first, then the ones before it, the ended one with its rate set.
    await expect.poll(() => page.locator('#recent-periods-table tbody tr').count()).toBe(6);
    const endedRow = page.locator('#recent-periods-table tbody tr').nth(1);
    expect(await endedRow.textContent()).toContain(ended);
    expect(await endedRow.textContent()).toContain('recorded');

    // The ended period: dates, stage, the rates as exact decimals (INR rounded and marked), no statement yet.
    await endedRow.getByRole('link', { name: ended }).click();
    await page.waitForURL(`**/#/settlement/${ended}`);
    await expect.poll(() => page.locator('#rates-table tbody tr').count()).toBe(3);
    const start = `${ended}-01 00:00 UTC`;
    expect(await page.locator('#settlement-detail dl').textContent()).toContain(start);
    const rows = await page.locator('#rates-table tbody tr').allTextContents();
    expect(rows).toEqual(['EUR0.8787/100', 'USD0.753/4', 'INR≈ 0.00900900901/111']);
    expect(await page.locator('#settlement-rate-set').textContent()).toContain('3 rates in XDR');
    expect(await page.locator('#rates').textContent()).toContain('within the move limit');
    const view = await api.settlementPeriod(ended);
    // The answer with a rate set, as the OpenAPI document says (its contract test sees periods without one).
    expect(view.fx).toEqual({ base: 'XDR', override: false, rates: { EUR: '87/100', USD: '3/4', INR: '1/111' } });
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const doc = JSON.stringify(JSON.parse(NODE_OPENAPI_JSON).components.schemas).replaceAll('"#/components/schemas/', '"node#/$defs/');
    ajv.addSchema({ $id: 'node', $defs: JSON.parse(doc) as object });
    const valid = ajv.compile({ $ref: 'node#/$defs/SettlementPeriod' });
    expect(valid(view), JSON.stringify(valid.errors)).toBe(true);
    expect(await page.locator('#settlement-stage').textContent()).toContain(view.closed ? 'closed' : 'ended');
    expect(await page.locator('#settlement-statements').textContent()).toContain('0 of 15');

    // A bilateral statement of the pair (ORANGE_FR, VODAFONE_UK), signed by both, posted by one of them: the count follows live.
    const url = page.url();
    const s = makeBilateralStatement({ chain, periodId: ended, currency: 'XDR', first: ORANGE_FR, second: VODAFONE_UK }, { firstOwesSecond: 1_250_000n, secondOwesFirst: 400_000n, blinding: randomBlinding() });
    const tx = signSettlementTx({
      submitter: VODAFONE_UK, sequence: 1n, period: ended, seed: devnetBatchSeed(VODAFONE_UK),
      action: statementAction({ statement: s, firstSignature: signBilateralStatement(s, blsSecret(ORANGE_FR)), secondSignature: signBilateralStatement(s, blsSecret(VODAFONE_UK)) }),
    });
    await api.submitContractTx(tx.frame);
    await expect.poll(() => page.locator('#settlement-statements').textContent(), { timeout: 15_000 }).toContain('1 of 15');
    expect(await page.locator('#statements').textContent()).toContain('1 of the consortium\'s 15 pairs');
    expect(page.url()).toBe(url); // no reload, no navigation
    // Nothing of the pair on the page: neither PLMN id nor the commitment.
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).not.toContain(String(VODAFONE_UK));
    expect(text).not.toContain(toHex(bigintBytes(s.commitment.x)).slice(0, 16));
    expect(await page.locator('#settlement-netted').textContent()).toContain('not yet');
    await shot('settlement');
    expect(takeErrors()).toEqual([]);
  });

  it(TESTS[1]!, async () => {
    await page.goto(`${node.url}/#/settlement/${current}`);
    await expect.poll(() => page.locator('#recent-periods-table tbody tr').count()).toBe(6);
    // The picker is labelled; choosing with the keyboard and submitting shows that period, focus on its heading.
    const picker = page.getByLabel('Period', { exact: true });
    expect(await picker.locator('option').count()).toBe(12);
    await picker.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Show');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/#/settlement/${ended}`);
    await expect.poll(() => page.evaluate('document.activeElement.tagName')).toBe('H1');
    await expect.poll(() => page.locator('#rates-table tbody tr').count()).toBe(3);
    // The previous-period link, by keyboard.
    await page.getByRole('link', { name: '← Previous period' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/#/settlement/${periodBefore(ended)!}`);
    await expect.poll(() => page.locator('#settlement-rate-set').textContent()).toContain('none yet');
    await page.getByRole('link', { name: 'Next period →' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/#/settlement/${ended}`);
    await expect.poll(() => page.locator('#rates-table tbody tr').count()).toBe(3);

    // Contrast (WCAG AA) and no sideways scrolling at 1366×768, with and without a rate set.
    for (const id of [ended, current]) {
      await page.goto(`${node.url}/#/settlement/${id}`);
      await expect.poll(() => page.locator('#recent-periods-table tbody tr').count()).toBe(6);
      expect(await page.evaluate(CONTRAST_AUDIT), `contrast on ${id}`).toEqual([]);
      expect(await page.evaluate('document.documentElement.scrollWidth'), `width of ${id}`).toBeLessThanOrEqual(1366);
      expect(await page.getByRole('heading', { level: 1 }).count()).toBe(1);
    }
    await shot('settlement-current');
    // Every form control has a label.
    const unlabelled = await page.evaluate(`[...document.querySelectorAll('main select, main input')].filter((e) => !e.id || !document.querySelector('label[for="' + e.id + '"]')).length`);
    expect(unlabelled).toBe(0);
    expect(takeErrors()).toEqual([]);

    // Ids: a malformed one is said without asking the node; a well-formed one of another rule is the node's 400, said on the page.
    await page.goto(`${node.url}/#/settlement/next-month`);
    await expect.poll(() => page.locator('.notice.error').textContent()).toContain('"next-month" is not a period id');
    await page.goto(`${node.url}/#/settlement/2026-11-30+7d`);
    await expect.poll(() => page.locator('.notice.error').textContent()).toContain('is not a period of this consortium');
    expect(takeErrors()).toEqual(['console: Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    await shot('settlement-bad-id');
  });
});

function bigintBytes(n: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
