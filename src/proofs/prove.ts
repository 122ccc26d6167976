import { groth16, wtns } from 'snarkjs';
import { FIELD_MODULUS, type PoseidonWasm } from '../wasm/poseidon.js';
import type { ChunkArtifacts } from './artifacts.js';
import { chunkRoot } from './chunks.js';
import { isChunkSize } from './circuit.js';
import { ProofInputError, WitnessError } from './errors.js';
import { decodeProof, encodeProof, type Groth16Proof } from './proof-codec.js';
import { checkOpening, recordCommitment, type RecordOpening } from './record-opening.js';
import { checkStatement, publicSignalsOf, type ChunkStatement } from './statement.js';
import { CURRENCY_GENERATORS } from '../settlement/commitment/currency-generators.js';
import { JUBJUB_ORDER } from '../settlement/commitment/pedersen.js';
import { chargeCommitment, totalsCommitment, totalsOf, type ChunkTotals } from './totals.js';

/** Everything the circuit takes for one chunk: the public statement and the private witness. */
export interface ChunkWitness {
  readonly statement: ChunkStatement;
  /** The chunk's real records, `statement.count` of them. */
  readonly openings: readonly RecordOpening[];
  readonly totals: ChunkTotals;
  readonly totalsSalt: bigint;
  /** The charge commitment's blinding, in [0, ℓ). */
  readonly chargeSalt: bigint;
}

export interface ChunkClaim {
  readonly periodStart: bigint;
  readonly periodEnd: bigint;
  /** totals.ts totalsSalt(pair secret, batch context, chunk index). */
  readonly totalsSalt: bigint;
  /** totals.ts chargeSalt(pair secret, batch context, chunk index): below ℓ. */
  readonly chargeSalt: bigint;
}

/**
 * The honest witness of a chunk of `chunkRecords` records: checks every record against the circuit's
 * ranges, one currency and the period (ProofInputError naming the record), then computes the
 * statement (root, count, totals commitment) the circuit will check.
 */
export function chunkWitness(openings: readonly RecordOpening[], chunkRecords: number, claim: ChunkClaim, poseidon: PoseidonWasm): ChunkWitness {
  if (!isChunkSize(chunkRecords)) throw new ProofInputError('layout', 'records per chunk must be a power of two');
  if (openings.length < 1 || openings.length > chunkRecords) throw new ProofInputError('records', `a chunk holds 1..${chunkRecords} records`);
  if (typeof claim.totalsSalt !== 'bigint' || claim.totalsSalt < 0n || claim.totalsSalt >= FIELD_MODULUS) {
    throw new ProofInputError('field', 'totals salt is not a field element');
  }
  if (typeof claim.chargeSalt !== 'bigint' || claim.chargeSalt < 0n || claim.chargeSalt >= JUBJUB_ORDER) {
    throw new ProofInputError('field', 'charge salt is not below the Baby Jubjub subgroup order');
  }
  openings.forEach((o, i) => {
    checkOpening(o, i);
    if (BigInt(o.startTime) < claim.periodStart || BigInt(o.startTime) >= claim.periodEnd) {
      throw new ProofInputError('period', `record ${i} starts outside the batch's period`, i);
    }
  });
  const totals = totalsOf(openings);
  if (!CURRENCY_GENERATORS.some((g) => g.numeric === totals.currency)) {
    throw new ProofInputError('currency', `currency ${totals.currency} has no Pedersen generator (the circuit's table)`, 0);
  }
  const hash2 = (l: bigint, r: bigint): bigint => poseidon.hash([l, r]);
  const statement: ChunkStatement = Object.freeze({
    root: chunkRoot(openings.map((o) => recordCommitment(o, poseidon)), chunkRecords, hash2),
    count: openings.length,
    periodStart: claim.periodStart,
    periodEnd: claim.periodEnd,
    totalsCommitment: totalsCommitment(totals, claim.totalsSalt, poseidon),
    chargeCommitment: Object.freeze(chargeCommitment(totals, claim.chargeSalt)),
  });
  checkStatement(statement);
  return Object.freeze({ statement, openings: Object.freeze([...openings]), totals, totalsSalt: claim.totalsSalt, chargeSalt: claim.chargeSalt });
}

type CircuitInput = Record<string, string | string[]>;

/** The circuit's input signals (decimal strings), padding slots after `count` with zeros. */
export function circuitInput(w: ChunkWitness, chunkRecords: number): CircuitInput {
  const slot = <T>(f: (o: RecordOpening) => T, pad: string): string[] =>
    Array.from({ length: chunkRecords }, (_, i) => {
      const o = w.openings[i];
      return o === undefined ? pad : String(f(o));
    });
  const s = w.statement;
  return {
    root: s.root.toString(),
    count: String(s.count),
    periodStart: s.periodStart.toString(),
    periodEnd: s.periodEnd.toString(),
    totalsCommitment: s.totalsCommitment.toString(),
    chargeCommitment: [s.chargeCommitment.x.toString(), s.chargeCommitment.y.toString()],
    pseudonym: slot((o) => o.pseudonym, '0'),
    service: slot((o) => o.service, '0'),
    startTime: slot((o) => o.startTime, '0'),
    durationSec: slot((o) => o.durationSec, '0'),
    volumeBytes: slot((o) => o.volumeBytes, '0'),
    charge: slot((o) => o.charge, '0'),
    tariffId: slot((o) => o.tariffId, '0'),
    salt: slot((o) => o.salt, '0'),
    currency: String(w.totals.currency),
    totalsSalt: w.totalsSalt.toString(),
    chargeSalt: w.chargeSalt.toString(),
  };
}

export interface ChunkProof {
  readonly statement: ChunkStatement;
  readonly proof: Groth16Proof;
}

/**
 * Proves one chunk: witness (circom's WASM calculator, which checks every constraint) then Groth16
 * (snarkjs). A witness that breaks a constraint — a statement that does not match the records — is a
 * WitnessError: no proof exists for it. CPU-bound for seconds at large sizes: run it on the operator's
 * worker pool, never on the node's ingest path.
 */
export async function proveChunk(artifacts: ChunkArtifacts, witness: ChunkWitness): Promise<ChunkProof> {
  if (witness.openings.length !== witness.statement.count) throw new ProofInputError('records', 'statement count differs from the records given');
  if (witness.statement.count > artifacts.records) throw new ProofInputError('records', `the circuit holds ${artifacts.records} records`);
  checkStatement(witness.statement);
  const wtnsFile: { type: 'mem'; data?: Uint8Array } = { type: 'mem' };
  try {
    await wtns.calculate(circuitInput(witness, artifacts.records), artifacts.wasmPath, wtnsFile);
  } catch (e) {
    // circom's message names the failing template and line, never a signal's value.
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
    throw new WitnessError(`the records do not satisfy the ${artifacts.name} circuit for this statement (${first.slice(0, 200)})`);
  }
  const { proof, publicSignals } = await groth16.prove(artifacts.zkeyPath, wtnsFile);
  const expected = publicSignalsOf(witness.statement);
  if (publicSignals.length !== expected.length || publicSignals.some((v, i) => v !== expected[i])) {
    throw new WitnessError('the proof\'s public signals differ from the statement (artifacts out of date?)');
  }
  // Round-trip through the 256-byte encoding: checks snarkjs's output shape and freezes it.
  return Object.freeze({ statement: witness.statement, proof: decodeProof(encodeProof(proof as unknown as Groth16Proof)) });
}
