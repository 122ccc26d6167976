// What circuits/batch-chunk.circom proves, as constants the prover, the verifier and the tests share.
// Change them together with the circuit (and bump CHUNK_CIRCUIT.version: it names the verification key).

/** Identity under which a chunk circuit's verification key is registered (with `records`). */
// Version 2 added the Pedersen charge commitment (chargeCommitment, docs/proofs.md §1).
export const CHUNK_CIRCUIT = Object.freeze({ id: 'cdrchain/batch-chunk', version: 2 });

/**
 * Public signals, in the circuit's order (`component main {public [...]}`, scripts/build-circuits.mjs):
 * the charge commitment is a Baby Jubjub point, two signals (x, y).
 */
export const PUBLIC_INPUTS = Object.freeze(['root', 'count', 'periodStart', 'periodEnd', 'totalsCommitment', 'chargeCommitmentX', 'chargeCommitmentY'] as const);
export type PublicInputName = (typeof PUBLIC_INPUTS)[number];

/** Chunk sizes (records per proof) the tests build; larger ones are built with --records. */
export const TEST_CHUNK_RECORDS = 4;
/** Largest chunk the encodings accept (the batch tree's own limit is 2^16 leaves). */
export const MAX_CHUNK_RECORDS = 65_536;

/** The circuit's range checks: the CDR limits of src/cdr/validate.ts, and the packing widths of derive.ts. */
export const CIRCUIT_LIMITS = Object.freeze({
  maxService: 4,
  /** startTime < 2^37 (bits 3..39 of `usage`). */
  startTimeBits: 37,
  maxDurationSec: 86_400,
  maxVolumeBytes: 1n << 40n,
  maxCharge: 10n ** 12n,
  maxTariffId: 0xffff_ffff,
  /** currency < 2^16 (the low 16 bits of `meta`). */
  currencyBits: 16,
  /** periodStart, periodEnd < 2^40. */
  periodBits: 40,
  /** The charge commitment's blinding is taken mod ℓ < 2^251 (the circuit decomposes it into 251 bits). */
  chargeSaltBits: 251,
});

/** The circuit's file name for a chunk size (build/circuits/<name>/...). */
export function chunkCircuitName(records: number): string {
  return `batch_chunk_${records}`;
}

export function isChunkSize(records: number): boolean {
  return Number.isInteger(records) && records >= 1 && records <= MAX_CHUNK_RECORDS && (records & (records - 1)) === 0;
}
