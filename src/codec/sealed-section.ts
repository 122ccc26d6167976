import { Builder, ByteBuffer } from 'flatbuffers';
import { SealedSection } from './generated/cdrchain/wire/sealed-section.js';
import { addHash, createStructVector } from './builder.js';
import { MalformedFrameError } from './errors.js';
import { ED25519_SIGNATURE_BYTES, MAX_BATCH_RECORDS } from './limits.js';
import { structBytes, vectorBytes } from './read.js';
import { verifyRoot, type TableSpec } from './verify.js';
import { SealedBatchError } from '../privacy/errors.js';
import { keyTableBytes } from '../privacy/key-table.js';
import { WRAPPED_KEY_BYTES } from '../privacy/key-wrap.js';
import { MAX_PAYLOAD_CIPHERTEXT_BYTES } from '../privacy/payload-cipher.js';
import { keyMaterialDigest, SEALED_VERSION, type SealedBatch, type SealedRecord, type SealedVersion } from '../privacy/sealed-batch.js';
import { LAWFUL_TAG_BYTES, LAWFUL_WRAP_BYTES, LAWFUL_WRAP_V1_BYTES } from '../privacy/threshold/lawful-wrap.js';

/**
 * The wire form of a sealed batch (schemas/sealed.fbs): a flatbuffer of its own ("CDRS"), carried in
 * a Batch frame as bytes and stored as those same bytes in the validators' private store, so
 * splitting it from the public frame and serving it copies nothing. Records are laid out column by
 * column (groups, lengths, one ciphertext blob): 4 bytes per record besides the ciphertext. Version 1
 * (u32 groups and end offsets, 48-byte key-table entries, 144-byte wraps) is still read.
 */

export const SEALED_SECTION_FILE_IDENTIFIER = 'CDRS';
export const SEALED_SECTION_VERSION: SealedVersion = SEALED_VERSION;

/**
 * What a batch may carry in its sealed section beyond its public records, per record (a ciphertext
 * of a ~108-byte version-3 payload is ~124 bytes, plus 4 of columns and a share of a 144-byte group), and
 * per batch (nonce, keys, wraps, signature, table overhead). Bounds the frame (the ingest socket's
 * and the P2P relay's limits) before anything is decoded.
 */
export const SEALED_BYTES_PER_RECORD_LIMIT = 512;
export const SEALED_BYTES_PER_BATCH_LIMIT = 2048;

/** The largest sealed section of a batch of `records` records. */
export function sealedSectionLimit(records: number): number {
  return records * SEALED_BYTES_PER_RECORD_LIMIT + SEALED_BYTES_PER_BATCH_LIMIT;
}

/** The keys the section's wraps are for: a validator compares them with the genesis' (admission). */
export interface SealedRecipients {
  /** X25519 public key of the submitter (32 bytes). */
  readonly submitterKey: Uint8Array;
  /** X25519 public key of the counterparty. */
  readonly counterpartyKey: Uint8Array;
  /** The lawful-access public key, ristretto255 encoding (32 bytes). */
  readonly lawfulKey: Uint8Array;
}

export interface SealedSectionFields {
  readonly sealed: SealedBatch;
  readonly recipients: SealedRecipients;
  /** Ed25519 by the submitter over `sealedSigningBytes` (64 bytes). */
  readonly signature: Uint8Array;
}

const SPEC: TableSpec = {
  name: 'SealedSection',
  fields: [
    { index: 0, kind: 'scalar', size: 2 },
    { index: 1, kind: 'struct', size: 32 },
    { index: 2, kind: 'struct', size: 32 },
    { index: 3, kind: 'struct', size: 32 },
    { index: 4, kind: 'struct', size: 32 },
    { index: 5, kind: 'vector', elementSize: 1, maxLength: WRAPPED_KEY_BYTES },
    { index: 6, kind: 'vector', elementSize: 1, maxLength: WRAPPED_KEY_BYTES },
    { index: 7, kind: 'vector', elementSize: LAWFUL_TAG_BYTES, maxLength: MAX_BATCH_RECORDS },
    { index: 8, kind: 'vector', elementSize: 1, maxLength: keyTableBytes(1, MAX_BATCH_RECORDS) },
    { index: 9, kind: 'vector', elementSize: 1, maxLength: MAX_BATCH_RECORDS * LAWFUL_WRAP_V1_BYTES },
    { index: 10, kind: 'vector', elementSize: 4, maxLength: MAX_BATCH_RECORDS },
    { index: 11, kind: 'vector', elementSize: 4, maxLength: MAX_BATCH_RECORDS },
    { index: 12, kind: 'vector', elementSize: 1, maxLength: MAX_BATCH_RECORDS * MAX_PAYLOAD_CIPHERTEXT_BYTES },
    { index: 13, kind: 'vector', elementSize: 1, maxLength: ED25519_SIGNATURE_BYTES },
    { index: 14, kind: 'vector', elementSize: 2, maxLength: MAX_BATCH_RECORDS },
    { index: 15, kind: 'vector', elementSize: 2, maxLength: MAX_BATCH_RECORDS },
  ],
  // The record columns are required by version: 10 and 11 in version 1, 14 and 15 in version 2.
  required: [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13],
};
const COLUMNS: Readonly<Record<SealedVersion, { readonly groups: number; readonly ends: number; readonly width: 2 | 4; readonly absent: readonly number[] }>> = {
  1: { groups: 10, ends: 11, width: 4, absent: [14, 15] },
  2: { groups: 14, ends: 15, width: 2, absent: [10, 11] },
};

const SIGNING_TAG = new TextEncoder().encode('cdrchain:sealed1'); // 16 bytes, like every signed kind's tag

/**
 * What the submitter signs: the batch id (which binds the public records, hence every payload_hash,
 * hence every ciphertext), the digest of the key material (nonce, wraps, groups, record groups) and
 * the three recipient keys. A validator that relays the frame cannot swap a wrap or a key unseen.
 */
export function sealedSigningBytes(batchId: Uint8Array, sealed: SealedBatch, recipients: SealedRecipients): Uint8Array {
  const out = new Uint8Array(16 + 32 * 5);
  out.set(SIGNING_TAG, 0);
  out.set(batchId, 16);
  out.set(keyMaterialDigest(sealed), 48);
  out.set(recipients.submitterKey, 80);
  out.set(recipients.counterpartyKey, 112);
  out.set(recipients.lawfulKey, 144);
  return out;
}

export function encodeSealedSection(f: SealedSectionFields): Uint8Array {
  const { sealed, recipients } = f;
  const n = sealed.records.length;
  let cipherBytes = 0;
  for (const r of sealed.records) cipherBytes += r.ciphertext.length;
  const g = sealed.groups.length;
  if (sealed.version !== SEALED_SECTION_VERSION) throw new SealedBatchError('encoding', `only version ${SEALED_SECTION_VERSION} sealed sections are written`);
  const builder = new Builder(cipherBytes + n * 4 + sealed.keyTable.length + g * (LAWFUL_TAG_BYTES + LAWFUL_WRAP_BYTES) + 1024);

  const blob = new Uint8Array(cipherBytes);
  const columns = new Uint8Array(n * 4);
  const dv = new DataView(columns.buffer);
  let end = 0;
  sealed.records.forEach((r, i) => {
    if (r.group > 0xffff || r.ciphertext.length > 0xffff) throw new SealedBatchError('encoding', `record ${i}: group ${r.group} or ciphertext of ${r.ciphertext.length} bytes does not fit 16 bits`, i);
    blob.set(r.ciphertext, end);
    end += r.ciphertext.length;
    dv.setUint16(i * 2, r.group, true);
    dv.setUint16(n * 2 + i * 2, r.ciphertext.length, true);
  });
  const concat = (parts: readonly Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const ciphertexts = builder.createByteVector(blob);
  const lengths = leVector(builder, columns.subarray(n * 2), 2);
  const groups = leVector(builder, columns.subarray(0, n * 2), 2);
  const wraps = builder.createByteVector(concat(sealed.groups.map((x) => x.lawfulWrap)));
  const entries = builder.createByteVector(sealed.keyTable);
  const tags = createStructVector(builder, concat(sealed.groups.map((x) => x.tag)), LAWFUL_TAG_BYTES);
  const counterpartyWrap = builder.createByteVector(sealed.counterpartyWrap);
  const submitterWrap = builder.createByteVector(sealed.submitterWrap);
  const signature = builder.createByteVector(f.signature);
  SealedSection.startSealedSection(builder);
  SealedSection.addVersion(builder, SEALED_SECTION_VERSION);
  addHash(builder, SealedSection.addBatchNonce, sealed.batchNonce);
  addHash(builder, SealedSection.addSubmitterKey, recipients.submitterKey);
  addHash(builder, SealedSection.addCounterpartyKey, recipients.counterpartyKey);
  addHash(builder, SealedSection.addLawfulKey, recipients.lawfulKey);
  SealedSection.addSubmitterWrap(builder, submitterWrap);
  SealedSection.addCounterpartyWrap(builder, counterpartyWrap);
  SealedSection.addGroupTags(builder, tags);
  SealedSection.addGroupEntries(builder, entries);
  SealedSection.addGroupWraps(builder, wraps);
  SealedSection.addRecordGroups16(builder, groups);
  SealedSection.addPayloadLengths(builder, lengths);
  SealedSection.addCiphertexts(builder, ciphertexts);
  SealedSection.addSignature(builder, signature);
  builder.finish(SealedSection.endSealedSection(builder), SEALED_SECTION_FILE_IDENTIFIER);
  return builder.asUint8Array();
}

/** A `[ushort]` or `[uint]` vector from little-endian bytes in one copy. */
function leVector(builder: Builder, le: Uint8Array, width: 2 | 4): number {
  builder.startVector(width, le.length / width, width);
  const b = builder as unknown as { bb: ByteBuffer; space: number };
  b.space -= le.length;
  b.bb.bytes().set(le, b.space);
  return builder.endVector();
}

/**
 * Reads a sealed section for a batch of `recordCount` records: the structure with the bounds-checking
 * verifier, then every count against the batch (records, groups) and every offset against the
 * ciphertext blob, before one object per record is made. Views into `bytes`, nothing copied.
 * Throws SealedBatchError (`encoding`, `record_count`, `group_count`); sizes and hashes are
 * checkSealedBatch's.
 */
export function decodeSealedSection(bytes: Uint8Array, recordCount: number): SealedSectionFields {
  if (bytes.length > sealedSectionLimit(recordCount)) {
    throw new SealedBatchError('encoding', `a sealed section of ${recordCount} records is at most ${sealedSectionLimit(recordCount)} bytes, not ${bytes.length}`);
  }
  try {
    verifyRoot(bytes, SPEC, SEALED_SECTION_FILE_IDENTIFIER);
  } catch (err) {
    if (err instanceof MalformedFrameError) throw new SealedBatchError('encoding', `sealed section: ${err.reason}`);
    throw err;
  }
  const bb = new ByteBuffer(bytes);
  const t = SealedSection.getRootAsSealedSection(bb);
  const version = t.version();
  if (version !== 1 && version !== 2) throw new SealedBatchError('encoding', `sealed section version ${version} is not 1 or 2`);
  const pos = t.bb_pos;
  const vt = (index: number): number => 4 + 2 * index;
  const columns = COLUMNS[version];
  for (const index of columns.absent) {
    if (bb.__offset(pos, vt(index)) !== 0) throw new SealedBatchError('encoding', `a version-${version} sealed section has no field ${index}`);
  }
  const tags = vectorBytes(bb, pos, vt(7), LAWFUL_TAG_BYTES);
  const keyTable = vectorBytes(bb, pos, vt(8), 1);
  const wraps = vectorBytes(bb, pos, vt(9), 1);
  const groupsLe = vectorBytes(bb, pos, vt(columns.groups), columns.width);
  const endsLe = vectorBytes(bb, pos, vt(columns.ends), columns.width);
  const blob = vectorBytes(bb, pos, vt(12), 1);

  const g = tags.length / LAWFUL_TAG_BYTES;
  if (g < 1 || g > recordCount) throw new SealedBatchError('group_count', `a batch of ${recordCount} records has 1..${recordCount} groups, not ${g}`);
  const wrapBytes = version === 2 ? LAWFUL_WRAP_BYTES : LAWFUL_WRAP_V1_BYTES;
  if (keyTable.length !== keyTableBytes(version, g) || wraps.length !== g * wrapBytes) {
    throw new SealedBatchError('group_shape', `${g} groups need a key table of ${keyTableBytes(version, g)} bytes and ${g * wrapBytes} of lawful-access wraps`);
  }
  const n = groupsLe.length / columns.width;
  if (n !== recordCount || endsLe.length / columns.width !== recordCount) {
    throw new SealedBatchError('record_count', `the sealed section holds ${n} groups and ${endsLe.length / columns.width} payload offsets for ${recordCount} records`);
  }
  const groupsView = new DataView(groupsLe.buffer, groupsLe.byteOffset, groupsLe.byteLength);
  const endsView = new DataView(endsLe.buffer, endsLe.byteOffset, endsLe.byteLength);
  const records: SealedRecord[] = new Array<SealedRecord>(n);
  let start = 0;
  for (let i = 0; i < n; i++) {
    // Version 2 stores lengths, version 1 end offsets.
    const end = version === 2 ? start + endsView.getUint16(i * 2, true) : endsView.getUint32(i * 4, true);
    if (end < start || end > blob.length) throw new SealedBatchError('payload_length', `record ${i}: payload end ${end} is outside ${start}..${blob.length}`, i);
    records[i] = { group: version === 2 ? groupsView.getUint16(i * 2, true) : groupsView.getUint32(i * 4, true), ciphertext: blob.subarray(start, end) };
    start = end;
  }
  if (start !== blob.length) throw new SealedBatchError('encoding', `${blob.length - start} ciphertext bytes belong to no record`);

  const groups = [];
  for (let j = 0; j < g; j++) {
    groups.push({
      tag: tags.subarray(j * LAWFUL_TAG_BYTES, (j + 1) * LAWFUL_TAG_BYTES),
      lawfulWrap: wraps.subarray(j * wrapBytes, (j + 1) * wrapBytes),
    });
  }
  return {
    sealed: {
      version,
      batchNonce: structBytes(bb, pos, vt(1)),
      submitterWrap: vectorBytes(bb, pos, vt(5), 1),
      counterpartyWrap: vectorBytes(bb, pos, vt(6), 1),
      keyTable,
      groups,
      records,
    },
    recipients: {
      submitterKey: structBytes(bb, pos, vt(2)),
      counterpartyKey: structBytes(bb, pos, vt(3)),
      lawfulKey: structBytes(bb, pos, vt(4)),
    },
    signature: vectorBytes(bb, pos, vt(13), 1),
  };
}
