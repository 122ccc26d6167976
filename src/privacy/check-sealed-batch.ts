import { equalBytes } from '../codec/bytes.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { SealedBatchError } from './errors.js';
import { keyTableBytes } from './key-table.js';
import { WRAPPED_KEY_BYTES } from './key-wrap.js';
import { BATCH_NONCE_BYTES, MAX_PAYLOAD_CIPHERTEXT_BYTES, PAYLOAD_HASH_BYTES, PAYLOAD_TAG_BYTES, payloadHashMatches } from './payload-cipher.js';
import type { SealedBatch } from './sealed-batch.js';
import { LAWFUL_TAG_BYTES, LAWFUL_WRAP_BYTES, LAWFUL_WRAP_V1_BYTES } from './threshold/lawful-wrap.js';

/**
 * What a validator can check of a sealed batch without any key, in admission (every validator runs
 * it): every size and count first, then that each ciphertext hashes to its public record's
 * payload_hash. Costs one SHA-256 per record and no asymmetric operation; the lawful-access wraps'
 * proofs are checked by the share holders when an order is served (threshold/lawful-order.ts), and a
 * bad wrap is attributable to the submitter through keyMaterialDigest in the signed header.
 *
 * `publicRecords` is the batch's records vector as on the wire: n × 128 bytes.
 */
export function checkSealedBatch(sealed: SealedBatch, publicRecords: Uint8Array): void {
  if (publicRecords.length % PUBLIC_RECORD_BYTES !== 0) throw new SealedBatchError('record_count', 'public records are not a whole number of 128-byte records');
  const n = publicRecords.length / PUBLIC_RECORD_BYTES;
  if (sealed.batchNonce.length !== BATCH_NONCE_BYTES) throw new SealedBatchError('nonce_length', `the batch nonce is ${BATCH_NONCE_BYTES} bytes`);
  if (sealed.submitterWrap.length !== WRAPPED_KEY_BYTES || sealed.counterpartyWrap.length !== WRAPPED_KEY_BYTES) {
    throw new SealedBatchError('wrap_length', `a recipient wrap is ${WRAPPED_KEY_BYTES} bytes`);
  }
  if (sealed.records.length !== n) throw new SealedBatchError('record_count', `${sealed.records.length} sealed payloads for ${n} public records`);
  const groupCount = sealed.groups.length;
  if (groupCount < 1 || groupCount > n) throw new SealedBatchError('group_count', `a batch of ${n} records has 1..${n} groups, not ${groupCount}`);

  if (sealed.version !== 1 && sealed.version !== 2) throw new SealedBatchError('encoding', `sealed version ${String(sealed.version)} is not 1 or 2`);
  const tableBytes = keyTableBytes(sealed.version, groupCount);
  if (sealed.keyTable.length !== tableBytes) throw new SealedBatchError('group_shape', `the key table of ${groupCount} groups is ${tableBytes} bytes, not ${sealed.keyTable.length}`);
  const wrapBytes = sealed.version === 2 ? LAWFUL_WRAP_BYTES : LAWFUL_WRAP_V1_BYTES;
  sealed.groups.forEach((g, j) => {
    if (g.tag.length !== LAWFUL_TAG_BYTES || g.lawfulWrap.length !== wrapBytes) {
      throw new SealedBatchError('group_shape', `group ${j}: tag ${LAWFUL_TAG_BYTES} and lawful wrap ${wrapBytes} bytes`, j);
    }
  });
  const repeated = firstRepeatedTag(sealed.groups);
  if (repeated >= 0) throw new SealedBatchError('duplicate_tag', `group ${repeated} repeats another group's tag`, repeated);

  const used = new Uint8Array(groupCount);
  sealed.records.forEach((r, i) => {
    if (!Number.isInteger(r.group) || r.group < 0 || r.group >= groupCount) throw new SealedBatchError('group_index', `record ${i} names group ${r.group}`, i);
    used[r.group] = 1;
    if (r.ciphertext.length < PAYLOAD_TAG_BYTES || r.ciphertext.length > MAX_PAYLOAD_CIPHERTEXT_BYTES) {
      throw new SealedBatchError('payload_length', `record ${i}: a sealed payload is ${PAYLOAD_TAG_BYTES}..${MAX_PAYLOAD_CIPHERTEXT_BYTES} bytes`, i);
    }
  });
  const unused = used.indexOf(0);
  if (unused >= 0) throw new SealedBatchError('unused_group', `group ${unused} holds no record`, unused);

  for (let i = 0; i < n; i++) {
    const at = i * PUBLIC_RECORD_BYTES + RECORD_OFFSET.payloadHash;
    if (!payloadHashMatches(sealed.records[i]!.ciphertext, publicRecords.subarray(at, at + PAYLOAD_HASH_BYTES))) {
      throw new SealedBatchError('payload_hash', `record ${i}: the ciphertext does not match payload_hash`, i);
    }
  }
}

/** A tag's first 30 bits: a small integer, so a map of them allocates nothing per group. */
function tagPrefix(tag: Uint8Array): number {
  return tag[0]! | (tag[1]! << 8) | (tag[2]! << 16) | ((tag[3]! & 0x3f) << 24);
}

/**
 * The first group whose tag an earlier group has, or −1. Tags are keyed hashes, so distinct ones
 * rarely share a 30-bit prefix (~g²/2^31 per batch); only then are whole tags compared.
 */
function firstRepeatedTag(groups: SealedBatch['groups']): number {
  const byPrefix = new Map<number, number>();
  for (let j = 0; j < groups.length; j++) {
    const tag = groups[j]!.tag;
    const key = tagPrefix(tag);
    if (!byPrefix.has(key)) {
      byPrefix.set(key, j);
      continue;
    }
    for (let k = byPrefix.get(key)!; k < j; k++) {
      const other = groups[k]!.tag;
      if (tagPrefix(other) === key && equalBytes(other, tag)) return j;
    }
  }
  return -1;
}
