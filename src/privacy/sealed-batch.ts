import { createHash } from 'node:crypto';
import { ascii } from './context.js';

/**
 * The private part of a batch frame, as the operator's client seals it and a validator stores it
 * (replicated, unreadable to it). Sizes are fixed except the ciphertexts, so a frame schema can carry
 * each field as bytes and admission can check every length before any crypto (check-sealed-batch.ts).
 *
 *   per batch   batch nonce 32, submitter wrap 80, counterparty wrap 80
 *   per group   tag 32, key-table entry 48, lawful-access wrap 144          (one subscriber-day)
 *   per record  group index, ciphertext = payload + 16                     (payload_hash = SHA-256(ciphertext))
 */

export interface SealedGroup {
  /** lawfulTag(pair secret, pseudonym, day): what an order names. */
  readonly tag: Uint8Array;
  /** The group key under the batch's key table (key-table.ts). */
  readonly tableEntry: Uint8Array;
  /** The group key under the threshold lawful-access key (threshold/lawful-wrap.ts). */
  readonly lawfulWrap: Uint8Array;
}

export interface SealedRecord {
  /** Index into `groups`. */
  readonly group: number;
  /** AES-256-GCM ciphertext ‖ tag of the record's payload (payload-cipher.ts). */
  readonly ciphertext: Uint8Array;
}

export interface SealedBatch {
  readonly batchNonce: Uint8Array;
  readonly submitterWrap: Uint8Array;
  readonly counterpartyWrap: Uint8Array;
  readonly groups: readonly SealedGroup[];
  readonly records: readonly SealedRecord[];
}

const DIGEST_TAG = ascii('cdrchain:key-material:1');

/**
 * SHA-256 over everything in the sealed batch except the ciphertexts (which the records digest
 * already binds through payload_hash): nonce, both wraps, every group, every record's group index.
 * For the signed batch header, so nobody can swap a wrap or regroup records after signing.
 */
export function keyMaterialDigest(s: SealedBatch): Uint8Array {
  const h = createHash('sha256');
  const u32 = (v: number): void => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    h.update(b);
  };
  h.update(DIGEST_TAG);
  h.update(s.batchNonce);
  h.update(s.submitterWrap);
  h.update(s.counterpartyWrap);
  u32(s.groups.length);
  for (const g of s.groups) {
    h.update(g.tag);
    h.update(g.tableEntry);
    h.update(g.lawfulWrap);
  }
  u32(s.records.length);
  for (const r of s.records) u32(r.group);
  const d = h.digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.length);
}
