import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type Key, type RootDatabase } from 'lmdb';
import { isLmdbCommitFailure, StorageWriteError } from './storage-errors.js';

/** 1 TiB of virtual address space for the memory map; the file grows only as data is written. */
const MAP_SIZE_BYTES = 2 ** 40;

/**
 * One LMDB environment, named databases behind small store interfaces. Everything a block changes
 * is written inside one `transaction`, so a crash never leaves a half-applied block.
 */
export class StorageEnv {
  /** Files kept beside LMDB (transaction bodies): probed with it, closed before it. */
  private readonly companions: StorageCompanion[] = [];

  private constructor(
    readonly path: string,
    readonly root: RootDatabase,
  ) {}

  /** Registers files written beside LMDB: `probeWritable` probes them too, `close` closes them first. */
  attach(companion: StorageCompanion): void {
    this.companions.push(companion);
  }

  static open(path: string): StorageEnv {
    mkdirSync(path, { recursive: true });
    const root = open({
      path,
      maxDbs: 32,
      // Writes in the same event turn share one commit; the node groups its own writes explicitly.
      commitDelay: 0,
      // An acknowledged write must survive a power loss: the commit promise resolves only after
      // LMDB's fsync. lmdb-js turns overlappingSync on by default on Linux, which resolves at commit
      // and flushes later. Transactions queued while one commits are written together in the next
      // commit, so many batches share one flush (group commit). bench/micro/lmdb-durability.bench.ts
      // measures the cost.
      overlappingSync: false,
      // The node writes only in explicit transactions. lmdb-js' event-turn batching wraps them in a
      // batch whose commit promise nobody can handle: on a failed commit (disk full) it becomes an
      // unhandled rejection, fatal in Node 20. Off, a failed commit rejects only the caller's promise
      // (and throughput is no worse: bench/micro/lmdb-durability.bench.ts, mode d vs c).
      eventTurnBatching: false,
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

  /**
   * Runs `writes` atomically; resolves once committed and flushed to disk (fsync). A failed write
   * rejects with StorageWriteError carrying the operating system's reason; nothing of it is on disk.
   */
  async transaction<T>(writes: () => T): Promise<T> {
    try {
      return await this.root.transaction(writes);
    } catch (err) {
      throw await storageWriteError(err);
    }
  }

  /** A tiny durable write (and one to each companion's files): succeeds only if the data directory is writable again. */
  async probeWritable(): Promise<void> {
    await this.transaction(() => {
      void this.root.put('storage-probe', Date.now());
    });
    for (const c of this.companions) await c.probeWritable();
  }

  /** Size of LMDB's data file on disk, in bytes (companion files not included). */
  sizeBytes(): number {
    try {
      return statSync(join(this.path, 'data.mdb')).size;
    } catch {
      return 0;
    }
  }

  async close(): Promise<void> {
    for (const c of this.companions.splice(0)) await c.close();
    await this.root.close();
  }
}

/** Files kept beside the LMDB environment that share its life (src/storage/tx-body-store.ts). */
export interface StorageCompanion {
  probeWritable(): Promise<void>;
  close(): Promise<void>;
}

/**
 * lmdb-js reports a failed commit as "Commit failed" with the operating system's error behind a
 * second promise (`commitError`), which would surface as an unhandled rejection if left alone.
 */
async function storageWriteError(err: unknown): Promise<StorageWriteError> {
  if (!isLmdbCommitFailure(err)) {
    const code = errnoOf(err);
    return new StorageWriteError(`storage write failed: ${err instanceof Error ? err.message : String(err)}`, code, { cause: err });
  }
  const cause: unknown = await err.commitError.then(
    () => undefined,
    (e: unknown) => e,
  );
  const detail = cause instanceof Error ? cause.message : 'unknown reason';
  return new StorageWriteError(`storage write failed: ${detail}`, errnoOf(cause), { cause: cause ?? err });
}

function errnoOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}
