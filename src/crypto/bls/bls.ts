import blst from '@chainsafe/blst';

/**
 * BLS12-381 signatures (minimal-pubkey-size: 48-byte public keys, 96-byte signatures; the
 * Ethereum consensus ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_) over the native
 * @chainsafe/blst binding. Validator votes and skip/macro-block justifications use it; the
 * consortium's messages are all "same message, many signers", so they aggregate and verify with
 * one pairing check (`blsFastAggregateVerify`). Public keys are accepted only with a proof of
 * possession (registration), which is what makes same-message aggregation safe against rogue keys.
 */

export const BLS_SECRET_KEY_BYTES = 32;
export const BLS_PUBLIC_KEY_BYTES = 48;
export const BLS_SIGNATURE_BYTES = 96;

export interface BlsKeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** A key pair from at least 32 bytes of input keying material (EIP-2333 KeyGen). */
export function blsKeyPairFromSeed(ikm: Uint8Array): BlsKeyPair {
  const sk = blst.SecretKey.fromKeygen(ikm);
  return { secretKey: sk.toBytes(), publicKey: sk.toPublicKey().toBytes() };
}

export function blsSign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return blst.SecretKey.fromBytes(secretKey).sign(message).toBytes();
}

/** False for any malformed key or signature (never throws on untrusted bytes). */
export function blsVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return blst.verify(message, blst.PublicKey.fromBytes(publicKey, true), blst.Signature.fromBytes(signature, true));
  } catch {
    return false;
  }
}

/** One signature standing for all of `signatures` (which must be over the same message to verify fast). */
export function blsAggregateSignatures(signatures: readonly Uint8Array[]): Uint8Array {
  return blst.aggregateSignatures(signatures.map((s) => blst.Signature.fromBytes(s, true))).toBytes();
}

/** Verifies an aggregate of signatures by `publicKeys` over one `message`; false on malformed input. */
export function blsFastAggregateVerify(publicKeys: readonly Uint8Array[], message: Uint8Array, aggregate: Uint8Array): boolean {
  if (publicKeys.length === 0) return false;
  try {
    return blst.fastAggregateVerify(
      message,
      publicKeys.map((pk) => blst.PublicKey.fromBytes(pk, true)),
      blst.Signature.fromBytes(aggregate, true),
    );
  } catch {
    return false;
  }
}
