// The link on a real chain (LMDB, the worker pool, the WASM VM; a manual clock for the period's close):
// two operators' billing batches proven (real Groth16 chunk proofs), the period closed, its rate set
// recorded, then the pair's statement with a real link proof is recorded, and statements the proven
// aggregates do not bear out are refused. docs/settlement.md, "The link".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devnetSecrets } from '../cdr/operator-secrets.js';
import { counterpartyView, generateTraffic } from '../cdr/synthetic.js';
import type { Cdr } from '../cdr/model.js';
import { Operator } from '../client/operator.js';
import { proveOwnBatch, signBatchProof } from '../client/batch-proof-tx.js';
import { fxRateSetAction, signSettlementTx, statementAction } from '../client/settlement-tx.js';
import { toHex } from '../codec/bytes.js';
import type { SettlementAction } from '../codec/settlement-tx.js';
import { blsKeyPairFromSeed } from '../crypto/bls/bls.js';
import type { ChunkArtifacts } from '../proofs/artifacts.js';
import { openChargeAggregate, type ProvenBatchTotals } from '../proofs/charge-aggregate.js';
import { releaseProofCurve } from '../proofs/curve.js';
import { encodeProof } from '../proofs/proof-codec.js';
import { LINK_CIRCUIT } from '../proofs/link/link-circuit.js';
import type { LinkArtifacts } from '../proofs/link/link-artifacts.js';
import { proveLink } from '../proofs/link/link-proof.js';
import { linkWitness } from '../proofs/link/link-witness.js';
import { BUILD_TIMEOUT_MS, builtTestCircuits, builtTestLinkCircuit } from '../proofs/test-helpers/built-circuits.js';
import { pairStatement } from '../settlement/bilateral/pair-statement.js';
import { signBilateralStatement } from '../settlement/commitment/bilateral-statement.js';
import { signFxRateSet, type FxRateSet } from '../settlement/fx/fx-rate-book.js';
import { rational } from '../settlement/fx/rational.js';
import type { StatementLineInput } from '../settlement/statement/operator-statement.js';
import { openTestChain } from '../test-helpers/chain.js';
import { tempDataDir, TELEKOM_DE, VODAFONE_UK } from '../test-helpers/devnet.js';
import { ManualClock } from '../test-helpers/manual-clock.js';
import { PoseidonWasm } from '../wasm/poseidon.js';
import type { Chain } from './chain.js';
import { localChainIdentity } from './devnet-chain.js';
import { DEVNET_OPERATORS, devnetBatchSeed, devnetBlsSeed, devnetGenesis } from './genesis.js';
import { BatchRejectedError, RejectCode } from './reject.js';
import { encodeLinkProof } from './statement-link.js';

const genesis = devnetGenesis({ linkProofs: true });
const CHAIN = localChainIdentity(genesis);
const OPERATORS = DEVNET_OPERATORS.map((o) => o.plmn).sort((a, b) => a - b);
const blsSecret = (plmn: number): Uint8Array => blsKeyPairFromSeed(devnetBlsSeed(plmn)).secretKey;
// The pair in consortium order: Vodafone UK (23415) first, Telekom DE (26201) second.
const [FIRST, SECOND] = [VODAFONE_UK, TELEKOM_DE] as const;
const pairSecret = devnetSecrets(FIRST).pairSecret(SECOND);
const now = Date.now();
// Traffic of two days ago: its month is still open at the clock's start.
const startTime = Math.floor(now / 1000) - 2 * 86_400;
const PERIOD = new Date(startTime * 1000).toISOString().slice(0, 7);
const [year, month] = PERIOD.split('-').map(Number) as [number, number];
/** The devnet's monthly periods close 3 days after their end. */
const AFTER_CLOSE = Date.UTC(year, month, 4, 1);

/** Each operator bills the other for calls its network carried (the default inbound traffic: its billing view). */
const billedBy = (biller: number, other: number, count: number, seed: string): Cdr[] =>
  [...generateTraffic({ seed, submitter: biller, counterparty: other, count, startTime, periodSeconds: 3_600 })];

describe('link-proved statements on a chain', { timeout: 600_000 }, () => {
  const data = tempDataDir();
  const clock = new ManualClock(now);
  let chain: Chain;
  let chunks: ChunkArtifacts;
  let link: LinkArtifacts;
  const sequences = new Map<number, bigint>();
  const proven = new Map<number, ProvenBatchTotals[]>();
  let late: { id: Uint8Array; proof: Uint8Array };
  let view: { id: Uint8Array; proof: Uint8Array };

  function frame(submitter: number, period: string, action: SettlementAction): Uint8Array {
    const sequence = (sequences.get(submitter) ?? 0n) + 1n;
    sequences.set(submitter, sequence);
    return signSettlementTx({ submitter, sequence, period, action, seed: devnetBatchSeed(submitter), chain: CHAIN }).frame;
  }

  async function refused(f: Uint8Array): Promise<BatchRejectedError> {
    const err = await chain.submitTx(f.slice(), chain.httpSource).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(BatchRejectedError);
    return err as BatchRejectedError;
  }

  /** Submits a batch of `biller`'s and proves it; the proof commits with the next block unless `prove` is false. */
  async function billingBatch(biller: number, other: number, sequence: bigint, cdrs: Cdr[], prove: boolean | 'view' = true): Promise<{ id: Uint8Array; proof: Uint8Array }> {
    const batch = Operator.devnet(biller, CHAIN).batch(cdrs, sequence);
    await chain.submitTx(batch.frame.slice(), chain.httpSource);
    const made = await proveOwnBatch({ artifacts: chunks, cdrs, header: batch.header, secrets: devnetSecrets(biller), chain: CHAIN, poseidon: PoseidonWasm.load() });
    if (prove === 'view') {
      const tx = signBatchProof({ signer: biller, sequence: 100n, batchId: batch.id, proof: made.bytes, seed: devnetBatchSeed(biller), chain: CHAIN, role: 'view' });
      await chain.submitTx(tx.frame.slice(), chain.httpSource);
    } else if (prove) {
      const tx = signBatchProof({ signer: biller, sequence, batchId: batch.id, proof: made.bytes, seed: devnetBatchSeed(biller), chain: CHAIN });
      await chain.submitTx(tx.frame.slice(), chain.httpSource);
      const list = proven.get(biller) ?? [];
      list.push({ context: { chainId: CHAIN, submitter: biller, counterparty: other, sequence }, totals: made.totals });
      proven.set(biller, list);
    }
    return { id: batch.id, proof: made.bytes };
  }

  const rates: FxRateSet = { chain: toHex(CHAIN), periodId: PERIOD, base: 'XDR', rates: new Map([['EUR', rational(8731n, 10_000n)], ['GBP', rational(10_214n, 10_000n)]]), override: false };
  const totalOf = (biller: number): Map<number, bigint> => openChargeAggregate(pairSecret, proven.get(biller)!).totals as Map<number, bigint>;

  /** The pair's lines from the first operator's side: all it billed, all the second billed but `disputed` minor units. */
  function lines(disputed: bigint): StatementLineInput[] {
    // UK calls priced in pounds, German in euros.
    expect([...totalOf(FIRST).keys(), ...totalOf(SECOND).keys()]).toEqual([826, 978]);
    const byFirst = totalOf(FIRST).get(826)!;
    const bySecond = totalOf(SECOND).get(978)!;
    return [
      { partner: SECOND, service: 'data', currency: 'EUR', receivable: 0n, payable: bySecond - disputed },
      { partner: SECOND, service: 'data', currency: 'GBP', receivable: byFirst, payable: 0n },
    ];
  }

  async function linkedStatement(l: StatementLineInput[], proofOf: StatementLineInput[] = l): Promise<Uint8Array> {
    const s = pairStatement({ chain: CHAIN, periodId: PERIOD, operator: FIRST, partner: SECOND, lines: l, rates, conversionFeeRate: rational(15n, 10_000n), pairSecret });
    const w = linkWitness({
      first: FIRST, second: SECOND, operator: FIRST, lines: proofOf, rates, linesPerCurrency: link.linesPerCurrency, statementBlinding: s.opening.blinding,
      billedByFirst: openChargeAggregate(pairSecret, proven.get(FIRST)!), billedBySecond: openChargeAggregate(pairSecret, proven.get(SECOND)!),
    });
    if (proofOf === l) expect(w.statement.commitment).toEqual(s.statement.commitment);
    const proof = encodeLinkProof(LINK_CIRCUIT.version, link.linesPerCurrency, encodeProof(await proveLink(link, w)));
    return frame(FIRST, PERIOD, statementAction({ statement: s.statement, firstSignature: signBilateralStatement(s.statement, blsSecret(FIRST)), secondSignature: signBilateralStatement(s.statement, blsSecret(SECOND)) }, proof));
  }

  beforeAll(async () => {
    chunks = await builtTestCircuits();
    link = await builtTestLinkCircuit();
    chain = await openTestChain(data.dir, { genesis, deps: { clock } });
    expect(chain.identity).toEqual(CHAIN);
    // While the period is open: each side's billing batch, proven (two chunks of 4 and one of 3).
    await billingBatch(FIRST, SECOND, 1n, billedBy(FIRST, SECOND, 6, 'link-uk'));
    await billingBatch(SECOND, FIRST, 1n, billedBy(SECOND, FIRST, 3, 'link-de'));
    // A third batch, admitted but proven only after the close.
    late = await billingBatch(SECOND, FIRST, 2n, billedBy(SECOND, FIRST, 2, 'link-late'), false);
    // Vodafone's records of calls Telekom bills (P5's counterparty view), declared a view: proven, in no aggregate.
    view = await billingBatch(FIRST, SECOND, 2n, billedBy(SECOND, FIRST, 3, 'link-view').map((c) => counterpartyView(c).cdr), 'view');
    await chain.flush();
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await chain?.close();
    await releaseProofCurve();
    data.cleanup();
  });

  it('a batch declared a view is proven and joins no aggregate: the aggregates are billing aggregates', () => {
    expect((chain.queries.batch(view.id)?.view as { proven?: unknown } | undefined)?.proven).toMatchObject({ role: 'view', signer: FIRST });
    expect(chain.queries.chargeAggregate(FIRST, SECOND, PERIOD)).toMatchObject({ batches: 1, chunks: 2 });
  });

  it('before the close a link-proved statement is not taken; after it a batch proof is refused (period_closed): the aggregate is final', async () => {
    expect(chain.queries.chargeAggregate(FIRST, SECOND, PERIOD)).toMatchObject({ batches: 1, chunks: 2 });
    expect(chain.queries.chargeAggregate(SECOND, FIRST, PERIOD)).toMatchObject({ batches: 1, chunks: 1 });
    expect((await refused(await linkedStatement(lines(0n)))).code).toBe(RejectCode.PeriodNotEnded);
    // A batch committed before the close whose proof is admitted (the head is before the close) but
    // still pending when the close commits: left out of the closing block, then evicted.
    const pendingAtClose = await billingBatch(SECOND, FIRST, 3n, billedBy(SECOND, FIRST, 2, 'link-pending'), false);
    await chain.flush();
    // The close: the clock moves past end + grace, and a block (the period's rate set) records it.
    clock.set(AFTER_CLOSE);
    const pendingProof = signBatchProof({ signer: SECOND, sequence: 3n, batchId: pendingAtClose.id, proof: pendingAtClose.proof, seed: devnetBatchSeed(SECOND), chain: CHAIN });
    await chain.submitTx(pendingProof.frame.slice(), chain.httpSource);
    await chain.submitTx(frame(OPERATORS[0]!, PERIOD, fxRateSetAction({ set: rates, signatures: [signFxRateSet(rates, 0, blsSecret(OPERATORS[0]!))] })), chain.httpSource);
    await chain.flush();
    expect(chain.committed.headTimestampMs).toBeGreaterThanOrEqual(BigInt(AFTER_CLOSE));
    // Eviction is written after the commit, asynchronously.
    for (let i = 0; i < 100 && (chain.queries.tx(pendingProof.hash)?.view as { status?: string } | undefined)?.status !== 'evicted'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(chain.queries.tx(pendingProof.hash)?.view).toMatchObject({ status: 'evicted', eviction: { reason: 'period_closed' } });
    const lateProof = signBatchProof({ signer: SECOND, sequence: 4n, batchId: late.id, proof: late.proof, seed: devnetBatchSeed(SECOND), chain: CHAIN });
    expect((await refused(lateProof.frame)).code).toBe(RejectCode.PeriodClosed);
    expect(chain.queries.chargeAggregate(SECOND, FIRST, PERIOD)).toMatchObject({ batches: 1, chunks: 1 });
  });

  it('a statement without a link proof is refused (missing_link_proof); one whose amount the proven aggregates do not bear out is refused (bad_link_proof)', async () => {
    const s = pairStatement({ chain: CHAIN, periodId: PERIOD, operator: FIRST, partner: SECOND, lines: lines(0n), rates, conversionFeeRate: rational(15n, 10_000n), pairSecret });
    const bare = frame(FIRST, PERIOD, statementAction({ statement: s.statement, firstSignature: signBilateralStatement(s.statement, blsSecret(FIRST)), secondSignature: signBilateralStatement(s.statement, blsSecret(SECOND)) }));
    expect((await refused(bare)).code).toBe(RejectCode.MissingLinkProof);
    // Telekom's billing claimed 1,000 cents above what it proved: no proof exists for that amount, so
    // the pair attaches the proof of the proven one.
    const inflated = lines(0n).map((l) => (l.currency === 'EUR' ? { ...l, payable: l.payable + 1000n } : l));
    const err = await refused(await linkedStatement(inflated, lines(0n)));
    expect(err.code).toBe(RejectCode.BadLinkProof);
    expect(err.message).toContain('does not verify');
    expect(chain.settlementPeriod(PERIOD).statements).toBe(0);
  });

  it('a statement with a valid link proof (a disputed part excluded) is recorded', async () => {
    const f = await linkedStatement(lines(totalOf(SECOND).get(978)! / 4n));
    const accepted = await chain.submitTx(f.slice(), chain.httpSource);
    await chain.flush();
    expect(chain.settlementPeriod(PERIOD).statements).toBe(1);
    expect(toHex(accepted.id)).toMatch(/^[0-9a-f]{64}$/);
  });
});
