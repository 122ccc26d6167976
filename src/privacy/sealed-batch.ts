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
 * signing. Version 1 hashed group by group (tag, 48-byte table entry, wrap) and each record's group
 * as u32.
 */
export function keyMaterialDigest(s: SealedBatch): Uint8Array {
  const d = s.version === 1 ? digestV1(s) : digestV2(s);
  return new Uint8Array(d.buffer, d.byteOffset, d.length);
}

/**
 * Version 2 hashes each kind of part as one run of bytes — every tag, then every wrap, then every
 * record's group as u16 — so a batch costs a handful of hash updates, not two per group and one per
 * record (~0.5 µs each through node:crypto).
 */
function digestV2(s: SealedBatch): Buffer {
  let bytes = 4 + 4 + 2 * s.records.length;
  for (const x of s.groups) bytes += x.tag.length + x.lawfulWrap.length;
  const parts = Buffer.allocUnsafe(bytes);
  let at = parts.writeUInt32BE(s.groups.length, 0);
  for (const x of s.groups) {
    parts.set(x.tag, at);
    at += x.tag.length;
  }
  for (const x of s.groups) {
    parts.set(x.lawfulWrap, at);
    at += x.lawfulWrap.length;
  }
  at = parts.writeUInt32BE(s.records.length, at);
  for (const r of s.records) at = parts.writeUInt16BE(r.group, at);
  return createHash('sha256').update(DIGEST_TAG[2]).update(s.batchNonce).update(s.submitterWrap).update(s.counterpartyWrap).update(s.keyTable).update(parts).digest();
}

function digestV1(s: SealedBatch): Buffer {
  const h = createHash('sha256');
  const u32 = (v: number): void => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    h.update(b);
  };
  h.update(DIGEST_TAG[1]);
  h.update(s.batchNonce);
  h.update(s.submitterWrap);
  h.update(s.counterpartyWrap);
  u32(s.groups.length);
  s.groups.forEach((g, j) => {
    h.update(g.tag);
    h.update(s.keyTable.subarray(j * V1_ENTRY_BYTES, (j + 1) * V1_ENTRY_BYTES));
    h.update(g.lawfulWrap);
  });
  u32(s.records.length);
  for (const r of s.records) u32(r.group);
  return h.digest();
}
