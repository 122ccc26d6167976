import { createHash } from 'node:crypto';
import { ascii } from './context.js';
import { SEALED_TABLE_ENTRY_BYTES as V1_ENTRY_BYTES } from './key-table.js';

/**
 * The private part of a batch frame, as the operator's client seals it and a validator stores it
 * (replicated, unreadable to it). Sizes are fixed except the ciphertexts, so a frame schema can carry
 * each field as bytes and admission can check every length before any crypto (check-sealed-batch.ts).
 *
 *   per batch   batch nonce 32, submitter wrap 80, counterparty wrap 80, key-table tag 16
 *   per group   tag 32, key-table entry 32, lawful-access wrap 80           (one subscriber-day)
 *   per record  group index, ciphertext = payload + 16                     (payload_hash = SHA-256(ciphertext))
 *
 * Version 1 (still read): key-table entries of 48 bytes each with its own tag, lawful wraps of 144.
 */

export type SealedVersion = 1 | 2;
/** The version sealBatch writes. */
export const SEALED_VERSION: SealedVersion = 2;

export interface SealedGroup {
  /** lawfulTag(pair secret, pseudonym, day): what an order names. */
  readonly tag: Uint8Array;
  /** The group key bound to the threshold lawful-access key (threshold/lawful-wrap.ts). */
  readonly lawfulWrap: Uint8Array;
}

export interface SealedRecord {
  /** Index into `groups`. */
  readonly group: number;
  /** AES-256-GCM ciphertext ‖ tag of the record's payload (payload-cipher.ts). */
  readonly ciphertext: Uint8Array;
}

export interface SealedBatch {
  readonly version: SealedVersion;
  readonly batchNonce: Uint8Array;
  readonly submitterWrap: Uint8Array;
  readonly counterpartyWrap: Uint8Array;
  /** Every group key under the batch key (key-table.ts): version 2 one sealed table, version 1 48 bytes per group. */
  readonly keyTable: Uint8Array;
  readonly groups: readonly SealedGroup[];
  readonly records: readonly SealedRecord[];
}

const DIGEST_TAG = { 1: ascii('cdrchain:key-material:1'), 2: ascii('cdrchain:key-material:2') } as const;

/**
 * SHA-256 over everything in the sealed batch except the ciphertexts (which the records digest
 * already binds through payload_hash): nonce, both wraps, the key table, every group, every record's
 * group index. For the signed batch header, so nobody can swap a wrap or regroup records after
 * signing. Version 1 hashed each group's 48-byte table entry between its tag and its wrap.
 */
export function keyMaterialDigest(s: SealedBatch): Uint8Array {
  const h = createHash('sha256');
  const u32 = (v: number): void => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    h.update(b);
  };
  h.update(DIGEST_TAG[s.version]);
  h.update(s.batchNonce);
  h.update(s.submitterWrap);
  h.update(s.counterpartyWrap);
  u32(s.groups.length);
  if (s.version === 2) h.update(s.keyTable);
  s.groups.forEach((g, j) => {
    h.update(g.tag);
    if (s.version === 1) h.update(s.keyTable.subarray(j * V1_ENTRY_BYTES, (j + 1) * V1_ENTRY_BYTES));
    h.update(g.lawfulWrap);
  });
  u32(s.records.length);
  for (const r of s.records) u32(r.group);
  const d = h.digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.length);
}
