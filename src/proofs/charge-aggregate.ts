// Opening the chain's charge aggregate of (submitter → counterparty, period) (docs/proofs.md §7):
// A = Σ over proven chunks of (Σ charge)·G_cur + s·H. The pair holds every chunk's totals and can
// recompute every chunk's blinding from the pair secret and the batch context, so it opens A as
// (total per currency, Σ s mod ℓ); nobody else can.
import { commitTotals, type CurrencyTotals } from '../settlement/commitment/currency-generators.js';
import { commitmentFromAffine, scalar, type AffinePoint } from '../settlement/commitment/pedersen.js';
import type { BatchContext } from '../privacy/context.js';
import { chargeSalt, type ChunkTotals } from './totals.js';

/** What opens a charge aggregate: the proven charge total per currency (minor units) and the summed blinding. */
export interface ChargeAggregateOpening {
  readonly totals: CurrencyTotals;
  /** Σ chunk blindings mod ℓ. */
  readonly blinding: bigint;
}

/** One proven batch as its pair knows it: the batch context (for the salts) and its chunks' totals, in chunk order. */
export interface ProvenBatchTotals {
  readonly context: BatchContext;
  readonly totals: readonly ChunkTotals[];
}

/**
 * The opening of the aggregate of `batches` (every batch proven for one submitter → counterparty and
 * period), from the pair secret: per currency Σ charge, and Σ chargeSalt(pair secret, context, k) mod ℓ.
 */
export function openChargeAggregate(pairSecret: Uint8Array, batches: readonly ProvenBatchTotals[]): ChargeAggregateOpening {
  const totals = new Map<number, bigint>();
  let blinding = 0n;
  for (const b of batches) {
    b.totals.forEach((t, k) => {
      totals.set(t.currency, (totals.get(t.currency) ?? 0n) + t.charge);
      blinding = scalar(blinding + chargeSalt(pairSecret, b.context, k));
    });
  }
  return Object.freeze({ totals, blinding });
}

/** Whether `opening` opens the aggregate `a` (affine, as GET /proofs/aggregates returns it). */
export function chargeAggregateOpens(a: AffinePoint, opening: ChargeAggregateOpening): boolean {
  return commitmentFromAffine(a).equals(commitTotals(opening.totals, opening.blinding));
}
