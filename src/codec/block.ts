import { Builder, ByteBuffer } from 'flatbuffers';
import { Block } from './generated/cdrchain/wire/block.js';
import { BlockHeader } from './generated/cdrchain/wire/block-header.js';
import { BlockKind } from './generated/cdrchain/wire/block-kind.js';
import { Justification } from './generated/cdrchain/wire/justification.js';
import { CanonicalWriter, equalBytes } from './bytes.js';
import { addHash, createStructVector } from './builder.js';
import { MalformedFrameError, UnsupportedVersionError } from './errors.js';
import { BLOCK_VERSION } from './limits.js';
import { structBytes, vectorBytes } from './read.js';
import { verifyRoot, type TableSpec } from './verify.js';
import { sha256 } from '../crypto/hash.js';

export { BlockKind };
export const BLOCK_FILE_IDENTIFIER = 'CDRK';
/** A block whose body (transaction ids) retention pruned: the same table, header only. */
export const PRUNED_BLOCK_FILE_IDENTIFIER = 'CDRH';
export const MAX_BLOCK_TXS = 1 << 16;

/** Blocks made by consensus (docs/consensus.md §10): v1 fields plus `consensus`, justification, fork proofs, validators. */
export const BLOCK_VERSION_CONSENSUS = 2;
/** A BLS12-381 signature (or seed) in compressed form. */
export const BLS_SIGNATURE_LENGTH = 96;
/** Bytes of a v2 canonical header (the bytes the block hash covers and fork proofs carry). */
export const CANONICAL_HEADER_V2_BYTES = 307;
/** A fork proof record: header1 ‖ signature1 ‖ header2 ‖ signature2. */
export const FORK_PROOF_RECORD_BYTES = 2 * (CANONICAL_HEADER_V2_BYTES + BLS_SIGNATURE_LENGTH);
/** A validator record of an election block: id u32 ‖ power u64 ‖ BLS public key (48). */
export const VALIDATOR_RECORD_BYTES = 60;
/** Wire bounds (consensus policy may set lower ones). */
export const MAX_BLOCK_FORK_PROOFS = 16;
export const MAX_BLOCK_VALIDATORS = 512;
export const MAX_SIGNER_BITMAP_BYTES = MAX_BLOCK_VALIDATORS / 8;

/** The header fields of version 2 (`BLOCK_VERSION_CONSENSUS`); absent in version 1 headers. */
export interface ConsensusHeaderFields {
  /** Macro: the Tendermint round the block was first proposed in; 0 otherwise. */
  readonly round: number;
  /** 96 bytes: the producer's BLS signature over the parent's seed (skip blocks: the parent's seed). */
  readonly seed: Uint8Array;
  /** Digest of the state changes the block causes. */
  readonly stateRoot: Uint8Array;
  /** SHA-256 over the fork proof records; 32 zero bytes when none. */
  readonly forkProofsRoot: Uint8Array;
  /** Election blocks: SHA-256 over the validator records; 32 zero bytes otherwise. */
  readonly validatorsHash: Uint8Array;
}

/**
 * Why a v2 block is on the chain: a micro block's producer signature (`signers` empty), or the
 * aggregate signature of a quorum and their bitmap over the validator set (skip; macro, with the
 * Tendermint round of the decision). Outside the block hash.
 */
export interface BlockJustification {
  readonly round: number;
  /** 96 bytes. */
  readonly signature: Uint8Array;
  /** ⌈n/8⌉ bytes, least significant bit first; empty for a producer signature. */
  readonly signers: Uint8Array;
}

/** What a v2 block carries besides header and transaction ids. */
export interface BlockExtras {
  readonly justification?: BlockJustification;
  /** n × FORK_PROOF_RECORD_BYTES. */
  readonly forkProofs?: Uint8Array;
  /** n × VALIDATOR_RECORD_BYTES (election blocks). */
  readonly validators?: Uint8Array;
}

export interface BlockHeaderFields {
  readonly version: number;
  readonly kind: BlockKind;
  readonly height: bigint;
  readonly prevHash: Uint8Array;
  readonly timestampMs: bigint;
  readonly producer: number;
  readonly txRoot: Uint8Array;
  readonly txCount: number;
  readonly cdrCount: number;
  /** Present exactly when `version` is BLOCK_VERSION_CONSENSUS (2). */
  readonly consensus?: ConsensusHeaderFields;
}

export interface DecodedBlock {
  readonly header: BlockHeaderFields;
  /** txCount × 32 bytes; empty when the body was pruned. */
  readonly txHashes: Uint8Array;
  /** Retention pruned the body: the header (and its txRoot) is all that is kept. */
  readonly bodyPruned: boolean;
  /** v2 only (undefined in v1 blocks and blocks without one). */
  readonly justification?: BlockJustification;
  /** v2: n × FORK_PROOF_RECORD_BYTES, checked against the header's forkProofsRoot; empty otherwise. */
  readonly forkProofs?: Uint8Array;
  /** v2 election blocks: n × VALIDATOR_RECORD_BYTES, checked against validatorsHash; empty otherwise. */
  readonly validators?: Uint8Array;
}

const HEADER_SPEC: TableSpec = {
  name: 'BlockHeader',
  fields: [
    { index: 0, kind: 'scalar', size: 2 },
    { index: 1, kind: 'scalar', size: 1 },
    { index: 2, kind: 'scalar', size: 8 },
    { index: 3, kind: 'struct', size: 32 },
    { index: 4, kind: 'scalar', size: 8 },
    { index: 5, kind: 'scalar', size: 4 },
    { index: 6, kind: 'struct', size: 32 },
    { index: 7, kind: 'scalar', size: 4 },
    { index: 8, kind: 'scalar', size: 4 },
    { index: 9, kind: 'scalar', size: 4 },
    { index: 10, kind: 'struct', size: BLS_SIGNATURE_LENGTH },
    { index: 11, kind: 'struct', size: 32 },
    { index: 12, kind: 'struct', size: 32 },
    { index: 13, kind: 'struct', size: 32 },
  ],
  required: [3, 6],
};

const JUSTIFICATION_SPEC: TableSpec = {
  name: 'Justification',
  fields: [
    { index: 0, kind: 'scalar', size: 4 },
    { index: 1, kind: 'vector', elementSize: 1, maxLength: BLS_SIGNATURE_LENGTH },
    { index: 2, kind: 'vector', elementSize: 1, maxLength: MAX_SIGNER_BITMAP_BYTES },
  ],
  required: [1],
};

const BLOCK_SPEC: TableSpec = {
  name: 'Block',
  fields: [
    { index: 0, kind: 'table', table: HEADER_SPEC },
    { index: 1, kind: 'vector', elementSize: 32, maxLength: MAX_BLOCK_TXS },
    { index: 2, kind: 'table', table: JUSTIFICATION_SPEC },
    { index: 3, kind: 'vector', elementSize: FORK_PROOF_RECORD_BYTES, maxLength: MAX_BLOCK_FORK_PROOFS },
    { index: 4, kind: 'vector', elementSize: VALIDATOR_RECORD_BYTES, maxLength: MAX_BLOCK_VALIDATORS },
  ],
  required: [0],
};


const HEADER_TAG = 'cdrchain:block:1'; // 16 bytes
const CANONICAL_BLOCK_HEADER_BYTES = 16 + 2 + 1 + 8 + 32 + 8 + 4 + 32 + 4 + 4;

const HEADER_V2_TAG = 'cdrchain:block:2'; // 16 bytes

/**
 * The bytes a block hash covers: a fixed layout per version (v1: 111 bytes; v2: the v1 fields under
 * their own tag, then round, seed, state root, fork-proofs root and validators hash, 307 bytes).
 */
export function canonicalBlockHeader(h: BlockHeaderFields): Uint8Array {
  if (h.version === BLOCK_VERSION_CONSENSUS) return canonicalHeaderV2(h);
  if (h.consensus !== undefined) throw new RangeError(`a version ${h.version} header carries consensus fields`);
  return writeHeaderFields(new CanonicalWriter(CANONICAL_BLOCK_HEADER_BYTES).tag(HEADER_TAG), h).finish();
}

/** The fields every header version signs, in order (v2 appends its consensus fields after them). */
function writeHeaderFields(w: CanonicalWriter, h: BlockHeaderFields): CanonicalWriter {
  return w
    .u16(h.version)
    .u8(h.kind)
    .u64(h.height)
    .raw(h.prevHash, 32)
    .u64(h.timestampMs)
    .u32(h.producer)
    .raw(h.txRoot, 32)
    .u32(h.txCount)
    .u32(h.cdrCount);
}

function canonicalHeaderV2(h: BlockHeaderFields): Uint8Array {
  const c = h.consensus;
  if (c === undefined) throw new RangeError('a version 2 header needs its consensus fields');
  return writeHeaderFields(new CanonicalWriter(CANONICAL_HEADER_V2_BYTES).tag(HEADER_V2_TAG), h)
    .u32(c.round)
    .raw(c.seed, BLS_SIGNATURE_LENGTH)
    .raw(c.stateRoot, 32)
    .raw(c.forkProofsRoot, 32)
    .raw(c.validatorsHash, 32)
    .finish();
}

/**
 * Parses a v2 canonical header (as fork proofs carry them). Untrusted bytes: exact length, tag,
 * version and kind are checked; everything else is fixed-width.
 */
export function decodeCanonicalHeaderV2(bytes: Uint8Array): BlockHeaderFields {
  if (bytes.length !== CANONICAL_HEADER_V2_BYTES) throw new MalformedFrameError(`a canonical v2 header is ${CANONICAL_HEADER_V2_BYTES} bytes, got ${bytes.length}`);
  for (let i = 0; i < 16; i++) if (bytes[i] !== HEADER_V2_TAG.charCodeAt(i)) throw new MalformedFrameError('canonical header tag is not v2');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = v.getUint16(16);
  if (version !== BLOCK_VERSION_CONSENSUS) throw new UnsupportedVersionError('canonical block header', version);
  const kind = v.getUint8(18);
  if (kind > BlockKind.Skip) throw new MalformedFrameError(`block kind ${kind}`);
  const at = (offset: number, length: number) => bytes.slice(offset, offset + length);
  return {
    version,
    kind,
    height: v.getBigUint64(19),
    prevHash: at(27, 32),
    timestampMs: v.getBigUint64(59),
    producer: v.getUint32(67),
    txRoot: at(71, 32),
    txCount: v.getUint32(103),
    cdrCount: v.getUint32(107),
    consensus: {
      round: v.getUint32(111),
      seed: at(115, BLS_SIGNATURE_LENGTH),
      stateRoot: at(211, 32),
      forkProofsRoot: at(243, 32),
      validatorsHash: at(275, 32),
    },
  };
}

/** SHA-256 over records (fork proofs, validators); 32 zero bytes when there are none. */
export function recordsRoot(records: Uint8Array): Uint8Array {
  return records.length === 0 ? new Uint8Array(32) : sha256(records);
}

export function blockHash(h: BlockHeaderFields): Uint8Array {
  return sha256(canonicalBlockHeader(h));
}

/** A block frame; `extras` only with a v2 header (the decoder checks fork proofs and validators against its roots). */
export function encodeBlock(header: BlockHeaderFields, txHashes: Uint8Array, extras: BlockExtras = {}): Uint8Array {
  const builder = new Builder(txHashes.length + (extras.forkProofs?.length ?? 0) + (extras.validators?.length ?? 0) + 768);
  const hashesOffset = createStructVector(builder, txHashes, 32);
  const extraOffsets = writeExtras(builder, header, extras);
  const headerOffset = writeHeader(builder, header);
  Block.startBlock(builder);
  Block.addHeader(builder, headerOffset);
  Block.addTxHashes(builder, hashesOffset);
  addExtras(builder, extraOffsets);
  Block.finishBlockBuffer(builder, Block.endBlock(builder));
  return builder.asUint8Array();
}

interface ExtraOffsets {
  readonly justification?: number;
  readonly forkProofs?: number;
  readonly validators?: number;
}

function writeExtras(builder: Builder, header: BlockHeaderFields, extras: BlockExtras): ExtraOffsets {
  const { justification, forkProofs, validators } = extras;
  if (header.version !== BLOCK_VERSION_CONSENSUS && (justification || forkProofs?.length || validators?.length)) {
    throw new RangeError(`a version ${header.version} block carries no justification, fork proofs or validators`);
  }
  const out: { justification?: number; forkProofs?: number; validators?: number } = {};
  if (forkProofs && forkProofs.length > 0) out.forkProofs = createStructVector(builder, forkProofs, FORK_PROOF_RECORD_BYTES);
  if (validators && validators.length > 0) out.validators = createStructVector(builder, validators, VALIDATOR_RECORD_BYTES);
  if (justification) {
    if (justification.signature.length !== BLS_SIGNATURE_LENGTH) throw new RangeError(`a justification signature is ${BLS_SIGNATURE_LENGTH} bytes`);
    const sig = builder.createByteVector(justification.signature);
    const signers = justification.signers.length > 0 ? builder.createByteVector(justification.signers) : 0;
    Justification.startJustification(builder);
    Justification.addRound(builder, justification.round);
    Justification.addSignature(builder, sig);
    if (signers) Justification.addSigners(builder, signers);
    out.justification = Justification.endJustification(builder);
  }
  return out;
}

function addExtras(builder: Builder, o: ExtraOffsets): void {
  if (o.justification !== undefined) Block.addJustification(builder, o.justification);
  if (o.forkProofs !== undefined) Block.addForkProofs(builder, o.forkProofs);
  if (o.validators !== undefined) Block.addValidators(builder, o.validators);
}

/** A fixed-size struct field written in place (see addHash). */
function addFixed(builder: Builder, add: (b: Builder, offset: number) => void, bytes: Uint8Array, size: number): void {
  if (bytes.length !== size) throw new RangeError(`expected ${size} bytes, got ${bytes.length}`);
  builder.prep(1, size);
  for (let i = size - 1; i >= 0; i--) builder.writeInt8(bytes[i]!);
  add(builder, builder.offset());
}

function writeHeader(builder: Builder, header: BlockHeaderFields): number {
  BlockHeader.startBlockHeader(builder);
  BlockHeader.addVersion(builder, header.version);
  BlockHeader.addKind(builder, header.kind);
  BlockHeader.addHeight(builder, header.height);
  addHash(builder, BlockHeader.addPrevHash, header.prevHash);
  BlockHeader.addTimestampMs(builder, header.timestampMs);
  BlockHeader.addProducer(builder, header.producer);
  addHash(builder, BlockHeader.addTxRoot, header.txRoot);
  BlockHeader.addTxCount(builder, header.txCount);
  BlockHeader.addCdrCount(builder, header.cdrCount);
  const c = header.consensus;
  if (c !== undefined) {
    if (header.version !== BLOCK_VERSION_CONSENSUS) throw new RangeError(`a version ${header.version} header carries consensus fields`);
    BlockHeader.addRound(builder, c.round);
    addFixed(builder, BlockHeader.addSeed, c.seed, BLS_SIGNATURE_LENGTH);
    addHash(builder, BlockHeader.addStateRoot, c.stateRoot);
    addHash(builder, BlockHeader.addForkProofsRoot, c.forkProofsRoot);
    addHash(builder, BlockHeader.addValidatorsHash, c.validatorsHash);
  }
  return BlockHeader.endBlockHeader(builder);
}

/**
 * The header of a block alone, marked as pruned (PRUNED_BLOCK_FILE_IDENTIFIER). A v2 block may keep
 * its justification (so finality stays checkable); fork proofs and validators are body and go.
 */
export function encodePrunedBlock(header: BlockHeaderFields, justification?: BlockJustification): Uint8Array {
  const builder = new Builder(768);
  const extraOffsets = writeExtras(builder, header, justification ? { justification } : {});
  const headerOffset = writeHeader(builder, header);
  Block.startBlock(builder);
  Block.addHeader(builder, headerOffset);
  addExtras(builder, extraOffsets);
  builder.finish(Block.endBlock(builder), PRUNED_BLOCK_FILE_IDENTIFIER);
  return builder.asUint8Array();
}

export function decodeBlock(bytes: Uint8Array): DecodedBlock {
  const bodyPruned = isPrunedBlock(bytes);
  verifyRoot(bytes, BLOCK_SPEC, bodyPruned ? PRUNED_BLOCK_FILE_IDENTIFIER : BLOCK_FILE_IDENTIFIER);
  const bb = new ByteBuffer(bytes);
  const block = Block.getRootAsBlock(bb);
  const h = block.header()!;
  const version = h.version();
  if (version !== BLOCK_VERSION && version !== BLOCK_VERSION_CONSENSUS) throw new UnsupportedVersionError('block', version);
  const v1: BlockHeaderFields = {
    version: h.version(),
    kind: h.kind(),
    height: h.height(),
    prevHash: structBytes(bb, h.bb_pos, 10),
    timestampMs: h.timestampMs(),
    producer: h.producer(),
    txRoot: structBytes(bb, h.bb_pos, 16),
    txCount: h.txCount(),
    cdrCount: h.cdrCount(),
  };
  const txHashes = vectorBytes(bb, block.bb_pos, 6, 32);
  if (version === BLOCK_VERSION) {
    // Version 1 has none of the v2 fields: a v1 frame that carries them is not one this node wrote.
    for (const vt of [22, 24, 26, 28, 30]) if (bb.__offset(h.bb_pos, vt) !== 0) throw new MalformedFrameError('a version 1 header carries version 2 fields');
    for (const vt of [8, 10, 12]) if (bb.__offset(block.bb_pos, vt) !== 0) throw new MalformedFrameError('a version 1 block carries version 2 fields');
    return finishV1(v1, txHashes, bodyPruned);
  }
  // Version 2: every consensus field present (the hash covers them all).
  for (const vt of [24, 26, 28, 30]) {
    if (bb.__offset(h.bb_pos, vt) === 0) throw new UnsupportedVersionError('block (version 2 without its consensus fields)', version);
  }
  const header: BlockHeaderFields = {
    ...v1,
    consensus: {
      round: h.round(),
      seed: structBytes(bb, h.bb_pos, 24, BLS_SIGNATURE_LENGTH),
      stateRoot: structBytes(bb, h.bb_pos, 26),
      forkProofsRoot: structBytes(bb, h.bb_pos, 28),
      validatorsHash: structBytes(bb, h.bb_pos, 30),
    },
  };
  const justification = readJustification(bb, block.bb_pos);
  const forkProofs = vectorBytes(bb, block.bb_pos, 10, FORK_PROOF_RECORD_BYTES);
  const validators = vectorBytes(bb, block.bb_pos, 12, VALIDATOR_RECORD_BYTES);
  if (bodyPruned) {
    if (txHashes.length !== 0 || forkProofs.length !== 0 || validators.length !== 0) throw new MalformedFrameError('a pruned block carries a body');
    return { header, txHashes, bodyPruned, justification, forkProofs, validators };
  }
  if (txHashes.length !== header.txCount * 32) {
    throw new MalformedFrameError(`block header says ${header.txCount} transactions, block lists ${txHashes.length / 32}`);
  }
  if (!equalBytes(recordsRoot(forkProofs), header.consensus!.forkProofsRoot)) throw new MalformedFrameError('fork proofs do not match the header\'s fork_proofs_root');
  if (!equalBytes(recordsRoot(validators), header.consensus!.validatorsHash)) throw new MalformedFrameError('validators do not match the header\'s validators_hash');
  return { header, txHashes, bodyPruned, justification, forkProofs, validators };
}

function finishV1(header: BlockHeaderFields, txHashes: Uint8Array, bodyPruned: boolean): DecodedBlock {
  if (bodyPruned) {
    if (txHashes.length !== 0) throw new MalformedFrameError('a pruned block carries transaction ids');
    return { header, txHashes, bodyPruned };
  }
  if (txHashes.length !== header.txCount * 32) {
    throw new MalformedFrameError(`block header says ${header.txCount} transactions, block lists ${txHashes.length / 32}`);
  }
  return { header, txHashes, bodyPruned };
}

function readJustification(bb: ByteBuffer, blockPos: number): BlockJustification | undefined {
  const off = bb.__offset(blockPos, 8);
  if (off === 0) return undefined;
  const pos = bb.__indirect(blockPos + off);
  const j = new Justification().__init(pos, bb);
  const signature = vectorBytes(bb, pos, 6, 1);
  if (signature.length !== BLS_SIGNATURE_LENGTH) throw new MalformedFrameError(`a justification signature is ${BLS_SIGNATURE_LENGTH} bytes, got ${signature.length}`);
  return { round: j.round(), signature, signers: vectorBytes(bb, pos, 8, 1) };
}

function isPrunedBlock(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 4; i++) if (bytes[4 + i] !== PRUNED_BLOCK_FILE_IDENTIFIER.charCodeAt(i)) return false;
  return true;
}
