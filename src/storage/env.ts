import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type Key, type RootDatabase } from 'lmdb';

/** 1 TiB of virtual address space for the memory map; the file grows only as data is written. */
const MAP_SIZE_BYTES = 2 ** 40;

/**
 * One LMDB environment, named databases behind small store interfaces. Everything a block changes
 * is written inside one `transaction`, so a crash never leaves a half-applied block.
 */
export class StorageEnv {
  private constructor(
    readonly path: string,
    readonly root: RootDatabase,
  ) {}

  static open(path: string): StorageEnv {
    mkdirSync(path, { recursive: true });
    const root = open({
      path,
      maxDbs: 16,
      // Writes in the same event turn share one commit; the node groups its own writes explicitly.
      commitDelay: 0,
      // Values are our own binary encodings; LMDB compression costs 2-5× write speed here.
      compression: false,
      // Reserve address space (not disk) up front: lmdb-js otherwise starts at 128 KiB and remaps
      // as the file grows, and a remap stalls every writer behind it.
      mapSize: MAP_SIZE_BYTES,
    });
    return new StorageEnv(path, root);
  }

  /** A database of raw byte values keyed by uint32 (heights, PLMN ids, counters). */
  uint32Db(name: string): Database<Buffer, number> {
    return this.root.openDB<Buffer, number>({ name, encoding: 'binary', keyEncoding: 'uint32' });
  }

  /** A database of raw byte values keyed by bytes (hashes). */
  hashDb(name: string): Database<Buffer, Uint8Array> {
    return this.root.openDB<Buffer, Uint8Array>({ name, encoding: 'binary', keyEncoding: 'binary' });
  }

  structuredDb<V, K extends Key = string>(name: string): Database<V, K> {
    return this.root.openDB<V, K>({ name, encoding: 'msgpack', keyEncoding: 'ordered-binary' });
  }

  /** Runs `writes` atomically; resolves once committed and flushed to disk. */
  transaction<T>(writes: () => T): Promise<T> {
    return this.root.transaction(writes);
  }

  /** Size of the data file on disk, in bytes. */
  sizeBytes(): number {
    try {
      return statSync(join(this.path, 'data.mdb')).size;
    } catch {
      return 0;
    }
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
