import type { BlockScheduleFactory } from '../chain/block-schedule.js';
import type { Chain } from '../chain/chain.js';
import type { BlockCandidate } from '../chain/state-transition.js';
import { decodeBlock } from '../codec/block.js';
import { devnetGenesis } from '../chain/genesis.js';
import { silentLogger } from '../log.js';
import { NodeMetrics } from '../metrics/node-metrics.js';
import { openChain, type OpenChainOptions } from '../node/chain-factory.js';

/**
 * A Chain with the node's default dependencies (src/node/chain-factory.ts) for tests: the devnet
 * genesis, one worker, 10 ms blocks, a silent log and its own metrics, each overridable.
 */
export function openTestChain(dataDir: string, overrides: Partial<OpenChainOptions> = {}): Promise<Chain> {
  return openChain({
    dataDir,
    genesis: devnetGenesis(),
    metrics: new NodeMetrics({ defaultMetrics: false }),
    log: silentLogger(),
    workers: 1,
    ...overrides,
    producer: { blockIntervalMs: 10, ...overrides.producer },
  });
}

/** A schedule that never makes a block: the test builds, checks and commits blocks itself. */
export const idleSchedule: BlockScheduleFactory = () => ({
  start: () => undefined,
  nudge: () => undefined,
  flush: () => Promise.resolve(),
  stop: () => Promise.resolve(),
  consecutiveFailures: 0,
});

/** A stored or received block as the state transition takes it. */
export function candidateOf(bytes: Uint8Array): BlockCandidate {
  const { header, txHashes } = decodeBlock(bytes);
  const txIds: Uint8Array[] = [];
  for (let i = 0; i < txHashes.length; i += 32) txIds.push(txHashes.slice(i, i + 32));
  return { header, txIds };
}
