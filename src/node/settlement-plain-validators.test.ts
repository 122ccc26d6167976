// Plain mode with consensus (docs/settlement.md, "Plain mode on chain"): two real validators on
// 127.0.0.1 (TLS peers, the devnet's well-known keys) of a consortium whose genesis settles in plain
// mode. A plain statement submitted to one is relayed and recorded alike on both; a proposal of the
// plain netting's transfers is approved by both validators on their own (each compares it with its own
// plain netting) and is final on both with the same approval slots.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devnetBatchSeed, devnetBlsSeed, readGenesisFile } from '../chain/genesis.js';
import { genesisSettlement } from '../chain/genesis-settlement.js';
import { APPROVALS_ID } from '../chain/settlement-approval-state.js';
import { PLAIN_STATEMENTS_ID } from '../chain/settlement-state.js';
import { devnetInit } from '../cli/commands/devnet.js';
import type { SettlementDraftView } from '../api/settlement-draft.js';
import { plainStatementAction, proposalAction, signSettlementTx } from '../client/settlement-tx.js';
import { toHex } from '../codec/bytes.js';
import { blsKeyPairFromSeed } from '../crypto/bls/bls.js';
import { silentLogger } from '../log.js';
import { clearingFee, proposalId, signAsOperator, type SettlementProposal } from '../settlement/approval/index.js';
import { rational } from '../settlement/fx/rational.js';
import { pairKey } from '../settlement/netting-contract.js';
import { signPlainStatement, type PlainBilateralStatement } from '../settlement/plain-statement.js';
import { ORANGE_FR, tempDataDir, VODAFONE_UK } from '../test-helpers/devnet.js';
import { CdrNode } from './node.js';
import { readValidatorDir } from './validator-dir.js';
import { until, getJson } from '../test-helpers/node-http.js';

const tmp = tempDataDir();
const nodes: CdrNode[] = [];
const blsSecret = (plmn: number): Uint8Array => blsKeyPairFromSeed(devnetBlsSeed(plmn)).secretKey;

beforeAll(async () => {
  const basePort = 20_000 + Math.floor(Math.random() * 20_000) * 2;
  const plan = await devnetInit({ validators: 2, out: join(tmp.dir, 'devnet'), chainId: 'settlement-plain-validators', basePort, force: false, wellKnownKeys: true });
  const devnet = readGenesisFile(plan.genesis);
  // The same consortium, settling in plain mode (its validators publish rates).
  const genesis = { ...devnet, settlement: genesisSettlement({ mode: 'plain', ratePublishers: devnet.consensus!.validators.map((v) => v.blsKey) }) };
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

describe('plain-mode settlement with two validators', { timeout: 180_000 }, () => {
  it('a plain statement is relayed and recorded alike; a proposal of the plain transfers is approved by both validators on their own and final on both', async () => {
    const [a, b] = nodes as [CdrNode, CdrNode];
    await until(async () => ((await getJson(b, '/consensus'))['validators'] as { connected: boolean }[]).every((v) => v.connected), 'both validators connected');
    const chain = a.chain.identity;
    const s: PlainBilateralStatement = { chain: toHex(chain), periodId: '2025-12', currency: 'XDR', first: ORANGE_FR, second: VODAFONE_UK, firstOwesSecond: 9_000_000n, secondOwesFirst: 2_500_000n };
    const statement = signSettlementTx({
      submitter: VODAFONE_UK, sequence: 1n, period: '2025-12', seed: devnetBatchSeed(VODAFONE_UK), chain,
      action: plainStatementAction({ statement: s, firstSignature: signPlainStatement(s, blsSecret(ORANGE_FR)), secondSignature: signPlainStatement(s, blsSecret(VODAFONE_UK)) }),
    });
    expect((await fetch(`${a.url}/tx`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: statement.frame })).status).toBe(202);
    const key = BigInt(Date.UTC(2025, 11, 1) / 1000);
    for (const n of [a, b]) {
      await until(async () => (await getJson(n, `/txns/${toHex(statement.hash)}`))['status'] === 'committed', 'the statement committed');
      expect(n.chain.committed.contracts.slot(PLAIN_STATEMENTS_ID, pairKey(key, 0, 0))).toBe(9_000_000n);
      expect(await getJson(n, `/txns/${toHex(statement.hash)}`)).toMatchObject({ action: 'plain_statement', firstOwesSecond: '9000000', secondOwesFirst: '2500000' });
      expect(await getJson(n, '/settlement/2025-12')).toMatchObject({ mode: 'plain', statements: 1 });
    }

    const d = (await getJson(a, '/settlement/2025-12/draft')) as unknown as SettlementDraftView;
    expect(d).toMatchObject({ mode: 'plain', operators: [ORANGE_FR, VODAFONE_UK], transfers: [], plainTransfers: [{ from: ORANGE_FR, to: VODAFONE_UK, amount: '6500000' }] });
    expect(await getJson(b, '/settlement/2025-12/draft')).toEqual(d);
    const [num, den] = d.clearingFeeRate.split('/').map(BigInt) as [bigint, bigint];
    const proposal: SettlementProposal = {
      chain: d.chain, periodId: d.period, currency: 'XDR', operators: d.operators,
      outcome: { mode: 'plain', transfers: d.plainTransfers!.map((t) => ({ from: t.from, to: t.to, amount: BigInt(t.amount) })) },
      settledVolume: 6_500_000n, clearingFee: clearingFee(6_500_000n, rational(num, den)), deadlineHeight: d.deadline, attempt: d.attempt, proposer: ORANGE_FR,
    };
    const sequence = BigInt((await getJson(a, `/operators/${ORANGE_FR}`))['lastSettlementSequence'] as string) + 1n;
    const tx = signSettlementTx({
      submitter: ORANGE_FR, sequence, period: '2025-12', seed: devnetBatchSeed(ORANGE_FR), chain,
      action: proposalAction(proposal, signAsOperator(proposal, ORANGE_FR, blsSecret(ORANGE_FR)).signature),
    });
    expect((await fetch(`${a.url}/settle`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: tx.frame })).status).toBe(202);
    // Each validator's node signs on its own: Orange's as a validator, Vodafone's as the other operator and a validator.
    for (const n of [a, b]) await until(async () => ((await getJson(n, '/settlement/2025-12'))['settlement'] as { status: string }).status === 'final', 'final on both');
    const [va, vb] = [await getJson(a, '/settlement/2025-12'), await getJson(b, '/settlement/2025-12')];
    expect(va).toEqual(vb);
    expect(va).toMatchObject({ netted: true, settlement: { status: 'final', id: proposalId(proposal), plainTransfers: [{ from: ORANGE_FR, to: VODAFONE_UK, amount: '6500000' }], fees: { fee: '3250' } } });
    const base = key << 32n;
    const slots = (n: CdrNode): bigint[] => [...Array.from({ length: 16 }, (_, i) => base + BigInt(i)), base + 0x1_0000n].map((k) => n.chain.committed.contracts.slot(APPROVALS_ID, k));
    expect(slots(a)).toEqual(slots(b));
    expect(slots(a)[14]).toBe(2n); // the mode slot: plain
  });
});
