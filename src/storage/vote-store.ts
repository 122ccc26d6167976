import type { Database } from 'lmdb';
import type { SignedKind, SignedRecord, TendermintLock, VoteStore } from '../consensus/outside-deps.js';
import { StorageEnv } from './env.js';

/** A second, different record for one kind, height, round and slot context: the caller must re-send the first. */
export class VoteAlreadyStoredError extends Error {
  override readonly name = 'VoteAlreadyStoredError';
}

/** A record or lock this store cannot key (outside the bounds below). */
export class VoteStoreKeyError extends Error {
  override readonly name = 'VoteStoreKeyError';
}

/** A slot context is a seed entropy (32 bytes); anything much longer is a caller bug, and LMDB keys are bounded. */
export const MAX_VOTE_CONTEXT_BYTES = 64;

/** Stable on disk: never reorder, only append. */
const KINDS: readonly SignedKind[] = ['micro', 'skip', 'proposal', 'prevote', 'precommit'];

/** The databases a vote store keeps; before store layout 2 they lived in the chain's own environment. */
const RECORDS_DB = 'consensus-votes';
const LOCKS_DB = 'consensus-locks';

/**
 * The consensus core's VoteStore on LMDB (docs/consensus.md §9: persist the vote, then send it).
 * `put` and `putLock` resolve only after LMDB's commit and fsync (`StorageEnv.transaction`), so a
 * validator that crashes after sending still finds what it signed when it restarts.
 *
 * A validator opens it in an LMDB environment of its own (`open`): LMDB has one writer per
 * environment, and in the chain's environment a vote (or the producer's own micro block, persisted
 * before it is sent) would queue behind a macro block's commit of a whole batch of final blocks.
 *
 * Keys start with the height (u64 big-endian), so `prune` is one range scan from the start:
 * records `height ‖ kind u8 ‖ round u32 ‖ context`, locks `height`.
 */
export class LmdbVoteStore implements VoteStore {
  private readonly records: Database<Buffer, Uint8Array>;
  private readonly locks: Database<Buffer, Uint8Array>;

  constructor(private readonly env: StorageEnv) {
    this.records = env.hashDb(RECORDS_DB);
    this.locks = env.hashDb(LOCKS_DB);
  }

  /**
   * The store in its own environment at `path`. Records an older node kept in `legacy` (the chain's
   * environment) move here first, in one durable write, and only then leave it: a restart between
   * the two finds them here, and a validator never forgets what it signed.
   */
  static async open(path: string, legacy?: StorageEnv): Promise<LmdbVoteStore> {
    const env = StorageEnv.open(path);
    const store = new LmdbVoteStore(env);
    try {
      if (legacy) await store.adopt(legacy);
    } catch (err) {
      await env.close();
      throw err;
    }
    return store;
  }

  /** Closes the environment it owns (one opened by `open`). */
  async close(): Promise<void> {
    await this.env.close();
  }

  private async adopt(legacy: StorageEnv): Promise<void> {
    const from = [legacy.hashDb(RECORDS_DB), legacy.hashDb(LOCKS_DB)] as const;
    if (from[0].getKeysCount() === 0 && from[1].getKeysCount() === 0) return;
    const copy = from.map((db) => [...db.getRange()].map(({ key, value }) => [Buffer.from(key), Buffer.from(value)] as const));
    await this.env.transaction(() => {
      for (const [key, value] of copy[0]!) if (!this.records.doesExist(key)) void this.records.put(key, value);
      for (const [key, value] of copy[1]!) if (!this.locks.doesExist(key)) void this.locks.put(key, value);
    });
    await legacy.transaction(() => {
      for (const db of from) for (const k of [...db.getKeys()]) void db.remove(k);
    });
  }

  get(kind: SignedKind, height: number, round: number, context: Uint8Array): SignedRecord | undefined {
    const payload = this.records.get(recordKey(kind, height, round, context));
    return payload === undefined ? undefined : { kind, height, round, context: Uint8Array.from(context), payload: Uint8Array.from(payload) };
  }

  async put(record: SignedRecord, lock?: TendermintLock): Promise<void> {
    const key = recordKey(record.kind, record.height, record.round, record.context);
    const lockEntry = lock === undefined ? undefined : lockEntryOf(lock);
    // Checked inside the write transaction: two puts racing for one key cannot both succeed.
    const stored = await this.env.transaction(() => {
      if (this.records.doesExist(key)) return false;
      void this.records.put(key, Buffer.from(record.payload));
      if (lockEntry) void this.locks.put(lockEntry.key, lockEntry.value);
      return true;
    });
    if (!stored) {
      throw new VoteAlreadyStoredError(`a ${record.kind} for height ${record.height} round ${record.round} is already stored: the caller must re-send it, not sign again`);
    }
  }

  lock(height: number): TendermintLock | undefined {
    const bytes = this.locks.get(heightKey(height));
    return bytes === undefined ? undefined : decodeLock(height, bytes);
  }

  async putLock(lock: TendermintLock): Promise<void> {
    const { key, value } = lockEntryOf(lock);
    await this.env.transaction(() => {
      void this.locks.put(key, value);
    });
  }

  async prune(belowHeight: number): Promise<void> {
    const end = heightKey(belowHeight);
    await this.env.transaction(() => {
      for (const db of [this.records, this.locks]) {
        const doomed = [...db.getKeys({ end })];
        for (const k of doomed) void db.remove(k);
      }
    });
  }

  /** Stored records (tests and metrics). */
  get size(): number {
    return this.records.getCount();
  }
}

/** A lock's key and value, encoded before its write transaction (a bad height throws outside it). */
function lockEntryOf(lock: TendermintLock): { key: Buffer; value: Buffer } {
  return { key: heightKey(lock.height), value: encodeLock(lock) };
}

function heightKey(height: number): Buffer {
  if (!Number.isSafeInteger(height) || height < 0) throw new VoteStoreKeyError(`height ${height} is not a non-negative safe integer`);
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(height));
  return b;
}

function recordKey(kind: SignedKind, height: number, round: number, context: Uint8Array): Buffer {
  const k = KINDS.indexOf(kind);
  if (k < 0) throw new VoteStoreKeyError(`unknown signed kind ${String(kind)}`);
  if (!Number.isInteger(round) || round < 0 || round > 0xffffffff) throw new VoteStoreKeyError(`round ${round} is not a u32`);
  if (context.length > MAX_VOTE_CONTEXT_BYTES) throw new VoteStoreKeyError(`slot context of ${context.length} bytes (at most ${MAX_VOTE_CONTEXT_BYTES})`);
  const b = Buffer.alloc(13 + context.length);
  heightKey(height).copy(b, 0);
  b.writeUInt8(k, 8);
  b.writeUInt32BE(round, 9);
  b.set(context, 13);
  return b;
}

// Lock value: lockedRound i32 ‖ validRound i32 ‖ lockedBlock ‖ validBlock, each block as
// present u8 ‖ length u32 ‖ bytes (a round of −1 has no block).
function encodeLock(lock: TendermintLock): Buffer {
  const part = (block: Uint8Array | undefined): Buffer => {
    const b = Buffer.alloc(5 + (block?.length ?? 0));
    if (block) {
      b.writeUInt8(1, 0);
      b.writeUInt32BE(block.length, 1);
      b.set(block, 5);
    }
    return b;
  };
  const head = Buffer.alloc(8);
  head.writeInt32BE(lock.lockedRound, 0);
  head.writeInt32BE(lock.validRound, 4);
  return Buffer.concat([head, part(lock.lockedBlock), part(lock.validBlock)]);
}

function decodeLock(height: number, b: Buffer): TendermintLock {
  let at = 8;
  const part = (): Uint8Array | undefined => {
    const present = b.readUInt8(at) === 1;
    const len = b.readUInt32BE(at + 1);
    at += 5;
    if (!present) return undefined;
    const out = Uint8Array.from(b.subarray(at, at + len));
    at += len;
    return out;
  };
  const lockedRound = b.readInt32BE(0);
  const validRound = b.readInt32BE(4);
  const lockedBlock = part();
  const validBlock = part();
  return { height, lockedRound, lockedBlock, validRound, validBlock };
}
