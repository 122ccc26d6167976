// cdrchain bilateral, statement and settle against a real node process (docs/settlement.md,
// "Operator side"): both operators compute the pair's statement from their own files, one signs a
// half, the other checks and co-signs it and the node records it; the statement command balances.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cdr } from '../cdr/model.js';
import { formatCdrNdjson } from '../cdr/json.js';
import { counterpartyView, generateTraffic } from '../cdr/synthetic.js';
import { devnetChainIdentity } from '../chain/devnet-chain.js';
import { DEVNET_OPERATORS, devnetBatchSeed, devnetBlsSeed } from '../chain/genesis.js';
import { approvalAction, fxRateSetAction, signSettlementTx } from '../client/settlement-tx.js';
import { blsAggregateSignatures } from '../crypto/bls/bls.js';
import { proposalId, signAsValidator, type SettlementProposal } from '../settlement/approval/index.js';
import { toHex } from '../codec/bytes.js';
import { blsKeyPairFromSeed } from '../crypto/bls/bls.js';
import { signFxRateSet, type FxRateSet } from '../settlement/fx/fx-rate-book.js';
import { parseDecimal } from '../settlement/fx/rational.js';
import { ORANGE_FR, TELEKOM_DE, tempDataDir, VODAFONE_UK } from '../test-helpers/devnet.js';
import { cdrchain, startNodeProcess, type NodeProcess } from '../test-helpers/processes.js';
import { OperatorRequestSigner } from '../client/request-signer.js';
import { disclosureAction } from '../client/settlement-tx.js';
import { devnetEncryptionKeyPair } from '../privacy/encryption-key-file.js';
import { devnetSettlementBank } from '../chain/genesis.js';
import { fromHex } from '../codec/bytes.js';
import { openSealedOpening } from '../settlement/disclosure/transfer-disclosure.js';

/** Ended at the devnet genesis (2026-01-01): statements are taken, and the files need not be ingested. */
const PERIOD = '2025-12';
const START = Date.UTC(2025, 11, 3) / 1000;
const OPERATORS = DEVNET_OPERATORS.map((o) => o.plmn).sort((a, b) => a - b);

describe('cdrchain bilateral and statement (a real node process)', () => {
  const data = tempDataDir();
  let node: NodeProcess;
  const file = (name: string): string => join(data.dir, name);
  const settlementView = async (): Promise<Record<string, unknown>> => (await (await fetch(`${node.url}/settlement/${PERIOD}`)).json()) as Record<string, unknown>;
  /** fetch, signed by `plmn`'s devnet batch key (RFC 9421), as the node's operator authentication needs. */
  const signedFetch = (plmn: number, path: string, init: { method?: string; body?: Uint8Array } = {}): Promise<Response> => {
    const url = `${node.url}${path}`;
    const method = init.method ?? 'GET';
    const headers: Record<string, string> = { ...(init.body ? { 'content-type': 'application/octet-stream' } : {}), ...OperatorRequestSigner.devnet(plmn).sign({ method, url, ...(init.body ? { body: init.body } : {}) }) };
    return fetch(url, { method, headers, ...(init.body ? { body: init.body } : {}) });
  };
  async function until(what: string, ok: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    // Operator-scoped reads (a transfer opening: its operator and the settlement bank only) need signed requests.
    node = await startNodeProcess(join(data.dir, 'node'), ['--api-auth', 'signatures']);
    // The pair's calls in December 2025 as each side recorded them: a few charges off by one minor unit, a few calls one side lacks.
    const orange = [...generateTraffic({ seed: 'cli-settle', submitter: ORANGE_FR, counterparty: VODAFONE_UK, count: 300, startTime: START, periodSeconds: 20 * 86_400, direction: 'both' })];
    const vodafone = orange.map((c) => counterpartyView(c, { mismatchRate: 0.1, mismatchKinds: ['charge'], seed: 'cli' }).cdr);
    const write = (name: string, cdrs: Cdr[]): void => writeFileSync(file(name), formatCdrNdjson(cdrs));
    write('orange.ndjson', orange.slice(0, 295));
    write('vodafone.ndjson', vodafone.slice(3));
    write('vodafone-partial.ndjson', vodafone.slice(3, 200));
    // The period's rates, signed by a devnet publisher (the devnet's threshold is one).
    const set: FxRateSet = { chain: toHex(devnetChainIdentity()), periodId: PERIOD, base: 'XDR', rates: new Map([['EUR', parseDecimal('0.8731')], ['GBP', parseDecimal('1.0214')], ['USD', parseDecimal('0.7532')]]), override: false };
    const action = fxRateSetAction({ set, signatures: [signFxRateSet(set, 0, blsKeyPairFromSeed(devnetBlsSeed(OPERATORS[0]!)).secretKey)] });
    const tx = signSettlementTx({ submitter: TELEKOM_DE, sequence: 1n, period: PERIOD, action, seed: devnetBatchSeed(TELEKOM_DE) });
    const res = await signedFetch(TELEKOM_DE, '/tx', { method: 'POST', body: tx.frame });
    expect(res.status).toBe(202);
    await until('the rate set', async () => (await settlementView())['rateSet'] === true);
  }, 60_000);

  afterAll(async () => {
    await node?.stop();
    data.cleanup();
  });

  const pairArgs = (me: number, mine: string, theirs: string): string[] => [
    'bilateral', PERIOD, '--pair', `${ORANGE_FR}-${VODAFONE_UK}`, '--operator', String(me), '--mine', file(mine), '--theirs', file(theirs),
    '--url', node.url, '--tolerance-charge', '1',
  ];

  it('one side signs a half, the other co-signs it from its own files, and the node records the statement', async () => {
    const half = await cdrchain(...pairArgs(ORANGE_FR, 'orange.ndjson', 'vodafone.ndjson'), '--out', file('half.json'), '--json');
    expect(half.code, half.stderr).toBe(0);
    const summary = JSON.parse(half.stdout) as { settledCalls: number; amount: string; leftOut: { onlyMine: number; onlyTheirs: number }; signatures: Record<string, string> };
    expect(summary.settledCalls).toBeGreaterThan(250);
    expect(summary.leftOut).toMatchObject({ onlyMine: 3, onlyTheirs: 5 });
    expect(Object.keys(summary.signatures)).toEqual([String(ORANGE_FR)]);
    expect(readFileSync(file('half.json'), 'utf8')).not.toMatch(/amount/); // the half carries no amount

    // Vodafone's records of fewer calls give another statement: not signed (exit 8), nothing submitted.
    const partial = await cdrchain(...pairArgs(VODAFONE_UK, 'vodafone-partial.ndjson', 'orange.ndjson'), '--cosign', file('half.json'));
    expect(partial.code, partial.stderr).toBe(8);
    expect(partial.stderr).toMatch(/another statement/);

    const cosigned = await cdrchain(...pairArgs(VODAFONE_UK, 'vodafone.ndjson', 'orange.ndjson'), '--cosign', file('half.json'), '--json');
    expect(cosigned.code, cosigned.stderr).toBe(0);
    const out = JSON.parse(cosigned.stdout) as { amount: string; submitted: { hash: string } };
    expect(BigInt(out.amount)).toBe(-BigInt(summary.amount)); // the same statement, seen from the other side
    await until('the statement recorded', async () => (await settlementView())['statements'] === 1);

    // A second statement of the pair is refused by the node (exit 3), its reason named.
    const again = await cdrchain(...pairArgs(VODAFONE_UK, 'vodafone.ndjson', 'orange.ndjson'), '--cosign', file('half.json'));
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/duplicate_statement/);
  }, 120_000);

  it("statement: the operator's own statement balances to its pair amounts, as JSON, CSV and HTML", async () => {
    const pair = await cdrchain(...pairArgs(ORANGE_FR, 'orange.ndjson', 'vodafone.ndjson'), '--json');
    const amount = BigInt((JSON.parse(pair.stdout) as { amount: string }).amount);
    const args = ['statement', PERIOD, '--operator', String(ORANGE_FR), '--mine', file('orange.ndjson'), '--theirs', file('vodafone.ndjson'), '--url', node.url, '--tolerance-charge', '1'];
    const json = await cdrchain(...args);
    expect(json.code, json.stderr).toBe(0);
    const s = JSON.parse(json.stdout) as { netPosition: { minor: string }; transfer: { minor: string }; partners: { partner: number; net: { minor: string } }[]; settlement: { status: string }; currency: string };
    expect(BigInt(s.netPosition.minor)).toBe(amount);
    expect(BigInt(s.transfer.minor)).toBe(amount);
    expect(s.partners.map((p) => p.partner)).toEqual([VODAFONE_UK]);
    expect(s).toMatchObject({ currency: 'XDR', settlement: { status: 'not_proposed' } });
    const csv = await cdrchain(...args, '--format', 'csv');
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\n')[0]).toMatch(/partner/i);
    const html = await cdrchain(...args, '--format', 'html', '--out', file('statement.html'));
    expect(html.code, html.stderr).toBe(0);
    expect(readFileSync(file('statement.html'), 'utf8')).toMatch(/not proposed yet/);
    // Nothing to disclose before a proposal: the statement is written, then exit 3.
    const early = await cdrchain(...args, '--disclose');
    expect([early.code, early.stderr]).toEqual([3, expect.stringMatching(/nothing to disclose: period 2025-12 has no proposal yet/)]);
  }, 120_000);

  it('bad input: an open period, no identity, an unknown format, a co-sign file that is not a half', async () => {
    const now = new Date();
    const open = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    const openRun = await cdrchain('statement', open, '--operator', String(ORANGE_FR), '--mine', file('orange.ndjson'), '--theirs', file('vodafone.ndjson'), '--url', node.url);
    expect(openRun.code).toBe(3);
    expect(openRun.stderr).toMatch(/has not ended/);
    const anonymous = await cdrchain('statement', PERIOD, '--mine', file('orange.ndjson'), '--theirs', file('vodafone.ndjson'), '--url', node.url);
    expect(anonymous.code).toBe(2);
    const format = await cdrchain('statement', PERIOD, '--operator', String(ORANGE_FR), '--mine', file('orange.ndjson'), '--theirs', file('vodafone.ndjson'), '--format', 'pdf', '--url', node.url);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/--format must be one of/);
    const notHalf = await cdrchain(...pairArgs(VODAFONE_UK, 'vodafone.ndjson', 'orange.ndjson'), '--cosign', file('orange.ndjson'));
    expect(notHalf.code).toBe(2);
    const outsider = await cdrchain('bilateral', PERIOD, '--pair', `${ORANGE_FR}-${VODAFONE_UK}`, '--operator', String(TELEKOM_DE), '--mine', file('orange.ndjson'), '--theirs', file('vodafone.ndjson'), '--url', node.url);
    expect(outsider.code).toBe(2);
    expect(outsider.stderr).toMatch(/not in pair/);
  }, 120_000);

  it('settle: an involved operator proposes from the node\'s netting, the other approves and waits; final once the validators approve; refusals exit 3', async () => {
    const now = new Date();
    const open = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    const openRun = await cdrchain('settle', open, '--operator', String(ORANGE_FR), '--url', node.url);
    expect([openRun.code, openRun.stderr]).toEqual([3, expect.stringMatching(/period_open/)]);
    const outsider = await cdrchain('settle', PERIOD, '--operator', String(TELEKOM_DE), '--url', node.url);
    expect([outsider.code, outsider.stderr]).toEqual([2, expect.stringMatching(/party to no statement/)]);

    const proposed = await cdrchain('settle', PERIOD, '--operator', String(ORANGE_FR), '--volume', '2000000', '--url', node.url, '--json');
    expect(proposed.code, proposed.stderr).toBe(0);
    const p = JSON.parse(proposed.stdout) as { proposal: string; attempt: number; action: string };
    expect(p).toMatchObject({ action: 'proposal', attempt: 1 });
    const again = await cdrchain('settle', PERIOD, '--operator', String(VODAFONE_UK), '--url', node.url);
    expect([again.code, again.stderr]).toEqual([3, expect.stringMatching(/proposal_pending/)]);
    await until('the proposal', async () => ((await settlementView())['settlement'] as { status: string }).status === 'proposed');

    // This node validates nothing itself: five of the devnet's six validators approve (their well-known keys), one transaction.
    const view = (await settlementView())['settlement'] as { id: string; attempt: number; deadline: number; proposer: number; proposal: { operators: number[]; transfers: { x: string; y: string }[]; settledVolume: string; clearingFee: string } };
    const proposal: SettlementProposal = {
      chain: toHex(devnetChainIdentity()), periodId: PERIOD, currency: 'XDR', operators: view.proposal.operators,
      outcome: { mode: 'committed', transfers: view.proposal.transfers.map((t) => ({ x: BigInt(`0x${t.x}`), y: BigInt(`0x${t.y}`) })) },
      settledVolume: BigInt(view.proposal.settledVolume), clearingFee: BigInt(view.proposal.clearingFee), deadlineHeight: view.deadline, attempt: view.attempt, proposer: view.proposer,
    };
    expect(proposalId(proposal)).toBe(p.proposal);
    const validators = OPERATORS.slice(0, 5);
    const signatures = validators.map((v) => signAsValidator(proposal, v, blsKeyPairFromSeed(devnetBlsSeed(v)).secretKey).signature);
    const last = BigInt(((await (await signedFetch(TELEKOM_DE, `/operators/${TELEKOM_DE}`)).json()) as { lastSettlementSequence: string }).lastSettlementSequence);
    const tx = signSettlementTx({ submitter: TELEKOM_DE, sequence: last + 1n, period: PERIOD, seed: devnetBatchSeed(TELEKOM_DE), action: approvalAction(p.proposal, { operators: [], validators, signature: blsAggregateSignatures(signatures) }) });
    expect((await signedFetch(TELEKOM_DE, '/settle', { method: 'POST', body: tx.frame })).status).toBe(202);
    await until('the validators\' approval', async () => ((await settlementView())['settlement'] as { votingPower?: { signed: string } }).votingPower?.signed === '5');

    const approved = await cdrchain('settle', PERIOD, '--operator', String(VODAFONE_UK), '--approve', '--wait', 'final', '--timeout', '60', '--url', node.url, '--json');
    expect(approved.code, approved.stderr).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ action: 'approval', proposal: p.proposal, settlement: { status: 'final', fees: { fee: '1000' } } });
    expect(await settlementView()).toMatchObject({ netted: true, settlement: { status: 'final', id: p.proposal } });
    const settled = await cdrchain('settle', PERIOD, '--operator', String(ORANGE_FR), '--url', node.url);
    expect([settled.code, settled.stderr]).toEqual([3, expect.stringMatching(/already_settled/)]);
    const text = await cdrchain('settlement', PERIOD, '--url', node.url);
    expect(text.stdout).toMatch(/settlement: final/);
  }, 120_000);

  it('after final: statements carry the status, fee share and a checked transfer; openings are disclosed to the operator and the bank only; the bank opens them and they sum to zero', async () => {
    const view = (await settlementView())['settlement'] as { status: string; id: string; finalAt: number; fees: { shares: { validator: number; amount: string }[] }; proposal: { operators: number[]; transfers: { x: string; y: string }[] } };
    expect(view.status).toBe('final');
    const stmt = (me: number, mine: string, theirs: string, ...extra: string[]) =>
      cdrchain('statement', PERIOD, '--operator', String(me), '--mine', file(mine), '--theirs', file(theirs), '--url', node.url, '--tolerance-charge', '1', ...extra);

    // Orange's statement: final at its height, its transfer opens the proposal's T_k, its fee share is the chain's.
    const orange = await stmt(ORANGE_FR, 'orange.ndjson', 'vodafone.ndjson');
    expect(orange.code, orange.stderr).toBe(0);
    const s = JSON.parse(orange.stdout) as { settlement: Record<string, unknown>; feeShare: { minor: string }; transfer: { minor: string } };
    expect(s.settlement).toMatchObject({ status: 'final', height: view.finalAt, proposalId: view.id, transferOpens: true });
    expect(s.feeShare.minor).toBe(view.fees.shares.find((x) => x.validator === ORANGE_FR)?.amount ?? '0');
    const html = await stmt(ORANGE_FR, 'orange.ndjson', 'vodafone.ndjson', '--format', 'html');
    expect(html.stdout).toMatch(/final at height/);
    expect(html.stdout).toMatch(/opens the proposal/);

    // Records of fewer calls give another transfer: reported, exit 10, never shown as settled.
    const wrong = await stmt(ORANGE_FR, 'orange.ndjson', 'vodafone-partial.ndjson');
    expect(wrong.code, wrong.stderr).toBe(10);
    expect(wrong.stderr).toMatch(/transfer mismatch/);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ settlement: { status: 'transfer_mismatch', transferOpens: false } });
    const wrongHtml = await stmt(ORANGE_FR, 'orange.ndjson', 'vodafone-partial.ndjson', '--format', 'html');
    expect(wrongHtml.code).toBe(10);
    expect(wrongHtml.stdout).toMatch(/NOT SETTLED/);
    expect(wrongHtml.stdout).not.toMatch(/final at height/);

    // Bad input: a disclosure whose opening does not open Vodafone's T_k is refused (422 bad_opening), nothing recorded.
    const k = view.proposal.operators.indexOf(VODAFONE_UK);
    const t = view.proposal.transfers[k]!;
    const bank = devnetSettlementBank();
    const vodafoneKey = await devnetEncryptionKeyPair(VODAFONE_UK);
    const bad = await disclosureAction({
      chain: devnetChainIdentity(), periodId: PERIOD, proposalId: view.id, operator: VODAFONE_UK, transfer: { x: BigInt(`0x${t.x}`), y: BigInt(`0x${t.y}`) },
      opening: { net: 1n, blinding: 1n }, operatorKey: vodafoneKey.publicKey, bankKey: bank.bank.encryptionKey,
    });
    const seq = async (plmn: number): Promise<bigint> => BigInt(((await (await signedFetch(plmn, `/operators/${plmn}`)).json()) as { lastSettlementSequence: string }).lastSettlementSequence);
    const badTx = signSettlementTx({ submitter: VODAFONE_UK, sequence: (await seq(VODAFONE_UK)) + 1n, period: PERIOD, seed: devnetBatchSeed(VODAFONE_UK), action: bad });
    const refused = await signedFetch(VODAFONE_UK, '/settle', { method: 'POST', body: badTx.frame });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ error: 'bad_opening' });
    expect((await signedFetch(VODAFONE_UK, `/settlement/${PERIOD}/disclosures/${VODAFONE_UK}`)).status).toBe(404);
    // An operator not involved has nothing to disclose (not_a_party).
    const outsiderTx = signSettlementTx({ submitter: TELEKOM_DE, sequence: (await seq(TELEKOM_DE)) + 1n, period: PERIOD, seed: devnetBatchSeed(TELEKOM_DE), action: bad });
    expect((await signedFetch(TELEKOM_DE, '/settle', { method: 'POST', body: outsiderTx.frame })).status).toBe(403);

    // Before anyone discloses, the bank has nothing to open: exit 3, each operator listed as missing.
    const early = await cdrchain('bank-open', PERIOD, '--url', node.url, '--json');
    expect([early.code, early.stderr]).toEqual([3, expect.stringMatching(/2 involved operator\(s\) have not disclosed/)]);
    expect((JSON.parse(early.stdout) as { transfers: { status: string }[] }).transfers.map((x) => x.status)).toEqual(['missing', 'missing']);

    // Both operators disclose with the CLI; a second disclosure is refused (duplicate_disclosure, exit 3).
    const discloseOrange = await stmt(ORANGE_FR, 'orange.ndjson', 'vodafone.ndjson', '--disclose');
    expect(discloseOrange.code, discloseOrange.stderr).toBe(0);
    expect(discloseOrange.stderr).toMatch(/disclosed your transfer opening/);
    const discloseVodafone = await stmt(VODAFONE_UK, 'vodafone.ndjson', 'orange.ndjson', '--disclose');
    expect(discloseVodafone.code, discloseVodafone.stderr).toBe(0);
    await until('both disclosures', async () => (await signedFetch(VODAFONE_UK, `/settlement/${PERIOD}/disclosures/${VODAFONE_UK}`)).status === 200
      && (await signedFetch(ORANGE_FR, `/settlement/${PERIOD}/disclosures/${ORANGE_FR}`)).status === 200);
    const twice = await stmt(ORANGE_FR, 'orange.ndjson', 'vodafone.ndjson', '--disclose');
    expect([twice.code, twice.stderr]).toEqual([3, expect.stringMatching(/duplicate_disclosure/)]);

    // The audience: Vodafone cannot read Orange's opening (403 with a JSON reason), anonymous needs a signature (401); Orange reads and opens its own.
    const other = await signedFetch(VODAFONE_UK, `/settlement/${PERIOD}/disclosures/${ORANGE_FR}`);
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ error: 'forbidden', message: expect.stringMatching(/may read its own transfer opening only/) });
    expect((await fetch(`${node.url}/settlement/${PERIOD}/disclosures/${ORANGE_FR}`)).status).toBe(401);
    const own = (await (await signedFetch(ORANGE_FR, `/settlement/${PERIOD}/disclosures/${ORANGE_FR}`)).json()) as { toOperator: string; proposalId: string; settlement: string };
    expect(own).toMatchObject({ proposalId: view.id, settlement: 'final' });
    const mine = await openSealedOpening({ chain: devnetChainIdentity(), periodId: PERIOD, proposalId: fromHex(view.id, 32), operator: ORANGE_FR }, 'operator', (await devnetEncryptionKeyPair(ORANGE_FR)).privateKey, fromHex(own.toOperator));
    expect(mine.net.toString()).toBe(s.transfer.minor);

    // The settlement bank opens every T_k of the period and checks they sum to zero.
    const opened = await cdrchain('bank-open', PERIOD, '--url', node.url, '--json');
    expect(opened.code, opened.stderr).toBe(0);
    const report = JSON.parse(opened.stdout) as { complete: boolean; sumsToZero: boolean; transfers: { operator: number; status: string; net: string }[] };
    expect(report).toMatchObject({ complete: true, sumsToZero: true });
    expect(report.transfers.map((x) => [x.operator, x.status])).toEqual([[ORANGE_FR, 'opens'], [VODAFONE_UK, 'opens']].sort((a, b) => Number(a[0]) - Number(b[0])));
    expect(report.transfers.find((x) => x.operator === ORANGE_FR)?.net).toBe(s.transfer.minor);
  }, 180_000);
});
