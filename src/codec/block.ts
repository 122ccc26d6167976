import { Builder, ByteBuffer } from 'flatbuffers';
import { Block } from './generated/cdrchain/wire/block.js';
import { BlockHeader } from './generated/cdrchain/wire/block-header.js';
import { BlockKind } from './generated/cdrchain/wire/block-kind.js';
import { CanonicalWriter } from './bytes.js';
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
}

export interface DecodedBlock {
  readonly header: BlockHeaderFields;
  /** txCount × 32 bytes; empty when the body was pruned. */
  readonly txHashes: Uint8Array;
  /** Retention pruned the body: the header (and its txRoot) is all that is kept. */
  readonly bodyPruned: boolean;
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
  ],
  required: [3, 6],
};

const BLOCK_SPEC: TableSpec = {
  name: 'Block',
  fields: [
    { index: 0, kind: 'table', table: HEADER_SPEC },
    { index: 1, kind: 'vector', elementSize: 32, maxLength: MAX_BLOCK_TXS },
  ],
  required: [0],
};

const HEADER_TAG = 'cdrchain:block:1'; // 16 bytes
const CANONICAL_BLOCK_HEADER_BYTES = 16 + 2 + 1 + 8 + 32 + 8 + 4 + 32 + 4 + 4;

export function canonicalBlockHeader(h: BlockHeaderFields): Uint8Array {
  return new CanonicalWriter(CANONICAL_BLOCK_HEADER_BYTES)
    .tag(HEADER_TAG)
    .u16(h.version)
    .u8(h.kind)
    .u64(h.height)
    .raw(h.prevHash, 32)
    .u64(h.timestampMs)
    .u32(h.producer)
    .raw(h.txRoot, 32)
    .u32(h.txCount)
    .u32(h.cdrCount)
    .finish();
}

export function blockHash(h: BlockHeaderFields): Uint8Array {
  return sha256(canonicalBlockHeader(h));
}

export function encodeBlock(header: BlockHeaderFields, txHashes: Uint8Array): Uint8Array {
  const builder = new Builder(txHashes.length + 256);
  const hashesOffset = createStructVector(builder, txHashes, 32);
  const headerOffset = writeHeader(builder, header);
  Block.startBlock(builder);
  Block.addHeader(builder, headerOffset);
  Block.addTxHashes(builder, hashesOffset);
  Block.finishBlockBuffer(builder, Block.endBlock(builder));
  return builder.asUint8Array();
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
  return BlockHeader.endBlockHeader(builder);
}

/** The header of a block alone, marked as pruned (PRUNED_BLOCK_FILE_IDENTIFIER). */
export function encodePrunedBlock(header: BlockHeaderFields): Uint8Array {
  const builder = new Builder(256);
  const headerOffset = writeHeader(builder, header);
  Block.startBlock(builder);
  Block.addHeader(builder, headerOffset);
  builder.finish(Block.endBlock(builder), PRUNED_BLOCK_FILE_IDENTIFIER);
  return builder.asUint8Array();
}

export function decodeBlock(bytes: Uint8Array): DecodedBlock {
  const bodyPruned = isPrunedBlock(bytes);
  verifyRoot(bytes, BLOCK_SPEC, bodyPruned ? PRUNED_BLOCK_FILE_IDENTIFIER : BLOCK_FILE_IDENTIFIER);
  const bb = new ByteBuffer(bytes);
  const block = Block.getRootAsBlock(bb);
  const h = block.header()!;
  if (h.version() !== BLOCK_VERSION) throw new UnsupportedVersionError('block', h.version());
  const header: BlockHeaderFields = {
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
  if (bodyPruned) {
    if (txHashes.length !== 0) throw new MalformedFrameError('a pruned block carries transaction ids');
    return { header, txHashes, bodyPruned };
  }
  if (txHashes.length !== header.txCount * 32) {
    throw new MalformedFrameError(`block header says ${header.txCount} transactions, block lists ${txHashes.length / 32}`);
  }
  return { header, txHashes, bodyPruned };
}

function isPrunedBlock(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 4; i++) if (bytes[4 + i] !== PRUNED_BLOCK_FILE_IDENTIFIER.charCodeAt(i)) return false;
  return true;
}
