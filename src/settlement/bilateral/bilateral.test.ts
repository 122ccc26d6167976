import { describe, expect, it } from 'vitest';
import type { Cdr } from '../../cdr/model.js';
import { devnetSecrets } from '../../cdr/operator-secrets.js';
import { counterpartyView, generateTraffic } from '../../cdr/synthetic.js';
import { NO_TOLERANCE, type Tolerances } from '../../reconciliation/explain.js';
import { netCommitments } from '../commitment/committed-netting.js';
import { commitmentFromAffine, toAffine } from '../commitment/pedersen.js';
import { statementOpens } from '../commitment/bilateral-statement.js';
import { NettingInputError } from '../errors.js';
import { fxRateSet } from '../fx/fx-rate-book.js';
import { parseDecimal, rational } from '../fx/rational.js';
import { buildOperatorStatement } from '../statement/operator-statement.js';
import { callViews } from '../../reconciliation/views-by-event.js';
import { pairStatement, settledTraffic, statementBlinding, transferOpening, type PairStatement } from './index.js';

const [A, B, C] = [20801, 23415, 26201] as const;
const OPS = [A, B, C];
const START = 1_793_577_600 + 86_400; // 2026-11-02
const PERIOD = { startSeconds: 1_793_577_600, endSeconds: 1_796_169_600 }; // November 2026
const CHAIN = new Uint8Array(32).fill(7);
const FEE = rational(15n, 10_000n);
const rates = fxRateSet({
  chain: Buffer.from(CHAIN).toString('hex'),
  periodId: '2026-11',
  base: 'XDR',
  rates: new Map([['EUR', parseDecimal('0.8731')], ['GBP', parseDecimal('1.0214')], ['USD', parseDecimal('0.7532')], ['INR', parseDecimal('0.0089')], ['SGD', parseDecimal('0.5611')]]),
  override: false,
});
const TOLERANCE = { durationSec: 1, chargePpm: 0, chargeMinor: 1n, volumeBytes: 1024n };

/** Each pair's calls as both operators recorded them: some altered (a charge off by one: tolerated; a tariff: not), some unrecorded by one side. */
const recordsOf = new Map<number, { mine: Cdr[]; theirs: Cdr[] }>(OPS.map((op) => [op, { mine: [], theirs: [] }]));
for (const [x, y] of [[A, B], [A, C], [B, C]] as const) {
  const xs = [...generateTraffic({ seed: `settle-${x}-${y}`, submitter: x, counterparty: y, count: 240, startTime: START, periodSeconds: 10 * 86_400, direction: 'both' })];
  const ys = xs.map((c) => counterpartyView(c, { mismatchRate: 0.25, mismatchKinds: ['charge', 'tariff'], seed: `${x}-${y}` }).cdr);
  recordsOf.get(x)!.mine.push(...xs.slice(0, 230));
  recordsOf.get(x)!.theirs.push(...ys.slice(5));
  recordsOf.get(y)!.mine.push(...ys.slice(5));
  recordsOf.get(y)!.theirs.push(...xs.slice(0, 230));
}
const secret = (me: number, other: number): Uint8Array => devnetSecrets(me).pairSecret(other);
const traffic = (op: number, t: Tolerances = TOLERANCE) => settledTraffic(op, callViews(recordsOf.get(op)!.mine, recordsOf.get(op)!.theirs), t, PERIOD);
const statementOf = (op: number, partner: number): PairStatement =>
  pairStatement({ chain: CHAIN, periodId: '2026-11', operator: op, partner, lines: traffic(op).lines, rates, conversionFeeRate: FEE, pairSecret: secret(op, partner) });

describe('bilateral statements computed on both sides (src/settlement/bilateral)', () => {
  it('both operators of a pair compute the same statement from their own files, with opposite amounts', () => {
    for (const [x, y] of [[A, B], [A, C], [B, C]] as const) {
      const sx = statementOf(x, y);
      const sy = statementOf(y, x);
      expect(sy.statement).toEqual(sx.statement);
      expect(sy.opening).toEqual(sx.opening);
      expect(sy.amount).toBe(-sx.amount);
      expect(sx.amount).not.toBe(0n);
      expect(statementOpens(sx.statement, sx.opening)).toBe(true);
      expect(sx.statement.first).toBe(x);
    }
  });

  it('settles the calls both sides agree on: tolerated differences in, others and one-sided calls out', () => {
    const t = traffic(A);
    const strict = traffic(A, NO_TOLERANCE);
    expect(t.settled).toBeGreaterThan(strict.settled);
    expect(t.leftOut.differs).toBeGreaterThan(0);
    expect(t.leftOut.onlyMine).toBe(10); // its calls the partners did not record (5 per pair)
    expect(t.leftOut.onlyTheirs).toBe(20); // calls only the partners recorded (10 per pair)
    expect(t.settled + t.leftOut.differs + t.leftOut.onlyMine + t.leftOut.onlyTheirs + t.leftOut.outsidePeriod).toBe(480); // 240 calls with each of two partners
    // Lines come sorted and never empty.
    const keys = t.lines.map((l) => `${l.partner}`);
    expect(keys).toEqual([...keys].sort());
    for (const l of t.lines) expect(l.receivable + l.payable).toBeGreaterThan(0n);
  });

  it("bills a tolerated call at the visited network's view, whoever computes", () => {
    const [call] = generateTraffic({ seed: 'one', submitter: A, counterparty: B, count: 1, startTime: START, periodSeconds: 60 });
    const visitedIsA = call!.visitedPlmn === A;
    const billed = { ...call!, charge: 1000n };
    const other = { ...counterpartyView(billed).cdr, charge: 1001n };
    const a = settledTraffic(A, callViews([billed], [other]), TOLERANCE, PERIOD);
    const b = settledTraffic(B, callViews([other], [billed]), TOLERANCE, PERIOD);
    const amountA = visitedIsA ? a.lines[0]!.receivable : a.lines[0]!.payable;
    const amountB = visitedIsA ? b.lines[0]!.payable : b.lines[0]!.receivable;
    expect(amountA).toBe(1000n);
    expect(amountB).toBe(1000n);
    expect(settledTraffic(A, callViews([billed], [other]), NO_TOLERANCE, PERIOD).settled).toBe(0);
  });

  it('leaves out calls outside the period and refuses a call between other operators', () => {
    const [call] = generateTraffic({ seed: 'late', submitter: A, counterparty: B, count: 1, startTime: PERIOD.endSeconds + 10, periodSeconds: 60 });
    const v = counterpartyView(call!).cdr;
    expect(settledTraffic(A, callViews([call!], [v]), TOLERANCE, PERIOD).leftOut.outsidePeriod).toBe(1);
    const [early] = generateTraffic({ seed: 'early', submitter: A, counterparty: B, count: 1, startTime: START, periodSeconds: 60 });
    expect(() => settledTraffic(C, callViews([early!], [counterpartyView(early!).cdr]), TOLERANCE, PERIOD)).toThrow(NettingInputError);
  });

  it("the blinding is the pair's: the same on both sides, different per period and pair, unknown without the secret", () => {
    expect(statementBlinding(secret(A, B), CHAIN, '2026-11', A, B)).toBe(statementBlinding(secret(B, A), CHAIN, '2026-11', A, B));
    expect(statementBlinding(secret(A, B), CHAIN, '2026-12', A, B)).not.toBe(statementBlinding(secret(A, B), CHAIN, '2026-11', A, B));
    expect(statementBlinding(secret(A, C), CHAIN, '2026-11', A, C)).not.toBe(statementBlinding(secret(A, B), CHAIN, '2026-11', A, B));
    expect(statementBlinding(secret(A, B), new Uint8Array(32), '2026-11', A, B)).not.toBe(statementBlinding(secret(A, B), CHAIN, '2026-11', A, B));
    expect(() => statementBlinding(secret(A, B), CHAIN, '2026-11', B, A)).toThrow(NettingInputError);
    // A third party guessing the amounts still cannot rebuild the commitment without the secret.
    const real = statementOf(A, B);
    const guessed = pairStatement({ chain: CHAIN, periodId: '2026-11', operator: A, partner: B, lines: traffic(A).lines, rates, conversionFeeRate: FEE, pairSecret: new Uint8Array(32) });
    expect(guessed.statement.commitment).not.toEqual(real.statement.commitment);
  });

  it("each operator's transfer opening opens the netting's N_k, and its statement balances", () => {
    const pairs = [statementOf(A, B), statementOf(A, C), statementOf(B, C)];
    const nets = netCommitments(3, pairs.map((p) => commitmentFromAffine(p.statement.commitment)));
    let sum = 0n;
    OPS.forEach((op, k) => {
      const mine = OPS.filter((o) => o !== op).map((partner) => statementOf(op, partner));
      const transfer = transferOpening(op, mine);
      expect(transfer.commitment).toEqual(toAffine(nets[k]!));
      sum += transfer.net;
      const statement = buildOperatorStatement({
        chain: Buffer.from(CHAIN).toString('hex'), periodId: '2026-11', operator: op, rates, conversionFeeRate: FEE,
        lines: traffic(op).lines, bilateral: mine.map((p) => ({ partner: p.statement.first === op ? p.statement.second : p.statement.first, amount: p.amount })),
        transfer: transfer.net, clearingFee: 0n, settlement: { status: 'proposed', proposalId: '00'.repeat(32) },
      });
      expect(statement.netPosition).toBe(transfer.net);
    });
    expect(sum).toBe(0n);
    expect(() => transferOpening(A, [statementOf(B, C)])).toThrow(NettingInputError);
    expect(() => transferOpening(A, [statementOf(A, B), statementOf(A, B)])).toThrow(NettingInputError);
  });
});
