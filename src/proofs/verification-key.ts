import { createHash } from 'node:crypto';
import { PUBLIC_INPUTS } from './circuit.js';
import { ProofEncodingError } from './errors.js';
import { BASE_FIELD_MODULUS } from './proof-codec.js';

type G1 = readonly [string, string, string];
type Fq2 = readonly [string, string];
type G2 = readonly [Fq2, Fq2, Fq2];

/**
 * A chunk circuit's Groth16 verification key, as snarkjs exports it, reduced to what verification
 * reads (snarkjs's precomputed `vk_alphabeta_12` is dropped: groth16.verify does not use it).
 */
export interface VerificationKey {
  readonly protocol: 'groth16';
  readonly curve: 'bn128';
  readonly nPublic: number;
  readonly vk_alpha_1: G1;
  readonly vk_beta_2: G2;
  readonly vk_gamma_2: G2;
  readonly vk_delta_2: G2;
  readonly IC: readonly G1[];
}

/** Largest key file accepted (a 5-input key is ~4 KB). */
export const MAX_VERIFICATION_KEY_BYTES = 64 * 1024;
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

function coordinate(v: unknown, what: string): string {
  if (typeof v !== 'string' || !DECIMAL.test(v) || BigInt(v) >= BASE_FIELD_MODULUS) {
    throw new ProofEncodingError('key', `${what} is not a coordinate below q`);
  }
  return v;
}

function g1(v: unknown, what: string): G1 {
  if (!Array.isArray(v) || v.length !== 3 || v[2] !== '1') throw new ProofEncodingError('key', `${what} is not an affine G1 point`);
  return Object.freeze([coordinate(v[0], `${what}.x`), coordinate(v[1], `${what}.y`), '1'] as const);
}

function fq2(v: unknown, what: string): Fq2 {
  if (!Array.isArray(v) || v.length !== 2) throw new ProofEncodingError('key', `${what} is not an Fq2 element`);
  return Object.freeze([coordinate(v[0], `${what}.c0`), coordinate(v[1], `${what}.c1`)] as const);
}

function g2(v: unknown, what: string): G2 {
  if (!Array.isArray(v) || v.length !== 3) throw new ProofEncodingError('key', `${what} is not a G2 point`);
  const z = v[2] as unknown;
  if (!Array.isArray(z) || z[0] !== '1' || z[1] !== '0' || z.length !== 2) throw new ProofEncodingError('key', `${what} is not affine`);
  return Object.freeze([fq2(v[0], `${what}.x`), fq2(v[1], `${what}.y`), Object.freeze(['1', '0'] as const)] as const);
}

/**
 * Validates a parsed verification key for the chunk circuit (Groth16, BN254, one IC point per public
 * input plus one) and returns a frozen copy holding only the fields verification reads.
 */
export function parseVerificationKey(json: unknown, publicInputs: number = PUBLIC_INPUTS.length): VerificationKey {
  if (typeof json !== 'object' || json === null) throw new ProofEncodingError('key', 'a verification key is a JSON object');
  const k = json as Record<string, unknown>;
  if (k['protocol'] !== 'groth16' || k['curve'] !== 'bn128') throw new ProofEncodingError('key', 'not a Groth16 BN254 key');
  if (k['nPublic'] !== publicInputs) throw new ProofEncodingError('key', `the circuit has ${publicInputs} public inputs`);
  const ic = k['IC'];
  if (!Array.isArray(ic) || ic.length !== publicInputs + 1) throw new ProofEncodingError('key', 'IC must hold nPublic + 1 points');
  return Object.freeze({
    protocol: 'groth16',
    curve: 'bn128',
    nPublic: publicInputs,
    vk_alpha_1: g1(k['vk_alpha_1'], 'vk_alpha_1'),
    vk_beta_2: g2(k['vk_beta_2'], 'vk_beta_2'),
    vk_gamma_2: g2(k['vk_gamma_2'], 'vk_gamma_2'),
    vk_delta_2: g2(k['vk_delta_2'], 'vk_delta_2'),
    IC: Object.freeze(ic.map((p, i) => g1(p, `IC[${i}]`))),
  } as const);
}

/** Parses key bytes (UTF-8 JSON, bounded) into a validated key. */
export function decodeVerificationKey(bytes: Uint8Array, publicInputs: number = PUBLIC_INPUTS.length): VerificationKey {
  if (bytes.length > MAX_VERIFICATION_KEY_BYTES) throw new ProofEncodingError('length', 'verification key too large');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new ProofEncodingError('key', 'verification key is not JSON');
  }
  return parseVerificationKey(json, publicInputs);
}

/** Canonical bytes of a key: JSON of the fields above in a fixed order. What the ledger would register. */
export function encodeVerificationKey(vk: VerificationKey): Uint8Array {
  const { protocol, curve, nPublic, vk_alpha_1, vk_beta_2, vk_gamma_2, vk_delta_2, IC } = vk;
  return Buffer.from(JSON.stringify({ protocol, curve, nPublic, vk_alpha_1, vk_beta_2, vk_gamma_2, vk_delta_2, IC }), 'utf8');
}

/** SHA-256 of the canonical bytes: names a key (a ceremony's output) independently of its file's formatting. */
export function verificationKeyId(vk: VerificationKey): Uint8Array {
  return new Uint8Array(createHash('sha256').update(encodeVerificationKey(vk)).digest());
}
