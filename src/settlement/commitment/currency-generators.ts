// One Pedersen generator per currency, for commitments that hold amounts in several currencies at
// once: A = Σ_cur T_cur·G_cur + S·H (a batch-chunk proof's charge total, and the on-chain aggregate of
// a pair's proven chunks, docs/proofs.md §7). Each G_cur is nothing-up-my-sleeve, derived exactly as
// H (pedersen.ts deriveH) from its own domain, so nobody knows a discrete-log relation between any two
// of G_cur, H and G: a commitment binds every currency's total separately, and totals in different
// currencies never mix.
//
// The circuit (circuits/currency-generators.circom) holds the same points as constants: the table
// there is generated from this one and pinned by currency-generators.test.ts.

import { CURRENCIES, CURRENCY_INFO } from '../../cdr/currency.js';
import { CommitmentError } from '../errors.js';
import { deriveH, JubjubPoint, PEDERSEN_H, scalar, toAffine, type AffinePoint } from './pedersen.js';

export const CURRENCY_G_DOMAIN = 'cdrchain:pedersen:baby-jubjub:G_cur:v1:';

/** The domain of a currency's generator: CURRENCY_G_DOMAIN ‖ its ISO 4217 numeric code in decimal. */
export function currencyGeneratorDomain(numeric: number): string {
  return `${CURRENCY_G_DOMAIN}${numeric}`;
}

export interface CurrencyGenerator {
  /** ISO 4217 numeric code (what records carry and the circuit selects on). */
  readonly numeric: number;
  readonly point: JubjubPoint;
  readonly affine: AffinePoint;
}

/**
 * The generators of the project's currencies, in CURRENCIES order (the circuit's table order). A
 * new currency appends a generator and changes the chunk circuit (a new version and keys).
 */
export const CURRENCY_GENERATORS: readonly CurrencyGenerator[] = Object.freeze(
  CURRENCIES.map((c) => {
    const numeric = CURRENCY_INFO[c].numeric;
    const point = deriveH(currencyGeneratorDomain(numeric)).precompute(8);
    return Object.freeze({ numeric, point, affine: Object.freeze(toAffine(point)) });
  }),
);

const BY_NUMERIC: ReadonlyMap<number, CurrencyGenerator> = new Map(CURRENCY_GENERATORS.map((g) => [g.numeric, g] as const));

/** G_cur for an ISO 4217 numeric code; CommitmentError for a currency without one. */
export function currencyGenerator(numeric: number): JubjubPoint {
  const g = BY_NUMERIC.get(numeric);
  if (g === undefined) throw new CommitmentError(`no Pedersen generator for currency ${numeric}`);
  return g.point;
}

/** Totals per currency: ISO 4217 numeric code → minor units. */
export type CurrencyTotals = ReadonlyMap<number, bigint>;

/**
 * Σ_cur T_cur·G_cur + s·H: a commitment to several currencies' totals at once. The currencies are
 * taken in ascending numeric order (the sum does not depend on it; the order keeps the code
 * deterministic).
 */
export function commitTotals(totals: CurrencyTotals, blinding: bigint): JubjubPoint {
  let acc = JubjubPoint.ZERO;
  for (const numeric of [...totals.keys()].sort((a, b) => a - b)) {
    const t = scalar(totals.get(numeric)!);
    if (t !== 0n) acc = acc.add(currencyGenerator(numeric).multiply(t));
  }
  const s = scalar(blinding);
  return s === 0n ? acc : acc.add(PEDERSEN_H.multiply(s));
}

/** Whether (totals, blinding) opens c. */
export function opensTotals(c: JubjubPoint, totals: CurrencyTotals, blinding: bigint): boolean {
  return c.equals(commitTotals(totals, blinding));
}
