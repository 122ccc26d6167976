// What an operator hands the sign-in form: its cdrchain key file (JSON, as `cdrchain keys create`
// writes it: plmn and the hex Ed25519 seed `batchSeed`) or an Ed25519 private key in PKCS#8 PEM
// (`openssl genpkey -algorithm ed25519`), whose PLMN id the form asks for. Parsed here, never stored.

import { HexFormatError, hexToBytes } from '../verify/hex.js';

/** The key material could not be read as an operator's Ed25519 key. */
export class KeyInputError extends Error {
  override readonly name = 'KeyInputError';
}

export interface OperatorKeyMaterial {
  readonly plmn: number;
  /** The 32-byte Ed25519 seed (RFC 8032 private key). */
  readonly seed: Uint8Array;
}

/** DER prefix of a PKCS#8 Ed25519 private key (RFC 8410): version 0, id-Ed25519, OCTET STRING { OCTET STRING (32) }. */
const PKCS8_ED25519_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);

/** The PKCS#8 DER of `seed` (what WebCrypto imports). */
export function pkcs8Of(seed: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
  out.set(PKCS8_ED25519_PREFIX);
  out.set(seed, PKCS8_ED25519_PREFIX.length);
  return out;
}

function validPlmn(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 0xffff_ffff;
}

/**
 * Reads pasted or loaded key text. `plmn` is the form's PLMN choice: needed for a PEM key, and when
 * given with a key file it must agree with the file's.
 */
export function parseOperatorKey(text: string, plmn?: number): OperatorKeyMaterial {
  const t = text.trim();
  if (t === '') throw new KeyInputError('no key given: load the key file or paste it');
  if (t.startsWith('{')) return fromKeyFile(t, plmn);
  if (t.startsWith('-----BEGIN')) return fromPem(t, plmn);
  throw new KeyInputError('not a cdrchain key file (JSON) or a PKCS#8 PEM private key');
}

function fromKeyFile(t: string, plmn: number | undefined): OperatorKeyMaterial {
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    throw new KeyInputError('the key file is not valid JSON');
  }
  if (typeof v !== 'object' || v === null) throw new KeyInputError('the key file is not a JSON object');
  const k = v as Record<string, unknown>;
  if (!validPlmn(k['plmn'])) throw new KeyInputError('the key file has no valid "plmn"');
  if (typeof k['batchSeed'] !== 'string') throw new KeyInputError('the key file has no "batchSeed" (the operator\'s Ed25519 private key)');
  if (plmn !== undefined && plmn !== k['plmn']) throw new KeyInputError(`the key file is operator ${k['plmn']}'s, not ${plmn}'s`);
  try {
    return { plmn: k['plmn'], seed: hexToBytes(k['batchSeed'], 32) };
  } catch (err) {
    if (err instanceof HexFormatError) throw new KeyInputError(`"batchSeed" is not 32 bytes of hex: ${err.message}`);
    throw err;
  }
}

function fromPem(t: string, plmn: number | undefined): OperatorKeyMaterial {
  const m = /^-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----$/.exec(t);
  if (!m) throw new KeyInputError('only unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY") Ed25519 keys are taken');
  let der: Uint8Array;
  try {
    der = Uint8Array.from(atob(m[1]!.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  } catch {
    throw new KeyInputError('the PEM body is not base64');
  }
  if (der.length !== PKCS8_ED25519_PREFIX.length + 32 || PKCS8_ED25519_PREFIX.some((b, i) => der[i] !== b)) {
    throw new KeyInputError('the PEM key is not an Ed25519 private key');
  }
  if (plmn === undefined || !validPlmn(plmn)) throw new KeyInputError('a PEM key does not say whose it is: choose the operator');
  return { plmn, seed: der.slice(PKCS8_ED25519_PREFIX.length) };
}
