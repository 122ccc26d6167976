import type { webcrypto } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { x25519 } from '@noble/curves/ed25519.js';
import { HexError, equalBytes, fromHex, toHex } from '../codec/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { EncryptionKeyFileError } from './errors.js';
import { HPKE_SUITE, X25519_KEY_BYTES } from './key-wrap.js';

/**
 * An operator's X25519 key pair for HPKE key wraps, and its JSON key file (mode 0600):
 *
 *   { "kind": "cdrchain-encryption-key", "version": 1, "plmn": 26201,
 *     "kem": "DHKEM(X25519, HKDF-SHA256)", "publicKey": "<64 hex>", "privateKey": "<64 hex>" }
 *
 * Separate from the Ed25519 batch-signing key file: the two keys have different lives (an
 * encryption key is rotated by re-registering it; old ones must be kept to read old batches).
 * The public half is what the consortium registers for the operator.
 */

export interface EncryptionKeyPair {
  readonly plmn: number;
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

export const ENCRYPTION_KEY_KIND = 'cdrchain-encryption-key';
export const ENCRYPTION_KEM_NAME = 'DHKEM(X25519, HKDF-SHA256)';

export interface EncryptionKeyFile {
  kind: typeof ENCRYPTION_KEY_KIND;
  version: 1;
  plmn: number;
  kem: typeof ENCRYPTION_KEM_NAME;
  publicKey: string;
  privateKey: string;
}

function checkPlmn(plmn: number): void {
  if (!Number.isInteger(plmn) || plmn < 0 || plmn > 0xffff_ffff) throw new EncryptionKeyFileError('plmn must be a u32 PLMN id');
}

async function exportPair(plmn: number, pair: webcrypto.CryptoKeyPair): Promise<EncryptionKeyPair> {
  const publicKey = new Uint8Array(await HPKE_SUITE.kem.serializePublicKey(pair.publicKey));
  const privateKey = new Uint8Array(await HPKE_SUITE.kem.serializePrivateKey(pair.privateKey));
  return Object.freeze({ plmn, publicKey, privateKey });
}

/** A fresh key pair from the operating system's CSPRNG. */
export async function generateEncryptionKeyPair(plmn: number): Promise<EncryptionKeyPair> {
  checkPlmn(plmn);
  return exportPair(plmn, await HPKE_SUITE.kem.generateKeyPair());
}

/** RFC 9180 DeriveKeyPair from input keying material (≥ 32 bytes of entropy for a real key). */
export async function deriveEncryptionKeyPair(plmn: number, ikm: Uint8Array): Promise<EncryptionKeyPair> {
  checkPlmn(plmn);
  return exportPair(plmn, await HPKE_SUITE.kem.deriveKeyPair(ikm));
}

/** The embedded devnet's key pair of `plmn`, derived from a public string: INSECURE, for the devnet only. */
export async function devnetEncryptionKeyPair(plmn: number): Promise<EncryptionKeyPair> {
  return deriveEncryptionKeyPair(plmn, sha256(Buffer.from(`cdrchain devnet INSECURE encryption key ${plmn}`)));
}

export function encryptionKeyFile(k: EncryptionKeyPair): EncryptionKeyFile {
  return { kind: ENCRYPTION_KEY_KIND, version: 1, plmn: k.plmn, kem: ENCRYPTION_KEM_NAME, publicKey: toHex(k.publicKey), privateKey: toHex(k.privateKey) };
}

/** Validates a parsed key file: kind, version, KEM, sizes, and that the public key is the private key's. */
export function parseEncryptionKeyFile(json: unknown, source = 'key file'): EncryptionKeyPair {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new EncryptionKeyFileError(`${source} is not a JSON object`);
  const o = json as Record<string, unknown>;
  const allowed = new Set(['kind', 'version', 'plmn', 'kem', 'publicKey', 'privateKey']);
  for (const k of Object.keys(o)) if (!allowed.has(k)) throw new EncryptionKeyFileError(`${source} has an unknown field ${JSON.stringify(k)}`);
  if (o.kind !== ENCRYPTION_KEY_KIND || o.version !== 1) throw new EncryptionKeyFileError(`${source} is not a cdrchain encryption key file (version 1)`);
  if (o.kem !== ENCRYPTION_KEM_NAME) throw new EncryptionKeyFileError(`${source} is for another KEM`);
  if (typeof o.plmn !== 'number') throw new EncryptionKeyFileError(`${source} lacks plmn`);
  checkPlmn(o.plmn);
  if (typeof o.publicKey !== 'string' || typeof o.privateKey !== 'string') throw new EncryptionKeyFileError(`${source} lacks publicKey/privateKey`);
  let publicKey: Uint8Array;
  let privateKey: Uint8Array;
  try {
    publicKey = fromHex(o.publicKey, X25519_KEY_BYTES);
    privateKey = fromHex(o.privateKey, X25519_KEY_BYTES);
  } catch (err) {
    if (err instanceof HexError) throw new EncryptionKeyFileError(`${source}: keys must be ${X25519_KEY_BYTES} bytes of hex`);
    throw err;
  }
  if (!equalBytes(x25519.getPublicKey(privateKey), publicKey)) throw new EncryptionKeyFileError(`${source}: publicKey does not belong to privateKey`);
  return Object.freeze({ plmn: o.plmn, publicKey, privateKey });
}

export function writeEncryptionKeyFile(path: string, k: EncryptionKeyPair): void {
  writeFileSync(path, `${JSON.stringify(encryptionKeyFile(k), null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function readEncryptionKeyFile(path: string): EncryptionKeyPair {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new EncryptionKeyFileError(`cannot read encryption key file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseEncryptionKeyFile(json, path);
}
