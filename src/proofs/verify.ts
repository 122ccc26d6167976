import { groth16 } from 'snarkjs';
import { decodeProof, encodeProof, type Groth16Proof } from './proof-codec.js';
import { publicSignalsOf, type ChunkStatement } from './statement.js';
import { decodeVerificationKey, type VerificationKey } from './verification-key.js';

/**
 * Whether `proof` proves `statement` under `vk` (snarkjs groth16.verify: the pairing check, after
 * snarkjs's own on-curve checks of the proof's points). Inputs are re-validated first, so a malformed
 * proof or statement is a ProofEncodingError, never a silently reduced value; a well-formed proof of
 * another statement is `false`. Pure: no files, no clock; safe to call from a worker.
 */
export async function verifyChunkProof(vk: VerificationKey, statement: ChunkStatement, proof: Groth16Proof): Promise<boolean> {
  const signals = publicSignalsOf(statement);
  const normalized = decodeProof(encodeProof(proof));
  return groth16.verify(vk, signals, { ...normalized, pi_a: [...normalized.pi_a], pi_b: normalized.pi_b.map((p) => [...p]), pi_c: [...normalized.pi_c] });
}

/** verifyChunkProof over encodings: the verification key's JSON bytes and the 256-byte proof. */
export async function verifyChunkProofBytes(vkBytes: Uint8Array, statement: ChunkStatement, proofBytes: Uint8Array): Promise<boolean> {
  return verifyChunkProof(decodeVerificationKey(vkBytes), statement, decodeProof(proofBytes));
}
