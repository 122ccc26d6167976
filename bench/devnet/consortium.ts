// The benchmark's consortium: `devnet init` with the well-known devnet keys (the chain of
// `devnetGenesis({ validators: N })`, so cached signed data sets replay into it), then N validator
// processes on 127.0.0.1. Each is the benchmark's own node process (bench/pipeline/node-process.ts)
// given the validator's directory and the genesis file, which it reads exactly as `cdrchain node
// --validator DIR --genesis FILE` does; over IPC it reports RSS (sampled every 100 ms), CPU, event-loop
// use and per-second confirmed and finalized CDRs, which a CLI process could not. Each has a fresh
// LMDB in a temp directory.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { toHex } from '../../src/codec/bytes.js';
import { localChainIdentity } from '../../src/chain/devnet-chain.js';
import { devnetGenesis, readGenesisFile } from '../../src/chain/genesis.js';
import { devnetInit, type DevnetPlan } from '../../src/cli/commands/devnet.js';
import { chainOf } from '../pipeline/dataset.js';
import { NodeChild } from '../pipeline/processes.js';
import type { NodeStats } from '../pipeline/protocol.js';
import { DEVNET_FILTER_MIB } from '../../src/cli/devnet-launcher.js';

export class ConsortiumError extends Error {
  override readonly name = 'ConsortiumError';
}

/** Is `port` free to listen on at 127.0.0.1? */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A base port whose N P2P ports (base + 2i + 1) are free now (other agents' tests take random ports too). */
async function freeBasePort(validators: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 30_000 + 2 * Math.floor(Math.random() * 14_000);
    const ports = Array.from({ length: validators }, (_, i) => base + 2 * i + 1);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
  throw new ConsortiumError(`no free run of ${validators} P2P ports found`);
}

/**
 * Writes a devnet of `validators` validators under `dir` (a fresh CA and certificates, the
 * well-known BLS keys, free P2P ports) and checks that its genesis is the chain the data sets are
 * signed for.
 */
export async function initBenchDevnet(validators: number, dir: string): Promise<DevnetPlan> {
  mkdirSync(dir, { recursive: true });
  const plan = await devnetInit({
    validators, out: dir, chainId: 'cdrchain-devnet-bench', basePort: await freeBasePort(validators), force: true, wellKnownKeys: true,
  });
  const written = toHex(localChainIdentity(readGenesisFile(plan.genesis)));
  const expected = toHex(chainOf(devnetGenesis({ validators })));
  if (written !== expected) throw new ConsortiumError(`devnet init wrote chain ${written}, not the chain of devnetGenesis({ validators: ${validators} }) (${expected})`);
  return plan;
}

export interface ConsortiumStartOptions {
  /** Verification threads per validator (the devnet default: 1). */
  readonly workers: number;
  readonly maxLifetimeSec: number;
  /** Extra node flags per validator (e.g. --cpu-prof). */
  readonly execArgv?: (index: number) => readonly string[];
}

export class BenchConsortium {
  private constructor(
    readonly plan: DevnetPlan,
    readonly nodes: readonly NodeChild[],
  ) {}

  /** Starts every validator of `plan` (in parallel) and waits until each is connected to all the others. */
  static async start(plan: DevnetPlan, o: ConsortiumStartOptions): Promise<BenchConsortium> {
    const started = await Promise.allSettled(
      plan.validators.map((v, i) =>
        // The nullifier filter `cdrchain devnet` gives each validator, not the single node's default.
        NodeChild.start({ workers: o.workers, maxLifetimeSec: o.maxLifetimeSec, genesisFile: plan.genesis, validatorDir: v.dir, nullifiers: { filterLog2Bytes: Math.log2(DEVNET_FILTER_MIB) + 20 } }, o.execArgv?.(i) ?? []),
      ),
    );
    const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    const c = new BenchConsortium(plan, nodes);
    if (failed) {
      c.kill();
      throw new ConsortiumError(`a validator did not start: ${failed.reason instanceof Error ? failed.reason.message : String(failed.reason)}`);
    }
    try {
      await c.waitConnected(60_000);
    } catch (err) {
      c.kill();
      throw err;
    }
    return c;
  }

  get ingestUrls(): string[] {
    return this.nodes.map((n) => n.info.ingestUrl);
  }

  /** Every validator sees every other as connected (GET /consensus). */
  async waitConnected(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const views = await Promise.all(this.nodes.map(async (n) => {
        try {
          const s = (await (await fetch(`${n.info.url}/consensus`)).json()) as { validators: { connected: boolean }[] };
          return s.validators.filter((v) => v.connected).length;
        } catch {
          return 0;
        }
      }));
      if (views.every((n) => n === this.nodes.length)) return;
      last = views.join(', ');
      if (Date.now() > deadline) throw new ConsortiumError(`validators not all connected after ${timeoutMs / 1000} s (each sees ${last} of ${this.nodes.length})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async stats(): Promise<NodeStats[]> {
    return Promise.all(this.nodes.map((n) => n.stats()));
  }

  /** Prometheus text of every validator. */
  async metrics(): Promise<string[]> {
    return Promise.all(this.nodes.map(async (n) => (await fetch(`${n.info.url}/metrics`)).text()));
  }

  /**
   * Stops every validator (in parallel); their stats after the last flush, or undefined for one that
   * did not stop within `timeoutMs` (it is killed: a starved validator can take minutes to drain its
   * verification queue, and the figures are already taken).
   */
  async stop(timeoutMs = 120_000): Promise<(NodeStats | undefined)[]> {
    try {
      const settled = await Promise.allSettled(this.nodes.map((n) => n.stop(timeoutMs)));
      return settled.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
    } finally {
      this.kill();
    }
  }

  kill(): void {
    for (const n of this.nodes) n.kill();
  }
}
