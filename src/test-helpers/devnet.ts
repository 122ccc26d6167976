import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTraffic } from '../cdr/synthetic.js';
import type { Cdr } from '../cdr/model.js';
import { silentLogger } from '../log.js';
import { CdrNode, type NodeConfig } from '../node/node.js';

export const ORANGE_FR = 20801;
export const VODAFONE_UK = 23415;
export const TELEKOM_DE = 26201;

/** A fresh data directory, removed by the returned cleanup. */
export function tempDataDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cdrchain-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A real node on 127.0.0.1 with a free port, two workers and short blocks. */
export function startTestNode(dataDir: string, overrides: Partial<NodeConfig> = {}): Promise<CdrNode> {
  return CdrNode.start({
    dataDir, host: '127.0.0.1', port: 0, workers: 2, log: silentLogger(), defaultMetrics: false,
    producer: { blockIntervalMs: 10 }, ...overrides,
  });
}

/** Synthetic roaming CDRs in the last day, so batch periods pass the node's clock checks. */
export function traffic(submitter: number, counterparty: number, count: number, seed: string | number = 1): Cdr[] {
  const now = Math.floor(Date.now() / 1000);
  return [...generateTraffic({ seed, submitter, counterparty, count, startTime: now - 86_400, periodSeconds: 3_600 })];
}
