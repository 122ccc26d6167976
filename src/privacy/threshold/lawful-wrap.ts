import { hkdfSync } from 'node:crypto';
import { aesGcmOpen, aesGcmSeal } from '../aead.js';
import { type BatchContext, ascii, concatBytes, encodePairContext } from '../context.js';
import { LawfulWrapError, PrivacyInputError } from '../errors.js';
import { GROUP_KEY_BYTES } from '../payload-cipher.js';
import {
  ELEMENT_BYTES,
  GroupEncodingError,
  type Point,
  SCALAR_BYTES,
  base,
  decodeElement,
  decodeScalar,
  encodeElement,
  encodeScalar,
  hashToScalar,
  mod,
  mulBaseToBytes,
  mulPublic,
  mulToBytes,
  randomScalar,
} from './group.js';
import type { LawfulAccessSetup } from './lawful-access-setup.js';

/**
 * A group key wrapped to the threshold lawful-access key Y = s·G: hashed ElGamal in KEM form
 * (ECIES-KEM shape) with a Schnorr proof of knowledge of the randomness bound to a label
 * (Schnorr-signed ElGamal: Tsiounis–Yung 1998, Schnorr–Jakobsson 2000):
 *
 *   r, k random;  U = r·G;  W = r·Y
 *   kek = HKDF-SHA256(ikm = W, salt = U, info = "cdrchain:lawful-kek:1" ‖ label)
 *   sealed = AES-256-GCM(kek, IV = 0^96, aad = label, group key)
 *   A = k·G;  e = H(Y, U, A, sealed, label);  z = k + e·r
 *   wrap = U ‖ e ‖ z ‖ sealed                                                    144 bytes
 *
 * Decryption needs W = s·U, which share holders compute jointly (partial-decryption.ts) without s
 * ever existing in one place. The random group element is W itself: encrypting a random element M
 * as (U, M + W) and hashing M gives the same security for one more multiplication and 32 more bytes.
 * The proof covers the whole ciphertext and the label: it makes the wrap non-malleable, and a holder
 * that checks it before releasing a partial knows the wrap belongs to the (pair, tag) an order names
 * (U copied from another group's wrap under a new label has no valid proof without r).
 * The kek is used once (fresh r), so the fixed GCM IV never repeats under a key.
 */

export const LAWFUL_TAG_BYTES = 32;
export const SEALED_GROUP_KEY_BYTES = GROUP_KEY_BYTES + 16;
export const LAWFUL_WRAP_BYTES = ELEMENT_BYTES + 2 * SCALAR_BYTES + SEALED_GROUP_KEY_BYTES;

const POK_DST = 'cdrchain:lawful-wrap-pok:1';
const KEK_INFO = ascii('cdrchain:lawful-kek:1');
const LABEL_TAG = ascii('cdrchain:lawful-label:1');
const ZERO_IV = new Uint8Array(12);

/** What a wrap is bound to: the chain, the operator pair, and the (pseudonym, day) tag of lawful-tag.ts. */
export function lawfulWrapLabel(pair: Pick<BatchContext, 'chainId' | 'submitter' | 'counterparty'>, tag: Uint8Array): Uint8Array {
  if (tag.length !== LAWFUL_TAG_BYTES) throw new PrivacyInputError(`a lawful-access tag is ${LAWFUL_TAG_BYTES} bytes`);
  return concatBytes(LABEL_TAG, encodePairContext(pair), tag);
}

function kek(w: Point, uBytes: Uint8Array, label: Uint8Array): Uint8Array {
  return kekOf(encodeElement(w), uBytes, label);
}

function kekOf(wBytes: Uint8Array, uBytes: Uint8Array, label: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', wBytes, uBytes, concatBytes(KEK_INFO, label), 32));
}

/** Wraps `groupKey` to the setup's public key under `label`. */
export function sealLawfulWrap(setup: LawfulAccessSetup, label: Uint8Array, groupKey: Uint8Array): Uint8Array {
  if (groupKey.length !== GROUP_KEY_BYTES) throw new PrivacyInputError(`a group key is ${GROUP_KEY_BYTES} bytes`);
  return sealOne(setup.publicKeyBytes(), label, groupKey);
}

/**
 * Many wraps at once, as a client sealing a batch of new groups makes them (the same construction
 * as `sealLawfulWrap`; the key checks come first so a bad item wraps nothing).
 */
export function sealLawfulWraps(setup: LawfulAccessSetup, items: readonly { readonly label: Uint8Array; readonly groupKey: Uint8Array }[]): Uint8Array[] {
  for (const it of items) if (it.groupKey.length !== GROUP_KEY_BYTES) throw new PrivacyInputError(`a group key is ${GROUP_KEY_BYTES} bytes`);
  if (items.length === 0) return [];
  const yBytes = setup.publicKeyBytes();
  return items.map((it) => sealOne(yBytes, it.label, it.groupKey));
}

/**
 * One wrap: the three secret multiplications (U = r·G, W = r·Y, A = k·G) on libsodium, which hands
 * back their encodings directly (mulBaseToBytes, mulToBytes), so no point is converted or inverted
 * in JavaScript.
 */
function sealOne(yBytes: Uint8Array, label: Uint8Array, groupKey: Uint8Array): Uint8Array {
  const r = randomScalar();
  const k = randomScalar();
  const u = mulBaseToBytes(r);
  const w = mulToBytes(yBytes, r);
  const sealed = aesGcmSeal(kekOf(w, u, label), ZERO_IV, label, groupKey);
  w.fill(0);
  const e = hashToScalar(POK_DST, yBytes, u, mulBaseToBytes(k), sealed, label);
  return concatBytes(u, encodeScalar(e), encodeScalar(mod(k + e * r)), sealed);
}

/** The parts of a wrap, decoded strictly. */
export interface LawfulWrapParts {
  readonly u: Point;
  readonly uBytes: Uint8Array;
  readonly e: bigint;
  readonly z: bigint;
  readonly sealed: Uint8Array;
}

export function decodeLawfulWrap(wrap: Uint8Array): LawfulWrapParts {
  if (wrap.length !== LAWFUL_WRAP_BYTES) throw new LawfulWrapError('length', `a lawful-access wrap is ${LAWFUL_WRAP_BYTES} bytes`);
  const uBytes = wrap.subarray(0, ELEMENT_BYTES);
  try {
    return {
      u: decodeElement(uBytes),
      uBytes,
      e: decodeScalar(wrap.subarray(ELEMENT_BYTES, ELEMENT_BYTES + SCALAR_BYTES)),
      z: decodeScalar(wrap.subarray(ELEMENT_BYTES + SCALAR_BYTES, ELEMENT_BYTES + 2 * SCALAR_BYTES)),
      sealed: wrap.subarray(ELEMENT_BYTES + 2 * SCALAR_BYTES),
    };
  } catch (err) {
    if (err instanceof GroupEncodingError) throw new LawfulWrapError('encoding', `lawful-access wrap: ${err.message}`);
    throw err;
  }
}

/**
 * Checks the proof of knowledge under `label` (A' = z·G − e·U; e = H(Y, U, A', sealed, label)) and returns
 * the decoded wrap. Share holders run this before releasing a partial decryption.
 */
export function verifyLawfulWrap(setup: LawfulAccessSetup, label: Uint8Array, wrap: Uint8Array): LawfulWrapParts {
  const parts = decodeLawfulWrap(wrap);
  const a = mulPublic(base(), parts.z).subtract(mulPublic(parts.u, parts.e));
  const e = hashToScalar(POK_DST, setup.publicKeyBytes(), parts.uBytes, encodeElement(a), parts.sealed, label);
  if (e !== parts.e) throw new LawfulWrapError('proof', 'the lawful-access wrap is not bound to this label');
  return parts;
}

/** Opens a wrap with W = s·U as combined from a quorum's partial decryptions. */
export function openLawfulWrap(w: Point, label: Uint8Array, wrap: Uint8Array): Uint8Array {
  const parts = decodeLawfulWrap(wrap);
  const key = aesGcmOpen(kek(w, parts.uBytes, label), ZERO_IV, label, parts.sealed);
  if (!key) throw new LawfulWrapError('open', 'the combined decryption does not open this wrap');
  return key;
}
