import { Builder, ByteBuffer } from 'flatbuffers';
import { VerdictTx } from './generated/cdrchain/wire/verdict-tx.js';
import { CHAIN_IDENTITY_BYTES } from './batch.js';
import { CanonicalWriter } from './bytes.js';
import { addHash, createBytes } from './builder.js';
import { MalformedFrameError, UnsupportedVersionError } from './errors.js';
import { ED25519_SIGNATURE_BYTES } from './limits.js';
import { structBytes, vectorBytes } from './read.js';
import { verifyRoot, type TableSpec } from './verify.js';
import { sha256 } from '../crypto/hash.js';

export const VERDICT_TX_FILE_IDENTIFIER = 'CDRR';
export const VERDICT_TX_VERSION = 1;
/** Room for every field and both signatures (the table is fixed-size but for its padding). */
export const MAX_VERDICT_TX_FRAME_BYTES = 512;

/** What both operators of a pair agree on and sign (schemas/verdict-tx.fbs). Counts are event counts. */
export interface VerdictFields {
  readonly version: number;
  readonly pairA: number;
  readonly pairB: number;
  /** year * 12 + (month - 1) (src/reconciliation/period.ts monthIndex). */
  readonly period: number;
  readonly revision: number;
  readonly indexedHeight: bigint;
  readonly matched: bigint;
  readonly accepted: bigint;
  readonly disputed: bigint;
  readonly onlyA: bigint;
  readonly onlyB: bigint;
  readonly toleranceDurationSec: number;
  readonly toleranceVolumeBytes: bigint;
  readonly toleranceChargePpm: number;
  readonly toleranceChargeMinor: bigint;
  readonly resolutionsDigest: Uint8Array;
  /** The verdict transaction this one replaces; undefined for revision 1. */
  readonly supersedes: Uint8Array | undefined;
}

/** A verified verdict transaction frame; byte fields are views into `bytes`. */
export interface DecodedVerdictTx extends VerdictFields {
  readonly submitter: number;
  readonly signatureA: Uint8Array;
  readonly signatureB: Uint8Array;
  readonly bytes: Uint8Array;
}

export const VERDICT_TX_SPEC: TableSpec = {
  name: 'VerdictTx',
  fields: [
    { index: 0, kind: 'scalar', size: 2 },
    { index: 1, kind: 'scalar', size: 4 },
    { index: 2, kind: 'scalar', size: 4 },
    { index: 3, kind: 'scalar', size: 4 },
    { index: 4, kind: 'scalar', size: 4 },
    { index: 5, kind: 'scalar', size: 4 },
    { index: 6, kind: 'scalar', size: 8 },
    { index: 7, kind: 'scalar', size: 8 },
    { index: 8, kind: 'scalar', size: 8 },
    { index: 9, kind: 'scalar', size: 8 },
    { index: 10, kind: 'scalar', size: 8 },
    { index: 11, kind: 'scalar', size: 8 },
    { index: 12, kind: 'scalar', size: 4 },
    { index: 13, kind: 'scalar', size: 8 },
    { index: 14, kind: 'scalar', size: 4 },
    { index: 15, kind: 'scalar', size: 8 },
    { index: 16, kind: 'struct', size: 32 },
    { index: 17, kind: 'struct', size: 32 },
    { index: 18, kind: 'vector', elementSize: 1, maxLength: ED25519_SIGNATURE_BYTES },
    { index: 19, kind: 'vector', elementSize: 1, maxLength: ED25519_SIGNATURE_BYTES },
  ],
  required: [16, 18, 19],
};

// 14 characters, NUL-padded to 16 like the other transaction tags, and distinct from them.
const TX_TAG = 'cdrchain:vdt:1\0\0';
export const CANONICAL_VERDICT_TX_BYTES = 16 + CHAIN_IDENTITY_BYTES + 2 + 4 * 4 + 8 * 6 + 4 + 8 + 4 + 8 + 32 + 32;
const NO_HASH = new Uint8Array(32);

/**
 * The bytes both operators sign and the transaction hash covers: fixed layout, big-endian,
 * domain-tagged, bound to chain `chain`. The submitter is not in it: either operator may submit the
 * same verdict, and it is one transaction (the second is a replay).
 */
export function canonicalVerdictTx(t: VerdictFields, chain: Uint8Array): Uint8Array {
  return new CanonicalWriter(CANONICAL_VERDICT_TX_BYTES)
    .tag(TX_TAG)
    .raw(chain, CHAIN_IDENTITY_BYTES)
    .u16(t.version)
    .u32(t.pairA)
    .u32(t.pairB)
    .u32(t.period)
    .u32(t.revision)
    .u64(t.indexedHeight)
    .u64(t.matched)
    .u64(t.accepted)
    .u64(t.disputed)
    .u64(t.onlyA)
    .u64(t.onlyB)
    .u32(t.toleranceDurationSec)
    .u64(t.toleranceVolumeBytes)
    .u32(t.toleranceChargePpm)
    .u64(t.toleranceChargeMinor)
    .raw(t.resolutionsDigest, 32)
    .raw(t.supersedes ?? NO_HASH, 32)
    .finish();
}

/** The verdict's hash on chain `chain` (its transaction id). */
export function verdictTxHash(t: VerdictFields, chain: Uint8Array): Uint8Array {
  return sha256(canonicalVerdictTx(t, chain));
}

export function encodeVerdictTx(t: VerdictFields, submitter: number, signatureA: Uint8Array, signatureB: Uint8Array): Uint8Array {
  const builder = new Builder(MAX_VERDICT_TX_FRAME_BYTES);
  const sigA = createBytes(builder, signatureA);
  const sigB = createBytes(builder, signatureB);
  VerdictTx.startVerdictTx(builder);
  VerdictTx.addVersion(builder, t.version);
  VerdictTx.addSubmitter(builder, submitter);
  VerdictTx.addPairA(builder, t.pairA);
  VerdictTx.addPairB(builder, t.pairB);
  VerdictTx.addPeriod(builder, t.period);
  VerdictTx.addRevision(builder, t.revision);
  VerdictTx.addIndexedHeight(builder, t.indexedHeight);
  VerdictTx.addMatched(builder, t.matched);
  VerdictTx.addAccepted(builder, t.accepted);
  VerdictTx.addDisputed(builder, t.disputed);
  VerdictTx.addOnlyA(builder, t.onlyA);
  VerdictTx.addOnlyB(builder, t.onlyB);
  VerdictTx.addToleranceDurationSec(builder, t.toleranceDurationSec);
  VerdictTx.addToleranceVolumeBytes(builder, t.toleranceVolumeBytes);
  VerdictTx.addToleranceChargePpm(builder, t.toleranceChargePpm);
  VerdictTx.addToleranceChargeMinor(builder, t.toleranceChargeMinor);
  addHash(builder, VerdictTx.addResolutionsDigest, t.resolutionsDigest);
  if (t.supersedes) addHash(builder, VerdictTx.addSupersedes, t.supersedes);
  VerdictTx.addSignatureA(builder, sigA);
  VerdictTx.addSignatureB(builder, sigB);
  VerdictTx.finishVerdictTxBuffer(builder, VerdictTx.endVerdictTx(builder));
  return builder.asUint8Array();
}

/** True when `frame` carries the verdict transaction file identifier (offset 4). */
export function isVerdictTxFrame(frame: Uint8Array): boolean {
  if (frame.length < 8) return false;
  for (let i = 0; i < 4; i++) if (frame[4 + i] !== VERDICT_TX_FILE_IDENTIFIER.charCodeAt(i)) return false;
  return true;
}

/**
 * Verifies the frame's structure, then reads it. Throws MalformedFrameError or
 * UnsupportedVersionError; the pair, the signatures, the counts and the revision belong to admission.
 */
export function decodeVerdictTx(bytes: Uint8Array): DecodedVerdictTx {
  if (bytes.length > MAX_VERDICT_TX_FRAME_BYTES) throw new MalformedFrameError(`${bytes.length} bytes is larger than any verdict transaction (${MAX_VERDICT_TX_FRAME_BYTES})`);
  verifyRoot(bytes, VERDICT_TX_SPEC, VERDICT_TX_FILE_IDENTIFIER);
  const bb = new ByteBuffer(bytes);
  const tx = VerdictTx.getRootAsVerdictTx(bb);
  const version = tx.version();
  if (version !== VERDICT_TX_VERSION) throw new UnsupportedVersionError('verdict transaction', version, BigInt(tx.revision()));
  const signatureA = vectorBytes(bb, tx.bb_pos, 40, 1);
  const signatureB = vectorBytes(bb, tx.bb_pos, 42, 1);
  if (signatureA.length !== ED25519_SIGNATURE_BYTES || signatureB.length !== ED25519_SIGNATURE_BYTES) {
    throw new MalformedFrameError(`both signatures must be ${ED25519_SIGNATURE_BYTES} bytes`);
  }
  const supersedes = structBytes(bb, tx.bb_pos, 38);
  return {
    version,
    submitter: tx.submitter(),
    pairA: tx.pairA(),
    pairB: tx.pairB(),
    period: tx.period(),
    revision: tx.revision(),
    indexedHeight: tx.indexedHeight(),
    matched: tx.matched(),
    accepted: tx.accepted(),
    disputed: tx.disputed(),
    onlyA: tx.onlyA(),
    onlyB: tx.onlyB(),
    toleranceDurationSec: tx.toleranceDurationSec(),
    toleranceVolumeBytes: tx.toleranceVolumeBytes(),
    toleranceChargePpm: tx.toleranceChargePpm(),
    toleranceChargeMinor: tx.toleranceChargeMinor(),
    resolutionsDigest: structBytes(bb, tx.bb_pos, 36),
    supersedes: supersedes.some((b) => b !== 0) ? supersedes : undefined,
    signatureA,
    signatureB,
    bytes,
  };
}
