// The honest witness of the link circuit, from what the pair holds: its settled lines (the lines
// `pairStatement` converts), the openings of both billing aggregates (`openChargeAggregate`), the
// statement's blinding, and the period's rate set. Checked here first, so a witness the circuit would
// refuse is a LinkInputError naming the rule, not a bare witness failure.

import { CURRENCY_INFO, type Currency } from '../../cdr/currency.js';
import { commitTotals, CURRENCY_GENERATORS, opensTotals } from '../../settlement/commitment/currency-generators.js';
import { commit, commitmentFromAffine, JUBJUB_ORDER, opens, scalar, toAffine, type AffinePoint } from '../../settlement/commitment/pedersen.js';
import type { FxRateSet } from '../../settlement/fx/fx-rate-book.js';
import type { SnarkjsSignal } from 'snarkjs';
import type { StatementLineInput } from '../../settlement/statement/operator-statement.js';
import type { ChargeAggregateOpening } from '../charge-aggregate.js';
import { LinkInputError } from './link-errors.js';
import { LINK_LIMITS } from './link-circuit.js';
import { linkPublicSignals, linkRates, type LinkRate, type LinkStatement } from './link-statement.js';

export interface LinkWitnessInput {
  /** The pair in consortium order, and which of them computed `lines`. */
  readonly first: number;
  readonly second: number;
  readonly operator: number;
  /** The operator's settled lines with its partner (settledTraffic(...).lines; other partners' are ignored). */
  readonly lines: readonly StatementLineInput[];
  readonly rates: FxRateSet;
  /** Openings of A(first → second) and A(second → first); an absent aggregate is the identity, opened by nothing. */
  readonly billedByFirst: ChargeAggregateOpening;
  readonly billedBySecond: ChargeAggregateOpening;
  /** The statement's opening: its blinding r (pairStatement's `opening.blinding`). */
  readonly statementBlinding: bigint;
  /** The circuit's lines per (direction, currency). */
  readonly linesPerCurrency: number;
}

/** Per direction (0: billed by first, 1: by second), per currency of the table, the circuit's private values. */
export interface LinkWitness {
  readonly statement: LinkStatement;
  readonly total: readonly (readonly bigint[])[];
  readonly aggregateBlinding: readonly [bigint, bigint];
  readonly line: readonly (readonly (readonly bigint[])[])[];
  readonly exclusion: readonly (readonly bigint[])[];
  readonly gross: readonly (readonly (readonly bigint[])[])[];
  readonly blinding: bigint;
  /** The net the statement commits: firstOwesSecond − secondOwesFirst. */
  readonly net: bigint;
}

const bound = (bits: number): bigint => 1n << BigInt(bits);

/** round_half_even(amount · mul / div), as convertMinorUnits rounds. */
export function convertLine(amount: bigint, r: LinkRate): bigint {
  const num = amount * r.mul;
  const q = num / r.div;
  const rem = num - q * r.div;
  if (2n * rem > r.div) return q + 1n;
  if (2n * rem === r.div) return q % 2n === 0n ? q : q + 1n;
  return q;
}

export function linkWitness(i: LinkWitnessInput): LinkWitness {
  if (i.first >= i.second) throw new LinkInputError('lines', 'a pair is named in consortium order');
  if (i.operator !== i.first && i.operator !== i.second) throw new LinkInputError('lines', `operator ${i.operator} is not of the ${i.first}-${i.second} pair`);
  if (!Number.isInteger(i.linesPerCurrency) || i.linesPerCurrency < 1) throw new LinkInputError('lines', 'lines per currency must be a positive integer');
  const partner = i.operator === i.first ? i.second : i.first;
  const rates = linkRates(i.rates);
  const k = CURRENCY_GENERATORS.length;
  const indexOf = (c: Currency): number => {
    const at = CURRENCY_GENERATORS.findIndex((g) => g.numeric === CURRENCY_INFO[c].numeric);
    if (at < 0) throw new LinkInputError('currency', `${c} has no Pedersen generator`);
    return at;
  };
  // Lines by direction and currency, in the order the operator's lines come (service order).
  const line: bigint[][][] = [0, 1].map(() => Array.from({ length: k }, () => [] as bigint[]));
  for (const l of i.lines) {
    if (l.partner !== partner) continue;
    const c = indexOf(l.currency);
    // The operator's receivable is what it billed: direction 0 if it is first.
    const billedByMe = i.operator === i.first ? 0 : 1;
    for (const [dir, amount] of [[billedByMe, l.receivable], [1 - billedByMe, l.payable]] as const) {
      if (amount === 0n) continue;
      if (amount < 0n || amount >= bound(LINK_LIMITS.amountBits)) throw new LinkInputError('range', `a ${l.currency} line is outside [0, 2^${LINK_LIMITS.amountBits})`);
      if (rates[c]!.mul === 0n) throw new LinkInputError('rate', `period ${i.rates.periodId} has no ${l.currency} rate`);
      line[dir]![c]!.push(amount);
    }
  }
  const openings = [i.billedByFirst, i.billedBySecond];
  const total: bigint[][] = openings.map((o) => CURRENCY_GENERATORS.map((g) => o.totals.get(g.numeric) ?? 0n));
  openings.forEach((o, dir) => {
    for (const c of o.totals.keys()) if (!CURRENCY_GENERATORS.some((g) => g.numeric === c)) throw new LinkInputError('currency', `aggregate ${dir} holds currency ${c}, which has no generator`);
    if (o.blinding < 0n || o.blinding >= JUBJUB_ORDER) throw new LinkInputError('opening', 'an aggregate blinding is not below ℓ');
  });
  const exclusion: bigint[][] = [[], []];
  const gross: bigint[][][] = [[], []];
  const sums = [0n, 0n];
  for (let dir = 0; dir < 2; dir++) {
    for (let c = 0; c < k; c++) {
      const lines = line[dir]![c]!;
      if (lines.length > i.linesPerCurrency) {
        throw new LinkInputError('lines', `${lines.length} lines in one direction and currency; the circuit has ${i.linesPerCurrency}`);
      }
      while (lines.length < i.linesPerCurrency) lines.push(0n);
      const t = total[dir]![c]!;
      if (t >= bound(LINK_LIMITS.amountBits)) throw new LinkInputError('range', `an aggregate total is 2^${LINK_LIMITS.amountBits} or more`);
      const settled = lines.reduce((a, b) => a + b, 0n);
      if (settled > t) throw new LinkInputError('exceeds', `the settled lines of direction ${dir} in currency ${CURRENCY_GENERATORS[c]!.numeric} exceed the proven total`);
      exclusion[dir]!.push(t - settled);
      const g = lines.map((a) => convertLine(a, rates[c]!));
      for (const v of g) {
        if (v >= bound(LINK_LIMITS.grossBits)) throw new LinkInputError('range', 'a converted line is 2^64 or more');
        sums[dir]! += v;
      }
      gross[dir]!.push(g);
    }
  }
  const net = sums[1]! - sums[0]!;
  if (net < -bound(LINK_LIMITS.grossBits) || net >= bound(LINK_LIMITS.grossBits)) throw new LinkInputError('range', 'the net is outside [-2^64, 2^64)');
  if (i.statementBlinding < 0n || i.statementBlinding >= JUBJUB_ORDER) throw new LinkInputError('opening', 'the statement blinding is not below ℓ');
  const point = (o: ChargeAggregateOpening): AffinePoint => toAffine(commitTotals(o.totals, o.blinding)); // (0, 1) when empty
  const statement: LinkStatement = Object.freeze({
    billedByFirst: point(i.billedByFirst),
    billedBySecond: point(i.billedBySecond),
    // As bilateral statements commit: the net taken mod ℓ.
    commitment: toAffine(commit(scalar(net), i.statementBlinding)),
    rates: Object.freeze(rates),
  });
  return Object.freeze({
    statement,
    total,
    aggregateBlinding: [i.billedByFirst.blinding, i.billedBySecond.blinding] as const,
    line,
    exclusion,
    gross,
    blinding: i.statementBlinding,
    net,
  });
}

/** Whether the witness's points are what its openings say (a self-check the tests use). */
export function linkWitnessOpens(w: LinkWitness): boolean {
  const totals = (dir: number) => new Map(CURRENCY_GENERATORS.map((g, c) => [g.numeric, w.total[dir]![c]!] as const));
  return opensTotals(commitmentFromAffine(w.statement.billedByFirst), totals(0), w.aggregateBlinding[0])
    && opensTotals(commitmentFromAffine(w.statement.billedBySecond), totals(1), w.aggregateBlinding[1])
    && opens(commitmentFromAffine(w.statement.commitment), scalar(w.net), w.blinding);
}

/** The circuit's input signals (decimal strings). */
export function linkCircuitInput(w: LinkWitness): Record<string, SnarkjsSignal> {
  const s = w.statement;
  const str = (v: bigint): string => v.toString();
  return {
    billedByFirst: [s.billedByFirst.x, s.billedByFirst.y].map(str),
    billedBySecond: [s.billedBySecond.x, s.billedBySecond.y].map(str),
    statement: shiftedStatement(s),
    rateMul: s.rates.map((r) => str(r.mul)),
    rateDiv: s.rates.map((r) => str(r.div)),
    total: w.total.map((t) => t.map(str)),
    aggregateBlinding: w.aggregateBlinding.map(str),
    line: w.line.map((d) => d.map((c) => c.map(str))),
    exclusion: w.exclusion.map((d) => d.map(str)),
    gross: w.gross.map((d) => d.map((c) => c.map(str))),
    blinding: str(w.blinding),
  };
}

/** C + 2^64·G, as the verifier builds it. */
function shiftedStatement(s: LinkStatement): string[] {
  const signals = linkPublicSignals(s);
  return [signals[4]!, signals[5]!];
}
