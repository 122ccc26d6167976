import { join } from 'node:path';
import type { Database } from 'lmdb';
import type { StorageEnv } from './env.js';
import { decodeTxBodyLocation, encodeTxBodyLocation, isTxBodyLocation } from './tx-body-location.js';
import { TxBodySegments, type TxBodySegmentInfo } from './tx-body-segments.js';
import { TxBodyStore, type TxBodyStoreOptions } from './tx-body-store.js';

export interface ChainHead {
  readonly height: number;
  readonly hash: Uint8Array;
  /** CDRs committed up to and including this block: sizes the nullifier set on start. */
  readonly cdrCount: number;
}

export interface TxLocation {
  readonly height: number;
  readonly index: number;
}

/** What one sweep of dead body segments deleted. */
export interface BodySweep {
  readonly segments: number;
  readonly bytes: number;
}

/**
 * Blocks by height, a block-hash index, transactions by hash (stored once, at admission), and where
 * each committed transaction sits. Heights are uint32 keys: 2^32 blocks at 10 blocks/s is 13 years.
 * Batch frames (the bulk: ~128 B per CDR) live in body segment files outside LMDB's memory map
 * (TxBodyStore); `txs` holds their locations (24 B), and small values inline: contract
 * transactions, pruned stubs, and frames stored before body files existed.
 */
export class ChainStore {
  private readonly blocks: Database<Buffer, number>;
  private readonly blockIndex: Database<Buffer, Uint8Array>;
  private readonly txs: Database<Buffer, Uint8Array>;
  private readonly txLocations: Database<Buffer, Uint8Array>;
  private readonly meta: Database<{ height: number; hash: Uint8Array; cdrCount: number }, string>;
  private readonly segments: TxBodySegments;
  private readonly bodies: TxBodyStore;

  constructor(
    private readonly env: StorageEnv,
    bodyOptions: Partial<TxBodyStoreOptions> = {},
  ) {
    this.blocks = env.uint32Db('blocks');
    this.blockIndex = env.hashDb('block-index');
    this.txs = env.hashDb('txs');
    this.txLocations = env.hashDb('tx-locations');
    this.meta = env.structuredDb('chain-meta');
    this.segments = new TxBodySegments(env);
    this.bodies = TxBodyStore.open(join(env.path, 'bodies'), bodyOptions);
    env.attach(this.bodies);
  }

  head(): ChainHead | undefined {
    const h = this.meta.get('head');
    return h ? { height: h.height, hash: new Uint8Array(h.hash), cdrCount: h.cdrCount } : undefined;
  }

  block(height: number): Uint8Array | undefined {
    return this.blocks.getBinary(height);
  }

  heightOf(blockHash: Uint8Array): number | undefined {
    const v = this.blockIndex.getBinary(blockHash);
    return v ? v.readUInt32BE(0) : undefined;
  }

  /** A stored transaction's bytes (a body is read from its segment file with pread). */
  tx(hash: Uint8Array): Uint8Array | undefined {
    return this.resolve(this.txs.getBinary(hash));
  }

  txLocation(hash: Uint8Array): TxLocation | undefined {
    const v = this.txLocations.getBinary(hash);
    return v ? { height: v.readUInt32BE(0), index: v.readUInt32BE(4) } : undefined;
  }

  /** Every stored transaction, committed or pending, in key order. */
  *allTxs(): Generator<{ hash: Uint8Array; bytes: Uint8Array }> {
    for (const { key, value } of this.txs.getRange({})) {
      yield { hash: key, bytes: this.resolve(value)! };
    }
  }

  /**
   * Once, on the node's start, before any append: cuts what a crash left past the last indexed body
   * and deletes body files nothing was indexed in (TxBodyStore.recover). Not for a process that
   * only reads or prunes a directory another process may have open.
   */
  recoverBodies(): { deletedFiles: number; cutBytes: number } {
    return this.bodies.recover(this.segments.all());
  }

  /** The body segment files themselves (their figures; tests). */
  get bodyStore(): TxBodyStore {
    return this.bodies;
  }

  /** Bytes of body segment files on disk (LMDB's own file: `StorageEnv.sizeBytes`). */
  bodyBytes(): number {
    return this.bodies.sizeBytes;
  }

  /** Blocks from `fromHeight` downwards, newest first. */
  *blocksDescending(fromHeight: number, limit: number): Generator<{ height: number; bytes: Uint8Array }> {
    for (const { key, value } of this.blocks.getRange({ start: fromHeight, reverse: true, limit })) {
      yield { height: key, bytes: value };
    }
  }

  // Writes. `appendTx` and `putTx` are admission's; the rest run inside the block's transaction.

  /**
   * Stores a transaction body durably and indexes it: the body is appended to a segment file and
   * flushed (group commit), then one LMDB transaction writes its location, `alongside` (the
   * pending marker, the admission log) and the segment's accounting. Resolves once both are on
   * disk; rejects with StorageWriteError and indexes nothing otherwise (the bytes written are
   * garbage nobody points at, overwritten by the next append when nothing followed them).
   */
  async appendTx(hash: Uint8Array, bytes: Uint8Array, alongside: () => void): Promise<void> {
    const reservation = this.bodies.reserve(bytes.length);
    let indexed = false;
    try {
      await this.bodies.write(reservation, bytes);
      const location = reservation.location;
      await this.env.transaction(() => {
        void this.txs.put(hash, encodeTxBodyLocation(location));
        this.segments.noteIndexed(location);
        alongside();
      });
      indexed = true;
    } finally {
      this.bodies.settle(reservation, indexed);
    }
  }

  /** Stores a small transaction (a contract transaction) inline in LMDB; inside the caller's transaction. */
  putTx(hash: Uint8Array, bytes: Uint8Array): void {
    void this.txs.put(hash, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  }

  writeBlock(head: ChainHead, bytes: Uint8Array, txHashes: readonly Uint8Array[]): void {
    const { height, hash } = head;
    void this.blocks.put(height, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    const h = Buffer.alloc(4);
    h.writeUInt32BE(height);
    void this.blockIndex.put(hash, h);
    txHashes.forEach((txHash, index) => {
      const loc = Buffer.alloc(8);
      loc.writeUInt32BE(height, 0);
      loc.writeUInt32BE(index, 4);
      void this.txLocations.put(txHash, loc);
    });
    void this.meta.put('head', { height, hash: Buffer.from(hash), cdrCount: head.cdrCount });
  }

  // Retention (src/chain/retention/): inside the pruner's transactions only.

  /** Blocks from `fromHeight` upwards, oldest first. */
  *blocksAscending(fromHeight: number, limit: number): Generator<{ height: number; bytes: Uint8Array }> {
    for (const { key, value } of this.blocks.getRange({ start: fromHeight, limit })) {
      yield { height: key, bytes: value };
    }
  }

  /** What the index knows of each body segment file (tests, diagnostics). */
  bodySegments(): TxBodySegmentInfo[] {
    return this.segments.all();
  }

  /**
   * Replaces a stored transaction by its pruned stub (same key: lookups by id still find it), stored
   * inline. A body in a segment file is released there: once nothing in a segment is live,
   * `sweepBodySegments` deletes the file (after this transaction commits).
   */
  replaceTx(hash: Uint8Array, bytes: Uint8Array): void {
    const current = this.txs.getBinary(hash);
    if (current && isTxBodyLocation(current)) this.segments.noteReleased(decodeTxBodyLocation(current));
    void this.txs.put(hash, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  }

  /**
   * Deletes the body segment files nothing points into any more (every body pruned), then forgets
   * them in LMDB; outside any transaction. A crash in between leaves nothing wrong: a file the index
   * no longer knows, or an entry whose file is gone, is cleaned up on the next open or sweep.
   */
  async sweepBodySegments(): Promise<BodySweep> {
    const dead = this.bodies.deletable(this.segments.all());
    if (dead.length === 0) return { segments: 0, bytes: 0 };
    let bytes = 0;
    for (const segment of dead) bytes += this.bodies.delete(segment);
    await this.env.transaction(() => {
      for (const segment of dead) {
        // Re-checked inside the transaction: only an entry still at 0 goes.
        if (this.segments.get(segment)?.liveCount === 0) this.segments.forget(segment);
      }
    });
    return { segments: dead.length, bytes };
  }

  /** Replaces a block by its header-only form. */
  replaceBlock(height: number, bytes: Uint8Array): void {
    void this.blocks.put(height, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  }

  removeTxLocation(hash: Uint8Array): void {
    void this.txLocations.remove(hash);
  }

  get environment(): StorageEnv {
    return this.env;
  }

  private resolve(value: Buffer | undefined): Uint8Array | undefined {
    if (!value || !isTxBodyLocation(value)) return value;
    return this.bodies.read(decodeTxBodyLocation(value));
  }
}
