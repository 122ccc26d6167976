// A zero-knowledge proof that its maker knows an opening (a, r) of a transfer commitment
// T = a·G + r·H (Okamoto's sigma protocol made non-interactive with Fiat–Shamir), so the chain can
// refuse a disclosure whose maker cannot open T_k without learning a or r (docs/settlement.md,
// "Disclosure of transfer openings").
//
//   prover: u, v random in [1, ℓ);  A = u·G + v·H;  c = SHA-256(tag ‖ context ‖ T ‖ A) mod ℓ;
//           s = u + c·a,  t = v + c·r   (mod ℓ)
//   check:  s·G + t·H = A + c·T
//
// Special soundness: two answers to one A under different challenges give (a, r); by the binding of
// the commitment that is the one opening anyone can know. Honest-verifier zero knowledge: (A, s, t) is
// simulated from random s, t, so it reveals nothing of a or r. `context` binds the proof to the chain,
// period, proposal, operator and the ciphertexts it travels with (a proof cannot be replayed with
// other ciphertexts or for another operator).

import { sha256 } from '../../crypto/hash.js';
import { JubjubPoint, JUBJUB_ORDER, JUBJUB_P, PEDERSEN_G, PEDERSEN_H, randomBlinding, scalar, toAffine, type AffinePoint } from '../commitment/pedersen.js';

export const OPENING_PROOF_BYTES = 128;
const TAG = new TextEncoder().encode('cdrchain:transfer-opening-proof:1');

function word(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let x = v;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function readWord(b: Uint8Array, at: number): bigint {
  let v = 0n;
  for (let i = at; i < at + 32; i++) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

function times(p: JubjubPoint, k: bigint): JubjubPoint {
  const s = scalar(k);
  return s === 0n ? JubjubPoint.ZERO : p.multiply(s);
}

function onCurve(a: AffinePoint): JubjubPoint | undefined {
  if (a.x < 0n || a.y < 0n || a.x >= JUBJUB_P || a.y >= JUBJUB_P) return undefined;
  const p = JubjubPoint.fromAffine({ x: a.x, y: a.y });
  try {
    if (!p.is0()) p.assertValidity();
  } catch {
    return undefined;
  }
  return p;
}

function challenge(context: Uint8Array, t: AffinePoint, a: AffinePoint): bigint {
  const d = sha256(TAG, sha256(context), word(t.x), word(t.y), word(a.x), word(a.y));
  return scalar(readWord(d, 0));
}

/** The proof (A.x ‖ A.y ‖ s ‖ t, 128 bytes) that the caller knows (amount, blinding) opening `t`. */
export function proveOpening(t: AffinePoint, amount: bigint, blinding: bigint, context: Uint8Array): Uint8Array {
  const u = randomBlinding();
  const v = randomBlinding();
  const a = toAffine(PEDERSEN_G.multiply(u).add(PEDERSEN_H.multiply(v)));
  const c = challenge(context, t, a);
  const out = new Uint8Array(OPENING_PROOF_BYTES);
  out.set(word(a.x), 0);
  out.set(word(a.y), 32);
  out.set(word(scalar(u + c * amount)), 64);
  out.set(word(scalar(v + c * blinding)), 96);
  return out;
}

/** Whether `proof` shows knowledge of an opening of `t` under `context` (false for any malformed proof). */
export function verifyOpeningProof(t: AffinePoint, proof: Uint8Array, context: Uint8Array): boolean {
  if (proof.length !== OPENING_PROOF_BYTES) return false;
  const a = { x: readWord(proof, 0), y: readWord(proof, 32) };
  const s = readWord(proof, 64);
  const r = readWord(proof, 96);
  if (s >= JUBJUB_ORDER || r >= JUBJUB_ORDER) return false;
  // On the curve is enough: s·G + t·H lies in the prime-order subgroup, so the equation holds only if
  // A + c·T does, and T (a proposal's transfer, N_k of subgroup commitments) is in it; the two
  // subgroup checks (a scalar multiplication by ℓ each) would double the verification's cost.
  const pa = onCurve(a);
  const pt = onCurve(t);
  if (pa === undefined || pt === undefined) return false;
  const c = challenge(context, t, a);
  return times(PEDERSEN_G, s).add(times(PEDERSEN_H, r)).equals(pa.add(times(pt, c)));
}
