import { readFileSync, writeFileSync } from 'node:fs';
import { x25519 } from '@noble/curves/ed25519.js';
import { HexError, equalBytes, fromHex, toHex } from '../codec/bytes.js';
import { ed25519FromSeed } from '../crypto/ed25519.js';

/**
 * The settlement bank's key file (JSON, mode 0600; docs/settlement.md, "Disclosure of transfer
 * openings"): its id, the X25519 key transfer openings are sealed to, and the Ed25519 seed that signs
 * its API requests. The public halves are the genesis' `settlement.bank`.
 *
 *   { "kind": "cdrchain-settlement-bank-key", "version": 1, "id": 99990,
 *     "encryptionPublicKey": "<64 hex>", "encryptionPrivateKey": "<64 hex>",
 *     "requestPublicKey": "<64 hex>", "requestSeed": "<64 hex>" }
 */
export interface BankKeyFile {
  kind: 'cdrchain-settlement-bank-key';
  version: 1;
  id: number;
  encryptionPublicKey: string;
  encryptionPrivateKey: string;
  requestPublicKey: string;
  requestSeed: string;
}

export interface BankKeys {
  readonly id: number;
  readonly encryptionPublicKey: Uint8Array;
  readonly encryptionPrivateKey: Uint8Array;
  readonly requestPublicKey: Uint8Array;
  readonly requestSeed: Uint8Array;
}

export class BankKeyFileError extends Error {
  override readonly name = 'BankKeyFileError';
}

/** Keys from their private halves (the public ones are derived). */
export function bankKeys(id: number, encryptionPrivateKey: Uint8Array, requestSeed: Uint8Array): BankKeys {
  return { id, encryptionPrivateKey, encryptionPublicKey: x25519.getPublicKey(encryptionPrivateKey), requestSeed, requestPublicKey: ed25519FromSeed(requestSeed).publicKey };
}

export function writeBankKeyFile(path: string, k: BankKeys): void {
  const file: BankKeyFile = {
    kind: 'cdrchain-settlement-bank-key', version: 1, id: k.id,
    encryptionPublicKey: toHex(k.encryptionPublicKey), encryptionPrivateKey: toHex(k.encryptionPrivateKey),
    requestPublicKey: toHex(k.requestPublicKey), requestSeed: toHex(k.requestSeed),
  };
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
}

/** Reads and checks a bank key file: kind, version, sizes, and that each public key is its private key's. */
export function readBankKeyFile(path: string): BankKeys {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new BankKeyFileError(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof o !== 'object' || o === null || o.kind !== 'cdrchain-settlement-bank-key' || o.version !== 1) throw new BankKeyFileError(`${path} is not a settlement bank key file (version 1)`);
  if (typeof o.id !== 'number') throw new BankKeyFileError(`${path} lacks the bank's id`);
  const hex = (k: string): Uint8Array => {
    try {
      return fromHex(String(o[k]), 32);
    } catch (err) {
      if (err instanceof HexError) throw new BankKeyFileError(`${path}: ${k} must be 32 bytes of hex`);
      throw err;
    }
  };
  const keys = bankKeys(o.id, hex('encryptionPrivateKey'), hex('requestSeed'));
  if (!equalBytes(keys.encryptionPublicKey, hex('encryptionPublicKey')) || !equalBytes(keys.requestPublicKey, hex('requestPublicKey'))) {
    throw new BankKeyFileError(`${path}: a public key is not its private key's`);
  }
  return keys;
}
