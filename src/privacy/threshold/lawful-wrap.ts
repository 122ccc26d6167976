import { hkdfSync } from 'node:crypto';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { aesGcmOpen } from '../aead.js';
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
 * A group key bound to the threshold lawful-access key Y = s·G, version 2: hashed ElGamal as a KEM
 * (ECIES-KEM, ISO/IEC 18033-2), the group key being the KEM's output, with a Schnorr proof of
 * knowledge of the randomness bound to a label (Schnorr-signed ElGamal: Tsiounis–Yung 1998,
 * Schnorr–Jakobsson 2000):
 *
 *   r, k random;  U = r·G;  W = r·Y
 *   group key = HKDF-SHA256(ikm = W, salt = U, info = "cdrchain:lawful-group-key:2" ‖ label)
 *   A = k·G;  e = H(Y, U, A, label) mod 2^128;  z = k + e·r
 *   wrap = U ‖ e ‖ z                                                             80 bytes
 *
 * Opening needs W = s·U, which share holders compute jointly (partial-decryption.ts) without s ever
 * existing in one place. The proof makes the wrap non-malleable and binds it to the (pair, tag) an
 * order names: a holder checks it before releasing a partial (U copied from another group's wrap under
 * a new label has no valid proof without r), and the label is in the key's derivation too.
 * The challenge is 128 bits, as in Schnorr's own scheme: a proof's soundness error is 2^-128, the
 * security of the 255-bit group (Neven–Smart–Warinschi 2009 on short Schnorr challenges).
 *
 * Version 1 (sealed sections of version 1) chose the group key at random and sealed it under a KEK
 * from the KEM: wrap = U ‖ e (32) ‖ z ‖ AES-256-GCM(kek, group key), 144 bytes, e over the sealed key
 * too. Those wraps still verify and open; none is made any more (48 + 16 bytes more per group).
 */

export const LAWFUL_TAG_BYTES = 32;
export const SEALED_GROUP_KEY_BYTES = GROUP_KEY_BYTES + 16;
/** Challenge bytes of a version-2 wrap. */
const CHALLENGE_BYTES = 16;
const CHALLENGE_MASK = (1n << 128n) - 1n;
export const LAWFUL_WRAP_BYTES = ELEMENT_BYTES + CHALLENGE_BYTES + SCALAR_BYTES;
export const LAWFUL_WRAP_V1_BYTES = ELEMENT_BYTES + 2 * SCALAR_BYTES + SEALED_GROUP_KEY_BYTES;

const POK_DST = 'cdrchain:lawful-wrap-pok:2';
const POK_DST_V1 = 'cdrchain:lawful-wrap-pok:1';
const GROUP_KEY_INFO = ascii('cdrchain:lawful-group-key:2');
const KEK_INFO_V1 = ascii('cdrchain:lawful-kek:1');
const LABEL_TAG = ascii('cdrchain:lawful-label:1');
const ZERO_IV = new Uint8Array(12);

/** What a wrap is bound to: the chain, the operator pair, and the (pseudonym, day) tag of lawful-tag.ts. */
export function lawfulWrapLabel(pair: Pick<BatchContext, 'chainId' | 'submitter' | 'counterparty'>, tag: Uint8Array): Uint8Array {
  if (tag.length !== LAWFUL_TAG_BYTES) throw new PrivacyInputError(`a lawful-access tag is ${LAWFUL_TAG_BYTES} bytes`);
  return concatBytes(LABEL_TAG, encodePairContext(pair), tag);
}

function groupKeyOf(wBytes: Uint8Array, uBytes: Uint8Array, label: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', wBytes, uBytes, concatBytes(GROUP_KEY_INFO, label), GROUP_KEY_BYTES));
}

function kekV1(wBytes: Uint8Array, uBytes: Uint8Array, label: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', wBytes, uBytes, concatBytes(KEK_INFO_V1, label), 32));
}

function challenge(yBytes: Uint8Array, uBytes: Uint8Array, aBytes: Uint8Array, label: Uint8Array): bigint {
  return hashToScalar(POK_DST, yBytes, uBytes, aBytes, label) & CHALLENGE_MASK;
}

/** A fresh group key and its wrap, as a client sealing a new group makes them. */
export interface LawfulGroup {
  readonly groupKey: Uint8Array;
  readonly wrap: Uint8Array;
}

/** One new group under `label`. */
export function sealLawfulGroup(setup: LawfulAccessSetup, label: Uint8Array): LawfulGroup {
  return sealOne(setup.publicKeyBytes(), label);
}

/** Many new groups at once, as a client sealing a batch makes them. */
export function sealLawfulGroups(setup: LawfulAccessSetup, labels: readonly Uint8Array[]): LawfulGroup[] {
  if (labels.length === 0) return [];
  const yBytes = setup.publicKeyBytes();
  return labels.map((label) => sealOne(yBytes, label));
}

/**
 * One group: the three secret multiplications (U = r·G, W = r·Y, A = k·G) on libsodium, which hands
 * back their encodings directly (mulBaseToBytes, mulToBytes), so no point is converted or inverted
 * in JavaScript.
 */
function sealOne(yBytes: Uint8Array, label: Uint8Array): LawfulGroup {
  const r = randomScalar();
  const k = randomScalar();
  const u = mulBaseToBytes(r);
  const w = mulToBytes(yBytes, r);
  const groupKey = groupKeyOf(w, u, label);
  w.fill(0);
  const e = challenge(yBytes, u, mulBaseToBytes(k), label);
  const eBytes = encodeScalar(e).subarray(0, CHALLENGE_BYTES); // little-endian: e < 2^128 fits its low 16 bytes
  return { groupKey, wrap: concatBytes(u, eBytes, encodeScalar(mod(k + e * r))) };
}

/** The parts of a wrap, decoded strictly; `sealed` only in version 1. */
export interface LawfulWrapParts {
  readonly version: 1 | 2;
  readonly u: Point;
  readonly uBytes: Uint8Array;
  readonly e: bigint;
  readonly z: bigint;
  readonly sealed?: Uint8Array;
}

/** A wrap of either version, told apart by its length. */
export function decodeLawfulWrap(wrap: Uint8Array): LawfulWrapParts {
  const version = wrap.length === LAWFUL_WRAP_BYTES ? 2 : wrap.length === LAWFUL_WRAP_V1_BYTES ? 1 : 0;
  if (version === 0) throw new LawfulWrapError('length', `a lawful-access wrap is ${LAWFUL_WRAP_BYTES} bytes (${LAWFUL_WRAP_V1_BYTES} in version 1)`);
  const uBytes = wrap.subarray(0, ELEMENT_BYTES);
  const eBytes = version === 2 ? CHALLENGE_BYTES : SCALAR_BYTES;
  try {
    const eEnd = ELEMENT_BYTES + eBytes;
    return {
      version,
      u: decodeElement(uBytes),
      uBytes,
      e: version === 2 ? bytesToNumberLE(wrap.subarray(ELEMENT_BYTES, eEnd)) : decodeScalar(wrap.subarray(ELEMENT_BYTES, eEnd)),
      z: decodeScalar(wrap.subarray(eEnd, eEnd + SCALAR_BYTES)),
      ...(version === 1 ? { sealed: wrap.subarray(eEnd + SCALAR_BYTES) } : {}),
    };
  } catch (err) {
    if (err instanceof GroupEncodingError) throw new LawfulWrapError('encoding', `lawful-access wrap: ${err.message}`);
    throw err;
  }
}

/**
 * Checks the proof of knowledge under `label` (A' = z·G − e·U; e = H(Y, U, A', label), in version 1
 * H(Y, U, A', sealed, label)) and returns the decoded wrap. Share holders run this before releasing a
 * partial decryption.
 */
export function verifyLawfulWrap(setup: LawfulAccessSetup, label: Uint8Array, wrap: Uint8Array): LawfulWrapParts {
  const parts = decodeLawfulWrap(wrap);
  const a = encodeElement(mulPublic(base(), parts.z).subtract(mulPublic(parts.u, parts.e)));
  const y = setup.publicKeyBytes();
  const e = parts.sealed ? hashToScalar(POK_DST_V1, y, parts.uBytes, a, parts.sealed, label) : challenge(y, parts.uBytes, a, label);
  if (e !== parts.e) throw new LawfulWrapError('proof', 'the lawful-access wrap is not bound to this label');
  return parts;
}

/** The group key of a wrap, with W = s·U as combined from a quorum's partial decryptions. */
export function openLawfulWrap(w: Point, label: Uint8Array, wrap: Uint8Array): Uint8Array {
  const parts = decodeLawfulWrap(wrap);
  const wBytes = encodeElement(w);
  if (!parts.sealed) return groupKeyOf(wBytes, parts.uBytes, label);
  const key = aesGcmOpen(kekV1(wBytes, parts.uBytes, label), ZERO_IV, label, parts.sealed);
  if (!key) throw new LawfulWrapError('open', 'the combined decryption does not open this wrap');
  return key;
}
