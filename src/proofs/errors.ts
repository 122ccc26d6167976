// Typed errors of the batch-proof layer. Each carries a machine-readable `reason` so admission, the
// API and the CLI can map it to a Nack code, an HTTP status or an exit code at the edge. None of them
// echoes a private field: a witness problem names the record index and the rule, not the value.

export type ProofInputFailure =
  | 'records' // no records, more than the chunk holds, or a chunk size that is not a power of two
  | 'range' // a field outside what the circuit range-checks (the CDR limits of src/cdr/validate.ts)
  | 'currency' // records of one chunk in different currencies: a total must be in one currency
  | 'period' // a start time outside [periodStart, periodEnd)
  | 'field' // a value that is not a canonical BN254 field element
  | 'layout'; // chunk roots, counts or totals that do not fit the batch (count, order, composition)

/** What the prover was given cannot be a true statement; found in TypeScript, before any proving. */
export class ProofInputError extends Error {
  override readonly name = 'ProofInputError';
  constructor(
    readonly reason: ProofInputFailure,
    message: string,
    /** Record index within the chunk or batch, when one record is at fault. */
    readonly index?: number,
  ) {
    super(message);
  }
}

/** The circuit's witness calculator rejected the inputs (a constraint does not hold): no proof exists. */
export class WitnessError extends Error {
  override readonly name = 'WitnessError';
}

export type ProofEncodingFailure =
  | 'length' // bytes of the wrong size
  | 'point' // a coordinate that is not below the base field's modulus, or a malformed point object
  | 'field' // a public input that is not below the scalar field's modulus
  | 'key' // a verification key that is not a Groth16 BN254 key for this circuit
  | 'version'; // an unknown batch-proof encoding version

/** A proof, statement or verification key is malformed: refused before any curve arithmetic. */
export class ProofEncodingError extends Error {
  override readonly name = 'ProofEncodingError';
  constructor(
    readonly reason: ProofEncodingFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Circuit artifacts (wasm, zkey, verification key) are missing, stale or do not match the manifest. */
export class CircuitArtifactsError extends Error {
  override readonly name = 'CircuitArtifactsError';
}
