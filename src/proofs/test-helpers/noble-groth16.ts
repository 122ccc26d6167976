// An independent Groth16 check for tests only: the verification equation of Groth (2016), §3.2,
//   e(A, B) = e(α, β) · e(Σ x_i·IC_i, γ) · e(C, δ),  with x_0 = 1,
// evaluated with @noble/curves' bn254 pairing instead of snarkjs/ffjavascript. Production code verifies
// with snarkjs (verify.ts); this only shows that the proofs and keys are standard Groth16 over BN254.
import { bn254 } from '@noble/curves/bn254.js';
import type { Groth16Proof } from '../proof-codec.js';
import type { VerificationKey } from '../verification-key.js';

const { Fp2, Fp12 } = bn254.fields;
type G1Point = ReturnType<typeof bn254.G1.Point.fromAffine>;
type G2Point = ReturnType<typeof bn254.G2.Point.fromAffine>;

function g1(p: readonly [string, string, string]): G1Point {
  return bn254.G1.Point.fromAffine({ x: BigInt(p[0]), y: BigInt(p[1]) });
}

function g2(p: readonly [readonly [string, string], readonly [string, string], unknown]): G2Point {
  return bn254.G2.Point.fromAffine({
    x: Fp2.fromBigTuple([BigInt(p[0][0]), BigInt(p[0][1])]),
    y: Fp2.fromBigTuple([BigInt(p[1][0]), BigInt(p[1][1])]),
  });
}

/** True when the proof satisfies the pairing equation for these public inputs (points must be on the curve). */
export function curveCheck(vk: VerificationKey, publicInputs: readonly bigint[], proof: Groth16Proof): boolean {
  let vkX = g1(vk.IC[0]!);
  publicInputs.forEach((x, i) => {
    if (x !== 0n) vkX = vkX.add(g1(vk.IC[i + 1]!).multiply(x));
  });
  const a = g1(proof.pi_a);
  const b = g2(proof.pi_b);
  const c = g1(proof.pi_c);
  a.assertValidity();
  b.assertValidity();
  c.assertValidity();
  const product = bn254.pairingBatch([
    { g1: a.negate(), g2: b },
    { g1: g1(vk.vk_alpha_1), g2: g2(vk.vk_beta_2) },
    { g1: vkX, g2: g2(vk.vk_gamma_2) },
    { g1: c, g2: g2(vk.vk_delta_2) },
  ]);
  return Fp12.eql(product, Fp12.ONE);
}
