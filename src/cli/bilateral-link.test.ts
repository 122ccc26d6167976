// `cdrchain prove --save` and `cdrchain bilateral --cosign --proven` end to end: the real CLI (dist/)
// against a real node whose genesis registers the link circuit (a manual clock closes the period):
// both operators prove their billing batches and journal them, the half is signed, and the cosigner
// makes the link proof from both journals; the node records the statement. With one operator's journal
// only, the cosigner stops before proving (exit 3), naming the aggregate it cannot open.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCdrNdjson } from '../cdr/json.js';
import type { Cdr } from '../cdr/model.js';
import { counterpartyView, generateTraffic } from '../cdr/synthetic.js';
import { Operator } from '../client/operator.js';
import { fxRateSetAction, signSettlementTx } from '../client/settlement-tx.js';
import { toHex } from '../codec/bytes.js';
import { blsKeyPairFromSeed } from '../crypto/bls/bls.js';
import { localChainIdentity } from '../chain/devnet-chain.js';
import { DEVNET_OPERATORS, devnetBatchSeed, devnetBlsSeed, devnetGenesis } from '../chain/genesis.js';
import type { CdrNode } from '../node/node.js';
import { BUILD_TIMEOUT_MS, builtTestLinkCircuit } from '../proofs/test-helpers/built-circuits.js';
import { signFxRateSet, type FxRateSet } from '../settlement/fx/fx-rate-book.js';
import { parseDecimal } from '../settlement/fx/rational.js';
import { startTestNode, tempDataDir, TELEKOM_DE, VODAFONE_UK } from '../test-helpers/devnet.js';
import { ManualClock } from '../test-helpers/manual-clock.js';
import { findPackageRoot } from '../wasm/load.js';

const run = promisify(execFile);
const genesis = devnetGenesis({ linkProofs: true });
const CHAIN = localChainIdentity(genesis);
const OPERATORS = DEVNET_OPERATORS.map((o) => o.plmn).sort((a, b) => a - b);
const data = tempDataDir();
const file = (name: string): string => join(data.dir, name);
const now = Date.now();
const startTime = Math.floor(now / 1000) - 2 * 86_400; // two days ago: the month is open
const PERIOD = new Date(startTime * 1000).toISOString().slice(0, 7);
const [year, month] = PERIOD.split('-').map(Number) as [number, number];
const clock = new ManualClock(now);
let node: CdrNode;

/**
 * `biller`'s billing records of one service: the test-size link circuit holds one line per direction
 * and currency (docs/proofs.md §8), so the traffic is of one service.
 */
function billing(biller: number, other: number, seed: string): Cdr[] {
  const all = [...generateTraffic({ seed, submitter: biller, counterparty: other, count: 60, startTime, periodSeconds: 3_600 })];
  return all.filter((c) => c.service === all[0]!.service && c.charge > 0n).slice(0, 5);
}
const byV = billing(VODAFONE_UK, TELEKOM_DE, 'cli-link-uk');
const byT = billing(TELEKOM_DE, VODAFONE_UK, 'cli-link-de');

async function cdrchain(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = join(findPackageRoot(), 'dist', 'src', 'cli', 'main.js');
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args, '--url', node.url], { timeout: 240_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  await builtTestLinkCircuit();
  node = await startTestNode(join(data.dir, 'node'), { genesis, clock });
  // What each submitted (its billing), and each one's files of the pair: its records and its view of the other's calls.
  writeFileSync(file('v-billing.ndjson'), formatCdrNdjson(byV));
  writeFileSync(file('t-billing.ndjson'), formatCdrNdjson(byT));
  writeFileSync(file('v.ndjson'), formatCdrNdjson([...byV, ...byT.map((c) => counterpartyView(c).cdr)]));
  writeFileSync(file('t.ndjson'), formatCdrNdjson([...byT, ...byV.map((c) => counterpartyView(c).cdr)]));
  for (const [biller, cdrs, input] of [[VODAFONE_UK, byV, 'v-billing.ndjson'], [TELEKOM_DE, byT, 't-billing.ndjson']] as const) {
    const batch = Operator.devnet(biller, CHAIN).batch(cdrs, 1n);
    await node.chain.submitTx(batch.frame.slice(), node.chain.httpSource);
    await node.chain.flush();
    const proved = await cdrchain('prove', toHex(batch.id), '--input', file(input), '--operator', String(biller), '--batch-size', '100', '--save', file(`${biller}.journal`));
    expect(proved.code, proved.stderr).toBe(0);
    await node.chain.flush();
  }
  // The close (end + 3 days' grace), recorded by the block of the period's rate set.
  clock.set(Date.UTC(year, month, 4, 1));
  const set: FxRateSet = { chain: toHex(CHAIN), periodId: PERIOD, base: 'XDR', rates: new Map([['EUR', parseDecimal('0.8731')], ['GBP', parseDecimal('1.0214')]]), override: false };
  const action = fxRateSetAction({ set, signatures: [signFxRateSet(set, 0, blsKeyPairFromSeed(devnetBlsSeed(OPERATORS[0]!)).secretKey)] });
  await node.chain.submitTx(signSettlementTx({ submitter: OPERATORS[0]!, sequence: 1n, period: PERIOD, action, seed: devnetBatchSeed(OPERATORS[0]!), chain: CHAIN }).frame, node.chain.httpSource);
  await node.chain.flush();
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await node?.stop();
  data.cleanup();
});

describe('cdrchain bilateral with a link proof', { timeout: 600_000 }, () => {
  const pairArgs = (me: number, mine: string, theirs: string): string[] => [
    'bilateral', PERIOD, '--pair', `${VODAFONE_UK}-${TELEKOM_DE}`, '--operator', String(me), '--mine', file(mine), '--theirs', file(theirs),
  ];

  it('the cosigner proves the link from both journals and the node records the statement; one journal alone does not open the aggregates', async () => {
    const half = await cdrchain(...pairArgs(VODAFONE_UK, 'v.ndjson', 't.ndjson'), '--out', file('half.json'));
    expect(half.code, half.stderr).toBe(0);
    // Telekom's journal alone: Vodafone's billing aggregate is not opened (exit 3, before any proving).
    const partial = await cdrchain(...pairArgs(TELEKOM_DE, 't.ndjson', 'v.ndjson'), '--cosign', file('half.json'), '--proven', file(`${TELEKOM_DE}.journal`));
    expect(partial.code, partial.stderr).toBe(3);
    expect(partial.stderr).toContain(`${VODAFONE_UK} → ${TELEKOM_DE}`);
    // Without a link proof the node refuses it.
    const bare = await cdrchain(...pairArgs(TELEKOM_DE, 't.ndjson', 'v.ndjson'), '--cosign', file('half.json'));
    expect(bare.code).toBe(3);
    expect(bare.stderr).toContain('missing_link_proof');

    const ok = await cdrchain(...pairArgs(TELEKOM_DE, 't.ndjson', 'v.ndjson'), '--cosign', file('half.json'), '--proven', file(`${TELEKOM_DE}.journal`), '--proven', file(`${VODAFONE_UK}.journal`), '--json');
    expect(ok.code, ok.stderr).toBe(0);
    const out = JSON.parse(ok.stdout) as { submitted?: { hash: string } };
    expect(out.submitted?.hash).toMatch(/^[0-9a-f]{64}$/);
    await node.chain.flush();
    expect(node.chain.settlementPeriod(PERIOD).statements).toBe(1);
  });
});
