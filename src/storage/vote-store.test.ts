import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { findPackageRoot } from '../wasm/load.js';
import type { SignedRecord } from '../consensus/outside-deps.js';
import { tempDataDir } from '../test-helpers/devnet.js';
import { StorageEnv } from './env.js';
import { LmdbVoteStore, VoteAlreadyStoredError, VoteStoreKeyError } from './vote-store.js';

describe('LmdbVoteStore', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function dataDir(): string {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    return data.dir;
  }

  /** A store on a real LMDB environment; `close` ends it early (a restart), otherwise the test's cleanup does. */
  function open(dir: string): { store: LmdbVoteStore; close: () => Promise<void> } {
    const env = StorageEnv.open(dir);
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      await env.close();
    };
    cleanups.push(close);
    return { store: new LmdbVoteStore(env), close };
  }

  const empty = new Uint8Array(0);
  const entropy = new Uint8Array(32).fill(0x5e);
  const prevote: SignedRecord = { kind: 'prevote', height: 32, round: 1, context: empty, payload: Uint8Array.of(9, 9) };
  const micro: SignedRecord = { kind: 'micro', height: 33, round: 0, context: entropy, payload: Uint8Array.of(8) };
  const highMicro: SignedRecord = { kind: 'micro', height: 2 ** 40, round: 0, context: entropy, payload: Uint8Array.of(7) };

  it('keeps what was signed and the Tendermint locks across a reopen, and still refuses a second signature after it', async () => {
    const dir = dataDir();
    const first = open(dir);
    await first.store.put(prevote);
    await first.store.put(micro);
    await first.store.put({ ...micro, context: Uint8Array.of(1, 2) }); // another slot context at the same height: allowed
    await first.store.put(highMicro);
    await first.store.putLock({ height: 32, lockedRound: 1, lockedBlock: Uint8Array.of(5, 5), validRound: 2, validBlock: Uint8Array.of(6) });
    await first.store.putLock({ height: 64, lockedRound: -1, lockedBlock: undefined, validRound: -1, validBlock: undefined });
    await first.close();

    const second = open(dir);
    const s = second.store;
    expect(s.size).toBe(4);
    expect(s.get('prevote', 32, 1, empty)).toEqual(prevote);
    expect(s.get('precommit', 32, 1, empty)).toBeUndefined(); // kinds are apart
    expect(s.get('prevote', 32, 0, empty)).toBeUndefined(); // rounds are apart
    expect(s.get('micro', 33, 0, entropy)?.payload).toEqual(Uint8Array.of(8));
    expect(s.get('micro', 33, 0, Uint8Array.of(1, 2))?.payload).toEqual(micro.payload);
    expect(s.get('micro', 33, 0, Uint8Array.of(1))).toBeUndefined();
    expect(s.get('micro', 2 ** 40, 0, entropy)?.payload).toEqual(Uint8Array.of(7));
    expect(s.lock(32)).toEqual({ height: 32, lockedRound: 1, lockedBlock: Uint8Array.of(5, 5), validRound: 2, validBlock: Uint8Array.of(6) });
    expect(s.lock(64)).toEqual({ height: 64, lockedRound: -1, lockedBlock: undefined, validRound: -1, validBlock: undefined });
    expect(s.lock(33)).toBeUndefined();

    // After the restart the validator must re-send, not sign anew.
    await expect(s.put({ ...prevote, payload: Uint8Array.of(1) })).rejects.toThrow(VoteAlreadyStoredError);
    expect(s.get('prevote', 32, 1, empty)?.payload).toEqual(prevote.payload);
    // A lock moves on within its height.
    await s.putLock({ height: 32, lockedRound: 3, lockedBlock: Uint8Array.of(7), validRound: 3, validBlock: Uint8Array.of(7) });
    expect(s.lock(32)?.lockedRound).toBe(3);
  });

  it('writes a vote and the lock it was cast under together: both survive a reopen, and a refused vote moves no lock', async () => {
    const dir = dataDir();
    const first = open(dir);
    const lock = { height: 32, lockedRound: 1, lockedBlock: Uint8Array.of(4), validRound: 1, validBlock: Uint8Array.of(4) };
    await first.store.put(prevote, lock);
    await expect(first.store.put({ ...prevote, payload: Uint8Array.of(1) }, { ...lock, lockedRound: 2 })).rejects.toThrow(VoteAlreadyStoredError);
    await first.close();

    const s = open(dir).store;
    expect(s.get('prevote', 32, 1, empty)).toEqual(prevote);
    expect(s.lock(32)).toEqual(lock);
  });

  it('lets exactly one of two racing puts for one key win', async () => {
    const { store } = open(dataDir());
    const results = await Promise.allSettled([
      store.put({ ...prevote, payload: Uint8Array.of(1) }),
      store.put({ ...prevote, payload: Uint8Array.of(2) }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const winner = results.findIndex((r) => r.status === 'fulfilled');
    expect(store.get('prevote', 32, 1, empty)?.payload).toEqual(Uint8Array.of(winner + 1));
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(VoteAlreadyStoredError);
  });

  it('prunes records and locks below a final height, durably', async () => {
    const dir = dataDir();
    const first = open(dir);
    await first.store.put({ ...prevote, height: 31 });
    await first.store.put(prevote); // 32
    await first.store.put(micro); // 33
    await first.store.put({ ...micro, height: 256 + 33 }); // past a byte boundary of the height
    await first.store.putLock({ height: 31, lockedRound: 0, lockedBlock: Uint8Array.of(1), validRound: 0, validBlock: Uint8Array.of(1) });
    await first.store.putLock({ height: 64, lockedRound: 0, lockedBlock: Uint8Array.of(1), validRound: 0, validBlock: Uint8Array.of(1) });
    await first.store.prune(33);
    await first.close();
    const { store } = open(dir);
    expect(store.get('prevote', 31, 1, empty)).toBeUndefined();
    expect(store.get('prevote', 32, 1, empty)).toBeUndefined();
    expect(store.get('micro', 33, 0, entropy)).toBeDefined();
    expect(store.get('micro', 289, 0, entropy)).toBeDefined();
    expect(store.lock(31)).toBeUndefined();
    expect(store.lock(64)).toBeDefined();
    expect(store.size).toBe(2);
  });

  it('moves what an older node signed in the chain\'s environment into its own, and refuses to sign it again there', async () => {
    const chainDir = dataDir();
    const old = open(chainDir);
    await old.store.put(prevote);
    await old.store.put(micro);
    await old.store.putLock({ height: 32, lockedRound: 1, lockedBlock: Uint8Array.of(5), validRound: 1, validBlock: Uint8Array.of(5) });
    await old.close();

    const legacy = StorageEnv.open(chainDir);
    cleanups.push(() => legacy.close());
    const own = await LmdbVoteStore.open(join(chainDir, 'consensus'), legacy);
    cleanups.push(() => own.close());
    expect(own.size).toBe(2);
    expect(own.get('prevote', 32, 1, empty)).toEqual(prevote);
    expect(own.lock(32)?.lockedBlock).toEqual(Uint8Array.of(5));
    await expect(own.put({ ...micro, payload: Uint8Array.of(1) })).rejects.toThrow(VoteAlreadyStoredError);
    // Gone from the chain's environment, so a second open adopts nothing and keeps what it has.
    expect(new LmdbVoteStore(legacy).size).toBe(0);
    await own.close();
    const again = await LmdbVoteStore.open(join(chainDir, 'consensus'), legacy);
    cleanups.push(() => again.close());
    expect(again.size).toBe(2);
  });

  it('refuses records it cannot key, before writing anything', async () => {
    const { store } = open(dataDir());
    await expect(store.put({ ...micro, context: new Uint8Array(65) })).rejects.toThrow(VoteStoreKeyError);
    await expect(store.put({ ...micro, height: -1 })).rejects.toThrow(VoteStoreKeyError);
    await expect(store.put({ ...micro, round: 2 ** 32 })).rejects.toThrow(VoteStoreKeyError);
    expect(store.size).toBe(0);
  });

  it('a vote whose put resolved is there after the process is killed (SIGKILL) right then', async () => {
    const dir = dataDir();
    // The built modules (npx tsc -p tsconfig.build.json): a separate process that dies with no shutdown.
    const dist = (m: string) => pathToFileURL(join(findPackageRoot(), 'dist', 'src', 'storage', m)).href;
    const script = `
      const { StorageEnv } = await import(${JSON.stringify(dist('env.js'))});
      const { LmdbVoteStore } = await import(${JSON.stringify(dist('vote-store.js'))});
      const store = new LmdbVoteStore(StorageEnv.open(process.argv[1]));
      await store.put({ kind: 'precommit', height: 64, round: 2, context: new Uint8Array(0), payload: Uint8Array.of(4, 2) });
      await store.putLock({ height: 64, lockedRound: 2, lockedBlock: Uint8Array.of(3), validRound: 2, validBlock: Uint8Array.of(3) });
      process.kill(process.pid, 'SIGKILL');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
    expect(signal, stderr).toBe('SIGKILL');
    const { store } = open(dir);
    expect(store.get('precommit', 64, 2, empty)?.payload).toEqual(Uint8Array.of(4, 2));
    expect(store.lock(64)?.lockedRound).toBe(2);
    await expect(store.put({ kind: 'precommit', height: 64, round: 2, context: empty, payload: Uint8Array.of(1) })).rejects.toThrow(VoteAlreadyStoredError);
  });
});
