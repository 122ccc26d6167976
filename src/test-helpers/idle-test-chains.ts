import { afterEach } from 'vitest';
import type { Chain } from '../chain/chain.js';
import type { OpenChainOptions } from '../node/chain-factory.js';
import { idleSchedule, openTestChain } from './chain.js';
import { tempDataDir } from './devnet.js';

export interface IdleTestChains {
  /** A chain on a fresh data directory (or `dir`), whose blocks the test builds and commits itself. */
  open(overrides?: Partial<OpenChainOptions>, dir?: string): Promise<Chain>;
  /** Closes `chain` and opens its data directory again, with the same overrides unless others are given. */
  restart(chain: Chain, overrides?: Partial<OpenChainOptions>): Promise<Chain>;
}

/**
 * Test chains with the idle block schedule, closed and their directories removed after each test.
 * Call it inside a `describe`: it registers the `afterEach`.
 */
export function idleTestChains(): IdleTestChains {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const opened = new Map<Chain, { dir: string; overrides: Partial<OpenChainOptions> }>();
  const closed = new Set<Chain>();
  const open = async (overrides: Partial<OpenChainOptions> = {}, dir?: string): Promise<Chain> => {
    let d = dir;
    if (d === undefined) {
      const data = tempDataDir();
      cleanups.push(data.cleanup);
      d = data.dir;
    }
    const chain = await openTestChain(d, { ...overrides, deps: { schedule: idleSchedule, ...overrides.deps } });
    opened.set(chain, { dir: d, overrides });
    cleanups.push(() => (closed.has(chain) ? undefined : chain.close()));
    return chain;
  };
  const restart = async (chain: Chain, overrides?: Partial<OpenChainOptions>): Promise<Chain> => {
    const was = opened.get(chain);
    if (!was) throw new Error('restart: not a chain these test chains opened');
    closed.add(chain);
    await chain.close();
    return open(overrides ?? was.overrides, was.dir);
  };
  return { open, restart };
}
