import type { Database } from 'lmdb';
import type { StorageEnv } from './env.js';

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

/**
 * Blocks by height, a block-hash index, transactions by hash (stored once, at admission), and where
 * each committed transaction sits. Heights are uint32 keys: 2^32 blocks at 10 blocks/s is 13 years.
 */
export class ChainStore {
  private readonly blocks: Database<Buffer, number>;
  private readonly blockIndex: Database<Buffer, Uint8Array>;
  private readonly txs: Database<Buffer, Uint8Array>;
  private readonly txLocations: Database<Buffer, Uint8Array>;
  private readonly meta: Database<{ height: number; hash: Uint8Array; cdrCount: number }, string>;

  constructor(private readonly env: StorageEnv) {
    this.blocks = env.uint32Db('blocks');
    this.blockIndex = env.hashDb('block-index');
    this.txs = env.hashDb('txs');
    this.txLocations = env.hashDb('tx-locations');
    this.meta = env.structuredDb('chain-meta');
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

  tx(hash: Uint8Array): Uint8Array | undefined {
    return this.txs.getBinary(hash);
  }

  txLocation(hash: Uint8Array): TxLocation | undefined {
    const v = this.txLocations.getBinary(hash);
    return v ? { height: v.readUInt32BE(0), index: v.readUInt32BE(4) } : undefined;
  }

  /** Every stored transaction, committed or pending, in key order. */
  *allTxs(): Generator<{ hash: Uint8Array; bytes: Uint8Array }> {
    for (const { key, value } of this.txs.getRange({})) {
      yield { hash: key, bytes: value };
    }
  }

  /** Blocks from `fromHeight` downwards, newest first. */
  *blocksDescending(fromHeight: number, limit: number): Generator<{ height: number; bytes: Uint8Array }> {
    for (const { key, value } of this.blocks.getRange({ start: fromHeight, reverse: true, limit })) {
      yield { height: key, bytes: value };
    }
  }

  // Writes. `putTx` stands alone (admission); the rest run inside the block's transaction.

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

  /** Replaces a stored transaction by its pruned stub (same key: lookups by id still find it). */
  replaceTx(hash: Uint8Array, bytes: Uint8Array): void {
    void this.txs.put(hash, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
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
}
