import { Builder, ByteBuffer } from 'flatbuffers';
import { Batch } from './generated/cdrchain/wire/batch.js';
import { BatchHeader } from './generated/cdrchain/wire/batch-header.js';
import { CanonicalWriter } from './bytes.js';
import { addHash, createBytes, createStructVector } from './builder.js';
import { MalformedFrameError, UnsupportedVersionError } from './errors.js';
import { BATCH_VERSION, ED25519_SIGNATURE_BYTES, MAX_BATCH_RECORDS, PUBLIC_RECORD_BYTES } from './limits.js';
import { structBytes, vectorBytes } from './read.js';
import { verifyRoot, type TableSpec } from './verify.js';
import { sha256 } from '../crypto/hash.js';

export const BATCH_FILE_IDENTIFIER = 'CDRB';

/** The signed part of a batch. */
export interface BatchHeaderFields {
  readonly version: number;
  readonly submitter: number;
  readonly counterparty: number;
  readonly periodStart: bigint;
  readonly periodEnd: bigint;
  readonly sequence: bigint;
  readonly recordCount: number;
  readonly merkleRoot: Uint8Array;
  readonly recordsDigest: Uint8Array;
}

/** A verified batch frame. `records` and `signature` are views into `bytes`: nothing is copied. */
export interface DecodedBatch {
  readonly header: BatchHeaderFields;
  readonly records: Uint8Array;
  readonly signature: Uint8Array;
  readonly bytes: Uint8Array;
  /** The sealed section's bytes (schemas/sealed.fbs), when the frame carries one: a view, undecoded. */
  readonly sealed?: Uint8Array;
}

const HEADER_SPEC: TableSpec = {
  name: 'BatchHeader',
  fields: [
    { index: 0, kind: 'scalar', size: 2 },
    { index: 1, kind: 'scalar', size: 4 },
    { index: 2, kind: 'scalar', size: 4 },
    { index: 3, kind: 'scalar', size: 8 },
    { index: 4, kind: 'scalar', size: 8 },
    { index: 5, kind: 'scalar', size: 8 },
    { index: 6, kind: 'scalar', size: 4 },
    { index: 7, kind: 'struct', size: 32 },
    { index: 8, kind: 'struct', size: 32 },
  ],
  required: [7, 8],
};

export const BATCH_SPEC: TableSpec = {
  name: 'Batch',
  fields: [
    { index: 0, kind: 'table', table: HEADER_SPEC },
    { index: 1, kind: 'vector', elementSize: PUBLIC_RECORD_BYTES, maxLength: MAX_BATCH_RECORDS },
    { index: 2, kind: 'vector', elementSize: 1, maxLength: ED25519_SIGNATURE_BYTES },
    // The sealed section: bounded against the record count by decodeSealedSection; here only by the frame.
    { index: 3, kind: 'vector', elementSize: 1, maxLength: 0x7fff_ffff },
  ],
  required: [0, 1, 2],
};

// 16 bytes: domain separation for signatures and ids. Version 2 added the chain identity.
const HEADER_TAG = 'cdrchain:batch:2';
/** A chain's identity (its genesis hash, `chainIdentity()` in src/chain/genesis.ts) is 32 bytes. */
export const CHAIN_IDENTITY_BYTES = 32;
/** The signed header fields in their canonical layout, without tag or chain. */
export const BATCH_HEADER_FIELDS_BYTES = 2 + 4 + 4 + 8 + 8 + 8 + 4 + 32 + 32;
export const CANONICAL_BATCH_HEADER_BYTES = 16 + CHAIN_IDENTITY_BYTES + BATCH_HEADER_FIELDS_BYTES;

/** Appends the header fields in their canonical order (big-endian, fixed width): signed bytes and pruned stubs share it. */
export function writeBatchHeaderFields(w: CanonicalWriter, h: BatchHeaderFields): CanonicalWriter {
  return w
    .u16(h.version)
    .u32(h.submitter)
    .u32(h.counterparty)
    .u64(h.periodStart)
    .u64(h.periodEnd)
    .u64(h.sequence)
    .u32(h.recordCount)
    .raw(h.merkleRoot, 32)
    .raw(h.recordsDigest, 32);
}

/**
 * The bytes an operator signs and a batch id hashes: fixed layout, big-endian, domain-tagged, and
 * bound to one chain (`chain`, its identity), so a batch signed for one consortium is refused by
 * every other. Frames do not carry `chain`: each node supplies its own.
 */
export function canonicalBatchHeader(h: BatchHeaderFields, chain: Uint8Array): Uint8Array {
  const w = new CanonicalWriter(CANONICAL_BATCH_HEADER_BYTES).tag(HEADER_TAG).raw(chain, CHAIN_IDENTITY_BYTES);
  return writeBatchHeaderFields(w, h).finish();
}

/** A batch's id (and its transaction hash) on chain `chain`: SHA-256 of the canonical header. */
export function batchId(h: BatchHeaderFields, chain: Uint8Array): Uint8Array {
  return sha256(canonicalBatchHeader(h, chain));
}

/** SHA-256 over the records in order: binds every public field the Merkle tree does not. */
export function recordsDigest(records: Uint8Array): Uint8Array {
  return sha256(records);
}

/** A batch frame; `sealed`, when given, is an encoded sealed section (src/codec/sealed-section.ts). */
export function encodeBatch(header: BatchHeaderFields, records: Uint8Array, signature: Uint8Array, sealed?: Uint8Array): Uint8Array {
  const builder = new Builder(records.length + (sealed?.length ?? 0) + 512);
  const sealedOffset = sealed === undefined ? 0 : builder.createByteVector(sealed);
  const recordsOffset = createStructVector(builder, records, PUBLIC_RECORD_BYTES);
  const signatureOffset = createBytes(builder, signature);
  BatchHeader.startBatchHeader(builder);
  BatchHeader.addVersion(builder, header.version);
  BatchHeader.addSubmitter(builder, header.submitter);
  BatchHeader.addCounterparty(builder, header.counterparty);
  BatchHeader.addPeriodStart(builder, header.periodStart);
  BatchHeader.addPeriodEnd(builder, header.periodEnd);
  BatchHeader.addSequence(builder, header.sequence);
  BatchHeader.addRecordCount(builder, header.recordCount);
  addHash(builder, BatchHeader.addMerkleRoot, header.merkleRoot);
  addHash(builder, BatchHeader.addRecordsDigest, header.recordsDigest);
  const headerOffset = BatchHeader.endBatchHeader(builder);
  const root = Batch.createBatch(builder, headerOffset, recordsOffset, signatureOffset, sealedOffset);
  Batch.finishBatchBuffer(builder, root);
  return builder.asUint8Array();
}

/**
 * Verifies the frame's structure, then reads it. Throws MalformedFrameError or UnsupportedVersionError;
 * semantic checks (limits, signature, root) belong to the caller.
 */
export function decodeBatch(bytes: Uint8Array): DecodedBatch {
  verifyRoot(bytes, BATCH_SPEC, BATCH_FILE_IDENTIFIER);
  const bb = new ByteBuffer(bytes);
  const batch = Batch.getRootAsBatch(bb);
  const h = batch.header()!;
  const version = h.version();
  if (version !== BATCH_VERSION) throw new UnsupportedVersionError('batch', version, h.sequence());

  const header: BatchHeaderFields = {
    version,
    submitter: h.submitter(),
    counterparty: h.counterparty(),
    periodStart: h.periodStart(),
    periodEnd: h.periodEnd(),
    sequence: h.sequence(),
    recordCount: h.recordCount(),
    merkleRoot: structBytes(bb, h.bb_pos, 18),
    recordsDigest: structBytes(bb, h.bb_pos, 20),
  };
  const records = vectorBytes(bb, batch.bb_pos, 6, PUBLIC_RECORD_BYTES);
  const signature = vectorBytes(bb, batch.bb_pos, 8, 1);
  const sealed = bb.__offset(batch.bb_pos, 10) === 0 ? undefined : vectorBytes(bb, batch.bb_pos, 10, 1);
  if (records.length / PUBLIC_RECORD_BYTES !== header.recordCount) {
    throw new MalformedFrameError(`header says ${header.recordCount} records, frame carries ${records.length / PUBLIC_RECORD_BYTES}`);
  }
  return sealed === undefined ? { header, records, signature, bytes } : { header, records, signature, bytes, sealed };
}

/** The frame without its sealed section (what a validator keeps in its body files: the public part). */
export function publicBatchFrame(batch: DecodedBatch): Uint8Array {
  return batch.sealed === undefined ? batch.bytes : encodeBatch(batch.header, batch.records, batch.signature);
}

/** A public frame with `sealed` attached again (what a validator relays to a peer that lacks the batch). */
export function withSealedSection(publicFrame: Uint8Array, sealed: Uint8Array): Uint8Array {
  const b = decodeBatch(publicFrame);
  return encodeBatch(b.header, b.records, b.signature, sealed);
}
