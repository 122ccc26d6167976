import { hkdfSync } from 'node:crypto';
import { aesGcmOpen, aesGcmSeal } from './aead.js';
import { type BatchContext, ascii, concatBytes, encodeBatchContext } from './context.js';
import { PayloadOpenError, PrivacyInputError } from './errors.js';
import { BATCH_NONCE_BYTES, GROUP_KEY_BYTES } from './payload-cipher.js';

/**
 * The batch's key table: each lawful-access group's key sealed under the batch key, which only the
 * submitter and the counterparty can unwrap (key-wrap.ts). Two HPKE wraps per batch thus give both
 * parties every record key, however many groups the batch has.
 *
 *   table key = HKDF-SHA256(ikm = batch key, salt = batch nonce, info = "cdrchain:key-table:1" ‖ batch context)
 *   entry j   = AES-256-GCM(table key, IV = j (96-bit big-endian), aad = "cdrchain:key-table-entry:1" ‖ batch context ‖ j ‖ tag_j, group key_j)
 *
 * The batch key is fresh per sealing, so the table key is too and IV = j never repeats under it.
 */

export const BATCH_KEY_BYTES = 32;
export const SEALED_TABLE_ENTRY_BYTES = GROUP_KEY_BYTES + 16;
const TABLE_INFO = ascii('cdrchain:key-table:1');
const ENTRY_AAD = ascii('cdrchain:key-table-entry:1');

export function keyTableKey(batchKey: Uint8Array, batchNonce: Uint8Array, ctx: BatchContext): Uint8Array {
  if (batchKey.length !== BATCH_KEY_BYTES) throw new PrivacyInputError(`a batch key is ${BATCH_KEY_BYTES} bytes`);
  if (batchNonce.length !== BATCH_NONCE_BYTES) throw new PrivacyInputError(`a batch nonce is ${BATCH_NONCE_BYTES} bytes`);
  return new Uint8Array(hkdfSync('sha256', batchKey, batchNonce, concatBytes(TABLE_INFO, encodeBatchContext(ctx)), 32));
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

export function sealTableEntry(tableKey: Uint8Array, ctx: BatchContext, index: number, tag: Uint8Array, groupKey: Uint8Array): Uint8Array {
  if (groupKey.length !== GROUP_KEY_BYTES) throw new PrivacyInputError(`a group key is ${GROUP_KEY_BYTES} bytes`);
  return aesGcmSeal(tableKey, entryIv(index), entryAad(ctx, index, tag), groupKey);
}

export function openTableEntry(tableKey: Uint8Array, ctx: BatchContext, index: number, tag: Uint8Array, sealed: Uint8Array): Uint8Array {
  if (sealed.length !== SEALED_TABLE_ENTRY_BYTES) throw new PayloadOpenError('length', `a key-table entry is ${SEALED_TABLE_ENTRY_BYTES} bytes`);
  const key = aesGcmOpen(tableKey, entryIv(index), entryAad(ctx, index, tag), sealed);
  if (!key) throw new PayloadOpenError('authentication', 'key-table entry does not authenticate under this batch key');
  return key;
}
