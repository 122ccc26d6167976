import { BATCH_FILE_IDENTIFIER, decodeBatch } from '../codec/batch.js';
import { decodeBlock } from '../codec/block.js';
import { isPrunedBatch } from '../codec/pruned-batch.js';
import type { IndexBatch, IndexBlock, IndexChunk } from './index-chunk.js';

/** What the index reads of the committed chain (Chain: `blockFrame`, `txFrame`). */
export interface CommittedBlocks {
  /** The committed block at `height` (its frame), or undefined above the head. */
  blockFrame(height: number): Uint8Array | undefined;
  /** A stored transaction's frame. */
  txFrame(id: Uint8Array): Uint8Array | undefined;
}

export interface ChunkLimits {
  /** Stop adding blocks once the chunk holds this many records (one block is never split). */
  readonly maxRecords: number;
  readonly maxBlocks: number;
}

/**
 * Reads committed blocks `from..to` (inclusive, stopping early at the limits) into one chunk for
 * the index worker: batch headers and their public records copied into one buffer (one copy per
 * batch, no per-record work on this thread). Contract transactions carry no records and are
 * skipped; pruned batches and pruned block bodies are counted as unreadable.
 */
export function readIndexChunk(chain: CommittedBlocks, from: number, to: number, limits: ChunkLimits): IndexChunk {
  const parts: { batch: IndexBatch; records: Uint8Array }[] = [];
  const blocks: IndexBlock[] = [];
  let bytes = 0;
  let records = 0;
  for (let height = from; height <= to && blocks.length < limits.maxBlocks && (blocks.length === 0 || records < limits.maxRecords); height++) {
    const frame = chain.blockFrame(height);
    if (!frame) break;
    const block = decodeBlock(frame);
    const batches: IndexBatch[] = [];
    let unreadable = block.bodyPruned ? block.header.txCount : 0;
    for (let at = 0; at < block.txHashes.length; at += 32) {
      const id = Uint8Array.from(block.txHashes.subarray(at, at + 32));
      const tx = chain.txFrame(id);
      if (!tx || isPrunedBatch(tx)) {
        unreadable++;
        continue;
      }
      if (!isBatchFrame(tx)) continue;
      const { header, records: recs } = decodeBatch(tx);
      const batch: IndexBatch = { id, submitter: header.submitter, counterparty: header.counterparty, periodStart: header.periodStart, offset: bytes, count: header.recordCount };
      parts.push({ batch, records: recs });
      batches.push(batch);
      bytes += recs.length;
      records += header.recordCount;
    }
    blocks.push({ height, timestampMs: block.header.timestampMs, batches, unreadable });
  }
  const buffer = new Uint8Array(bytes);
  for (const p of parts) buffer.set(p.records, p.batch.offset);
  return { blocks, records: buffer };
}

function isBatchFrame(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 4; i++) if (bytes[4 + i] !== BATCH_FILE_IDENTIFIER.charCodeAt(i)) return false;
  return true;
}
