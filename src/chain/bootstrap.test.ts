import { appendFileSync, cpSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { openStores } from '../storage/index.js';
import { openTestChain } from '../test-helpers/chain.js';
import { tempDataDir } from '../test-helpers/devnet.js';
import { forge } from '../test-helpers/forge.js';
import { randomRecords } from '../test-helpers/retention.js';
import { loadSystemContracts, systemContractsDir } from '../vm/system/index.js';
import { bootstrapChain, ChainMismatchError } from './bootstrap.js';
import { devnetGenesis } from './genesis.js';

describe('bootstrapChain', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function openWith(dir: string, digest: Uint8Array, chainId = 'cdrchain-devnet'): Promise<void> {
    const stores = openStores(dir);
    try {
      await bootstrapChain(stores, { ...devnetGenesis(), chainId }, digest, silentLogger());
    } finally {
      await stores.env.close();
    }
  }

  it('refuses a data directory made under other system contracts or another genesis', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const digest = loadSystemContracts().digest();
    await openWith(data.dir, digest);
    await openWith(data.dir, digest); // the same chain reopens

    const otherRules = Uint8Array.from(digest);
    otherRules[0]! ^= 1;
    await expect(openWith(data.dir, otherRules)).rejects.toBeInstanceOf(ChainMismatchError);
    await expect(openWith(data.dir, digest, 'another-consortium')).rejects.toBeInstanceOf(ChainMismatchError);
  });

  it('cuts what a crash left past the last indexed body, and keeps every stored batch', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const batches = [1n, 2n, 3n].map((sequence) => forge(randomRecords(200), { sequence }));
    let chain = await openTestChain(data.dir);
    for (const b of batches) await chain.submit(b.frame.slice(), chain.httpSource);
    await chain.close();
    // A crash while frames were being written: a torn frame after the last indexed one, and a
    // segment file whose frames were flushed but never indexed (the LMDB commit never happened).
    const bodies = join(data.dir, 'bodies');
    const last = join(bodies, readdirSync(bodies).filter((n) => n.endsWith('.seg')).sort().at(-1)!);
    const indexedEnd = statSync(last).size;
    appendFileSync(last, Buffer.alloc(7_000, 0xee));
    appendFileSync(join(bodies, '000777.seg'), Buffer.alloc(3_000, 0xee));

    chain = await openTestChain(data.dir);
    cleanups.push(() => chain.close());
    expect(statSync(last).size).toBe(indexedEnd);
    expect(readdirSync(bodies)).not.toContain('000777.seg');
    for (const b of batches) expect(chain.queries.batch(b.id)?.view.sizeBytes).toBe(b.frame.length);
    // The next batch is written after the last good one and reads back whole.
    const next = forge(randomRecords(200), { sequence: 4n });
    await chain.submit(next.frame.slice(), chain.httpSource);
    await chain.flush();
    expect(chain.queries.batch(next.id)?.view.status).toBe('committed');
    expect(chain.queries.batch(next.id)?.recordsJson(0, 200)).toHaveLength(200);
    expect(chain.diskBytes()).toBeGreaterThan(4 * 200 * 128);
  });

  it('derives the system-contracts digest from every contract\'s name and code', () => {
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const dir = tempDataDir();
    cleanups.push(dir.cleanup);
    cpSync(systemContractsDir(), dir.dir, { recursive: true });
    const official = hex(loadSystemContracts().digest());
    expect(hex(loadSystemContracts(dir.dir).digest())).toBe(official); // same sources, same digest
    writeFileSync(join(dir.dir, 'zz-extra.casm'), 'stop\n');
    const withExtra = hex(loadSystemContracts(dir.dir).digest());
    expect(withExtra).not.toBe(official);
    writeFileSync(join(dir.dir, 'zz-extra.casm'), 'push 1\nstop\n');
    expect(hex(loadSystemContracts(dir.dir).digest())).not.toBe(withExtra);
  });
});
