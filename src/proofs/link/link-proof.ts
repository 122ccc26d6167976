// Proving and verifying the bilateral link (docs/proofs.md §8). The prover is either operator of the
// pair; the verifier is every validator, with a statement it built from its own state.

import { groth16, wtns, type SnarkjsSignal } from 'snarkjs';
import { WitnessError } from '../errors.js';
import { decodeProof, encodeProof, type Groth16Proof } from '../proof-codec.js';
import { decodeVerificationKey, type VerificationKey } from '../verification-key.js';
import type { LinkArtifacts } from './link-artifacts.js';
import { LINK_PUBLIC_INPUT_COUNT } from './link-circuit.js';
import { LinkInputError } from './link-errors.js';
import { linkPublicSignals, type LinkStatement } from './link-statement.js';
import { linkCircuitInput, type LinkWitness } from './link-witness.js';

/**
 * Proves the link: the witness calculator checks every constraint (a WitnessError if one fails: no
 * proof exists), then Groth16. Seconds of CPU: on the operator's side, never on a node's ingest path.
 */
export async function proveLink(artifacts: LinkArtifacts, witness: LinkWitness): Promise<Groth16Proof> {
  for (const d of witness.line) {
    for (const c of d) if (c.length !== artifacts.linesPerCurrency) throw new LinkInputError('lines', `the witness has ${c.length} lines per currency; ${artifacts.name} has ${artifacts.linesPerCurrency}`);
  }
  return proveLinkInput(artifacts, linkCircuitInput(witness), linkPublicSignals(witness.statement));
}

/** Proves raw circuit inputs (tests tamper with them); `expected` is the statement's public signals. */
export async function proveLinkInput(artifacts: LinkArtifacts, input: Record<string, SnarkjsSignal>, expected: readonly string[]): Promise<Groth16Proof> {
  const wtnsFile: { type: 'mem'; data?: Uint8Array } = { type: 'mem' };
  try {
    await wtns.calculate(input, artifacts.wasmPath, wtnsFile);
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
    throw new WitnessError(`the inputs do not satisfy the ${artifacts.name} circuit (${first.slice(0, 200)})`);
  }
  const { proof, publicSignals } = await groth16.prove(artifacts.zkeyPath, wtnsFile);
  if (publicSignals.length !== expected.length || publicSignals.some((v, i) => v !== expected[i])) {
    throw new WitnessError('the proof\'s public signals differ from the statement (artifacts out of date?)');
  }
  return decodeProof(encodeProof(proof as unknown as Groth16Proof));
}

/**
 * Whether `proof` proves the link for `statement` under `vk`. The statement is the verifier's own (from
 * state); a point outside the subgroup or a malformed proof throws (CommitmentError, ProofEncodingError).
 */
export async function verifyLink(vk: VerificationKey, statement: LinkStatement, proof: Groth16Proof): Promise<boolean> {
  if (vk.nPublic !== LINK_PUBLIC_INPUT_COUNT) return false;
  const signals = linkPublicSignals(statement);
  const p = decodeProof(encodeProof(proof));
  return groth16.verify(vk, signals, { ...p, pi_a: [...p.pi_a], pi_b: p.pi_b.map((x) => [...x]), pi_c: [...p.pi_c] });
}

/** verifyLink over encodings: the key's JSON bytes and the 256-byte proof. */
export async function verifyLinkBytes(vkBytes: Uint8Array, statement: LinkStatement, proofBytes: Uint8Array): Promise<boolean> {
  return verifyLink(decodeVerificationKey(vkBytes, LINK_PUBLIC_INPUT_COUNT), statement, decodeProof(proofBytes));
}
