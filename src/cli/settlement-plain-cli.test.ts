// Plain-mode settlement through a real node process (issue 14 items 4, 5, 7; docs/settlement.md,
// "Plain mode on chain"): a consortium whose genesis chose transparency, one operator of which
// (T-Mobile US) does not validate and signs with its genesis settlementKey (--bls-key). Both pairs'
// statements are computed on each side and co-signed (`cdrchain bilateral`), T-Mobile proposes the
// node's plain netting (`cdrchain settle`), the validators and the involved operators approve, final; T-Mobile's
// statement checks its net against the final transfers (exit 10 when its records differ) and a
// disclosure, committed mode's, is refused (CLI exit 3, node 422 wrong_mode; bank-open exit 3).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cdr } from '../cdr/model.js';
import { formatCdrNdjson } from '../cdr/json.js';
import { counterpartyView, generateTraffic } from '../cdr/synthetic.js';
import { devnetBatchSeed, devnetBlsSeed, genesisToJson } from '../chain/genesis.js';
import { approvalAction, fxRateSetAction, signSettlementTx, statementAction } from '../client/settlement-tx.js';
import { fromHex, toHex } from '../codec/bytes.js';
import { blsAggregateSignatures, blsKeyPairFromSeed, blsPublicKeyFromSecretKey } from '../crypto/bls/bls.js';
import { writeBlsKeyFile } from '../crypto/bls/key-file.js';
import { proposalId, signAsValidator, type SettlementProposal } from '../settlement/approval/index.js';
import { makeBilateralStatement, signBilateralStatement } from '../settlement/commitment/bilateral-statement.js';
import { randomBlinding } from '../settlement/commitment/pedersen.js';
import { signFxRateSet, type FxRateSet } from '../settlement/fx/fx-rate-book.js';
import { parseDecimal } from '../settlement/fx/rational.js';
import { ORANGE_FR, TELEKOM_DE, tempDataDir, VODAFONE_UK } from '../test-helpers/devnet.js';
import { plainModeGenesis, T_MOBILE_US, testSettlementSecret } from '../test-helpers/plain-genesis.js';
import { cdrchain, startNodeProcess, type NodeProcess } from '../test-helpers/processes.js';

const PERIOD = '2025-12';
const START = Date.UTC(2025, 11, 3) / 1000;
const VALIDATORS = [ORANGE_FR, VODAFONE_UK, TELEKOM_DE, 40445, 52501];

interface PeriodView {
  mode: string;
  statements: number;
  rateSet: boolean;
  netted: boolean;
  settlement: { status: string; id?: string; attempt?: number; deadline?: number; proposer?: number; votingPower?: { signed: string }; plainTransfers?: { from: number; to: number; amount: string }[]; proposal?: { mode: string; operators: number[]; plainTransfers: { from: number; to: number; amount: string }[]; settledVolume: string; clearingFee: string } };
}

describe('plain-mode settlement through a node process, with an operator that does not validate', () => {
  const data = tempDataDir();
  let node: NodeProcess;
  let chain: Uint8Array;
  const file = (name: string): string => join(data.dir, name);
  const view = async (): Promise<PeriodView> => (await (await fetch(`${node.url}/settlement/${PERIOD}`)).json()) as PeriodView;
  async function until(what: string, ok: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  async function nextSequence(plmn: number): Promise<bigint> {
    return BigInt(((await (await fetch(`${node.url}/operators/${plmn}`)).json()) as { lastSettlementSequence: string }).lastSettlementSequence) + 1n;
  }
  async function post(path: string, frame: Uint8Array): Promise<{ status: number; error?: string }> {
    const res = await fetch(`${node.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: frame });
    return { status: res.status, ...(res.status >= 400 ? { error: ((await res.json()) as { error: string }).error } : {}) };
  }

  beforeAll(async () => {
    writeFileSync(file('genesis.json'), `${JSON.stringify(genesisToJson(plainModeGenesis()), null, 2)}\n`);
    // T-Mobile US's settlement key file: the key its genesis entry registers (not a validator key).
    const secret = testSettlementSecret();
    writeBlsKeyFile(file('tmobile.bls.json'), { plmn: T_MOBILE_US, blsSecretKey: toHex(secret), blsPublicKey: toHex(blsPublicKeyFromSecretKey(secret)) });
    node = await startNodeProcess(join(data.dir, 'node'), ['--genesis', file('genesis.json')]);
    chain = fromHex(((await (await fetch(`${node.url}/status`)).json()) as { genesisHash: string }).genesisHash, 32);
    // Each pair's December 2025 calls as both sides recorded them (a few charges off by one minor unit).
    for (const [a, b, seed] of [[ORANGE_FR, T_MOBILE_US, 'plain-om'], [ORANGE_FR, VODAFONE_UK, 'plain-ov']] as const) {
      const mine = [...generateTraffic({ seed, submitter: a, counterparty: b, count: 120, startTime: START, periodSeconds: 20 * 86_400, direction: 'both' })];
      const theirs = mine.map((c) => counterpartyView(c, { mismatchRate: 0.1, mismatchKinds: ['charge'], seed }).cdr);
      const write = (name: string, cdrs: Cdr[]): void => writeFileSync(file(name), formatCdrNdjson(cdrs));
      write(`${a}-${b}.a.ndjson`, mine);
      write(`${a}-${b}.b.ndjson`, theirs);
      write(`${a}-${b}.b-partial.ndjson`, theirs.slice(0, 60));
    }
    const set: FxRateSet = { chain: toHex(chain), periodId: PERIOD, base: 'XDR', rates: new Map([['EUR', parseDecimal('0.8731')], ['GBP', parseDecimal('1.0214')], ['USD', parseDecimal('0.7532')]]), override: false };
    const action = fxRateSetAction({ set, signatures: [signFxRateSet(set, 0, blsKeyPairFromSeed(devnetBlsSeed(ORANGE_FR)).secretKey)] });
    expect((await post('/tx', signSettlementTx({ submitter: TELEKOM_DE, sequence: 1n, period: PERIOD, action, seed: devnetBatchSeed(TELEKOM_DE), chain }).frame)).status).toBe(202);
    await until('the rate set', async () => (await view()).rateSet);
  }, 90_000);

  afterAll(async () => {
    await node?.stop();
    data.cleanup();
  });

  const bilateral = (me: number, a: number, b: number, mine: string, theirs: string, ...rest: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => cdrchain(
    'bilateral', PERIOD, '--pair', `${a}-${b}`, '--operator', String(me), '--mine', file(`${a}-${b}.${mine}.ndjson`), '--theirs', file(`${a}-${b}.${theirs}.ndjson`),
    '--url', node.url, '--tolerance-charge', '1', ...rest,
  );

  it('statements in the clear (T-Mobile with its settlementKey), the plain netting proposed, approved and final', async () => {
    expect(await view()).toMatchObject({ mode: 'plain', statements: 0 });
    // A committed-mode statement is refused by this plain-mode node.
    const c = makeBilateralStatement({ chain: toHex(chain), periodId: PERIOD, currency: 'XDR', first: ORANGE_FR, second: VODAFONE_UK }, { firstOwesSecond: 1n, secondOwesFirst: 0n, blinding: randomBlinding() });
    const sk = (p: number): Uint8Array => blsKeyPairFromSeed(devnetBlsSeed(p)).secretKey;
    const committed = statementAction({ statement: c, firstSignature: signBilateralStatement(c, sk(ORANGE_FR)), secondSignature: signBilateralStatement(c, sk(VODAFONE_UK)) });
    expect(await post('/tx', signSettlementTx({ submitter: ORANGE_FR, sequence: await nextSequence(ORANGE_FR), period: PERIOD, action: committed, seed: devnetBatchSeed(ORANGE_FR), chain }).frame)).toEqual({ status: 422, error: 'wrong_mode' });

    // Orange's half of the Orange–T-Mobile pair carries both amounts (plain mode: public).
    const half = await bilateral(ORANGE_FR, ORANGE_FR, T_MOBILE_US, 'a', 'b', '--out', file('om.half.json'), '--json');
    expect(half.code, half.stderr).toBe(0);
    const h = JSON.parse(half.stdout) as { amounts: { firstOwesSecond: string; secondOwesFirst: string }; commitment?: unknown; amount: string };
    expect(h.commitment).toBeUndefined();
    expect(BigInt(h.amounts.firstOwesSecond) + BigInt(h.amounts.secondOwesFirst)).toBeGreaterThan(0n);
    // T-Mobile's fewer records give other amounts: exit 8, nothing signed.
    const partial = await bilateral(T_MOBILE_US, ORANGE_FR, T_MOBILE_US, 'b-partial', 'a', '--cosign', file('om.half.json'), '--bls-key', file('tmobile.bls.json'));
    expect([partial.code, partial.stderr]).toEqual([8, expect.stringMatching(/amounts differ/)]);
    // Signed with a key that is not its registered settlementKey (the devnet default): the node refuses the statement.
    const wrongKey = await bilateral(T_MOBILE_US, ORANGE_FR, T_MOBILE_US, 'b', 'a', '--cosign', file('om.half.json'));
    expect([wrongKey.code, wrongKey.stderr]).toEqual([3, expect.stringMatching(/bad_signature.*310260/)]);
    const cosigned = await bilateral(T_MOBILE_US, ORANGE_FR, T_MOBILE_US, 'b', 'a', '--cosign', file('om.half.json'), '--bls-key', file('tmobile.bls.json'), '--json');
    expect(cosigned.code, cosigned.stderr).toBe(0);
    expect(BigInt((JSON.parse(cosigned.stdout) as { amount: string }).amount)).toBe(-BigInt(h.amount));
    // The Orange–Vodafone pair, both validators' keys.
    expect((await bilateral(ORANGE_FR, ORANGE_FR, VODAFONE_UK, 'a', 'b', '--out', file('ov.half.json'))).code).toBe(0);
    const ov = await bilateral(VODAFONE_UK, ORANGE_FR, VODAFONE_UK, 'b', 'a', '--cosign', file('ov.half.json'));
    expect(ov.code, ov.stderr).toBe(0);
    await until('both statements recorded', async () => (await view()).statements === 2);
    // T-Mobile's own statement balances to its one pair's amount (plain mode: no agreement secret used).
    const own = await cdrchain('statement', PERIOD, '--operator', String(T_MOBILE_US), '--mine', file(`${ORANGE_FR}-${T_MOBILE_US}.b.ndjson`), '--theirs', file(`${ORANGE_FR}-${T_MOBILE_US}.a.ndjson`), '--url', node.url, '--tolerance-charge', '1');
    expect(own.code, own.stderr).toBe(0);
    expect(BigInt((JSON.parse(own.stdout) as { netPosition: { minor: string } }).netPosition.minor)).toBe(-BigInt(h.amount));
    const statements = (await cdrchain('settlement', PERIOD, '--url', node.url)).stdout;
    expect(statements).toMatch(/2 of 15 pairs \(6 operators, plain mode\)/);

    // T-Mobile proposes the node's plain netting: the volume is the transfers' sum (another --volume is refused here).
    const badVolume = await cdrchain('settle', PERIOD, '--operator', String(T_MOBILE_US), '--bls-key', file('tmobile.bls.json'), '--volume', '7', '--url', node.url);
    expect([badVolume.code, badVolume.stderr]).toEqual([2, expect.stringMatching(/transfers' sum/)]);
    const proposed = await cdrchain('settle', PERIOD, '--operator', String(T_MOBILE_US), '--bls-key', file('tmobile.bls.json'), '--url', node.url, '--json');
    expect(proposed.code, proposed.stderr).toBe(0);
    const pid = (JSON.parse(proposed.stdout) as { proposal: string }).proposal;
    await until('the proposal', async () => (await view()).settlement.status === 'proposed');
    const s = (await view()).settlement;
    const transfers = s.proposal!.plainTransfers;
    expect(s).toMatchObject({ id: pid, proposer: T_MOBILE_US, proposal: { mode: 'plain', operators: [ORANGE_FR, VODAFONE_UK, T_MOBILE_US] } });
    expect(transfers.length).toBeGreaterThanOrEqual(1);
    expect(transfers.length).toBeLessThanOrEqual(2);
    expect(s.proposal!.settledVolume).toBe(transfers.reduce((acc, t) => acc + BigInt(t.amount), 0n).toString());
    // Orange's net is what both its pair statements say (it pays or receives the sum of its two amounts).
    const orangeNet = transfers.reduce((acc, t) => acc + (t.to === ORANGE_FR ? BigInt(t.amount) : t.from === ORANGE_FR ? -BigInt(t.amount) : 0n), 0n);
    const ovAmount = BigInt((JSON.parse((await bilateral(ORANGE_FR, ORANGE_FR, VODAFONE_UK, 'a', 'b', '--json')).stdout) as { amount: string }).amount);
    expect(orangeNet).toBe(BigInt(h.amount) + ovAmount);

    // Four of the five validators approve in one transaction (their well-known keys).
    const proposal: SettlementProposal = {
      chain: toHex(chain), periodId: PERIOD, currency: 'XDR', operators: s.proposal!.operators,
      outcome: { mode: 'plain', transfers: transfers.map((t) => ({ from: t.from, to: t.to, amount: BigInt(t.amount) })) },
      settledVolume: BigInt(s.proposal!.settledVolume), clearingFee: BigInt(s.proposal!.clearingFee), deadlineHeight: s.deadline!, attempt: s.attempt!, proposer: s.proposer!,
    };
    expect(proposalId(proposal)).toBe(pid);
    const validators = VALIDATORS.slice(0, 4);
    const signature = blsAggregateSignatures(validators.map((v) => signAsValidator(proposal, v, sk(v)).signature));
    const approval = signSettlementTx({ submitter: TELEKOM_DE, sequence: await nextSequence(TELEKOM_DE), period: PERIOD, seed: devnetBatchSeed(TELEKOM_DE), chain, action: approvalAction(pid, { operators: [], validators, signature }) });
    expect((await post('/settle', approval.frame)).status).toBe(202);
    await until('the validators\' approval', async () => (await view()).settlement.votingPower?.signed === '4');
    // The two other involved operators approve as operators; Vodafone waits until final.
    const orange = await cdrchain('settle', PERIOD, '--operator', String(ORANGE_FR), '--approve', '--url', node.url);
    expect(orange.code, orange.stderr).toBe(0);
    const vodafone = await cdrchain('settle', PERIOD, '--operator', String(VODAFONE_UK), '--approve', '--wait', 'final', '--timeout', '60', '--url', node.url, '--json');
    expect(vodafone.code, vodafone.stderr).toBe(0);
    expect(JSON.parse(vodafone.stdout)).toMatchObject({ action: 'approval', proposal: pid, settlement: { status: 'final', plainTransfers: transfers } });
    expect(await view()).toMatchObject({ netted: true, settlement: { status: 'final', id: pid, plainTransfers: transfers } });
    const text = await cdrchain('settlement', PERIOD, '--url', node.url);
    expect(text.stdout).toMatch(/settlement: final/);
    expect(text.stdout).toMatch(new RegExp(`transfer: ${transfers[0]!.from} pays ${transfers[0]!.to} ${transfers[0]!.amount} minor units`));
    const again = await cdrchain('settle', PERIOD, '--operator', String(T_MOBILE_US), '--bls-key', file('tmobile.bls.json'), '--url', node.url);
    expect([again.code, again.stderr]).toEqual([3, expect.stringMatching(/already_settled/)]);

    // T-Mobile's statement now reads the final settlement: its net is what the plain transfers pay it (no T_k here).
    const statementOf = (theirs: string, ...rest: string[]) => cdrchain('statement', PERIOD, '--operator', String(T_MOBILE_US), '--mine', file(`${ORANGE_FR}-${T_MOBILE_US}.${theirs}.ndjson`), '--theirs', file(`${ORANGE_FR}-${T_MOBILE_US}.a.ndjson`), '--url', node.url, '--tolerance-charge', '1', ...rest);
    const settled = await statementOf('b');
    expect(settled.code, settled.stderr).toBe(0);
    expect(JSON.parse(settled.stdout)).toMatchObject({ settlement: { status: 'final', proposalId: pid } });
    expect(JSON.parse(settled.stdout).settlement).not.toHaveProperty('transferOpens');
    // Fewer records give another net: marked transfer_mismatch, exit 10.
    const mismatch = await statementOf('b-partial');
    expect([mismatch.code, mismatch.stderr]).toEqual([10, expect.stringMatching(/transfer mismatch: the proposal .* pays you/)]);
    expect(JSON.parse(mismatch.stdout)).toMatchObject({ settlement: { status: 'transfer_mismatch', proposalId: pid } });
    // Nothing to disclose in plain mode: the CLI says so (exit 3), and the node refuses a disclosure frame (wrong_mode).
    const disclose = await statementOf('b', '--disclose');
    expect([disclose.code, disclose.stderr]).toEqual([3, expect.stringMatching(/plain mode/)]);
    const disclosure = { kind: 'disclosure' as const, proposalId: fromHex(pid, 32), toOperator: new Uint8Array(96), toBank: new Uint8Array(96), proof: new Uint8Array(128) };
    const frame = signSettlementTx({ submitter: ORANGE_FR, sequence: await nextSequence(ORANGE_FR), period: PERIOD, action: disclosure, seed: devnetBatchSeed(ORANGE_FR), chain }).frame;
    expect(await post('/settle', frame)).toEqual({ status: 422, error: 'wrong_mode' });
    const bank = await cdrchain('bank-open', PERIOD, '--url', node.url);
    expect([bank.code, bank.stderr]).toEqual([3, expect.stringMatching(/plain mode/)]);
  }, 180_000);
});
