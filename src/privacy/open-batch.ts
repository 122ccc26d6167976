import { type BatchContext, batchContext } from './context.js';
import { PrivacyInputError } from './errors.js';
import { keyTableKey, openKeyTable, openTableEntry, SEALED_TABLE_ENTRY_BYTES } from './key-table.js';
import { unwrapKey } from './key-wrap.js';
import { deriveRecordKey, openPayload } from './payload-cipher.js';
import type { SealedBatch } from './sealed-batch.js';

/**
 * Reading a sealed batch back. The submitter and counterparty go through their HPKE wrap and the key
 * table (every record); a lawful-access quorum, holding only one group's key, reaches that group's
 * records and nothing else (`openGroupRecords`).
 */

export interface RecipientOptions {
  readonly ctx: BatchContext;
  readonly sealed: SealedBatch;
  /** The reader's PLMN id: the batch's submitter or counterparty. */
  readonly recipient: number;
  readonly privateKey: Uint8Array;
}

/** Unwraps the batch key with the reader's X25519 private key (KeyWrapError if it is not theirs). */
export async function openBatchKey(o: RecipientOptions): Promise<Uint8Array> {
  const ctx = batchContext(o.ctx);
  const wrapped = o.recipient === ctx.submitter ? o.sealed.submitterWrap : o.sealed.counterpartyWrap;
  return unwrapKey({ ctx, batchNonce: o.sealed.batchNonce, recipient: o.recipient, recipientPrivateKey: o.privateKey, wrapped });
}

/** Every group key of the batch, from its batch key. */
export function openGroupKeys(ctx: BatchContext, sealed: SealedBatch, batchKey: Uint8Array): Uint8Array[] {
  const tableKey = keyTableKey(batchKey, sealed.batchNonce, ctx, sealed.version);
  try {
    if (sealed.version === 2) return openKeyTable(tableKey, ctx, sealed.groups.map((g) => g.tag), sealed.keyTable);
    const entry = (j: number): Uint8Array => sealed.keyTable.subarray(j * SEALED_TABLE_ENTRY_BYTES, (j + 1) * SEALED_TABLE_ENTRY_BYTES);
    return sealed.groups.map((g, j) => openTableEntry(tableKey, ctx, j, g.tag, entry(j)));
  } finally {
    tableKey.fill(0);
  }
}

/** One record's payload with its group's key (PayloadOpenError if the key or anything bound is wrong). */
export function openRecord(ctx: BatchContext, sealed: SealedBatch, index: number, groupKey: Uint8Array): Uint8Array {
  const record = sealed.records[index];
  if (!record) throw new PrivacyInputError(`the batch has no record ${index}`);
  const key = deriveRecordKey(groupKey, sealed.batchNonce, ctx, index);
  try {
    return openPayload(key, ctx, index, record.ciphertext);
  } finally {
    key.fill(0);
  }
}

/** The submitter's or counterparty's view: every payload of the batch, in order. */
export async function openBatchAsRecipient(o: RecipientOptions): Promise<Uint8Array[]> {
  const ctx = batchContext(o.ctx);
  const batchKey = await openBatchKey({ ...o, ctx });
  const groupKeys = openGroupKeys(ctx, o.sealed, batchKey);
  batchKey.fill(0);
  return o.sealed.records.map((r, i) => openRecord(ctx, o.sealed, i, groupKeys[r.group]!));
}

/** The records of group `group` (what a lawful-access opening of that group's wrap reaches). */
export function openGroupRecords(ctx: BatchContext, sealed: SealedBatch, group: number, groupKey: Uint8Array): { index: number; payload: Uint8Array }[] {
  const out: { index: number; payload: Uint8Array }[] = [];
  sealed.records.forEach((r, i) => {
    if (r.group === group) out.push({ index: i, payload: openRecord(ctx, sealed, i, groupKey) });
  });
  return out;
}
