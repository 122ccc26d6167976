import { performance } from 'node:perf_hooks';
import { decodeBatch } from '../../codec/batch.js';
import { decodeBlock, encodePrunedBlock, type BlockHeaderFields } from '../../codec/block.js';
import { isContractTxFrame } from '../../codec/contract-tx.js';
import { encodePrunedBatch, isPrunedBatch } from '../../codec/pruned-batch.js';
import { sha256MerkleProofs, type Sha256MerkleStep } from '../../crypto/hash.js';
import type { Stores } from '../../storage/index.js';
import { RetentionStore, type PruneProgress } from '../../storage/retention-store.js';
import type { RecordsStillRead } from './records-still-read.js';
import type { Retention, RetentionPolicy } from './retention-policy.js';

const DAY_MS = 86_400_000;
/** LMDB key and value of one transaction location (hash → height, index). */
const TX_LOCATION_BYTES = 32 + 8;

export interface PruneLimits {
  /** Batches stubbed per LMDB transaction: each transaction holds the writer (and a block commit) this long. */
  readonly batchesPerChunk: number;
  /** Bytes of batch frames pruned per LMDB transaction: ~20 ms of main thread per 8 MiB measured here. */
  readonly bytesPerChunk: number;
  /** Block bodies pruned per LMDB transaction, counted in the transactions they list. */
  readonly txsPerBlockChunk: number;
}

export const DEFAULT_PRUNE_LIMITS: PruneLimits = { batchesPerChunk: 256, bytesPerChunk: 8 * 1024 * 1024, txsPerBlockChunk: 4_096 };

/** What one chunk (or one run) pruned. */
export interface PruneTally {
  batches: number;
  records: number;
  /** Bytes removed less bytes written instead (stubs, header-only blocks). */
  bytes: number;
  blockBodies: number;
  txLocations: number;
  /** Body segment files deleted because every body in them was pruned, and their bytes. */
  bodySegmentsDeleted: number;
  bodyBytesDeleted: number;
  /** Sealed sections (encrypted payloads and their wraps) removed from the private store. */
  sealedSections: number;
}

const NO_TALLY: Readonly<PruneTally> = { batches: 0, records: 0, bytes: 0, blockBodies: 0, txLocations: 0, bodySegmentsDeleted: 0, bodyBytesDeleted: 0, sealedSections: 0 };

/** Why records pruning stopped short of what the policy allows. */
export interface PruneStop {
  readonly height: number;
  readonly batch: string;
  readonly reason: string;
}

export interface PruneReport {
  readonly dryRun: boolean;
  readonly pruned: PruneTally;
  /** Heights whose records (and block bodies) are pruned after this run. */
  readonly recordsHeight: number;
  readonly blocksHeight: number;
  readonly chunks: number;
  /** Longest time one chunk's transaction held the LMDB writer (and the event loop): what ingest may wait. */
  readonly longestChunkMs: number;
  readonly stoppedAt?: PruneStop;
  /** Totals since the data directory began, after this run (unchanged by a dry run). */
  readonly totals: PruneProgress;
  /** Encrypted payloads (the private store's sealed sections): the height pruned through. */
  readonly payloadsHeight: number;
}

export interface PrunerOptions {
  readonly limits?: Partial<PruneLimits>;
  /** The clock "keep N days" counts from (block timestamps are wall-clock milliseconds). */
  readonly now?: () => number;
  /** After every chunk that wrote: metrics. */
  readonly onChunk?: (tally: Readonly<PruneTally>) => void;
}

export interface PruneRun {
  readonly dryRun?: boolean;
  /** Pause between chunks so other writers (ingest, block commits) get the writer lock. */
  readonly pauseMs?: number;
  /** Checked between chunks: a stopping node ends the run after the chunk in progress. */
  readonly shouldStop?: () => boolean;
  /** Which batches a restart still reads whole (taken at the start of the run: it only ever frees more). */
  readonly stillRead: RecordsStillRead;
}

/**
 * Applies a retention policy to a data directory in bounded chunks, oldest blocks first. Each chunk
 * is one LMDB transaction that stubs a few hundred batches (or drops a few thousand transaction ids)
 * and advances the persisted cursor with them, so a run stopped anywhere resumes where it was and a
 * run repeated changes nothing. After each chunk, body segment files whose every batch is now a stub
 * are deleted (ChainStore.sweepBodySegments). Never touched: block headers, batch headers and signatures,
 * nullifiers, contract transactions and receipts, pending batches, and any batch whose records a
 * restart still reads (`RecordsStillRead`).
 */
export class Pruner {
  private readonly limits: PruneLimits;
  private readonly store: RetentionStore;
  private readonly now: () => number;

  constructor(
    private readonly stores: Stores,
    private readonly policy: RetentionPolicy,
    private readonly opts: PrunerOptions = {},
  ) {
    this.limits = { ...DEFAULT_PRUNE_LIMITS, ...opts.limits };
    if (!(this.limits.batchesPerChunk >= 1 && this.limits.bytesPerChunk >= 1 && this.limits.txsPerBlockChunk >= 1)) throw new RangeError('prune chunk limits must be at least 1');
    this.store = new RetentionStore(stores.env);
    this.now = opts.now ?? Date.now;
  }

  progress(): PruneProgress {
    return this.store.progress();
  }

  async run(run: PruneRun): Promise<PruneReport> {
    const dryRun = run.dryRun ?? false;
    const pruned: PruneTally = { ...NO_TALLY };
    // A dry run walks a private copy of the cursor and writes nothing.
    let cursor = this.store.progress();
    let chunks = 0;
    let longestChunkMs = 0;
    let stoppedAt: PruneStop | undefined;
    const nowMs = this.now();
    const step = async (work: (c: PruneProgress, tally: PruneTally) => { next: PruneProgress; done: boolean; stop?: PruneStop }): Promise<boolean> => {
      const tally: PruneTally = { ...NO_TALLY };
      let result: { next: PruneProgress; done: boolean; stop?: PruneStop };
      if (dryRun) {
        result = work(cursor, tally);
      } else {
        result = await this.stores.env.transaction(() => {
          const started = performance.now();
          // Re-read inside the transaction: another process (or run) may have moved the cursor.
          const r = work(this.store.progress(), tally);
          longestChunkMs = Math.max(longestChunkMs, performance.now() - started);
          const p = r.next;
          this.store.writeProgress({
            ...p,
            batches: p.batches + tally.batches,
            records: p.records + tally.records,
            bytes: p.bytes + tally.bytes,
            blockBodies: p.blockBodies + tally.blockBodies,
            sealedSections: (p.sealedSections ?? 0) + tally.sealedSections,
          });
          return r;
        });
        // Once the stubs are committed: delete the body files nothing points into any more.
        const swept = await this.stores.chain.sweepBodySegments();
        tally.bodySegmentsDeleted += swept.segments;
        tally.bodyBytesDeleted += swept.bytes;
        if (tally.batches > 0 || tally.blockBodies > 0 || tally.sealedSections > 0 || swept.segments > 0) this.opts.onChunk?.(tally);
      }
      cursor = dryRun ? result.next : this.store.progress();
      for (const k of Object.keys(tally) as (keyof PruneTally)[]) pruned[k] += tally[k];
      chunks++;
      if (result.stop) stoppedAt = result.stop;
      if (result.done || run.shouldStop?.()) return false;
      if (run.pauseMs) await new Promise((r) => setTimeout(r, run.pauseMs));
      else await new Promise((r) => setImmediate(r));
      return true;
    };

    if (this.policy.records.keep !== 'forever') {
      while (await step((c, t) => this.recordsChunk(c, t, nowMs, dryRun, run.stillRead)));
    }
    if (this.policy.payloads.keep !== 'forever' && !run.shouldStop?.()) {
      while (await step((c, t) => this.payloadsChunk(c, t, nowMs, dryRun)));
    }
    if (this.policy.blocks.keep !== 'forever' && !run.shouldStop?.()) {
      while (await step((c, t) => this.blocksChunk(c, t, nowMs, dryRun)));
    }
    return {
      dryRun, pruned, chunks, longestChunkMs: Math.round(longestChunkMs * 10) / 10,
      recordsHeight: cursor.recordsHeight,
      blocksHeight: cursor.blocksHeight,
      ...(stoppedAt ? { stoppedAt } : {}),
      totals: this.store.progress(),
      payloadsHeight: cursor.payloadsHeight ?? 0,
    };
  }

  /** Stubs the batches of the next eligible blocks, at most `batchesPerChunk`; resumes mid-block (stubs are skipped). */
  private recordsChunk(c: PruneProgress, tally: PruneTally, nowMs: number, dryRun: boolean, stillRead: RecordsStillRead): { next: PruneProgress; done: boolean; stop?: PruneStop } {
    const { chain } = this.stores;
    const head = chain.head();
    if (!head) return { next: c, done: true };
    let height = c.recordsHeight;
    let frameBytes = 0;
    const full = () => tally.batches >= this.limits.batchesPerChunk || frameBytes >= this.limits.bytesPerChunk;
    for (const { height: h, bytes: blockBytes } of chain.blocksAscending(c.recordsHeight + 1, Number.MAX_SAFE_INTEGER)) {
      const block = decodeBlock(blockBytes);
      if (!eligible(this.policy.records, block.header, head.height, nowMs)) return { next: { ...c, recordsHeight: height }, done: true };
      // A body already pruned had every batch stubbed first (blocks never pass records).
      const ids = block.bodyPruned ? [] : splitIds(block.txHashes);
      let paths: Sha256MerkleStep[][] | undefined; // every path of the block in one pass, when first needed
      for (let index = 0; index < ids.length; index++) {
        const id = ids[index]!;
        const bytes = chain.tx(id);
        if (!bytes || isContractTxFrame(bytes) || isPrunedBatch(bytes)) continue;
        // A chunk may end mid-block: the next one skips what is stubbed. A dry run stubs nothing, so it ends chunks at block ends.
        if (!dryRun && full()) return { next: { ...c, recordsHeight: height }, done: false };
        // Committed batches are never pending (a block removes its batches from the pending set in
        // its own transaction); the location check holds that line even against a damaged directory.
        const loc = chain.txLocation(id);
        if (!loc || loc.height !== h) {
          return { next: { ...c, recordsHeight: height }, done: true, stop: { height: h, batch: hex(id), reason: 'batch has no committed location here (pending?)' } };
        }
        const still = stillRead.reason(id, h, index);
        if (still !== undefined) return { next: { ...c, recordsHeight: height }, done: true, stop: { height: h, batch: hex(id), reason: still } };
        const batch = decodeBatch(bytes);
        const stub = encodePrunedBatch({
          header: batch.header,
          signature: batch.signature,
          frameBytes: bytes.length,
          prunedAtMs: BigInt(nowMs),
          height: h,
          index,
          txPath: (paths ??= sha256MerkleProofs(ids))[index]!,
        });
        tally.batches++;
        frameBytes += bytes.length;
        tally.records += batch.header.recordCount;
        tally.bytes += bytes.length - stub.length;
        if (!dryRun) chain.replaceTx(id, stub);
      }
      height = h;
      if (full()) return { next: { ...c, recordsHeight: height }, done: false };
    }
    return { next: { ...c, recordsHeight: height }, done: true };
  }

  /**
   * Removes the sealed sections of the batches in the next eligible blocks from the private store
   * (the `payloads` kind). Independent of records: a batch's public records may outlive its
   * ciphertexts or the other way round. Reads each block's id list, so block bodies wait for it.
   */
  private payloadsChunk(c: PruneProgress, tally: PruneTally, nowMs: number, dryRun: boolean): { next: PruneProgress; done: boolean } {
    const { chain, sealed } = this.stores;
    const head = chain.head();
    if (!head) return { next: c, done: true };
    let height = c.payloadsHeight ?? 0;
    for (const { height: h, bytes: blockBytes } of chain.blocksAscending(height + 1, Number.MAX_SAFE_INTEGER)) {
      const block = decodeBlock(blockBytes);
      if (!eligible(this.policy.payloads, block.header, head.height, nowMs)) break;
      for (const id of block.bodyPruned ? [] : splitIds(block.txHashes)) {
        if (!sealed.has(id)) continue;
        tally.sealedSections++;
        tally.bytes += dryRun ? (sealed.get(id)?.length ?? 0) : sealed.remove(id, nowMs);
      }
      height = h;
      if (tally.sealedSections >= this.limits.batchesPerChunk) return { next: { ...c, payloadsHeight: height }, done: false };
    }
    return { next: { ...c, payloadsHeight: height }, done: true };
  }

  /** Replaces the next eligible block bodies by their headers; never past the records cursor (nor the payloads cursor, when payloads are pruned). */
  private blocksChunk(c: PruneProgress, tally: PruneTally, nowMs: number, dryRun: boolean): { next: PruneProgress; done: boolean } {
    const { chain } = this.stores;
    const head = chain.head();
    if (!head) return { next: c, done: true };
    let height = c.blocksHeight;
    let txs = 0;
    for (const { height: h, bytes: blockBytes } of chain.blocksAscending(c.blocksHeight + 1, Number.MAX_SAFE_INTEGER)) {
      if (h > c.recordsHeight) break;
      // A pruned body no longer names its batches: their sealed sections must go first.
      if (this.policy.payloads.keep !== 'forever' && h > (c.payloadsHeight ?? 0)) break;
      const block = decodeBlock(blockBytes);
      if (!eligible(this.policy.blocks, block.header, head.height, nowMs)) break;
      if (!block.bodyPruned) {
        for (const id of splitIds(block.txHashes)) {
          const bytes = chain.tx(id);
          // A stub carries its own location; contract transactions keep theirs. (A dry run stubbed
          // nothing: below its records cursor every batch would be a stub.)
          if (bytes && (isPrunedBatch(bytes) || (dryRun && !isContractTxFrame(bytes)))) {
            tally.txLocations++;
            tally.bytes += TX_LOCATION_BYTES;
            if (!dryRun) chain.removeTxLocation(id);
          }
        }
        const header = encodePrunedBlock(block.header);
        tally.blockBodies++;
        tally.bytes += blockBytes.length - header.length;
        if (!dryRun) chain.replaceBlock(h, header);
      }
      height = h;
      txs += block.header.txCount;
      if (txs >= this.limits.txsPerBlockChunk) return { next: { ...c, blocksHeight: height }, done: false };
    }
    return { next: { ...c, blocksHeight: height }, done: true };
  }
}

/** Whether a block's data of this kind has outlived its retention. The genesis block is never pruned (it has no body). */
function eligible(r: Retention, header: BlockHeaderFields, headHeight: number, nowMs: number): boolean {
  switch (r.keep) {
    case 'forever':
      return false;
    case 'days':
      return header.timestampMs < BigInt(nowMs) - BigInt(r.days) * BigInt(DAY_MS);
    case 'blocks':
      return Number(header.height) <= headHeight - r.blocks;
  }
}

function splitIds(txHashes: Uint8Array): Uint8Array[] {
  const ids: Uint8Array[] = [];
  for (let i = 0; i < txHashes.length; i += 32) ids.push(txHashes.subarray(i, i + 32));
  return ids;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
