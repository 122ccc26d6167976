// A pair's bilateral statement computed on each side without exchanging amounts: both operators
// compute the same settled lines (settled-traffic.ts, mirrored), convert them at the period's rates
// line by line exactly as the operator statement does (so statements balance to the minor unit), and
// derive the same blinding from their agreement secret. Each then commits, compares the commitment
// with the other's (the co-signing step) and signs it with BLS. Nobody else can open it: the
// blinding comes from a secret only the pair holds.

import { hkdfSync } from 'node:crypto';
import { NettingInputError } from '../errors.js';
import { convertMinorUnits } from '../fx/currency-conversion.js';
import { rateBetween, type FxRateSet } from '../fx/fx-rate-book.js';
import type { Rational } from '../fx/rational.js';
import { commit, JUBJUB_ORDER, scalar, toAffine, type AffinePoint } from '../commitment/pedersen.js';
import { makeBilateralStatement, type BilateralStatement, type StatementOpening } from '../commitment/bilateral-statement.js';
import type { StatementLineInput } from '../statement/operator-statement.js';

const BLINDING_INFO = 'cdrchain:settlement-blinding:1';

/**
 * The pair's blinding for a period: HKDF-SHA256 of the agreement secret (salt: the chain identity),
 * info naming the period and the pair in order, 48 bytes reduced modulo the Baby Jubjub subgroup
 * order (bias below 2^-128). Both operators get the same value; without the secret it is uniform.
 */
export function statementBlinding(pairSecret: Uint8Array, chain: Uint8Array, periodId: string, first: number, second: number): bigint {
  if (first >= second) throw new NettingInputError(`a pair is named in consortium order: ${first} must be below ${second}`);
  const info = Buffer.from(`${BLINDING_INFO}\n${periodId}\n${first}-${second}`);
  const okm = Buffer.from(hkdfSync('sha256', pairSecret, chain, info, 48));
  const b = BigInt(`0x${okm.toString('hex')}`) % JUBJUB_ORDER;
  return b === 0n ? 1n : b;
}

/** Both gross directions of a pair in the settlement currency, from `first`'s settled lines with `second`. */
export function pairGrossAmounts(firstLines: readonly StatementLineInput[], second: number, rates: FxRateSet, conversionFeeRate: Rational): { firstOwesSecond: bigint; secondOwesFirst: bigint } {
  let firstOwesSecond = 0n;
  let secondOwesFirst = 0n;
  for (const l of firstLines) {
    if (l.partner !== second) continue;
    const rate = rateBetween(rates, l.currency, rates.base);
    secondOwesFirst += convertMinorUnits(l.receivable, l.currency, rates.base, rate, conversionFeeRate).gross;
    firstOwesSecond += convertMinorUnits(l.payable, l.currency, rates.base, rate, conversionFeeRate).gross;
  }
  return { firstOwesSecond, secondOwesFirst };
}

export interface PairStatementInput {
  /** The chain's identity (32 bytes). */
  readonly chain: Uint8Array;
  readonly periodId: string;
  /** The operator computing it, and its partner. */
  readonly operator: number;
  readonly partner: number;
  /** The operator's settled lines (settledTraffic(operator, …).lines; other partners' lines are ignored). */
  readonly lines: readonly StatementLineInput[];
  readonly rates: FxRateSet;
  readonly conversionFeeRate: Rational;
  readonly pairSecret: Uint8Array;
}

export interface PairStatement {
  readonly statement: BilateralStatement;
  /** What only the pair knows. */
  readonly opening: StatementOpening;
  /** The operator's side: what it receives (> 0) or pays (< 0) on this pair, settlement-currency minor units. */
  readonly amount: bigint;
}

/** The pair's bilateral statement as `operator` computes it; its partner computes the same statement. */
export function pairStatement(i: PairStatementInput): PairStatement {
  if (i.operator === i.partner) throw new NettingInputError('a statement needs two different operators');
  const [first, second] = i.operator < i.partner ? [i.operator, i.partner] : [i.partner, i.operator];
  const mine = pairGrossAmounts(i.lines, i.partner, i.rates, i.conversionFeeRate);
  // Mine as the operator sees it; in the pair's order `first` owes `second` what first pays.
  const opening: StatementOpening = Object.freeze(
    i.operator === first
      ? { firstOwesSecond: mine.firstOwesSecond, secondOwesFirst: mine.secondOwesFirst, blinding: statementBlinding(i.pairSecret, i.chain, i.periodId, first, second) }
      : { firstOwesSecond: mine.secondOwesFirst, secondOwesFirst: mine.firstOwesSecond, blinding: statementBlinding(i.pairSecret, i.chain, i.periodId, first, second) },
  );
  const statement = makeBilateralStatement({ chain: Buffer.from(i.chain).toString('hex'), periodId: i.periodId, currency: i.rates.base, first, second }, opening);
  const d = opening.firstOwesSecond - opening.secondOwesFirst;
  return Object.freeze({ statement, opening, amount: i.operator === first ? -d : d });
}

/**
 * An operator's settlement transfer as it opens it, from its pairs' statements (one per partner):
 * the net position (Σ amounts, receives > 0) and the blinding ρ_k = Σ_{i<k} r_ik − Σ_{j>k} r_kj,
 * so that commit(net, ρ) is the netting contract's N_k (docs/settlement.md, "Committed mode").
 */
export function transferOpening(operator: number, pairs: readonly PairStatement[]): { readonly net: bigint; readonly blinding: bigint; readonly commitment: AffinePoint } {
  let net = 0n;
  let blinding = 0n;
  const seen = new Set<number>();
  for (const p of pairs) {
    const { first, second } = p.statement;
    if (first !== operator && second !== operator) throw new NettingInputError(`the ${first}-${second} statement is not operator ${operator}'s`);
    const partner = first === operator ? second : first;
    if (seen.has(partner)) throw new NettingInputError(`partner ${partner} has two statements`);
    seen.add(partner);
    net += p.amount;
    blinding += operator === second ? p.opening.blinding : -p.opening.blinding;
  }
  blinding = scalar(blinding);
  return Object.freeze({ net, blinding, commitment: toAffine(commit(net, blinding)) });
}
