// From period close to final settlement (issue 14 target: 1 M matched CDRs across 6 operators,
// < 10 s on the node), on one node with real LMDB, the WASM VM and BLS:
//
//   npx tsc -p tsconfig.build.json && node dist/bench/settlement/close-to-final.js [--cdrs 1000000]
//   node dist/bench/run-all.js --only settle
//
// Setup (untimed): the devnet genesis (6 operators, all validators), the period's FX rate set on
// chain, a block at the period's close time. Then, timed from the close:
//   1. statements — every pair's bilateral statement computed on both sides from the pair's matched
//      CDRs (settled traffic under the tolerances, conversion, blinding, commitment: what `cdrchain
//      bilateral` computes), co-signed with BLS. The 15 pairs' CDRs are generated pair by pair before
//      their timing (generation is not timed). Operators compute in parallel on their own machines,
//      so the critical path is the busiest operator's own pairs (`statementsCriticalPathMs`);
//      `statementsSequentialMs` is everything on this one machine.
//   2. chain — the 15 statements admitted and committed, the draft (the netting contract over the
//      statements), the proposal admitted and committed (netting again in the block), the six
//      operator-validators' approvals admitted and committed: final.
// periodCloseToFinalMs = statementsCriticalPathMs + chainMs. Blocks are built and committed back to
// back (no block interval: that is consensus' share, measured by the devnet benchmark).
// Writes bench/results/settle.json.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import type { Cdr } from '../../src/cdr/model.js';
import { devnetSecrets } from '../../src/cdr/operator-secrets.js';
import { counterpartyView, generateTraffic } from '../../src/cdr/synthetic.js';
import type { Chain } from '../../src/chain/chain.js';
import { DEVNET_OPERATORS, devnetBatchSeed, devnetBlsSeed, devnetGenesis } from '../../src/chain/genesis.js';
import { approvalAction, fxRateSetAction, proposalAction, signSettlementTx, statementAction } from '../../src/client/settlement-tx.js';
import type { SettlementAction } from '../../src/codec/settlement-tx.js';
import { encodeBlock } from '../../src/codec/block.js';
import { toHex } from '../../src/codec/bytes.js';
import { blsAggregateSignatures, blsKeyPairFromSeed } from '../../src/crypto/bls/bls.js';
import { silentLogger } from '../../src/log.js';
import { NodeMetrics } from '../../src/metrics/node-metrics.js';
import { openChain } from '../../src/node/chain-factory.js';
import { clearingFee, proposalId, signAsOperator, signAsValidator, type SettlementProposal } from '../../src/settlement/approval/index.js';
import { pairStatement, settledTraffic } from '../../src/settlement/bilateral/index.js';
import { callViews } from '../../src/reconciliation/views-by-event.js';
import { signBilateralStatement } from '../../src/settlement/commitment/bilateral-statement.js';
import { signFxRateSet, type FxRateSet } from '../../src/settlement/fx/fx-rate-book.js';
import { parseDecimal } from '../../src/settlement/fx/rational.js';
import { currentCommand, resultEnvelope, writeResult } from '../machine.js';

const PERIOD = '2025-12';
const START = Date.UTC(2025, 11, 1) / 1000;
const CLOSES_AT_MS = BigInt(Date.UTC(2026, 0, 4));
const OPERATORS = DEVNET_OPERATORS.map((o) => o.plmn).sort((a, b) => a - b);
const TOLERANCES = { durationSec: 0, chargePpm: 0, chargeMinor: 1n, volumeBytes: 0n };
const idle = () => ({ start: () => undefined, nudge: () => undefined, flush: () => Promise.resolve(), stop: () => Promise.resolve(), consecutiveFailures: 0 });

export interface SettleBenchResult {
  cdrs: number;
  operators: number;
  pairs: number;
  statementsSequentialMs: number;
  statementsCriticalPathMs: number;
  statementsOnChainMs: number;
  proposalMs: number;
  approvalsMs: number;
  chainMs: number;
  periodCloseToFinalMs: number;
  targetMs: number;
  loadAverage: number[];
}

const bls = (plmn: number): Uint8Array => blsKeyPairFromSeed(devnetBlsSeed(plmn)).secretKey;

async function commitBlock(chain: Chain, timestampMs = chain.committed.headTimestampMs + 1n): Promise<void> {
  const proposal = { producer: OPERATORS[0]!, timestampMs };
  const built = chain.builder.build(proposal) ?? (() => {
    const writes = chain.transition.propose(proposal, []);
    return { bytes: encodeBlock(writes.header, new Uint8Array(0)), writes, startedAt: 0 };
  })();
  await chain.committer.commit(built);
}

export async function runSettleBench(cdrs = 1_000_000): Promise<SettleBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'cdrchain-settle-bench-'));
  const chain = await openChain({
    dataDir: dir, genesis: devnetGenesis(), metrics: new NodeMetrics({ defaultMetrics: false }), log: silentLogger(), workers: 1,
    producer: { blockIntervalMs: 10 }, deps: { schedule: idle },
  });
  try {
    const chainHex = toHex(chain.identity);
    const sequences = new Map<number, bigint>();
    const frame = (submitter: number, action: SettlementAction): Uint8Array => {
      const sequence = (sequences.get(submitter) ?? 0n) + 1n;
      sequences.set(submitter, sequence);
      return signSettlementTx({ submitter, sequence, period: PERIOD, action, seed: devnetBatchSeed(submitter), chain: chain.identity }).frame;
    };
    // The period's rates (a publisher's signature), then the block that closes the period.
    const rates: FxRateSet = { chain: chainHex, periodId: PERIOD, base: 'XDR', rates: new Map([['EUR', parseDecimal('0.8731')], ['GBP', parseDecimal('1.0214')], ['USD', parseDecimal('0.7532')], ['SGD', parseDecimal('0.5561')], ['INR', parseDecimal('0.00897')]]), override: false };
    await chain.submitTx(frame(OPERATORS[0]!, fxRateSetAction({ set: rates, signatures: [signFxRateSet(rates, 0, bls(OPERATORS[0]!))] })), chain.httpSource);
    await commitBlock(chain, CLOSES_AT_MS);
    const conversionFeeRate = chain.genesis.settlement!.feeRate;

    // 1. Statements, pair by pair (generation untimed).
    const pairs: [number, number][] = [];
    for (let i = 0; i < OPERATORS.length; i++) for (let j = i + 1; j < OPERATORS.length; j++) pairs.push([OPERATORS[i]!, OPERATORS[j]!]);
    const perPair = Math.floor(cdrs / pairs.length);
    const busy = new Map<number, number>();
    let sequential = 0;
    const statementFrames: Uint8Array[] = [];
    for (const [a, b] of pairs) {
      const mine: Cdr[] = [...generateTraffic({ seed: `settle-${a}-${b}`, submitter: a, counterparty: b, count: perPair, startTime: START + 86_400, periodSeconds: 25 * 86_400, direction: 'both' })];
      const theirs: Cdr[] = mine.map((c) => counterpartyView(c).cdr);
      const window = { startSeconds: START, endSeconds: Date.UTC(2026, 0, 1) / 1000 };
      const side = (me: number, partner: number, own: Cdr[], other: Cdr[]) => {
        const t = performance.now();
        const traffic = settledTraffic(me, callViews(own, other), TOLERANCES, window);
        const s = pairStatement({ chain: chain.identity, periodId: PERIOD, operator: me, partner, lines: traffic.lines, rates, conversionFeeRate, pairSecret: devnetSecrets(me).pairSecret(partner) });
        const signature = signBilateralStatement(s.statement, bls(me));
        const ms = performance.now() - t;
        busy.set(me, (busy.get(me) ?? 0) + ms);
        sequential += ms;
        return { s, signature };
      };
      const first = side(a, b, mine, theirs);
      const second = side(b, a, theirs, mine);
      if (first.s.statement.commitment.x !== second.s.statement.commitment.x) throw new Error(`the two sides of ${a}-${b} disagree`);
      statementFrames.push(frame(a, statementAction({ statement: first.s.statement, firstSignature: first.signature, secondSignature: second.signature })));
    }
    const criticalPath = Math.max(...busy.values());

    // 2. On chain.
    const t0 = performance.now();
    for (const f of statementFrames) await chain.submitTx(f, chain.httpSource);
    await commitBlock(chain);
    const t1 = performance.now();
    const draft = chain.settlementDraft(PERIOD);
    const volume = 1_000_000_000n;
    const proposal: SettlementProposal = {
      chain: draft.chain, periodId: PERIOD, currency: draft.currency, operators: draft.operators, outcome: { mode: 'committed', transfers: draft.transfers },
      settledVolume: volume, clearingFee: clearingFee(volume, draft.clearingFeeRate), deadlineHeight: draft.deadlineHeight, attempt: draft.attempt, proposer: OPERATORS[0]!,
    };
    await chain.submitTx(frame(OPERATORS[0]!, proposalAction(proposal, signAsOperator(proposal, OPERATORS[0]!, bls(OPERATORS[0]!)).signature)), chain.httpSource);
    await commitBlock(chain);
    const t2 = performance.now();
    const id = proposalId(proposal);
    for (const op of OPERATORS) {
      const parts = op === proposal.proposer ? [signAsValidator(proposal, op, bls(op))] : [signAsOperator(proposal, op, bls(op)), signAsValidator(proposal, op, bls(op))];
      const approval = { operators: op === proposal.proposer ? [] : [op], validators: [op], signature: blsAggregateSignatures(parts.map((p) => p.signature)) };
      await chain.submitTx(frame(op, approvalAction(id, approval)), chain.httpSource);
    }
    await commitBlock(chain);
    const t3 = performance.now();
    const status = chain.settlementPeriod(PERIOD).settlement;
    if (status.status !== 'final') throw new Error(`the settlement is ${status.status}, not final`);
    const chainMs = t3 - t0;
    return {
      cdrs: perPair * pairs.length, operators: OPERATORS.length, pairs: pairs.length,
      statementsSequentialMs: round(sequential), statementsCriticalPathMs: round(criticalPath),
      statementsOnChainMs: round(t1 - t0), proposalMs: round(t2 - t1), approvalsMs: round(t3 - t2), chainMs: round(chainMs),
      periodCloseToFinalMs: round(criticalPath + chainMs), targetMs: 10_000, loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    };
  } finally {
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

export function writeSettleResult(r: SettleBenchResult, command = currentCommand()): string {
  return writeResult('settle', { name: 'settle', ...r, ...resultEnvelope(command) });
}

const script = process.argv[1];
if (script !== undefined && fileURLToPath(import.meta.url) === script) {
  const i = process.argv.indexOf('--cdrs');
  const cdrs = i >= 0 ? Number(process.argv[i + 1]) : 1_000_000;
  if (!Number.isInteger(cdrs) || cdrs < 15) throw new RangeError('--cdrs: a whole number of CDRs, at least 15');
  const r = await runSettleBench(cdrs);
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  process.stderr.write(`wrote ${writeSettleResult(r)}\n`);
}
