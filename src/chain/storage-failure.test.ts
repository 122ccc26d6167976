// Storage failures inside one process, with an injected failing store: the data directory's write
// transaction throws what LMDB throws on a full disk. (src/node/storage-faults.test.ts fills a real
// tmpfs with real node processes where the test may mount one.)
import { afterEach, describe, expect, it } from 'vitest';
import { RejectCode } from '../codec/ingest-reply.js';
import { toHex } from '../codec/bytes.js';
import { Operator } from '../client/operator.js';
import { NodeMetrics } from '../metrics/node-metrics.js';
import type { StorageEnv } from '../storage/env.js';
import type { Stores } from '../storage/index.js';
import type { TxBodyStore } from '../storage/tx-body-store.js';
import { StorageWriteError } from '../storage/storage-errors.js';
import type { Chain } from './chain.js';
import { openTestChain } from '../test-helpers/chain.js';
import { tempDataDir, TELEKOM_DE, traffic, VODAFONE_UK } from '../test-helpers/devnet.js';
import { BatchRejectedError } from './reject.js';

/** Makes `env`'s write transactions fail like a full disk while `failing()` says so; counts attempts. */
function injectDiskFull(env: StorageEnv, failing: () => boolean): { attempts: number } {
  const counter = { attempts: 0 };
  const real = env.transaction.bind(env);
  env.transaction = (<T>(writes: () => T): Promise<T> => {
    counter.attempts++;
    if (failing()) return Promise.reject(new StorageWriteError('storage write failed: No space left on device', 28));
    return real(writes);
  }) as StorageEnv['transaction'];
  return counter;
}

function storageEnvOf(chain: Chain): StorageEnv {
  return (chain as unknown as { stores: { env: StorageEnv } }).stores.env;
}

function storesOf(chain: Chain): Stores {
  return (chain as unknown as { stores: Stores }).stores;
}

/** Makes the body files' writes and probes fail like a full disk while `failing()` says so (LMDB itself still takes writes). */
function injectBodyDiskFull(bodies: TxBodyStore, failing: () => boolean): void {
  const write = bodies.write.bind(bodies);
  bodies.write = (r, bytes) => (failing() ? Promise.reject(new StorageWriteError('storage write failed: ENOSPC: no space left on device, write (body write)', 28)) : write(r, bytes));
  const probe = bodies.probeWritable.bind(bodies);
  bodies.probeWritable = () => (failing() ? Promise.reject(new StorageWriteError('storage write failed: ENOSPC: no space left on device, write (body probe)', 28)) : probe());
}

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('storage failures (injected failing store)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function openChain(): Promise<{ chain: Chain; metrics: NodeMetrics }> {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const metrics = new NodeMetrics({ defaultMetrics: false });
    const chain = await openTestChain(data.dir, { metrics });
    cleanups.push(() => chain.close());
    return { chain, metrics };
  }

  const op = Operator.devnet(TELEKOM_DE);
  const batch = (seq: bigint, seed: string) => op.batch(traffic(TELEKOM_DE, VODAFONE_UK, 50, seed), seq);

  it('a failed batch write is StorageFull, refuses new work early, frees the sequence, and resumes when a probe write succeeds', async () => {
    const { chain, metrics } = await openChain();
    let full = false;
    injectDiskFull(storageEnvOf(chain), () => full);

    const first = batch(1n, 'sf-1');
    await chain.submit(first.frame.slice(), chain.httpSource);
    await chain.flush();

    full = true;
    const second = batch(2n, 'sf-2');
    const refused = await chain.submit(second.frame.slice(), chain.httpSource).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BatchRejectedError);
    expect((refused as BatchRejectedError).code).toBe(RejectCode.StorageFull);
    expect((refused as BatchRejectedError).detail).toMatch(/No space left on device/);
    expect(chain.storageStatus().writable).toBe(false);
    expect(chain.readiness().ready).toBe(false);
    expect((await metrics.render())).toMatch(/cdrchain_storage_writable 0/);
    // Nothing of it was kept: the sequence is free again, the nullifiers are gone.
    expect(chain.lastAcceptedSequence(TELEKOM_DE)).toBe(1n);
    expect(chain.nullifiers.size).toBe(50);

    // While failing, the next frame is refused before any worker time is spent on it.
    const third = batch(2n, 'sf-3');
    const early = await chain.submit(third.frame.slice(), chain.httpSource).catch((e: unknown) => e);
    expect((early as BatchRejectedError).code).toBe(RejectCode.StorageFull);
    expect((early as BatchRejectedError).detail).toMatch(/not writable/);

    full = false; // space returns: the probe notices by itself
    await until('storage writable', () => chain.storageStatus().writable);
    expect(chain.readiness().ready).toBe(true);
    // The very batch that failed (same sequence, same signature) is accepted at once.
    const accepted = await chain.submit(second.frame.slice(), chain.httpSource);
    expect(toHex(accepted.id)).toBe(toHex(second.id));
    await chain.flush();
    expect(chain.queries.batch(second.id)?.view.status).toBe('committed');
  });

  it('a failed body write is StorageFull like a failed LMDB write: nothing indexed, nothing claimed, and admission waits until the body files take writes again', async () => {
    const { chain } = await openChain();
    const stores = storesOf(chain);
    let full = false;
    injectBodyDiskFull(stores.chain.bodyStore, () => full);

    const first = batch(1n, 'bf-1');
    await chain.submit(first.frame.slice(), chain.httpSource);
    await chain.flush();
    const bodyBytes = stores.chain.bodyBytes();
    expect(bodyBytes).toBe(first.frame.length);

    full = true;
    const second = batch(2n, 'bf-2');
    const refused = await chain.submit(second.frame.slice(), chain.httpSource).catch((e: unknown) => e);
    expect((refused as BatchRejectedError).code).toBe(RejectCode.StorageFull);
    expect((refused as BatchRejectedError).detail).toMatch(/no space left on device/);
    // Nothing of it is referenced, and the append position did not move past it.
    expect(stores.chain.tx(second.id)).toBeUndefined();
    expect(stores.pending.list().map((p) => toHex(p.hash))).not.toContain(toHex(second.id));
    expect(stores.chain.bodyBytes()).toBe(bodyBytes);
    expect(chain.lastAcceptedSequence(TELEKOM_DE)).toBe(1n);
    expect(chain.nullifiers.size).toBe(50);

    // LMDB alone takes writes, but the probe writes to the body files too: still not writable
    // (a block commit would also say writable again: there is none to make).
    await new Promise((r) => setTimeout(r, 700));
    expect(chain.storageStatus().writable).toBe(false);

    full = false;
    await until('storage writable', () => chain.storageStatus().writable);
    const accepted = await chain.submit(second.frame.slice(), chain.httpSource);
    expect(toHex(accepted.id)).toBe(toHex(second.id));
    await chain.flush();
    expect(chain.queries.batch(second.id)?.view.status).toBe('committed');
    // The retried body took the place the failed one left: the file holds exactly the two frames.
    expect(stores.chain.bodyBytes()).toBe(first.frame.length + second.frame.length);
    expect(Buffer.from(stores.chain.tx(second.id)!)).toEqual(Buffer.from(second.frame));
  });

  it('a failing block commit backs off (no busy loop) and commits once the disk takes writes again, exactly once', async () => {
    const { chain, metrics } = await openChain();
    let full = false;
    const counter = injectDiskFull(storageEnvOf(chain), () => full);
    // Runs before the producer's own listener: the batch is durable, its block commit will fail.
    chain.events.prependListener('batchAccepted', () => {
      full = true;
    });
    const b = batch(1n, 'bc-1');
    await chain.submit(b.frame.slice(), chain.httpSource);
    const before = counter.attempts;
    await new Promise((r) => setTimeout(r, 2_000));
    const attempts = counter.attempts - before;
    // 100, 200, 400, 800 ms back-off (plus the storage probe's own 250, 500, 1000 ms): a handful, not thousands.
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(attempts).toBeLessThan(15);
    expect(chain.readiness().checks.blocks).toBe(false);
    expect(await metrics.render()).toMatch(/cdrchain_block_commit_failures_total [1-9]/);
    expect(chain.queries.batch(b.id)?.view.status).toBe('pending');

    chain.events.removeAllListeners('batchAccepted');
    full = false;
    await until('block committed', () => chain.queries.batch(b.id)?.view.status === 'committed', 10_000);
    // The block's locations are visible when LMDB commits; the head moves once the commit resolves.
    await until('head moved', () => chain.queries.chainHead().height >= 1, 2_000);
    expect(chain.queries.chainHead().height).toBe(1);
    expect(chain.readiness().ready).toBe(true);
  });

  it('a throwing listener cannot undo durable work: the batch is acknowledged and its block is not committed twice', async () => {
    const { chain, metrics } = await openChain();
    chain.events.on('batchAccepted', () => {
      throw new Error('listener bug (batch)');
    });
    chain.events.on('blockCommitted', () => {
      throw new Error('listener bug (block)');
    });
    const b = batch(1n, 'ls-1');
    const accepted = await chain.submit(b.frame.slice(), chain.httpSource);
    expect(toHex(accepted.id)).toBe(toHex(b.id));
    await chain.flush();
    await new Promise((r) => setTimeout(r, 200));
    expect(chain.queries.chainHead().height).toBe(1);
    expect(chain.queries.mempoolSize().txs).toBe(0);
    expect(await metrics.render()).toMatch(/cdrchain_event_listener_errors_total\{event="blockCommitted"\} [1-9]/);
  });
});
