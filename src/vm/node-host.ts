// The node's implementation of the VM's host functions (docs/vm.md, "Host functions"). Every
// function is deterministic and total: malformed keys, signatures or proofs verify as false and
// never throw, so a contract cannot turn bad input into a node error.

import { createHash } from 'node:crypto';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { babyjubjub } from '@noble/curves/misc.js';
import { ed25519Verify, publicKeyObject } from '../crypto/ed25519.js';
import { BabyJubjubWasm } from '../wasm/babyjubjub.js';
import { PoseidonWasm } from '../wasm/poseidon.js';
import type { HostFunctions } from './execution.js';

/**
 * BLS_VERIFY's hash-to-curve domain: the Ethereum consensus ciphersuite (min-pk: public keys in
 * G1, signatures in G2, proof-of-possession scheme).
 */
export const BLS_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';

/** A Groth16 verifier for one verifying key: proof (256 bytes) and public inputs → valid. */
export type Groth16Verifier = (proof: Uint8Array, publicInputs: readonly bigint[]) => boolean;

export interface NodeHostOptions {
  /**
   * Verifying keys registered at genesis, by id (GROTH16_VERIFY's first argument). None are
   * registered yet; an unknown id verifies as false.
   */
  readonly verifyingKeys?: ReadonlyMap<bigint, Groth16Verifier>;
}

export function nodeHostFunctions(options: NodeHostOptions = {}): HostFunctions {
  const poseidon = PoseidonWasm.load();
  const verifyingKeys = options.verifyingKeys ?? new Map<bigint, Groth16Verifier>();
  return {
    poseidon: (inputs) => poseidon.hash(inputs),
    sha256: (data) => new Uint8Array(createHash('sha256').update(data).digest()),
    ed25519Verify: (message, signature, publicKey) => {
      if (signature.length !== 64 || publicKey.length !== 32) return false;
      try {
        return ed25519Verify(message, signature, publicKeyObject(publicKey));
      } catch {
        return false; // not a point on the curve, or otherwise unparseable
      }
    },
    blsVerify: (message, signature, publicKey) => blsVerify(message, signature, publicKey),
    groth16Verify: (verifyingKeyId, proof, publicInputs) => {
      const verifier = verifyingKeys.get(verifyingKeyId);
      if (verifier === undefined || proof.length !== 256) return false;
      try {
        return verifier(proof, publicInputs);
      } catch {
        return false;
      }
    },
    bjjSum: (points, added, subtracted) => bjjSum(points, added, subtracted),
  };
}

const Jubjub = babyjubjub.Point;
const { p: JUBJUB_P, a: JUBJUB_A, d: JUBJUB_D } = Jubjub.CURVE();

/**
 * a·x² + y² = 1 + d·x²·y² (mod p) for canonical x, y: the curve equation with noble's parameters,
 * in affine form (half the cost of fromAffine(…).assertValidity(), which checks the projective one).
 */
function onJubjub(x: bigint, y: bigint): boolean {
  const x2 = (x * x) % JUBJUB_P;
  const y2 = (y * y) % JUBJUB_P;
  return (JUBJUB_A * x2 + y2 - 1n - ((JUBJUB_D * x2) % JUBJUB_P) * y2) % JUBJUB_P === 0n;
}

/** A 32-byte big-endian word at `at`. */
function wordAt(view: DataView, at: number): bigint {
  return (view.getBigUint64(at) << 192n) | (view.getBigUint64(at + 8) << 128n) | (view.getBigUint64(at + 16) << 64n) | view.getBigUint64(at + 24);
}

/**
 * BJJ_SUM: Σ of the first `added` points minus Σ of the next `subtracted` (64 bytes each: affine
 * x ‖ y, big-endian words), in WebAssembly (assembly/babyjubjub): on-curve checks and additions in
 * extended coordinates, normalised once. Undefined when a coordinate is ≥ r or a point is not on
 * Baby Jubjub. Subgroup membership is not checked here (a scalar multiplication, ~1 ms):
 * commitments are checked when their statement is admitted. Identical to `bjjSumNoble`, the
 * reference it is tested against (src/wasm/babyjubjub.test.ts).
 */
export function bjjSum(points: Uint8Array, added: number, subtracted: number): Uint8Array | undefined {
  return BabyJubjubWasm.load().sum(points, added, subtracted);
}

/** BJJ_SUM with @noble/curves, point by point: the reference for `bjjSum`. */
export function bjjSumNoble(points: Uint8Array, added: number, subtracted: number): Uint8Array | undefined {
  const count = added + subtracted;
  if (points.length !== 64 * count) return undefined;
  const view = new DataView(points.buffer, points.byteOffset, points.length);
  let plus = Jubjub.ZERO;
  let minus = Jubjub.ZERO;
  for (let i = 0; i < count; i++) {
    const x = wordAt(view, 64 * i);
    const y = wordAt(view, 64 * i + 32);
    if (x >= JUBJUB_P || y >= JUBJUB_P || !onJubjub(x, y)) return undefined;
    const p = Jubjub.fromAffine({ x, y });
    if (i < added) plus = plus.add(p);
    else minus = minus.add(p);
  }
  const { x, y } = plus.subtract(minus).toAffine();
  const out = new Uint8Array(64);
  const outView = new DataView(out.buffer);
  for (const [at, v] of [[0, x], [32, y]] as const) {
    for (let k = 0; k < 4; k++) outView.setBigUint64(at + 8 * k, BigInt.asUintN(64, v >> BigInt(192 - 64 * k)));
  }
  return out;
}

/** min-pk BLS: 96-byte compressed G2 signature, 48-byte compressed G1 public key. */
export function blsVerify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 96 || publicKey.length !== 48) return false;
  try {
    const bls = bls12_381.longSignatures;
    const key = bls12_381.G1.Point.fromBytes(publicKey);
    const sig = bls12_381.G2.Point.fromBytes(signature);
    // KeyValidate (draft-irtf-cfrg-bls-signature §2.5): the identity and points outside the
    // prime-order subgroup are not keys.
    if (key.is0() || !key.isTorsionFree() || sig.is0() || !sig.isTorsionFree()) return false;
    return bls.verify(sig, bls.hash(message, BLS_DST), key);
  } catch {
    return false;
  }
}
