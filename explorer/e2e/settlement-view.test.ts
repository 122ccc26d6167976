// The explorer's settlement view in a real browser (Debian's Chromium through playwright-core)
// against a real node process: an FX rate set signed by a devnet rate publisher and a bilateral
// statement signed by both operators of a pair, built with the real client (src/client/
// settlement-tx.ts) and posted on POST /tx through the typed client, appear on the period's page,
// the statement live (without a reload); the picker works from the keyboard; contrast and width hold
// at 1366×768; no console errors. In committed mode (the devnet), a proposal shows its operators and
// T_k, and an operator signed in sees whether it has disclosed its transfer opening (its own signed
// GET of the disclosures route: 404 = not yet), live once it discloses; nobody else's. A second node
// on a plain-mode genesis shows the proposal's, then the final settlement's, transfers in XDR with its
// six decimals. Screenshots go to test-artifacts/explorer/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_OPENAPI_JSON } from '../../src/api/openapi.js';
import { devnetChainIdentity } from '../../src/chain/devnet-chain.js';
import { DEVNET_OPERATORS, devnetBatchSeed, devnetBlsSeed } from '../../src/chain/genesis.js';
import { writeFileSync } from 'node:fs';
import { genesisToJson } from '../../src/chain/genesis.js';
import { NodeApiClient, type SettlementPeriod } from '../../src/client/node-api-client.js';
import { OperatorRequestSigner } from '../../src/client/request-signer.js';
import { approvalAction, disclosureAction, fxRateSetAction, plainStatementAction, signSettlementTx, statementAction } from '../../src/client/settlement-tx.js';
import { fromHex, toHex } from '../../src/codec/bytes.js';
import { blsAggregateSignatures, blsKeyPairFromSeed } from '../../src/crypto/bls/bls.js';
import { privateKeyObject } from '../../src/crypto/ed25519.js';
import { devnetEncryptionKeyPair } from '../../src/privacy/encryption-key-file.js';
import { proposalId, signAsOperator, signAsValidator, type SettlementProposal } from '../../src/settlement/approval/index.js';
import { transferOpening } from '../../src/settlement/bilateral/pair-statement.js';
import { makeBilateralStatement, signBilateralStatement } from '../../src/settlement/commitment/bilateral-statement.js';
import { randomBlinding } from '../../src/settlement/commitment/pedersen.js';
import { signFxRateSet, type FxRateSet } from '../../src/settlement/fx/fx-rate-book.js';
import { rational } from '../../src/settlement/fx/rational.js';
import { plainBilateralStatement, signPlainStatement } from '../../src/settlement/plain-statement.js';
import { tempDataDir, ORANGE_FR, TELEKOM_DE, VODAFONE_UK } from '../../src/test-helpers/devnet.js';
import { plainModeGenesis } from '../../src/test-helpers/plain-genesis.js';
import { cdrchain, startNodeProcess, type NodeProcess } from '../../src/test-helpers/processes.js';
import { findPackageRoot } from '../../src/wasm/load.js';
import { periodBefore, periodIdAt } from '../src/settlement-periods.js';
import { CHROMIUM_MISSING, CONTRAST_AUDIT, ensureExplorerBuilt, warnSkipped, openBrowserPage } from './browser.js';

const ARTIFACTS = join(findPackageRoot(), 'test-artifacts', 'explorer');
const TESTS = [
  "shows a period's dates, stage, rate set (exact decimals) and statement count, the statement arriving live",
  'picks periods from the keyboard, says what an id of another rule is, and reads well (labels, contrast, 1366×768)',
  "committed mode: a proposal's operators and T_k; the signed-in operator sees whether it has disclosed its opening (live), nobody else's",
  "plain mode: the proposal's and the final settlement's transfers, from → to, in XDR with its six decimals",
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
  /** Paths the node answered 401 (a signature needed). */
  const unauthorized: string[] = [];
  /** Transaction look-ups the page made (GET /txns/{hash}: their parties read them). */
  const txLookUps: string[] = [];
  // The month before this one has ended at the head (statements are taken); this one has not.
  const current = periodIdAt({ kind: 'month' }, Date.now());
  const ended = periodBefore(current)!;
  const chain = toHex(devnetChainIdentity());

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensureExplorerBuilt();
    // Signed requests (api.auth: signatures): a transfer opening is readable by its operator and the bank only.
    node = await startNodeProcess(data.dir, ['--block-interval', '20', '--api-auth', 'signatures']);
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
    await signedApi(node, ORANGE_FR).submitContractTx(fx.frame);
    await waitFor(async () => (await api.settlementPeriod(ended)).rateSet, 'the rate set recorded');
    ({ browser, page } = await openBrowserPage(errors));
    page.on('response', (r) => {
      if (r.status() === 401) unauthorized.push(new URL(r.url()).pathname);
    });
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/txns/')) txLookUps.push(path);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    data.cleanup();
  });

  const takeErrors = () => errors.splice(0);
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  it(TESTS[0]!, async () => {
    // Signed out, on a node whose /status says it checks signatures: the home page asks for no transaction and says why.
    await page.goto(`${node.url}/`);
    await expect.poll(() => page.getByText('shows a transaction to its parties only').count()).toBe(1);
    expect(txLookUps).toEqual([]);
    // The nav tab leads to the current period.
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
    await signedApi(node, VODAFONE_UK).submitContractTx(tx.frame);
    await expect.poll(() => page.locator('#settlement-statements').textContent(), { timeout: 15_000 }).toContain('1 of 15');
    expect(await page.locator('#statements').textContent()).toContain('1 of the consortium\'s 15 pairs');
    expect(page.url()).toBe(url); // no reload, no navigation
    // Nothing of the pair on the page: neither PLMN id nor the commitment.
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).not.toContain(String(VODAFONE_UK));
    expect(text).not.toContain(toHex(bigintBytes(s.commitment.x)).slice(0, 16));
    expect(await page.locator('#settlement-netted').textContent()).toContain('not yet');
    await shot('settlement');
    // Signed out on a node that takes signed requests (/status: auth signatures), the home page asks for none
    // of the recent transactions (readable by their parties only): no 401, no console error, no look-up.
    expect(takeErrors()).toEqual([]);
    expect(unauthorized).toEqual([]);
    expect(txLookUps).toEqual([]);
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

  /** Signs in as `plmn` (its devnet key pasted as PEM) and lands on `next`. */
  const signIn = async (plmn: number, next: string) => {
    const pem = privateKeyObject(devnetBatchSeed(plmn)).export({ type: 'pkcs8', format: 'pem' }).toString();
    await page.goto(`${node.url}/#/sign-in?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Or paste the key').fill(pem);
    await page.getByLabel('Operator', { exact: true }).selectOption(String(plmn));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`**/#${next}`);
  };

  it(TESTS[2]!, async () => {
    // Ended and closed at the devnet genesis (2026-01-01): statements and proposals are taken.
    const period = '2025-12';
    const asked: string[] = [];
    const onRequest = (r: { url(): string }) => {
      if (r.url().includes('/disclosures/')) asked.push(new URL(r.url()).pathname);
    };
    page.on('request', onRequest);
    // On the period's page from the start (the last test left a refused id on screen, asked again at each block).
    await page.goto(`${node.url}/#/settlement/${period}`);
    await expect.poll(() => page.locator('#settlement-mode').textContent()).toBe('committed mode · amounts hidden');
    expect(await page.locator('#settlement-proposal').textContent()).toContain(`No settlement proposed for ${period} yet`);
    // The Orange–Vodafone statement: Orange owes 1.250000 XDR and is owed 0.400000 (a net 0.850000 it pays).
    const opening = { firstOwesSecond: 1_250_000n, secondOwesFirst: 400_000n, blinding: randomBlinding() };
    const statement = makeBilateralStatement({ chain, periodId: period, currency: 'XDR', first: ORANGE_FR, second: VODAFONE_UK }, opening);
    const statementTx = signSettlementTx({
      submitter: ORANGE_FR, sequence: await nextSequence(node, ORANGE_FR), period, seed: devnetBatchSeed(ORANGE_FR),
      action: statementAction({ statement, firstSignature: signBilateralStatement(statement, blsSecret(ORANGE_FR)), secondSignature: signBilateralStatement(statement, blsSecret(VODAFONE_UK)) }),
    });
    await signedApi(node, ORANGE_FR).submitContractTx(statementTx.frame);
    await waitFor(async () => (await api.settlementPeriod(period)).statements === 1, 'the statement recorded');
    // Orange proposes the node's netting with the CLI (committed mode: the volume is the bank's aggregate).
    const proposed = await cdrchain('settle', period, '--operator', String(ORANGE_FR), '--volume', '850000', '--url', node.url, '--json');
    expect(proposed.code, proposed.stderr).toBe(0);
    await waitFor(async () => (await api.settlementPeriod(period)).settlement.status === 'proposed', 'the proposal');
    const view = await api.settlementPeriod(period);
    if (view.settlement.status !== 'proposed') throw new Error('the proposal is gone');
    const s = view.settlement;
    expect(view.mode).toBe('committed');

    // Signed out: the proposal's operators and T_k (live), the volume in XDR; a sign-in link, no disclosure asked.
    await expect.poll(() => page.locator('#transfer-commitments tbody tr').count(), { timeout: 15_000 }).toBe(2);
    const commitments = await page.locator('#transfer-commitments tbody tr').allTextContents();
    expect(commitments[0]).toContain(`Orange France ${ORANGE_FR}`);
    expect(commitments[0]).toContain(s.proposal.transfers[0]!.x.slice(0, 8));
    expect(commitments[1]).toContain(`Vodafone UK ${VODAFONE_UK}`);
    const card = page.locator('#settlement-proposal');
    expect(await card.textContent()).toContain('proposed · attempt 1');
    expect(await card.textContent()).toContain('0.850000 XDR');
    expect(await card.textContent()).toContain(`Settlement bank`);
    expect(await page.locator('#my-disclosure').textContent()).toContain('sign in to see whether you have disclosed your transfer opening');
    expect(await page.locator('#plain-transfers').count()).toBe(0);
    expect(asked).toEqual([]);

    // Orange signs in and comes back to the period: not disclosed yet (its own signed GET answered 404).
    await signIn(ORANGE_FR, `/settlement/${period}`);
    await expect.poll(() => page.locator('#my-disclosure .badge').textContent()).toBe('not disclosed yet');
    expect(await page.locator('#my-disclosure').textContent()).toContain(`cdrchain statement ${period} … --disclose`);
    // Orange discloses its opening (sealed to itself and to the bank, with its proof): the page follows without a reload.
    const mine = transferOpening(ORANGE_FR, [{ statement, opening, amount: -850_000n }]);
    const t = s.proposal.transfers[s.proposal.operators.indexOf(ORANGE_FR)]!;
    expect(mine.commitment.x).toBe(BigInt(`0x${t.x}`));
    const action = await disclosureAction({
      chain: devnetChainIdentity(), periodId: period, proposalId: s.id, operator: ORANGE_FR, transfer: mine.commitment,
      opening: { net: mine.net, blinding: mine.blinding }, operatorKey: (await devnetEncryptionKeyPair(ORANGE_FR)).publicKey, bankKey: fromHex(view.bank!.encryptionKey, 32),
    });
    const url = page.url();
    await signedApi(node, ORANGE_FR).settle(signSettlementTx({ submitter: ORANGE_FR, sequence: await nextSequence(node, ORANGE_FR), period, seed: devnetBatchSeed(ORANGE_FR), action }).frame);
    await expect.poll(() => page.locator('#my-disclosure .badge').textContent(), { timeout: 15_000 }).toBe('disclosed');
    expect(await page.locator('#my-disclosure').textContent()).toContain('sealed to you and to the settlement bank');
    expect(page.url()).toBe(url);
    // Nothing of the ciphertexts on the page; the route answers Orange's signed request, not an unsigned one.
    const sealed = await signedApi(node, ORANGE_FR).settlementDisclosure(period, ORANGE_FR);
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).not.toContain(sealed.toOperator.slice(0, 16));
    expect(text).not.toContain(sealed.toBank.slice(0, 16));
    await expect(api.settlementDisclosure(period, ORANGE_FR)).rejects.toMatchObject({ status: 401 });
    expect(asked.length).toBeGreaterThanOrEqual(2);
    expect(new Set(asked)).toEqual(new Set([`/settlement/${period}/disclosures/${ORANGE_FR}`]));
    await shot('settlement-committed-disclosed');

    // Vodafone signed in sees its own status (not disclosed), never Orange's; Telekom is not involved and asks nothing.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.locator('#my-disclosure').textContent()).toContain('sign in to see');
    asked.splice(0);
    await signIn(VODAFONE_UK, `/settlement/${period}`);
    await expect.poll(() => page.locator('#my-disclosure .badge').textContent()).toBe('not disclosed yet');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(TELEKOM_DE, `/settlement/${period}`);
    await expect.poll(() => page.locator('#my-disclosure').textContent()).toContain('Telekom Deutschland is not involved in this proposal');
    expect(new Set(asked)).toEqual(new Set([`/settlement/${period}/disclosures/${VODAFONE_UK}`]));
    expect(await page.evaluate(CONTRAST_AUDIT)).toEqual([]);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1366);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.locator('#sign-in-link').count()).toBe(1);
    page.off('request', onRequest);
    // The only console errors: the browser logging the 404s that say "not disclosed yet".
    expect(new Set(takeErrors())).toEqual(new Set(['console: Failed to load resource: the server responded with a status of 404 (Not Found)']));
  }, 90_000);
});

describe.skipIf(CHROMIUM_MISSING !== undefined)(CHROMIUM_MISSING ? `plain-mode settlement view in a real browser — SKIPPED: ${CHROMIUM_MISSING}` : 'plain-mode settlement view in a real browser', () => {
  const data = tempDataDir();
  const period = '2025-12';
  let node: NodeProcess;
  let api: NodeApiClient;
  let browser: Browser;
  let page: Page;
  let chain: Uint8Array;
  const errors: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensureExplorerBuilt();
    const genesis = join(data.dir, 'genesis.json');
    writeFileSync(genesis, `${JSON.stringify(genesisToJson(plainModeGenesis()), null, 2)}\n`);
    node = await startNodeProcess(join(data.dir, 'node'), ['--genesis', genesis, '--block-interval', '20']);
    api = new NodeApiClient(node.url);
    chain = fromHex((await api.status()).genesisHash, 32);
    // Two statements in the clear: Orange owes Vodafone a net 0.850000 XDR, Telekom owes Orange 2.000001 XDR.
    // Telekom is the only payer, so the netting's transfers are Telekom → Orange 1.150001 and Telekom → Vodafone 0.850000.
    const pairs = [
      { first: ORANGE_FR, second: VODAFONE_UK, firstOwesSecond: 1_250_000n, secondOwesFirst: 400_000n },
      { first: ORANGE_FR, second: TELEKOM_DE, firstOwesSecond: 0n, secondOwesFirst: 2_000_001n },
    ];
    for (const p of pairs) {
      const st = plainBilateralStatement({ chain: toHex(chain), periodId: period, currency: 'XDR', ...p });
      const action = plainStatementAction({ statement: st, firstSignature: signPlainStatement(st, blsSecret(p.first)), secondSignature: signPlainStatement(st, blsSecret(p.second)) });
      await api.submitContractTx(signSettlementTx({ submitter: p.second, sequence: 1n, period, action, seed: devnetBatchSeed(p.second), chain }).frame);
    }
    await waitFor(async () => (await api.settlementPeriod(period)).statements === 2, 'both plain statements recorded');
    ({ browser, page } = await openBrowserPage(errors));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    data.cleanup();
  });

  it(TESTS[3]!, async () => {
    await page.goto(`${node.url}/#/settlement/${period}`);
    await expect.poll(() => page.locator('#settlement-mode').textContent()).toBe('plain mode · amounts public');
    expect(await page.locator('#settlement-proposal').textContent()).toContain(`No settlement proposed for ${period} yet`);
    expect(await page.locator('#statements').textContent()).toContain('a statement\'s two amounts are public');

    // Orange proposes the node's plain netting (the volume is the transfers' sum): the transfers appear live.
    const proposed = await cdrchain('settle', period, '--operator', String(ORANGE_FR), '--url', node.url, '--json');
    expect(proposed.code, proposed.stderr).toBe(0);
    await expect.poll(() => page.locator('#plain-transfers tbody tr').count(), { timeout: 15_000 }).toBe(2);
    const expected = [
      `Telekom Deutschland ${TELEKOM_DE}→ Orange France ${ORANGE_FR}1.150001 XDR`,
      `Telekom Deutschland ${TELEKOM_DE}→ Vodafone UK ${VODAFONE_UK}0.850000 XDR`,
    ];
    expect((await page.locator('#plain-transfers tbody tr').allTextContents()).sort()).toEqual(expected);
    expect(await page.locator('#plain-transfers thead').textContent()).toBe('From (pays)To (receives)Amount (XDR)');
    const card = page.locator('#settlement-proposal');
    expect(await card.textContent()).toContain('proposed · attempt 1');
    expect(await card.textContent()).toContain('2.000001 XDR'); // the settled volume
    expect(await page.locator('#transfer-commitments, #my-disclosure').count()).toBe(0);
    await shot('settlement-plain-proposed');

    // Approved by Vodafone and Telekom (Orange proposed) and four of the five validators, in one aggregate: final.
    const view: SettlementPeriod = await api.settlementPeriod(period);
    if (view.settlement.status !== 'proposed') throw new Error('the proposal is gone');
    const s = view.settlement;
    const proposal: SettlementProposal = {
      chain: toHex(chain), periodId: period, currency: 'XDR', operators: s.proposal.operators,
      outcome: { mode: 'plain', transfers: (s.proposal.plainTransfers ?? []).map((t) => ({ from: t.from, to: t.to, amount: BigInt(t.amount) })) },
      settledVolume: BigInt(s.proposal.settledVolume), clearingFee: BigInt(s.proposal.clearingFee), deadlineHeight: s.deadline, attempt: s.attempt, proposer: s.proposer,
    };
    expect(proposalId(proposal)).toBe(s.id);
    const operators = [VODAFONE_UK, TELEKOM_DE];
    const validators = [ORANGE_FR, VODAFONE_UK, TELEKOM_DE, 40445];
    const signature = blsAggregateSignatures([
      ...operators.map((o) => signAsOperator(proposal, o, blsSecret(o)).signature),
      ...validators.map((v) => signAsValidator(proposal, v, blsSecret(v)).signature),
    ]);
    await api.settle(signSettlementTx({ submitter: TELEKOM_DE, sequence: await nextSequence(node, TELEKOM_DE), period, seed: devnetBatchSeed(TELEKOM_DE), chain, action: approvalAction(s.id, { operators, validators, signature }) }).frame);
    await expect.poll(() => page.locator('#settlement-proposal dl .badge').textContent(), { timeout: 15_000 }).toBe('final · attempt 1');
    expect(await page.locator('#settlement-proposal h3').textContent()).toBe('Transfers (final)');
    expect((await page.locator('#plain-transfers tbody tr').allTextContents()).sort()).toEqual(expected);
    expect(await page.locator('#settlement-netted').textContent()).toContain('netted');
    const final = await api.settlementPeriod(period);
    if (final.settlement.status !== 'final') throw new Error('not final');
    expect(await page.locator('#settlement-detail dl').first().textContent()).toContain(`clearing fee ${amountOf(final.settlement.fees.fee)} XDR`);

    expect(await page.evaluate(CONTRAST_AUDIT)).toEqual([]);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1366);
    await shot('settlement-plain-final');
    expect(errors.splice(0)).toEqual([]);
  }, 90_000);
});

/** Minor units of XDR as its six decimals (independently of the explorer's formatter). */
function amountOf(minor: string): string {
  const d = minor.padStart(7, '0');
  return `${BigInt(d.slice(0, -6)).toLocaleString('en-US')}.${d.slice(-6)}`;
}

/** A client signing as `plmn` with its devnet key (the node takes signed requests only). */
function signedApi(node: NodeProcess, plmn: number): NodeApiClient {
  return new NodeApiClient(node.url, { signer: OperatorRequestSigner.devnet(plmn) });
}

/** The next settlement sequence of `plmn` (its own GET /operators/{plmn}). */
async function nextSequence(node: NodeProcess, plmn: number): Promise<bigint> {
  return BigInt((await signedApi(node, plmn).operator(plmn)).lastSettlementSequence) + 1n;
}

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
