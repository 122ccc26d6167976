import type { AffinePoint } from '../settlement/commitment/pedersen.js';
import { FIELD_MODULUS } from '../wasm/poseidon.js';
import { CIRCUIT_LIMITS, PUBLIC_INPUTS } from './circuit.js';
import { ProofEncodingError } from './errors.js';

/**
 * The public inputs of one chunk proof. `count` and the period come from the batch header and the
 * chunk layout, so on the wire a chunk carries only `root` and `totalsCommitment` (batch-proof.ts).
 */
export interface ChunkStatement {
  /** The chunk's Merkle root (composes to the header's root: chunks.ts). */
  readonly root: bigint;
  /** Real records in the chunk. */
  readonly count: number;
  /** The batch header's period, unix seconds: every real record starts in [periodStart, periodEnd). */
  readonly periodStart: bigint;
  readonly periodEnd: bigint;
  /** Poseidon(currency, Σ charge, Σ durationSec, Σ volumeBytes, totals salt). */
  readonly totalsCommitment: bigint;
  /**
   * (Σ charge)·G_currency + chargeSalt·H on Baby Jubjub (affine): the Pedersen commitment of the
   * chunk's charge total, which the ledger adds up per pair and period (docs/proofs.md §7).
   */
  readonly chargeCommitment: AffinePoint;
}

const PERIOD_LIMIT = 1n << BigInt(CIRCUIT_LIMITS.periodBits);

/** The statement as snarkjs's public signals: decimal strings in PUBLIC_INPUTS order. */
export function publicSignalsOf(s: ChunkStatement): string[] {
  checkStatement(s);
  const values: Record<(typeof PUBLIC_INPUTS)[number], bigint> = {
    root: s.root,
    count: BigInt(s.count),
    periodStart: s.periodStart,
    periodEnd: s.periodEnd,
    totalsCommitment: s.totalsCommitment,
    chargeCommitmentX: s.chargeCommitment.x,
    chargeCommitmentY: s.chargeCommitment.y,
  };
  return PUBLIC_INPUTS.map((name) => values[name].toString(10));
}

/**
 * Refuses statements no proof can satisfy, or that snarkjs would reduce modulo r (a value ≥ r would
 * verify as if it were value − r): every input is a canonical field element in the circuit's ranges.
 */
export function checkStatement(s: ChunkStatement): void {
  const fields = [['root', s.root], ['totalsCommitment', s.totalsCommitment], ['chargeCommitment.x', s.chargeCommitment?.x], ['chargeCommitment.y', s.chargeCommitment?.y]] as const;
  for (const [name, v] of fields) {
    if (typeof v !== 'bigint' || v < 0n || v >= FIELD_MODULUS) throw new ProofEncodingError('field', `${name} is not a canonical field element`);
  }
  if (!Number.isInteger(s.count) || s.count < 1) throw new ProofEncodingError('field', 'count must be a positive integer');
  for (const [name, v] of [['periodStart', s.periodStart], ['periodEnd', s.periodEnd]] as const) {
    if (typeof v !== 'bigint' || v < 0n || v >= PERIOD_LIMIT) throw new ProofEncodingError('field', `${name} must be below 2^${CIRCUIT_LIMITS.periodBits}`);
  }
}
