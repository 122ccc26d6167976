import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { fromHex, toHex } from '../codec/bytes.js';
import { ed25519FromSeed, generateEd25519KeyPair, privateKeyObject } from '../crypto/ed25519.js';
import { devnetBatchSeed } from '../chain/genesis.js';
import { devnetSecrets, secretsFromTable } from '../cdr/operator-secrets.js';
import { Operator } from './operator.js';

/**
 * An operator's key file (JSON, mode 0600): the Ed25519 seed that signs batches and the secrets
 * shared within the consortium (pseudonym salt) and with each counterparty (agreement secrets).
 */
export interface KeyFile {
  plmn: number;
  batchSeed: string;
  batchKey: string;
  consortiumSalt?: string;
  pairSecrets?: Record<string, string>;
}

export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
}

export function createKeyFile(plmn: number, seed?: Uint8Array): KeyFile {
  const pair = seed ? ed25519FromSeed(seed) : generateEd25519KeyPair();
  return { plmn, batchSeed: toHex(pair.seed), batchKey: toHex(pair.publicKey) };
}

/** The devnet key file of `plmn`: well-known INSECURE keys and secrets, for the embedded devnet. */
export function devnetKeyFile(plmn: number, counterparties: readonly number[]): KeyFile {
  const secrets = devnetSecrets(plmn);
  return {
    ...createKeyFile(plmn, devnetBatchSeed(plmn)),
    consortiumSalt: toHex(secrets.consortiumSalt),
    pairSecrets: Object.fromEntries(counterparties.filter((c) => c !== plmn).map((c) => [String(c), toHex(secrets.pairSecret(c))])),
  };
}

export function writeKeyFile(path: string, key: KeyFile): void {
  writeFileSync(path, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function readKeyFile(path: string): KeyFile {
  let k: KeyFile;
  try {
    k = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
  } catch (err) {
    throw new KeyFileError(`cannot read key file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Number.isInteger(k.plmn) || typeof k.batchSeed !== 'string') throw new KeyFileError(`${path} is not a cdrchain key file`);
  return k;
}

/** An Operator of chain `chain` (its identity) from a key file; it must carry the consortium salt and agreement secrets. */
export function operatorFromKeyFile(k: KeyFile, chain: Uint8Array): Operator {
  if (!k.consortiumSalt || !k.pairSecrets) {
    throw new KeyFileError(`key file of ${k.plmn} lacks consortiumSalt/pairSecrets: add the consortium's values`);
  }
  const pairs = new Map(Object.entries(k.pairSecrets).map(([plmn, hex]) => [Number(plmn), fromHex(hex, 32)] as const));
  return new Operator(k.plmn, privateKeyObject(fromHex(k.batchSeed, 32)), secretsFromTable(k.plmn, fromHex(k.consortiumSalt, 32), pairs), chain);
}
