// Issue 14 with consensus: a bilateral statement and an FX rate set submitted to one validator are
// relayed (gossip kind 11), admitted by the other with every check, committed in final blocks, and
// recorded alike on both; a proposal approved by both validators on their own and final on both. Two real validators on 127.0.0.1 (TLS peers), the devnet's well-known keys.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGenesisFile } from '../chain/genesis.js';
import { devnetBatchSeed, devnetBlsSeed } from '../chain/genesis.js';
import { FX_RATES_ID, STATEMENTS_ID } from '../chain/settlement-state.js';
import { devnetInit } from '../cli/commands/devnet.js';
import { fxRateSetAction, proposalAction, signSettlementTx, statementAction } from '../client/settlement-tx.js';
import type { SettlementDraftView } from '../api/settlement-draft.js';
import { APPROVALS_ID } from '../chain/settlement-approval-state.js';
import { clearingFee, proposalId, signAsOperator, type SettlementProposal } from '../settlement/approval/index.js';
import { toHex } from '../codec/bytes.js';
import { blsKeyPairFromSeed } from '../crypto/bls/bls.js';
import { silentLogger } from '../log.js';
import { makeBilateralStatement, signBilateralStatement } from '../settlement/commitment/bilateral-statement.js';
import { randomBlinding } from '../settlement/commitment/pedersen.js';
import { signFxRateSet, type FxRateSet } from '../settlement/fx/fx-rate-book.js';
import { rational } from '../settlement/fx/rational.js';
import { pairKey } from '../settlement/netting-contract.js';
import { ORANGE_FR, tempDataDir, VODAFONE_UK } from '../test-helpers/devnet.js';
import { CdrNode } from './node.js';
import { readValidatorDir } from './validator-dir.js';
import { until, getJson, postFrame } from '../test-helpers/node-http.js';

const tmp = tempDataDir();
const nodes: CdrNode[] = [];
const blsSecret = (plmn: number): Uint8Array => blsKeyPairFromSeed(devnetBlsSeed(plmn)).secretKey;

beforeAll(async () => {
  const basePort = 20_000 + Math.floor(Math.random() * 20_000) * 2;
  const plan = await devnetInit({ validators: 2, out: join(tmp.dir, 'devnet'), chainId: 'settlement-validators', basePort, force: false, wellKnownKeys: true });
  const genesis = readGenesisFile(plan.genesis);
  for (const v of plan.validators) {
    nodes.push(await CdrNode.start({
      dataDir: join(v.dir, 'data'), host: '127.0.0.1', port: 0, workers: 1, genesis, apiAuth: 'open', reconciliation: false,
      validator: { ...readValidatorDir(v.dir), policy: { emptyBlockIntervalMs: 100, minBlockSeparationMs: 5 } },
      log: silentLogger(), defaultMetrics: false,
    }));
  }
}, 120_000);

afterAll(async () => {
  for (const n of nodes.reverse()) await n.stop();
  tmp.cleanup();
});

describe('settlement transactions with two validators', { timeout: 180_000 }, () => {
  it('a statement and a rate set submitted to either validator are relayed, committed final and recorded alike on both', async () => {
    const [a, b] = nodes as [CdrNode, CdrNode];
    await until(async () => ((await getJson(b, '/consensus'))['validators'] as { connected: boolean }[]).every((v) => v.connected), 'both validators connected');
    const chain = a.chain.identity;
    expect(a.chain.genesis.settlement?.fx?.publishers).toHaveLength(2);

    // 2025-12 ended before the devnet genesis (2026-01-01): its statements are taken at once.
    const s = makeBilateralStatement({ chain: toHex(chain), periodId: '2025-12', currency: 'XDR', first: ORANGE_FR, second: VODAFONE_UK }, { firstOwesSecond: 9_000_000n, secondOwesFirst: 2_500_000n, blinding: randomBlinding() });
    const statement = signSettlementTx({
      submitter: VODAFONE_UK, sequence: 1n, period: '2025-12', seed: devnetBatchSeed(VODAFONE_UK), chain,
      action: statementAction({ statement: s, firstSignature: signBilateralStatement(s, blsSecret(ORANGE_FR)), secondSignature: signBilateralStatement(s, blsSecret(VODAFONE_UK)) }),
    });
    const set: FxRateSet = { chain: toHex(chain), periodId: '2026-01', base: 'XDR', rates: new Map([['EUR', rational(115n, 100n)]]), override: false };
    const rates = signSettlementTx({
      submitter: ORANGE_FR, sequence: 1n, period: '2026-01', seed: devnetBatchSeed(ORANGE_FR), chain,
      action: fxRateSetAction({ set, signatures: [signFxRateSet(set, 1, blsSecret(VODAFONE_UK))] }),
    });
    expect(await postFrame(a, '/tx', statement.frame)).toBe(202);
    expect(await postFrame(b, '/tx', rates.frame)).toBe(202);

    const key = BigInt(Date.UTC(2025, 11, 1) / 1000);
    for (const n of [a, b]) {
      for (const tx of [statement, rates]) await until(async () => (await getJson(n, `/txns/${toHex(tx.hash)}`))['status'] === 'committed', 'the transactions committed');
      expect(n.chain.committed.contracts.slot(STATEMENTS_ID, pairKey(key, 0, 0))).toBe(s.commitment.x);
      expect(n.chain.committed.contracts.slot(STATEMENTS_ID, pairKey(key, 0, 1))).toBe(s.commitment.y);
      expect(n.chain.committed.contracts.slot(FX_RATES_ID, 0n)).toBe(BigInt(Date.UTC(2026, 0, 1) / 1000));
      expect(await getJson(n, '/settlement/2025-12')).toMatchObject({ statements: 1, pairs: 15, closed: true });
    }
    // The pair's second statement, to the other validator: refused there too.
    const second = signSettlementTx({
      submitter: ORANGE_FR, sequence: 2n, period: '2025-12', seed: devnetBatchSeed(ORANGE_FR), chain,
      action: statementAction({ statement: s, firstSignature: signBilateralStatement(s, blsSecret(ORANGE_FR)), secondSignature: signBilateralStatement(s, blsSecret(VODAFONE_UK)) }),
    });
    expect(await postFrame(b, '/tx', second.frame)).toBe(409);
  });

  it('a proposal to one validator is approved by both on their own (each checks it against its own netting) and is final on both, alike', async () => {
    const [a, b] = nodes as [CdrNode, CdrNode];
    // The first test recorded Orange–Vodafone's statement for 2025-12 (closed long ago on the real clock).
    const draft = await getJson(a, '/settlement/2025-12/draft');
    expect(draft).toMatchObject({ period: '2025-12', operators: [ORANGE_FR, VODAFONE_UK], attempt: 1, mode: 'committed' });
    expect(await getJson(b, '/settlement/2025-12/draft')).toEqual(draft);
    const d = draft as unknown as SettlementDraftView;
    const [num, den] = d.clearingFeeRate.split('/').map(BigInt) as [bigint, bigint];
    const proposal: SettlementProposal = {
      chain: d.chain, periodId: d.period, currency: 'XDR', operators: d.operators,
      outcome: { mode: 'committed', transfers: d.transfers.map((t) => ({ x: BigInt(`0x${t.x}`), y: BigInt(`0x${t.y}`) })) },
      settledVolume: 6_500_000n, clearingFee: clearingFee(6_500_000n, rational(num, den)), deadlineHeight: d.deadline, attempt: d.attempt, proposer: ORANGE_FR,
    };
    const sequence = BigInt((await getJson(a, `/operators/${ORANGE_FR}`))['lastSettlementSequence'] as string) + 1n;
    const tx = signSettlementTx({
      submitter: ORANGE_FR, sequence, period: '2025-12', seed: devnetBatchSeed(ORANGE_FR), chain: a.chain.identity,
      action: proposalAction(proposal, signAsOperator(proposal, ORANGE_FR, blsSecret(ORANGE_FR)).signature),
    });
    const res = await fetch(`${a.url}/settle`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: tx.frame });
    expect(res.status).toBe(202);
    // Orange's validator signs as a validator (its operator signed the proposal); Vodafone's as the
    // other involved operator and as a validator: both validators (2 of 2 > 2/3) and both operators.
    for (const n of [a, b]) await until(async () => ((await getJson(n, '/settlement/2025-12'))['settlement'] as { status: string }).status === 'final', 'final on both');
    const [va, vb] = [await getJson(a, '/settlement/2025-12'), await getJson(b, '/settlement/2025-12')];
    expect(va).toEqual(vb);
    expect(va).toMatchObject({ netted: true, settlement: { status: 'final', attempt: 1, id: proposalId(proposal), fees: { fee: '3250', toProducers: '0', toValidators: '3250' } } });
    const key = BigInt(Date.UTC(2025, 11, 1) / 1000) << 32n;
    const slots = (n: CdrNode): bigint[] => Array.from({ length: 14 }, (_, i) => n.chain.committed.contracts.slot(APPROVALS_ID, key + BigInt(i)));
    expect(slots(a)).toEqual(slots(b));
    // A second proposal of the settled period is refused.
    const again = signSettlementTx({
      submitter: VODAFONE_UK, sequence: BigInt((await getJson(b, `/operators/${VODAFONE_UK}`))['lastSettlementSequence'] as string) + 1n, period: '2025-12',
      seed: devnetBatchSeed(VODAFONE_UK), chain: a.chain.identity, action: proposalAction({ ...proposal, attempt: 2, proposer: VODAFONE_UK }, signAsOperator({ ...proposal, attempt: 2, proposer: VODAFONE_UK }, VODAFONE_UK, blsSecret(VODAFONE_UK)).signature),
    });
    const refused = await fetch(`${b.url}/settle`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: again.frame });
    expect([refused.status, ((await refused.json()) as { error: string }).error]).toEqual([409, 'already_settled']);
  });
});
