import { ProofEncodingError } from './errors.js';

/** BN254 base field modulus q (coordinates of G1 and G2 points). */
export const BASE_FIELD_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/** A Groth16 proof as snarkjs writes it: affine points in projective form (z = 1), decimal strings. */
export interface Groth16Proof {
  readonly pi_a: readonly [string, string, string];
  readonly pi_b: readonly [readonly [string, string], readonly [string, string], readonly [string, string]];
  readonly pi_c: readonly [string, string, string];
  readonly protocol: 'groth16';
  readonly curve: 'bn128';
}

/** Bytes of an encoded proof: A (G1, 64) ‖ B (G2, 128) ‖ C (G1, 64), uncompressed. */
export const PROOF_BYTES = 256;
const COORDINATE_BYTES = 32;
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

function coordinate(text: unknown, what: string): bigint {
  if (typeof text !== 'string' || !DECIMAL.test(text)) throw new ProofEncodingError('point', `${what} is not a decimal coordinate`);
  const v = BigInt(text);
  if (v >= BASE_FIELD_MODULUS) throw new ProofEncodingError('point', `${what} is not below the base field modulus`);
  return v;
}

function pair(value: unknown, what: string): readonly [unknown, unknown] {
  if (!Array.isArray(value) || value.length !== 2) throw new ProofEncodingError('point', `${what} is not a pair`);
  return [value[0], value[1]];
}

function affine(value: unknown, length: number, what: string): unknown[] {
  if (!Array.isArray(value) || value.length !== length) throw new ProofEncodingError('point', `${what} is not a point`);
  return value;
}

/**
 * The 256-byte encoding of a proof: each coordinate 32 bytes big-endian, G2 coordinates as snarkjs
 * orders them (c0, c1). Only affine points (z = 1) are accepted, every coordinate below q. Whether the
 * points lie on the curve and in the subgroup is snarkjs's check at verification.
 */
export function encodeProof(proof: Groth16Proof): Uint8Array {
  if (proof.protocol !== 'groth16' || proof.curve !== 'bn128') throw new ProofEncodingError('point', 'not a Groth16 BN254 proof');
  const a = affine(proof.pi_a, 3, 'A');
  const b = affine(proof.pi_b, 3, 'B');
  const c = affine(proof.pi_c, 3, 'C');
  if (a[2] !== '1' || c[2] !== '1') throw new ProofEncodingError('point', 'A and C must be affine (z = 1)');
  const bz = pair(b[2], 'B.z');
  if (bz[0] !== '1' || bz[1] !== '0') throw new ProofEncodingError('point', 'B must be affine (z = 1)');
  const bx = pair(b[0], 'B.x');
  const by = pair(b[1], 'B.y');
  const coords = [
    coordinate(a[0], 'A.x'), coordinate(a[1], 'A.y'),
    coordinate(bx[0], 'B.x.c0'), coordinate(bx[1], 'B.x.c1'), coordinate(by[0], 'B.y.c0'), coordinate(by[1], 'B.y.c1'),
    coordinate(c[0], 'C.x'), coordinate(c[1], 'C.y'),
  ];
  const out = new Uint8Array(PROOF_BYTES);
  coords.forEach((v, i) => out.set(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'), i * COORDINATE_BYTES));
  return out;
}

/** Decodes encodeProof's bytes; ProofEncodingError for a wrong length or a coordinate ≥ q. */
export function decodeProof(bytes: Uint8Array): Groth16Proof {
  if (!(bytes instanceof Uint8Array) || bytes.length !== PROOF_BYTES) throw new ProofEncodingError('length', `a proof is ${PROOF_BYTES} bytes`);
  const c: string[] = [];
  for (let i = 0; i < PROOF_BYTES; i += COORDINATE_BYTES) {
    const v = BigInt(`0x${Buffer.from(bytes.subarray(i, i + COORDINATE_BYTES)).toString('hex')}`);
    if (v >= BASE_FIELD_MODULUS) throw new ProofEncodingError('point', `coordinate ${i / COORDINATE_BYTES} is not below the base field modulus`);
    c.push(v.toString(10));
  }
  const [ax, ay, bx0, bx1, by0, by1, cx, cy] = c as [string, string, string, string, string, string, string, string];
  return Object.freeze({
    pi_a: [ax, ay, '1'],
    pi_b: [[bx0, bx1], [by0, by1], ['1', '0']],
    pi_c: [cx, cy, '1'],
    protocol: 'groth16',
    curve: 'bn128',
  } as const);
}
