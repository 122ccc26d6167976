import { Builder, ByteBuffer } from 'flatbuffers';
import { SealedSection } from './generated/cdrchain/wire/sealed-section.js';
import { addHash, createStructVector } from './builder.js';
import { MalformedFrameError } from './errors.js';
import { ED25519_SIGNATURE_BYTES, MAX_BATCH_RECORDS } from './limits.js';
import { structBytes, vectorBytes } from './read.js';
import { verifyRoot, type TableSpec } from './verify.js';
import { SealedBatchError } from '../privacy/errors.js';
import { SEALED_TABLE_ENTRY_BYTES } from '../privacy/key-table.js';
import { WRAPPED_KEY_BYTES } from '../privacy/key-wrap.js';
import { MAX_PAYLOAD_CIPHERTEXT_BYTES } from '../privacy/payload-cipher.js';
import { keyMaterialDigest, type SealedBatch, type SealedRecord } from '../privacy/sealed-batch.js';
import { LAWFUL_TAG_BYTES, LAWFUL_WRAP_BYTES } from '../privacy/threshold/lawful-wrap.js';

/**
 * The wire form of a sealed batch (schemas/sealed.fbs): a flatbuffer of its own ("CDRS"), carried in
 * a Batch frame as bytes and stored as those same bytes in the validators' private store, so
 * splitting it from the public frame and serving it copies nothing. Records are laid out column by
 * column (groups, end offsets, one ciphertext blob): 8 bytes per record besides the ciphertext.
 */

export const SEALED_SECTION_FILE_IDENTIFIER = 'CDRS';
export const SEALED_SECTION_VERSION = 1;

/**
 * What a batch may carry in its sealed section beyond its public records, per record (a ciphertext
 * of a 128-byte version-2 payload is 144 bytes, plus 8 of columns and a share of a 224-byte group), and
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
    { index: 8, kind: 'vector', elementSize: 1, maxLength: MAX_BATCH_RECORDS * SEALED_TABLE_ENTRY_BYTES },
    { index: 9, kind: 'vector', elementSize: 1, maxLength: MAX_BATCH_RECORDS * LAWFUL_WRAP_BYTES },
    { index: 10, kind: 'vector', elementSize: 4, maxLength: MAX_BATCH_RECORDS },
    { index: 11, kind: 'vector', elementSize: 4, maxLength: MAX_BATCH_RECORDS },
    { index: 12, kind: 'vector', elementSize: 1, maxLength: MAX_BATCH_RECORDS * MAX_PAYLOAD_CIPHERTEXT_BYTES },
    { index: 13, kind: 'vector', elementSize: 1, maxLength: ED25519_SIGNATURE_BYTES },
  ],
  required: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
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
  const builder = new Builder(cipherBytes + n * 8 + g * (LAWFUL_TAG_BYTES + SEALED_TABLE_ENTRY_BYTES + LAWFUL_WRAP_BYTES) + 1024);

  const blob = new Uint8Array(cipherBytes);
  const columns = new Uint8Array(n * 8);
  const dv = new DataView(columns.buffer);
  let end = 0;
  sealed.records.forEach((r, i) => {
    blob.set(r.ciphertext, end);
    end += r.ciphertext.length;
    dv.setUint32(i * 4, r.group, true);
    dv.setUint32(n * 4 + i * 4, end, true);
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
  const ends = uintVector(builder, columns.subarray(n * 4));
  const groups = uintVector(builder, columns.subarray(0, n * 4));
  const wraps = builder.createByteVector(concat(sealed.groups.map((x) => x.lawfulWrap)));
  const entries = builder.createByteVector(concat(sealed.groups.map((x) => x.tableEntry)));
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
  SealedSection.addRecordGroups(builder, groups);
  SealedSection.addPayloadEnds(builder, ends);
  SealedSection.addCiphertexts(builder, ciphertexts);
  SealedSection.addSignature(builder, signature);
  builder.finish(SealedSection.endSealedSection(builder), SEALED_SECTION_FILE_IDENTIFIER);
  return builder.asUint8Array();
}

/** A `[uint]` vector from little-endian bytes in one copy. */
function uintVector(builder: Builder, le: Uint8Array): number {
  builder.startVector(4, le.length / 4, 4);
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
  if (t.version() !== SEALED_SECTION_VERSION) throw new SealedBatchError('encoding', `sealed section version ${t.version()} is not ${SEALED_SECTION_VERSION}`);
  const pos = t.bb_pos;
  const vt = (index: number): number => 4 + 2 * index;
  const tags = vectorBytes(bb, pos, vt(7), LAWFUL_TAG_BYTES);
  const entries = vectorBytes(bb, pos, vt(8), 1);
  const wraps = vectorBytes(bb, pos, vt(9), 1);
  const groupsLe = vectorBytes(bb, pos, vt(10), 4);
  const endsLe = vectorBytes(bb, pos, vt(11), 4);
  const blob = vectorBytes(bb, pos, vt(12), 1);

  const g = tags.length / LAWFUL_TAG_BYTES;
  if (g < 1 || g > recordCount) throw new SealedBatchError('group_count', `a batch of ${recordCount} records has 1..${recordCount} groups, not ${g}`);
  if (entries.length !== g * SEALED_TABLE_ENTRY_BYTES || wraps.length !== g * LAWFUL_WRAP_BYTES) {
    throw new SealedBatchError('group_shape', `${g} groups need ${g * SEALED_TABLE_ENTRY_BYTES} bytes of key-table entries and ${g * LAWFUL_WRAP_BYTES} of lawful-access wraps`);
  }
  const n = groupsLe.length / 4;
  if (n !== recordCount || endsLe.length / 4 !== recordCount) {
    throw new SealedBatchError('record_count', `the sealed section holds ${n} groups and ${endsLe.length / 4} payload offsets for ${recordCount} records`);
  }
  const groupsView = new DataView(groupsLe.buffer, groupsLe.byteOffset, groupsLe.byteLength);
  const endsView = new DataView(endsLe.buffer, endsLe.byteOffset, endsLe.byteLength);
  const records: SealedRecord[] = new Array<SealedRecord>(n);
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = endsView.getUint32(i * 4, true);
    if (end < start || end > blob.length) throw new SealedBatchError('payload_length', `record ${i}: payload offset ${end} is outside ${start}..${blob.length}`, i);
    records[i] = { group: groupsView.getUint32(i * 4, true), ciphertext: blob.subarray(start, end) };
    start = end;
  }
  if (start !== blob.length) throw new SealedBatchError('encoding', `${blob.length - start} ciphertext bytes belong to no record`);

  const groups = [];
  for (let j = 0; j < g; j++) {
    groups.push({
      tag: tags.subarray(j * LAWFUL_TAG_BYTES, (j + 1) * LAWFUL_TAG_BYTES),
      tableEntry: entries.subarray(j * SEALED_TABLE_ENTRY_BYTES, (j + 1) * SEALED_TABLE_ENTRY_BYTES),
      lawfulWrap: wraps.subarray(j * LAWFUL_WRAP_BYTES, (j + 1) * LAWFUL_WRAP_BYTES),
    });
  }
  return {
    sealed: {
      batchNonce: structBytes(bb, pos, vt(1)),
      submitterWrap: vectorBytes(bb, pos, vt(5), 1),
      counterpartyWrap: vectorBytes(bb, pos, vt(6), 1),
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
