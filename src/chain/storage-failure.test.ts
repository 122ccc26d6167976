// Storage failures inside one process, with an injected failing store: the data directory's write
// transaction throws what LMDB throws on a full disk. (src/node/storage-faults.test.ts fills a real
// tmpfs with real node processes where the test may mount one.)
import { afterEach, describe, expect, it } from 'vitest';
import { RejectCode } from '../codec/ingest-reply.js';
import { toHex } from '../codec/bytes.js';
import { Operator } from '../client/operator.js';
import { silentLogger } from '../log.js';
import { NodeMetrics } from '../metrics/node-metrics.js';
import type { StorageEnv } from '../storage/env.js';
import { StorageWriteError } from '../storage/storage-errors.js';
import { devnetGenesis } from './genesis.js';
import { Chain } from './chain.js';
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
    const chain = await Chain.open({ dataDir: data.dir, genesis: devnetGenesis(), metrics, log: silentLogger(), workers: 1, producer: { blockIntervalMs: 10 } });
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
