import { sha256 } from '../crypto/hash.js';
import { type BatchContext, batchContext, encodeBatchContext } from '../privacy/context.js';
import { commitTotals } from '../settlement/commitment/currency-generators.js';
import { scalar, toAffine, type AffinePoint, type JubjubPoint } from '../settlement/commitment/pedersen.js';
import type { PoseidonWasm } from '../wasm/poseidon.js';
import { ProofInputError } from './errors.js';
import type { RecordOpening } from './record-opening.js';

/**
 * A chunk's totals over its real records, in one currency. Reconciliation and settlement compare
 * these; the ledger only ever sees their commitment (a per-batch total of one record is its charge).
 */
export interface ChunkTotals {
  /** ISO 4217 numeric code shared by every record of the chunk. */
  readonly currency: number;
  /** Σ charge, minor units. */
  readonly charge: bigint;
  readonly durationSec: bigint;
  readonly volumeBytes: bigint;
}

const TAG_TOTALS_SALT = Buffer.from('cdrchain:totals-salt:1');
const TAG_CHARGE_SALT = Buffer.from('cdrchain:charge-salt:1');

/** Sums the openings; all must be in one currency (ProofInputError 'currency' names the first that is not). */
export function totalsOf(openings: readonly RecordOpening[]): ChunkTotals {
  const first = openings[0];
  if (first === undefined) throw new ProofInputError('records', 'a chunk needs at least one record');
  let charge = 0n;
  let durationSec = 0n;
  let volumeBytes = 0n;
  openings.forEach((o, i) => {
    if (o.currency !== first.currency) throw new ProofInputError('currency', `record ${i} is in another currency than record 0`, i);
    charge += o.charge;
    durationSec += BigInt(o.durationSec);
    volumeBytes += o.volumeBytes;
  });
  return Object.freeze({ currency: first.currency, charge, durationSec, volumeBytes });
}

/**
 * The blinding of chunk `chunk`'s totals commitment: SHA-256("cdrchain:totals-salt:1" ‖ pair secret ‖
 * batch context ‖ chunk u32), top 3 bits cleared. Both operators of the pair can recompute it, so
 * either can open the other's committed totals; nobody else can, even knowing the totals' range.
 */
export function totalsSalt(pairSecret: Uint8Array, context: BatchContext, chunk: number): bigint {
  if (!Number.isInteger(chunk) || chunk < 0 || chunk > 0xffff_ffff) throw new ProofInputError('layout', 'chunk index must be a u32');
  const index = Buffer.alloc(4);
  index.writeUInt32BE(chunk);
  const d = sha256(TAG_TOTALS_SALT, pairSecret, encodeBatchContext(batchContext(context)), index);
  d[0]! &= 0x1f;
  return BigInt(`0x${Buffer.from(d).toString('hex')}`);
}

/** Poseidon(currency, Σ charge, Σ durationSec, Σ volumeBytes, salt): the public input the circuit checks. */
export function totalsCommitment(totals: ChunkTotals, salt: bigint, poseidon: PoseidonWasm): bigint {
  return poseidon.hash([BigInt(totals.currency), totals.charge, totals.durationSec, totals.volumeBytes, salt]);
}

/**
 * The blinding of chunk `chunk`'s Pedersen charge commitment: 512 bits, SHA-256("cdrchain:charge-salt:1"
 * ‖ pair secret ‖ batch context ‖ chunk u32 ‖ half u8) for half 0 and 1, reduced mod ℓ (bias below
 * 2^-250, so the commitment hides perfectly up to that). Its own domain, not the totals salt: with one
 * blinding for both, an unbounded adversary could solve the Pedersen one for s and test the Poseidon one.
 * Both operators of the pair can recompute it, and open an aggregate of such commitments by their sum.
 */
export function chargeSalt(pairSecret: Uint8Array, context: BatchContext, chunk: number): bigint {
  if (!Number.isInteger(chunk) || chunk < 0 || chunk > 0xffff_ffff) throw new ProofInputError('layout', 'chunk index must be a u32');
  const index = Buffer.alloc(4);
  index.writeUInt32BE(chunk);
  const ctx = encodeBatchContext(batchContext(context));
  const half = (h: number): string => Buffer.from(sha256(TAG_CHARGE_SALT, pairSecret, ctx, index, Uint8Array.of(h))).toString('hex');
  return scalar(BigInt(`0x${half(0)}${half(1)}`));
}

/** (Σ charge)·G_currency + salt·H: the chunk's Pedersen charge commitment, as a point. */
export function chargeCommitmentPoint(totals: ChunkTotals, salt: bigint): JubjubPoint {
  return commitTotals(new Map([[totals.currency, totals.charge]]), salt);
}

/** The chunk's Pedersen charge commitment, affine: the public input pair the circuit checks. */
export function chargeCommitment(totals: ChunkTotals, salt: bigint): AffinePoint {
  return toAffine(chargeCommitmentPoint(totals, salt));
}
