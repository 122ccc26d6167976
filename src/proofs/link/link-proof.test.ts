import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseProofCurve } from '../curve.js';
import { WitnessError } from '../errors.js';
import type { Groth16Proof } from '../proof-codec.js';
import { BUILD_TIMEOUT_MS, builtTestLinkCircuit } from '../test-helpers/built-circuits.js';
import { commitTotals, CURRENCY_GENERATORS } from '../../settlement/commitment/currency-generators.js';
import { commit, scalar, toAffine } from '../../settlement/commitment/pedersen.js';
import { pairStatement } from '../../settlement/bilateral/pair-statement.js';
import { fxRateSet } from '../../settlement/fx/fx-rate-book.js';
import { parseDecimal, rational } from '../../settlement/fx/rational.js';
import type { StatementLineInput } from '../../settlement/statement/operator-statement.js';
import type { ChargeAggregateOpening } from '../charge-aggregate.js';
import type { LinkArtifacts } from './link-artifacts.js';
import { LinkInputError } from './link-errors.js';
import { linkCircuitInput, linkWitness, linkWitnessOpens, type LinkWitness, type LinkWitnessInput } from './link-witness.js';
import { linkPublicSignals, linkRates, type LinkStatement } from './link-statement.js';
import { proveLink, proveLinkInput, verifyLink } from './link-proof.js';
import type { SnarkjsSignal } from 'snarkjs';

const [A, B] = [20801, 23415] as const;
const CHAIN = new Uint8Array(32).fill(9);
const PAIR_SECRET = new Uint8Array(32).fill(3);
const FEE = rational(15n, 10_000n);
// Settled in euros, so GBP at 23/20 has ties (30 pence are 34.5 cents: half to even, 34).
const rates = fxRateSet({
  chain: Buffer.from(CHAIN).toString('hex'),
  periodId: '2026-11',
  base: 'EUR',
  rates: new Map([['GBP', rational(23n, 20n)], ['USD', parseDecimal('0.9262')], ['XDR', parseDecimal('1.1453')], ['SGD', parseDecimal('0.6425')], ['INR', parseDecimal('0.0105')]]),
  override: false,
});
const numeric = { EUR: 978, GBP: 826, USD: 840, SGD: 702, INR: 356, XDR: 960 } as const;
const opening = (totals: Record<number, bigint>, blinding: bigint): ChargeAggregateOpening => ({ totals: new Map(Object.entries(totals).map(([c, t]) => [Number(c), t])), blinding });

/** A's lines with B (A is first): receivable = A billed B (direction 0), payable = B billed A (direction 1). */
const LINES: StatementLineInput[] = [
  { partner: B, service: 'voice_mo', currency: 'EUR', receivable: 1_234_567n, payable: 987_654n },
  { partner: B, service: 'data', currency: 'GBP', receivable: 30n, payable: 77_777n },
  { partner: B, service: 'sms_mo', currency: 'XDR', receivable: 0n, payable: 5_000_001n },
  { partner: B, service: 'data', currency: 'USD', receivable: 42_424n, payable: 0n },
];
// Proven billing: at least the settled lines, the rest excluded (disputes).
const BILLED_BY_A = opening({ [numeric.EUR]: 1_300_000n, [numeric.GBP]: 30n, [numeric.USD]: 50_000n, [numeric.INR]: 999n }, 0x1234_5678_9abc_def0_1234n);
const BILLED_BY_B = opening({ [numeric.EUR]: 987_654n, [numeric.GBP]: 80_000n, [numeric.XDR]: 5_000_001n }, scalar(-77n));

const statementOf = (operator: number, lines: readonly StatementLineInput[]) =>
  pairStatement({ chain: CHAIN, periodId: '2026-11', operator, partner: operator === A ? B : A, lines, rates, conversionFeeRate: FEE, pairSecret: PAIR_SECRET });

function witnessFor(lines: readonly StatementLineInput[], over: Partial<LinkWitnessInput> = {}): LinkWitness {
  const s = statementOf(A, lines);
  return linkWitness({ first: A, second: B, operator: A, lines, rates, billedByFirst: BILLED_BY_A, billedBySecond: BILLED_BY_B, statementBlinding: s.opening.blinding, linesPerCurrency: 1, ...over });
}

/** Circuit inputs with one value replaced (path into the nested arrays). */
function tampered(w: LinkWitness, name: string, path: number[], value: bigint): Record<string, SnarkjsSignal> {
  const input = structuredClone(linkCircuitInput(w));
  if (path.length === 0) input[name] = value.toString();
  else {
    let at = input[name] as SnarkjsSignal[];
    for (const i of path.slice(0, -1)) at = at[i] as SnarkjsSignal[];
    at[path.at(-1)!] = value.toString();
  }
  return input;
}

const FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('the bilateral link circuit (real Groth16 proofs)', () => {
  let artifacts: LinkArtifacts;
  let honest: LinkWitness;
  let proof: Groth16Proof;
  const proveMs: number[] = [];
  const verifyMs: number[] = [];

  beforeAll(async () => {
    artifacts = await builtTestLinkCircuit();
    honest = witnessFor(LINES);
    const t = performance.now();
    proof = await proveLink(artifacts, honest);
    proveMs.push(performance.now() - t);
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    console.log(`link circuit ${artifacts.name}: ${artifacts.constraints} constraints; prove median ${median(proveMs).toFixed(0)} ms over ${proveMs.length}, verify median ${median(verifyMs).toFixed(1)} ms over ${verifyMs.length}`);
    await releaseProofCurve();
  });

  const verify = async (s: LinkStatement, p: Groth16Proof = proof): Promise<boolean> => {
    const t = performance.now();
    const ok = await verifyLink(artifacts.verificationKey, s, p);
    verifyMs.push(performance.now() - t);
    return ok;
  };

  it('commits what pairStatement commits, and a proof of it verifies against the statement built from public values', async () => {
    const s = statementOf(A, LINES);
    expect(honest.statement.commitment).toEqual(s.statement.commitment);
    expect(statementOf(B, LINES.map((l) => ({ ...l, partner: A, receivable: l.payable, payable: l.receivable }))).statement.commitment).toEqual(s.statement.commitment);
    expect(linkWitnessOpens(honest)).toBe(true);
    expect(honest.net).toBe(s.opening.firstOwesSecond - s.opening.secondOwesFirst);
    // The verifier's statement: the aggregates as the chain holds them, C as recorded, the rates from the rate set.
    const verifier: LinkStatement = {
      billedByFirst: toAffine(commitTotals(BILLED_BY_A.totals, BILLED_BY_A.blinding)),
      billedBySecond: toAffine(commitTotals(BILLED_BY_B.totals, BILLED_BY_B.blinding)),
      commitment: s.statement.commitment,
      rates: linkRates(rates),
    };
    expect(await verify(verifier)).toBe(true);
    // B computes the same witness from its side.
    const fromB = linkWitness({ first: A, second: B, operator: B, lines: LINES.map((l) => ({ ...l, partner: A, receivable: l.payable, payable: l.receivable })), rates, billedByFirst: BILLED_BY_A, billedBySecond: BILLED_BY_B, statementBlinding: s.opening.blinding, linesPerCurrency: 1 });
    expect(linkPublicSignals(fromB.statement)).toEqual(linkPublicSignals(honest.statement));
  });

  it('d negative and d zero prove; C with the sign flipped has no witness and does not verify', async () => {
    // Only A billed: B owes A, d = firstOwesSecond − secondOwesFirst < 0.
    const negative = witnessFor(LINES.map((l) => ({ ...l, payable: 0n })));
    expect(negative.net).toBeLessThan(0n);
    let t = performance.now();
    const pNeg = await proveLink(artifacts, negative);
    proveMs.push(performance.now() - t);
    expect(await verify(negative.statement, pNeg)).toBe(true);
    const flipped = { ...negative.statement, commitment: toAffine(commit(-negative.net, negative.blinding)) };
    expect(await verify(flipped, pNeg)).toBe(false);
    await expect(proveLinkInput(artifacts, linkCircuitInput({ ...negative, statement: flipped }), linkPublicSignals(flipped))).rejects.toThrow(WitnessError);

    // Both directions convert to the same amount: d = 0, C = r·H.
    const zero = witnessFor([{ partner: B, service: 'voice_mo', currency: 'EUR', receivable: 5000n, payable: 5000n }]);
    expect(zero.net).toBe(0n);
    t = performance.now();
    const pZero = await proveLink(artifacts, zero);
    proveMs.push(performance.now() - t);
    expect(await verify(zero.statement, pZero)).toBe(true);
    expect(await verify({ ...zero.statement, commitment: toAffine(commit(1n, zero.blinding)) }, pZero)).toBe(false);
  });

  it('a C of another amount or another blinding does not verify, and has no witness', async () => {
    const other = { ...honest.statement, commitment: toAffine(commit(scalar(honest.net + 1n), honest.blinding)) };
    const otherR = { ...honest.statement, commitment: toAffine(commit(scalar(honest.net), honest.blinding + 1n)) };
    expect(await verify(other)).toBe(false);
    expect(await verify(otherR)).toBe(false);
    await expect(proveLinkInput(artifacts, linkCircuitInput({ ...honest, statement: other }), linkPublicSignals(other))).rejects.toThrow(WitnessError);
    await expect(proveLinkInput(artifacts, tampered(honest, 'blinding', [], honest.blinding + 1n), linkPublicSignals(honest.statement))).rejects.toThrow(WitnessError);
  });

  it('a line converted at another rate, or rounded the other way, has no witness; another rate set does not verify', async () => {
    const eur = 0;
    const gbp = CURRENCY_GENERATORS.findIndex((g) => g.numeric === numeric.GBP);
    const usd = CURRENCY_GENERATORS.findIndex((g) => g.numeric === numeric.USD);
    // 30 pence at 23/20 are 34.5 cents: half to even is 34; 35 is the other rounding.
    expect(honest.gross[0]![gbp]![0]).toBe(34n);
    await expect(proveLinkInput(artifacts, tampered(honest, 'gross', [0, gbp, 0], 35n), linkPublicSignals(honest.statement))).rejects.toThrow(WitnessError);
    // 42,424 US cents at 0.9262 are 39,293.1088 cents: 39,293; not 39,294 (rounded up), nor at 0.9263.
    expect(honest.gross[0]![usd]![0]).toBe(39_293n);
    await expect(proveLinkInput(artifacts, tampered(honest, 'gross', [0, usd, 0], 39_294n), linkPublicSignals(honest.statement))).rejects.toThrow(WitnessError);
    await expect(proveLinkInput(artifacts, tampered(honest, 'gross', [0, usd, 0], (42_424n * 9263n + 5000n) / 10_000n), linkPublicSignals(honest.statement))).rejects.toThrow(WitnessError);
    // The verifier's rates are its own: the honest proof against another USD rate, or euros at 2/1, is false.
    const otherRates = honest.statement.rates.map((r, c) => (c === usd ? { mul: 9263n, div: 10_000n } : r));
    expect(await verify({ ...honest.statement, rates: otherRates })).toBe(false);
    expect(await verify({ ...honest.statement, rates: honest.statement.rates.map((r, c) => (c === eur ? { mul: 2n, div: 1n } : r)) })).toBe(false);
  });

  it('an exclusion above its total (lines beyond the proven billing) has no witness', async () => {
    const gbp = CURRENCY_GENERATORS.findIndex((g) => g.numeric === numeric.GBP);
    // In TypeScript: the lines exceed the aggregate.
    expect(() => witnessFor([{ ...LINES[1]!, receivable: 31n }])).toThrow(LinkInputError);
    // In the circuit: a line of 31 with a "negative" exclusion (p − 1) so that line + exclusion = 30.
    const w = tampered(honest, 'line', [0, gbp, 0], 31n);
    (w['exclusion'] as string[][])[0]![gbp] = (FIELD - 1n).toString();
    (w['gross'] as string[][][])[0]![gbp]![0] = '36'; // 31 · 23/20 = 35.65
    await expect(proveLinkInput(artifacts, w, linkPublicSignals(honest.statement))).rejects.toThrow(WitnessError);
  });

  it('a total moved between currencies does not open the aggregate: no witness', async () => {
    const eur = 0;
    const gbp = CURRENCY_GENERATORS.findIndex((g) => g.numeric === numeric.GBP);
    // B's billing: 1,000 euro cents more and 1,000 pence less, the same sum; the exclusions follow.
    const w = tampered(honest, 'total', [1, eur], honest.total[1]![eur]! + 1000n);
    (w['total'] as string[][])[1]![gbp] = (honest.total[1]![gbp]! - 1000n).toString();
    (w['exclusion'] as string[][])[1]![eur] = (honest.exclusion[1]![eur]! + 1000n).toString();
    (w['exclusion'] as string[][])[1]![gbp] = (honest.exclusion[1]![gbp]! - 1000n).toString();
    await expect(proveLinkInput(artifacts, w, linkPublicSignals(honest.statement))).rejects.toThrow(WitnessError);
    // And the honest proof does not verify against an aggregate with the total moved.
    const moved = new Map(BILLED_BY_B.totals);
    moved.set(numeric.EUR, moved.get(numeric.EUR)! + 1000n);
    moved.set(numeric.GBP, moved.get(numeric.GBP)! - 1000n);
    expect(await verify({ ...honest.statement, billedBySecond: toAffine(commitTotals(moved, BILLED_BY_B.blinding)) })).toBe(false);
  });

  it('the prover refuses what the circuit cannot hold, naming the rule', () => {
    expect(() => witnessFor([...LINES, { partner: B, service: 'sms_mo', currency: 'EUR', receivable: 1n, payable: 0n }])).toThrow(/lines in one direction/);
    const noInr = fxRateSet({ chain: rates.chain, periodId: '2026-11', base: 'EUR', rates: new Map([...rates.rates].filter(([c]) => c !== 'INR')), override: false });
    expect(() => witnessFor([{ partner: B, service: 'voice_mo', currency: 'INR', receivable: 10n, payable: 0n }], { rates: noInr })).toThrow(LinkInputError);
    const huge = fxRateSet({ chain: rates.chain, periodId: '2026-11', base: 'EUR', rates: new Map([...rates.rates, ['INR', rational((1n << 64n) + 1n, (1n << 64n) + 3n)]]), override: false });
    expect(() => linkRates(huge)).toThrow(/64-bit/);
  });
});
