import blst, { type PublicKey, type SecretKey, type Signature, type SignatureSet } from '@chainsafe/blst';

/**
 * BLS12-381 signatures (minimal-pubkey-size: 48-byte public keys, 96-byte signatures; the
 * Ethereum consensus ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_) over the native
 * @chainsafe/blst binding. Validator votes and skip/macro-block justifications use it; the
 * consortium's messages are all "same message, many signers", so they aggregate and verify with
 * one pairing check (`blsFastAggregateVerify`). Public keys are accepted only with a proof of
 * possession (registration, `./pop.ts`), which is what makes same-message aggregation safe against
 * rogue keys.
 *
 * Encodings are the compressed ones only (48 and 96 bytes): blst also parses the uncompressed forms,
 * and two encodings of one key would let one validator appear twice to code that compares bytes.
 */

export const BLS_SECRET_KEY_BYTES = 32;
export const BLS_PUBLIC_KEY_BYTES = 48;
export const BLS_SIGNATURE_BYTES = 96;
/** The hash-to-G2 domain of signatures; blst's binding has it built in (it takes no DST). */
export const BLS_SIGNATURE_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
/** EIP-2333 / KeyGen need at least 32 bytes of input keying material. */
export const BLS_MIN_IKM_BYTES = 32;

/** A secret key, seed or key list that cannot be used (never raised for bytes being verified). */
export class BlsKeyError extends Error {
  override readonly name = 'BlsKeyError';
}

export interface BlsKeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/**
 * A key pair from at least 32 bytes of input keying material. blst's `fromKeygen` is the IETF
 * draft's KeyGen, which EIP-2333 `derive_master_SK` equals (checked on the EIP's vectors).
 */
export function blsKeyPairFromSeed(ikm: Uint8Array): BlsKeyPair {
  if (ikm.length < BLS_MIN_IKM_BYTES) throw new BlsKeyError(`key material must be at least ${BLS_MIN_IKM_BYTES} bytes, got ${ikm.length}`);
  const sk = blst.SecretKey.fromKeygen(ikm);
  return { secretKey: sk.toBytes(), publicKey: sk.toPublicKey().toBytes() };
}

/** EIP-2333 `derive_child_SK`: the hardened child `index` (0 ≤ index < 2^32) of a secret key. */
export function blsDeriveChildSecretKey(parentSecretKey: Uint8Array, index: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) throw new BlsKeyError(`child index must be an integer in [0, 2^32), got ${index}`);
  return toSecretKey(parentSecretKey).deriveChildEip2333(index).toBytes();
}

export function blsPublicKeyFromSecretKey(sk: Uint8Array): Uint8Array {
  return toSecretKey(sk).toPublicKey().toBytes();
}

export function blsSign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return toSecretKey(secretKey).sign(message).toBytes();
}

/**
 * KeyValidate (draft-irtf-cfrg-bls-signature §2.5): a compressed G1 point on the curve, in the
 * prime-order subgroup, and not the identity. `PublicKey.fromBytes(bytes, true)` performs exactly the
 * infinity and subgroup checks; without `true` blst only decodes (identity and small-order points pass).
 */
export function blsPublicKeyIsValid(publicKey: Uint8Array): boolean {
  return parsePublicKey(publicKey) !== undefined;
}

/**
 * A compressed G2 point in the prime-order subgroup and not the identity: `Signature.fromBytes(bytes,
 * true)` (subgroup check, and the infinity check that its third argument would turn off). A valid
 * signature encoding says nothing about what it signs.
 */
export function blsSignatureIsValid(signature: Uint8Array): boolean {
  return parseSignature(signature) !== undefined;
}

/** False for any malformed key or signature (never throws on untrusted bytes). */
export function blsVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const pk = parsePublicKey(publicKey);
  const sig = parseSignature(signature);
  if (pk === undefined || sig === undefined) return false;
  try {
    return blst.verify(message, pk, sig, false, false);
  } catch {
    return false;
  }
}

/** One signature standing for all of `signatures` (which must be over the same message to verify fast). */
export function blsAggregateSignatures(signatures: readonly Uint8Array[]): Uint8Array {
  if (signatures.length === 0) throw new BlsKeyError('nothing to aggregate');
  // Aggregate (§2.8) only subgroup-checks: the identity is a valid summand (it verifies for no key).
  const points = signatures.map((s, i) => {
    try {
      if (s.length !== BLS_SIGNATURE_BYTES) throw new Error(`${s.length} bytes`);
      return blst.Signature.fromBytes(s, true, false);
    } catch (err) {
      throw new BlsKeyError(`signature ${i} is not a G2 point of the subgroup: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  return blst.aggregateSignatures(points, false).toBytes();
}

/**
 * The sum of `publicKeys`, each KeyValidate'd first. Only sound for keys registered with a proof of
 * possession: otherwise a rogue key chosen as `X − Σ others` controls the sum.
 */
export function blsAggregatePublicKeys(publicKeys: readonly Uint8Array[]): Uint8Array {
  if (publicKeys.length === 0) throw new BlsKeyError('nothing to aggregate');
  const points = publicKeys.map((k, i) => {
    const pk = parsePublicKey(k);
    if (pk === undefined) throw new BlsKeyError(`public key ${i} is not a valid key`);
    return pk;
  });
  return blst.aggregatePublicKeys(points, false).toBytes();
}

/** Verifies an aggregate of signatures by `publicKeys` over one `message`; false on malformed input. */
export function blsFastAggregateVerify(publicKeys: readonly Uint8Array[], message: Uint8Array, aggregate: Uint8Array): boolean {
  if (publicKeys.length === 0) return false;
  const sig = parseSignature(aggregate);
  if (sig === undefined) return false;
  const pks = parsePublicKeys(publicKeys);
  if (pks === undefined) return false;
  try {
    return blst.fastAggregateVerify(message, pks, sig, false);
  } catch {
    return false;
  }
}

/**
 * AggregateVerify: one aggregate signature over a different message per key (the POP ciphersuite
 * does not require the messages to be distinct). False on malformed input or mismatched lengths.
 */
export function blsAggregateVerify(publicKeys: readonly Uint8Array[], messages: readonly Uint8Array[], aggregate: Uint8Array): boolean {
  if (publicKeys.length === 0 || publicKeys.length !== messages.length) return false;
  const sig = parseSignature(aggregate);
  if (sig === undefined) return false;
  const pks = parsePublicKeys(publicKeys);
  if (pks === undefined) return false;
  try {
    return blst.aggregateVerify([...messages], pks, sig, false, false);
  } catch {
    return false;
  }
}

/** A signature over `message` by one key, or by several keys (aggregated) over the same message. */
export interface BlsSignatureSet {
  readonly publicKeys: readonly Uint8Array[];
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * All of `sets` at once (ethresear.ch "fast verification of multiple BLS signatures"): one
 * multi-pairing with random 64-bit weights, so a forged pair whose errors cancel out is still
 * caught. True only if every set verifies; says nothing about which set failed (see
 * `./signature-sets.ts` for that). Empty input is false, as in the other verifiers.
 */
export function blsVerifyMultipleAggregateSignatures(sets: readonly BlsSignatureSet[]): boolean {
  if (sets.length === 0) return false;
  const parsed: SignatureSet[] = [];
  for (const set of sets) {
    const p = parseSignatureSet(set);
    if (p === undefined) return false;
    parsed.push(p);
  }
  try {
    return blst.verifyMultipleAggregateSignatures(parsed, false, false);
  } catch {
    return false;
  }
}

// ---- parsing (shared with ./signature-sets.ts) ----

/**
 * Validated public keys by their bytes: validators repeat, and KeyValidate (subgroup check) costs
 * ~60 µs a key on top of decoding (~5 ms for a 64-key justification). Bounded; when full it starts
 * again (the working set is one validator set). Invalid keys are never cached, so they cannot fill it.
 */
export class BlsPublicKeyCache {
  private readonly keys = new Map<string, PublicKey>();

  constructor(private readonly maxEntries = 8192) {}

  readonly get = (bytes: Uint8Array): PublicKey | undefined => {
    if (bytes.length !== BLS_PUBLIC_KEY_BYTES) return undefined;
    const id = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    const hit = this.keys.get(id);
    if (hit !== undefined) return hit;
    const pk = decodePublicKey(bytes);
    if (pk === undefined) return undefined;
    if (this.keys.size >= this.maxEntries) this.keys.clear();
    this.keys.set(id, pk);
    return pk;
  };

  get size(): number {
    return this.keys.size;
  }
}

/** The cache every verifier of this thread shares (each worker thread has its own). */
const sharedKeys = new BlsPublicKeyCache();

/** A validated public key (KeyValidate), or undefined; cached per thread. */
export function parsePublicKey(bytes: Uint8Array): PublicKey | undefined {
  return sharedKeys.get(bytes);
}

function decodePublicKey(bytes: Uint8Array): PublicKey | undefined {
  if (bytes.length !== BLS_PUBLIC_KEY_BYTES) return undefined;
  try {
    return blst.PublicKey.fromBytes(bytes, true);
  } catch {
    return undefined;
  }
}

/** A subgroup-checked, non-identity signature, or undefined. */
export function parseSignature(bytes: Uint8Array): Signature | undefined {
  if (bytes.length !== BLS_SIGNATURE_BYTES) return undefined;
  try {
    return blst.Signature.fromBytes(bytes, true);
  } catch {
    return undefined;
  }
}

/** Looks a key up, or parses it: lets a caller cache validated keys (validators repeat). */
export type PublicKeyParser = (bytes: Uint8Array) => PublicKey | undefined;

/** Every key parsed, in order, or undefined as soon as one is malformed. */
function parsePublicKeys(keys: readonly Uint8Array[], parseKey: PublicKeyParser = parsePublicKey): PublicKey[] | undefined {
  const pks: PublicKey[] = [];
  for (const k of keys) {
    const pk = parseKey(k);
    if (pk === undefined) return undefined;
    pks.push(pk);
  }
  return pks;
}

/** A set in blst's form (keys validated then aggregated), or undefined if any part is malformed. */
export function parseSignatureSet(set: BlsSignatureSet, parseKey: PublicKeyParser = parsePublicKey): SignatureSet | undefined {
  if (set.publicKeys.length === 0) return undefined;
  const sig = parseSignature(set.signature);
  if (sig === undefined) return undefined;
  const pks = parsePublicKeys(set.publicKeys, parseKey);
  if (pks === undefined) return undefined;
  try {
    const pk = pks.length === 1 ? pks[0]! : blst.aggregatePublicKeys(pks, false);
    return { msg: set.message, pk, sig };
  } catch {
    return undefined;
  }
}

function toSecretKey(bytes: Uint8Array): SecretKey {
  if (bytes.length !== BLS_SECRET_KEY_BYTES) throw new BlsKeyError(`a secret key is ${BLS_SECRET_KEY_BYTES} bytes, got ${bytes.length}`);
  try {
    return blst.SecretKey.fromBytes(bytes);
  } catch (err) {
    throw new BlsKeyError(`not a secret key: ${err instanceof Error ? err.message : String(err)}`);
  }
}
