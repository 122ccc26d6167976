// Typed errors of the privacy layer. Each carries a machine-readable `reason` (or names the party at
// fault) so admission and the API can map it to a wire code at the edge without parsing messages.
// None of them echoes key material, plaintext or another operator's data.

/** A context (chain id, operators, sequence, index, nonce) or an option object is not well-formed. */
export class PrivacyInputError extends Error {
  override readonly name = 'PrivacyInputError';
}

export type PayloadOpenFailure =
  | 'length' // shorter than the tag or longer than the limit: refused before any crypto
  | 'authentication'; // the GCM tag does not verify: wrong key, wrong context or altered bytes

/** A record payload could not be opened. Deliberately does not say which input was wrong. */
export class PayloadOpenError extends Error {
  override readonly name = 'PayloadOpenError';
  constructor(
    readonly reason: PayloadOpenFailure,
    message: string,
  ) {
    super(message);
  }
}

export type KeyWrapFailure =
  | 'length' // the wrapped key is not enc ‖ ciphertext of the expected sizes
  | 'encoding' // a public or private key is not a valid X25519 key
  | 'open'; // HPKE open failed: not for this recipient, another context, or altered bytes

/** An HPKE key wrap could not be made or opened. */
export class KeyWrapError extends Error {
  override readonly name = 'KeyWrapError';
  constructor(
    readonly reason: KeyWrapFailure,
    message: string,
  ) {
    super(message);
  }
}

/** A key file (operator encryption key, lawful-access setup or share) is unreadable or malformed. */
export class EncryptionKeyFileError extends Error {
  override readonly name = 'EncryptionKeyFileError';
}

export type LawfulWrapFailure =
  | 'length' // not U ‖ e ‖ z ‖ sealed key of the expected sizes
  | 'encoding' // U is not a canonical, non-identity ristretto255 element, or e/z not canonical scalars
  | 'proof' // the proof of knowledge does not verify for this label (moved, relabelled or forged)
  | 'open'; // the combined point does not open the sealed key (too few or wrong partials)

/** A lawful-access wrap is malformed, fails its proof, or does not open. */
export class LawfulWrapError extends Error {
  override readonly name = 'LawfulWrapError';
  constructor(
    readonly reason: LawfulWrapFailure,
    message: string,
  ) {
    super(message);
  }
}

/** A Feldman share does not match its dealer's commitments: the holder names the dealer in a complaint. */
export class ShareVerificationError extends Error {
  override readonly name = 'ShareVerificationError';
  constructor(
    readonly dealer: number,
    readonly holder: number,
    message: string,
  ) {
    super(message);
  }
}

export type PartialFailure =
  | 'unknown_holder' // the index is not a holder of this setup
  | 'duplicate' // two partials from one holder
  | 'encoding' // not a canonical, non-identity element, or proof scalars not canonical
  | 'proof'; // the DLEQ proof does not verify: wrong share, wrong ciphertext, or forged

/** A partial decryption was rejected; `holder` names the share holder that released it. */
export class InvalidPartialError extends Error {
  override readonly name = 'InvalidPartialError';
  constructor(
    readonly holder: number,
    readonly reason: PartialFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Fewer valid partials than the threshold: the combination would give a wrong point. */
export class InsufficientPartialsError extends Error {
  override readonly name = 'InsufficientPartialsError';
  constructor(
    readonly have: number,
    readonly need: number,
    /** The partials that were set aside, each naming its holder. */
    readonly rejected: readonly InvalidPartialError[] = [],
  ) {
    super(`${have} valid partial decryptions, the threshold is ${need}`);
  }
}

/** A share holder refused a request: the wrap is not one the order names. */
export class OrderScopeError extends Error {
  override readonly name = 'OrderScopeError';
}

export type SealedBatchFailure =
  | 'nonce_length' // the batch nonce is not 32 bytes
  | 'wrap_length' // a recipient wrap is not enc ‖ ciphertext of the HPKE sizes
  | 'group_count' // no group, or more groups than records
  | 'group_shape' // a tag, key-table entry or lawful-access wrap has the wrong size
  | 'duplicate_tag' // two groups of one batch carry the same tag
  | 'record_count' // not one private part per public record
  | 'group_index' // a record names a group the batch does not have
  | 'unused_group' // a group no record uses
  | 'payload_length' // a ciphertext is shorter than its tag or over the size limit
  | 'payload_hash' // a ciphertext does not hash to its public record's payload_hash
  | 'encoding' // the sealed section is not a well-formed SealedSection (src/codec/sealed-section.ts)
  | 'recipient' // a wrap is for another key than the submitter's, the counterparty's or the lawful-access key
  | 'signature'; // the submitter's signature over the key material does not verify

/** The private part of a batch frame is malformed or does not match the public records. `index` names the record or group. */
export class SealedBatchError extends Error {
  override readonly name = 'SealedBatchError';
  constructor(
    readonly reason: SealedBatchFailure,
    message: string,
    readonly index?: number,
  ) {
    super(message);
  }
}
