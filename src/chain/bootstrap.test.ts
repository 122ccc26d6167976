import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { openStores } from '../storage/index.js';
import { tempDataDir } from '../test-helpers/devnet.js';
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
