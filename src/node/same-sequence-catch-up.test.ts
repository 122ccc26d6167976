// Issue 12 with issue 14: a validator whose own pending transaction has the sequence number of
// another transaction of the same operator, final elsewhere, still follows the chain. Four real
// validators on 127.0.0.1 (TLS peers, the devnet's well-known keys). Vodafone's validator is down
// while a proposal naming Vodafone is final and then, in a later macro block, a statement of
// Vodafone's client with the sequence Vodafone's approval is about to take. On restart it catches
// up batch by batch: the proposal's batch makes it approve with that sequence (its last one here is
// below), and the next batch names the client's statement, which its admission must take although
// its own approval holds that sequence (blocks take a submitter's settlement transactions in any
// order). Before, it refused the statement as a replay and stopped at that block for good; and the
// others refused its approval for the same reason, so the settlement never became final.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettlementDraftView } from '../api/settlement-draft.js';
import { devnetBatchSeed, devnetBlsSeed, readGenesisFile, type Genesis } from '../chain/genesis.js';
import { devnetInit, type DevnetPlan } from '../cli/commands/devnet.js';
import { proposalAction, signSettlementTx, statementAction } from '../client/settlement-tx.js';
import { toHex } from '../codec/bytes.js';
import { blsKeyPairFromSeed } from '../crypto/bls/bls.js';
import { silentLogger } from '../log.js';
import { clearingFee, signAsOperator, type SettlementProposal } from '../settlement/approval/index.js';
import { makeBilateralStatement, signBilateralStatement } from '../settlement/commitment/bilateral-statement.js';
import { randomBlinding } from '../settlement/commitment/pedersen.js';
import { rational } from '../settlement/fx/rational.js';
import { ORANGE_FR, tempDataDir, VODAFONE_UK } from '../test-helpers/devnet.js';
import { CdrNode } from './node.js';
import { readValidatorDir } from './validator-dir.js';
import { until, getJson, postFrame } from '../test-helpers/node-http.js';

const tmp = tempDataDir();
let plan: DevnetPlan;
let genesis: Genesis;
const nodes = new Map<number, CdrNode>();
const blsSecret = (plmn: number): Uint8Array => blsKeyPairFromSeed(devnetBlsSeed(plmn)).secretKey;

async function startValidator(plmn: number): Promise<CdrNode> {
  const v = plan.validators.find((x) => x.plmn === plmn)!;
  const node = await CdrNode.start({
    dataDir: join(v.dir, 'data'), host: '127.0.0.1', port: 0, workers: 1, genesis, apiAuth: 'open', reconciliation: false,
    validator: { ...readValidatorDir(v.dir), policy: { emptyBlockIntervalMs: 100, minBlockSeparationMs: 5 } },
    log: silentLogger(), defaultMetrics: false,
  });
  nodes.set(plmn, node);
  return node;
}

const committed = async (node: CdrNode, hash: Uint8Array): Promise<boolean> => (await getJson(node, `/txns/${toHex(hash)}`))['status'] === 'committed';

beforeAll(async () => {
  const basePort = 20_000 + Math.floor(Math.random() * 20_000) * 2;
  plan = await devnetInit({ validators: 4, out: join(tmp.dir, 'devnet'), chainId: 'approval-resubmit', basePort, force: false, wellKnownKeys: true });
  genesis = readGenesisFile(plan.genesis);
  for (const v of plan.validators) await startValidator(v.plmn);
}, 180_000);

afterAll(async () => {
  for (const n of [...nodes.values()].reverse()) await n.stop();
  tmp.cleanup();
});

describe('two settlement transactions of one operator with one sequence', { timeout: 300_000 }, () => {
  it('a restarted validator holding one catches up past the other, and both are final everywhere', async () => {
    expect(plan.validators.map((v) => v.plmn)).toEqual(expect.arrayContaining([ORANGE_FR, VODAFONE_UK]));
    const orange = nodes.get(ORANGE_FR)!;
    await until(async () => ((await getJson(orange, '/consensus'))['validators'] as { connected: boolean }[]).every((v) => v.connected), 'all validators connected', 90_000);
    const chain = orange.chain.identity;
    const statementTx = (sequence: bigint, period: string) => {
      const s = makeBilateralStatement({ chain: toHex(chain), periodId: period, currency: 'XDR', first: ORANGE_FR, second: VODAFONE_UK }, { firstOwesSecond: 9_000_000n, secondOwesFirst: 2_500_000n, blinding: randomBlinding() });
      return signSettlementTx({
        submitter: VODAFONE_UK, sequence, period, seed: devnetBatchSeed(VODAFONE_UK), chain,
        action: statementAction({ statement: s, firstSignature: signBilateralStatement(s, blsSecret(ORANGE_FR)), secondSignature: signBilateralStatement(s, blsSecret(VODAFONE_UK)) }),
      });
    };
    // Vodafone's sequence 1: Orange–Vodafone's statement for 2025-12 (a period that closed before the genesis).
    const statement = statementTx(1n, '2025-12');
    expect(await postFrame(orange, '/tx', statement.frame)).toBe(202);
    for (const n of nodes.values()) await until(() => committed(n, statement.hash), 'the statement final everywhere', 90_000);

    // Vodafone's validator goes down; the other three (3 of 4 > 2/3) go on.
    await nodes.get(VODAFONE_UK)!.stop();
    nodes.delete(VODAFONE_UK);

    const d = (await getJson(orange, '/settlement/2025-12/draft')) as unknown as SettlementDraftView;
    const [num, den] = d.clearingFeeRate.split('/').map(BigInt) as [bigint, bigint];
    const proposal: SettlementProposal = {
      chain: d.chain, periodId: d.period, currency: 'XDR', operators: d.operators,
      outcome: { mode: 'committed', transfers: d.transfers.map((t) => ({ x: BigInt(`0x${t.x}`), y: BigInt(`0x${t.y}`) })) },
      settledVolume: 6_500_000n, clearingFee: clearingFee(6_500_000n, rational(num, den)), deadlineHeight: d.deadline, attempt: d.attempt, proposer: ORANGE_FR,
    };
    const proposalTx = signSettlementTx({
      submitter: ORANGE_FR, sequence: 1n, period: '2025-12', seed: devnetBatchSeed(ORANGE_FR), chain,
      action: proposalAction(proposal, signAsOperator(proposal, ORANGE_FR, blsSecret(ORANGE_FR)).signature),
    });
    expect(await postFrame(orange, '/settle', proposalTx.frame)).toBe(202);
    // Final means its macro block is: the next transaction lands in a later batch.
    await until(() => committed(orange, proposalTx.hash), 'the proposal final', 90_000);

    // Vodafone's sequence 2, taken by its client's statement for another period while its validator is down.
    const competing = statementTx(2n, '2025-11');
    expect(await postFrame(orange, '/tx', competing.frame)).toBe(202);
    await until(() => committed(orange, competing.hash), 'the competing transaction final', 90_000);
    const awaiting = (await getJson(orange, '/settlement/2025-12'))['settlement'] as { status: string };
    expect(awaiting.status).not.toBe('final'); // Vodafone, an involved operator, has not signed

    // Back up: it catches up past the client's statement, and its approval (sequence 2 as well) is final everywhere.
    const vodafone = await startValidator(VODAFONE_UK);
    await until(() => committed(vodafone, competing.hash), 'the restarted validator past the competing transaction', 60_000);
    for (const n of nodes.values()) await until(async () => ((await getJson(n, '/settlement/2025-12'))['settlement'] as { status: string }).status === 'final', 'the settlement final everywhere', 60_000);
    expect(BigInt((await getJson(orange, `/operators/${VODAFONE_UK}`))['lastSettlementSequence'] as string)).toBe(2n);
    const views = await Promise.all([...nodes.values()].map((n) => getJson(n, '/settlement/2025-12')));
    for (const v of views) expect(v).toEqual(views[0]);
  });
});
