import { InvalidPartialError, PrivacyInputError } from '../errors.js';
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
import { type HolderShare, type LawfulAccessSetup } from './lawful-access-setup.js';

/**
 * Holder i's share of a decryption, D_i = s_i·U, with a Chaum–Pedersen proof (Chaum & Pedersen 1992)
 * that log_G(Y_i) = log_U(D_i), made non-interactive by Fiat–Shamir with a domain-separated hash:
 *
 *   k random;  A1 = k·G;  A2 = k·U;  e = H(i, Y_i, U, D_i, A1, A2, binding);  z = k + e·s_i
 *   check:  A1 = z·G − e·Y_i,  A2 = z·U − e·D_i,  and e recomputes
 *
 * A partial computed with a wrong share, for another ciphertext, or forged without s_i fails the
 * check and is rejected by name (InvalidPartialError.holder). `binding` is the request it answers
 * (order id ‖ wrap label), so a released partial is attributable to one order in the audit trail.
 */

export const PARTIAL_BYTES = ELEMENT_BYTES + 2 * SCALAR_BYTES;
const DLEQ_DST = 'cdrchain:lawful-dleq:1';

export interface PartialDecryption {
  readonly holder: number;
  /** D_i ‖ e ‖ z, 96 bytes. */
  readonly bytes: Uint8Array;
}

function holderBytes(holder: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, holder);
  return b;
}

/** The ciphertext element a partial decryption works on (the wrap's U), decoded once per request. */
export interface DecryptionTarget {
  readonly u: Point;
  readonly uBytes: Uint8Array;
  /** What the request is about, e.g. order id ‖ wrap label. */
  readonly binding: Uint8Array;
}

export function partialDecrypt(setup: LawfulAccessSetup, share: HolderShare, target: DecryptionTarget): PartialDecryption {
  if (!setup.isHolder(share.holder)) throw new PrivacyInputError(`holder ${share.holder} is not one of the ${setup.params.holders} holders`);
  // The secret multiplications on libsodium, straight to encodings (U's encoding is the request's).
  const d = mulToBytes(target.uBytes, share.share);
  const k = randomScalar();
  const a1 = mulBaseToBytes(k);
  const a2 = mulToBytes(target.uBytes, k);
  const e = hashToScalar(DLEQ_DST, holderBytes(share.holder), setup.verificationKeyBytes(share.holder), target.uBytes, d, a1, a2, target.binding);
  const z = mod(k + e * share.share);
  const bytes = new Uint8Array(PARTIAL_BYTES);
  bytes.set(d, 0);
  bytes.set(encodeScalar(e), ELEMENT_BYTES);
  bytes.set(encodeScalar(z), ELEMENT_BYTES + SCALAR_BYTES);
  return Object.freeze({ holder: share.holder, bytes });
}

/** Verifies a partial and returns D_i; throws InvalidPartialError naming the holder and why. */
export function verifyPartial(setup: LawfulAccessSetup, target: DecryptionTarget, partial: PartialDecryption): Point {
  const holder = partial.holder;
  if (!setup.isHolder(holder)) throw new InvalidPartialError(holder, 'unknown_holder', `holder ${holder} is not one of the ${setup.params.holders} holders`);
  if (partial.bytes.length !== PARTIAL_BYTES) throw new InvalidPartialError(holder, 'encoding', `a partial decryption is ${PARTIAL_BYTES} bytes`);
  const dBytes = partial.bytes.subarray(0, ELEMENT_BYTES);
  let d: Point;
  let e: bigint;
  let z: bigint;
  try {
    d = decodeElement(dBytes);
    e = decodeScalar(partial.bytes.subarray(ELEMENT_BYTES, ELEMENT_BYTES + SCALAR_BYTES));
    z = decodeScalar(partial.bytes.subarray(ELEMENT_BYTES + SCALAR_BYTES));
  } catch (err) {
    if (err instanceof GroupEncodingError) throw new InvalidPartialError(holder, 'encoding', `partial from holder ${holder}: ${err.message}`);
    throw err;
  }
  const y = setup.verificationKey(holder);
  const a1 = mulPublic(base(), z).subtract(mulPublic(y, e));
  const a2 = mulPublic(target.u, z).subtract(mulPublic(d, e));
  const expected = hashToScalar(
    DLEQ_DST,
    holderBytes(holder),
    setup.verificationKeyBytes(holder),
    target.uBytes,
    dBytes,
    encodeElement(a1),
    encodeElement(a2),
    target.binding,
  );
  if (expected !== e) throw new InvalidPartialError(holder, 'proof', `the proof of holder ${holder}'s partial decryption does not verify`);
  return d;
}
