import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { fromHex, toHex } from '../../codec/bytes.js';
import { BLS_SECRET_KEY_BYTES, blsPublicKeyFromSecretKey } from './bls.js';

/** A validator's BLS key file (JSON, mode 0600). */
export interface BlsKeyFile {
  plmn: number;
  /** 32-byte secret key, hex. */
  blsSecretKey: string;
  /** 48-byte compressed public key, hex (what the genesis lists). */
  blsPublicKey: string;
}

export class BlsKeyFileError extends Error {
  override readonly name = 'BlsKeyFileError';
}

export function writeBlsKeyFile(path: string, k: BlsKeyFile): void {
  writeFileSync(path, `${JSON.stringify(k, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // the mode of writeFileSync does not apply to an existing file
}

/** Reads a BLS key file and checks that its public key is the secret key's. */
export function readBlsKeyFile(path: string): { plmn: number; secretKey: Uint8Array; publicKey: Uint8Array } {
  let k: BlsKeyFile;
  try {
    k = JSON.parse(readFileSync(path, 'utf8')) as BlsKeyFile;
  } catch (err) {
    throw new BlsKeyFileError(`cannot read BLS key file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const secretKey = fromHex(k.blsSecretKey, BLS_SECRET_KEY_BYTES);
    const publicKey = blsPublicKeyFromSecretKey(secretKey);
    if (toHex(publicKey) !== k.blsPublicKey) throw new BlsKeyFileError(`${path}: the public key is not the secret key's`);
    if (!Number.isInteger(k.plmn)) throw new BlsKeyFileError(`${path}: no PLMN id`);
    return { plmn: k.plmn, secretKey, publicKey };
  } catch (err) {
    if (err instanceof BlsKeyFileError) throw err;
    throw new BlsKeyFileError(`${path} is not a BLS key file: ${err instanceof Error ? err.message : String(err)}`);
  }
}
