import { hkdfSync } from 'node:crypto';
import { aesGcmOpen, aesGcmSeal } from './aead.js';
import { type BatchContext, ascii, concatBytes, encodeBatchContext } from './context.js';
import { PayloadOpenError, PrivacyInputError } from './errors.js';
import { BATCH_NONCE_BYTES, GROUP_KEY_BYTES } from './payload-cipher.js';

/**
 * The batch's key table: each lawful-access group's key sealed under the batch key, which only the
 * submitter and the counterparty can unwrap (key-wrap.ts). Two HPKE wraps per batch thus give both
 * parties every record key, however many groups the batch has. Version 2 (sealed sections of
 * version 2) seals the whole table at once, so a group costs its 32 bytes and the batch one tag:
 *
 *   table key = HKDF-SHA256(ikm = batch key, salt = batch nonce, info = "cdrchain:key-table:2" ‖ batch context)
 *   table     = AES-256-GCM(table key, IV = 0^96, aad = "cdrchain:key-table:2" ‖ batch context ‖ g ‖ tag_0 ‖ … ‖ tag_g−1,
 *                           group key_0 ‖ … ‖ group key_g−1)                                   32·g + 16 bytes
 *
 * Version 1 sealed each entry on its own (info "cdrchain:key-table:1"; entry j = AES-256-GCM(table key,
 * IV = j, aad = "cdrchain:key-table-entry:1" ‖ batch context ‖ j ‖ tag_j, group key_j), 48 bytes); its
 * tables still open. The batch key is fresh per sealing, so the table key is too and no IV repeats under it.
 */

export const BATCH_KEY_BYTES = 32;
export const SEALED_TABLE_ENTRY_BYTES = GROUP_KEY_BYTES + 16;
const TABLE_TAG_BYTES = 16;
const TABLE_INFO = { 1: ascii('cdrchain:key-table:1'), 2: ascii('cdrchain:key-table:2') } as const;
const ENTRY_AAD = ascii('cdrchain:key-table-entry:1');

/** Bytes of a key table of `groups` groups in `version`. */
export function keyTableBytes(version: 1 | 2, groups: number): number {
  return version === 1 ? groups * SEALED_TABLE_ENTRY_BYTES : groups * GROUP_KEY_BYTES + TABLE_TAG_BYTES;
}

export function keyTableKey(batchKey: Uint8Array, batchNonce: Uint8Array, ctx: BatchContext, version: 1 | 2 = 2): Uint8Array {
  if (batchKey.length !== BATCH_KEY_BYTES) throw new PrivacyInputError(`a batch key is ${BATCH_KEY_BYTES} bytes`);
  if (batchNonce.length !== BATCH_NONCE_BYTES) throw new PrivacyInputError(`a batch nonce is ${BATCH_NONCE_BYTES} bytes`);
  return new Uint8Array(hkdfSync('sha256', batchKey, batchNonce, concatBytes(TABLE_INFO[version], encodeBatchContext(ctx)), 32));
}

function tableAad(ctx: BatchContext, tags: readonly Uint8Array[]): Uint8Array {
  const g = new Uint8Array(4);
  new DataView(g.buffer).setUint32(0, tags.length);
  return concatBytes(TABLE_INFO[2], encodeBatchContext(ctx), g, ...tags);
}

/** Version 2: every group key of the batch under one tag, bound to the groups' tags in order. */
export function sealKeyTable(tableKey: Uint8Array, ctx: BatchContext, tags: readonly Uint8Array[], groupKeys: readonly Uint8Array[]): Uint8Array {
  if (tags.length !== groupKeys.length) throw new PrivacyInputError('a key table has one key per tag');
  for (const k of groupKeys) if (k.length !== GROUP_KEY_BYTES) throw new PrivacyInputError(`a group key is ${GROUP_KEY_BYTES} bytes`);
  return aesGcmSeal(tableKey, new Uint8Array(12), tableAad(ctx, tags), concatBytes(...groupKeys));
}

/** Opens a version-2 table: every group key, or PayloadOpenError if the table, a tag or the key is wrong. */
export function openKeyTable(tableKey: Uint8Array, ctx: BatchContext, tags: readonly Uint8Array[], table: Uint8Array): Uint8Array[] {
  if (table.length !== keyTableBytes(2, tags.length)) throw new PayloadOpenError('length', `a key table of ${tags.length} groups is ${keyTableBytes(2, tags.length)} bytes`);
  const keys = aesGcmOpen(tableKey, new Uint8Array(12), tableAad(ctx, tags), table);
  if (!keys) throw new PayloadOpenError('authentication', 'the key table does not authenticate under this batch key');
  return tags.map((_, j) => keys.slice(j * GROUP_KEY_BYTES, (j + 1) * GROUP_KEY_BYTES));
}

function entryIv(index: number): Uint8Array {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setUint32(8, index);
  return iv;
}

function entryAad(ctx: BatchContext, index: number, tag: Uint8Array): Uint8Array {
  const i = new Uint8Array(4);
  new DataView(i.buffer).setUint32(0, index);
  return concatBytes(ENTRY_AAD, encodeBatchContext(ctx), i, tag);
}

/** Opens entry `index` of a version-1 table (table key of version 1). */
export function openTableEntry(tableKey: Uint8Array, ctx: BatchContext, index: number, tag: Uint8Array, sealed: Uint8Array): Uint8Array {
  if (sealed.length !== SEALED_TABLE_ENTRY_BYTES) throw new PayloadOpenError('length', `a key-table entry is ${SEALED_TABLE_ENTRY_BYTES} bytes`);
  const key = aesGcmOpen(tableKey, entryIv(index), entryAad(ctx, index, tag), sealed);
  if (!key) throw new PayloadOpenError('authentication', 'key-table entry does not authenticate under this batch key');
  return key;
}
