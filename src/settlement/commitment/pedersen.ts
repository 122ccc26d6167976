// Pedersen commitments C = a·G + r·H on Baby Jubjub (EIP-2494), the twisted Edwards curve over the
// BN254 scalar field: its arithmetic is native to circom circuits over BN254, so a later circuit can
// prove that a commitment holds a pair's proven batch total. Group arithmetic is @noble/curves'
// (`babyjubjub` in @noble/curves/misc.js, v2: Point.BASE is the EIP's prime-order base B = 8·G,
// the same point as circomlib's Base8).
//
// G = B. H is a nothing-up-my-sleeve point (docs/settlement.md): y = SHA-256(H_DOMAIN ‖ u32 counter)
// read little-endian with its top two bits cleared, for counter = 0, 1, … until y < p and y is the
// y-coordinate of a curve point (decompressed by noble with x even), then multiplied by the
// cofactor 8 into the prime-order subgroup and refused if that gives the identity. Nobody chose H,
// so nobody knows log_G(H): that is what makes the commitment binding.

import { createHash, randomBytes } from 'node:crypto';
import { babyjubjub } from '@noble/curves/misc.js';
import { CommitmentError } from '../errors.js';

export const JubjubPoint = babyjubjub.Point;
export type JubjubPoint = InstanceType<typeof babyjubjub.Point>;

/** The base field: BN254's scalar field r (the VM's FADD/FMUL field). */
export const JUBJUB_P: bigint = JubjubPoint.Fp.ORDER;
/** The prime order ℓ of the subgroup commitments live in; amounts and blindings are taken mod ℓ. */
export const JUBJUB_ORDER: bigint = JubjubPoint.Fn.ORDER;
export const H_DOMAIN = 'cdrchain:pedersen:baby-jubjub:H:v1';

// Both generators get 8-bit window tables (built on first use): committing is ~2 fixed-base multiplications.
export const PEDERSEN_G: JubjubPoint = JubjubPoint.BASE.precompute(8);
export const PEDERSEN_H: JubjubPoint = deriveH(H_DOMAIN).precompute(8);

/** The nothing-up-my-sleeve generator for `domain` (see the file comment). */
export function deriveH(domain: string): JubjubPoint {
  for (let counter = 0; counter < 1_000; counter++) {
    const ctr = Buffer.alloc(4);
    ctr.writeUInt32BE(counter);
    const bytes = createHash('sha256').update(domain).update(ctr).digest();
    bytes[31]! &= 0x3f; // little-endian: clears bit 255 (the sign of x) and bit 254 (y < 2^254)
    let point: JubjubPoint;
    try {
      point = JubjubPoint.fromBytes(bytes); // refuses y ≥ p and a y that is on no point
    } catch {
      continue;
    }
    const h = point.clearCofactor();
    if (!h.is0()) return h;
  }
  throw new Error(`no generator found for ${domain}`); // probability 2^-1000
}

/** a mod ℓ in [0, ℓ): amounts are signed, the group is not. */
export function scalar(a: bigint): bigint {
  const m = a % JUBJUB_ORDER;
  return m < 0n ? m + JUBJUB_ORDER : m;
}

/** k·P for any integer k (mod ℓ), constant-time for the secret scalars of commitments. */
function times(p: JubjubPoint, k: bigint): JubjubPoint {
  const s = scalar(k);
  return s === 0n ? JubjubPoint.ZERO : p.multiply(s);
}

/** A uniformly random blinding in [1, ℓ) (512 random bits reduced: bias below 2^-250). */
export function randomBlinding(): bigint {
  const b = scalar(BigInt(`0x${randomBytes(64).toString('hex')}`));
  return b === 0n ? 1n : b;
}

/** C = a·G + r·H. */
export function commit(amount: bigint, blinding: bigint): JubjubPoint {
  return times(PEDERSEN_G, amount).add(times(PEDERSEN_H, blinding));
}

/** Whether (amount, blinding) opens c. */
export function opens(c: JubjubPoint, amount: bigint, blinding: bigint): boolean {
  return c.equals(commit(amount, blinding));
}

/** An affine point as two field words (what the VM and the chain store). */
export interface AffinePoint {
  readonly x: bigint;
  readonly y: bigint;
}

export function toAffine(p: JubjubPoint): AffinePoint {
  const { x, y } = p.toAffine();
  return { x, y };
}

/**
 * Affine words → a commitment point, refusing anything that is not in the prime-order subgroup
 * (coordinates ≥ p, off the curve, or with a small-order component: a "commitment" outside the
 * subgroup opens to nothing and would break the sum checks' meaning).
 */
export function commitmentFromAffine(a: AffinePoint): JubjubPoint {
  if (a.x < 0n || a.y < 0n || a.x >= JUBJUB_P || a.y >= JUBJUB_P) throw new CommitmentError('coordinate outside the field');
  const p = JubjubPoint.fromAffine({ x: a.x, y: a.y });
  try {
    if (!p.is0()) p.assertValidity();
  } catch {
    throw new CommitmentError('point is not on Baby Jubjub');
  }
  if (!p.isTorsionFree()) throw new CommitmentError('point is not in the prime-order subgroup');
  return p;
}

/** 64 bytes: x ‖ y, each 32 bytes big-endian (the VM's word order). */
export function encodeAffine(a: AffinePoint): Uint8Array {
  const out = new Uint8Array(64);
  const hex = a.x.toString(16).padStart(64, '0') + a.y.toString(16).padStart(64, '0');
  out.set(Buffer.from(hex, 'hex'));
  return out;
}

export function decodeAffine(bytes: Uint8Array): AffinePoint {
  if (bytes.length !== 64) throw new CommitmentError(`a point is 64 bytes, got ${bytes.length}`);
  const hex = Buffer.from(bytes).toString('hex');
  return { x: BigInt(`0x${hex.slice(0, 64)}`), y: BigInt(`0x${hex.slice(64)}`) };
}

/** Affine coordinates of many points with one field inversion. */
export function toAffineBatch(points: readonly JubjubPoint[]): AffinePoint[] {
  const Fp = JubjubPoint.Fp;
  const zs = Fp.invertBatch(points.map((p) => p.Z));
  return points.map((p, i) => {
    const iz = zs[i]!;
    return { x: Fp.mul(p.X, iz), y: Fp.mul(p.Y, iz) };
  });
}
