// A 1,024-leaf Poseidon Merkle root on one worker vs split across two: two 512-leaf subtrees in
// parallel, then one Poseidon(2) of the two subtree roots on the calling thread (exact for a
// power-of-two tree). Also the same root on the calling thread, with no pool, as the floor.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/micro/merkle-workers.bench.js
//
// Leaves travel to the workers as transferred ArrayBuffers (copied out of a template first, as the
// node does with a frame it hands over). Writes bench/results/merkle-workers.json.
import Benchmark from 'benchmark';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { FIELD_MODULUS, PoseidonWasm, packFields } from '../../src/wasm/poseidon.js';
import { workerExecArgv } from '../../src/workers/worker-path.js';
import { currentCommand, repoRoot, resultEnvelope, writeResult, type ResultEnvelope } from '../machine.js';
import type { MerkleOutcome, MerkleTask } from './merkle.worker.js';

export interface MerkleWorkersOptions {
  /** Seconds benchmark.js may spend per case (default 3). */
  readonly maxTime?: number;
  readonly leaves?: number;
  readonly command?: string;
  readonly log?: (line: string) => void;
  /** null: do not write a results file. */
  readonly resultsName?: string | null;
}

export type MerkleWorkersResult = ResultEnvelope & {
  readonly name: 'merkle-workers';
  readonly leaves: number;
  readonly rootsMatch: boolean;
  readonly ms: { readonly callingThread: number; readonly oneWorker: number; readonly twoWorkers: number };
  readonly rmePercent: { readonly callingThread: number; readonly oneWorker: number; readonly twoWorkers: number };
  /** oneWorker / twoWorkers (latency of one root). */
  readonly speedupTwoWorkers: number;
  /** Mean in-worker task time, ms (excludes the round trip). */
  readonly workerTaskMs: { readonly oneWorker: number; readonly twoWorkersPerHalf: number };
};

function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = here.endsWith('.js') ? dirname(here) : join(repoRoot(), 'dist', 'bench', 'micro');
  const file = join(dir, 'merkle.worker.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npx tsc -p tsconfig.build.json\``);
  return file;
}

function randomLeaves(n: number): Uint8Array {
  const xs: bigint[] = [];
  for (let i = 0; i < n; i++) xs.push(BigInt(`0x${randomBytes(32).toString('hex')}`) % FIELD_MODULUS);
  return packFields(xs);
}

function runSuite(cases: Record<string, (deferred: Benchmark.Deferred) => void>, maxTime: number): Promise<Record<string, { mean: number; rme: number }>> {
  return new Promise((resolve, reject) => {
    const suite = new Benchmark.Suite();
    for (const [name, fn] of Object.entries(cases)) suite.add(name, { defer: true, fn, maxTime, minSamples: 10 });
    const out: Record<string, { mean: number; rme: number }> = {};
    suite.on('cycle', (e: Benchmark.Event) => {
      const b = e.target;
      const error: unknown = (b as { error?: unknown }).error;
      if (error !== undefined) reject(error instanceof Error ? error : new Error(String(error)));
      out[b.name ?? '?'] = { mean: b.stats?.mean ?? Number.NaN, rme: b.stats?.rme ?? Number.NaN };
    });
    suite.on('complete', () => resolve(out));
    suite.run({ async: true });
  });
}

export async function runMerkleWorkersBench(opts: MerkleWorkersOptions = {}): Promise<MerkleWorkersResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[merkle-workers] ${l}\n`));
  const n = opts.leaves ?? 1024;
  if (n < 2 || (n & (n - 1)) !== 0) throw new RangeError('leaves must be a power of two ≥ 2 (the split is exact only then)');
  const half = n / 2;
  const poseidon = PoseidonWasm.load();
  const leaves = randomLeaves(n);
  const expected = poseidon.merkleRoot(leaves, n);
  const pool = new Piscina<MerkleTask, MerkleOutcome>({ filename: workerFile(), execArgv: workerExecArgv(), minThreads: 2, maxThreads: 2, idleTimeout: Number.POSITIVE_INFINITY });
  const taskMs = { one: 0, oneN: 0, half: 0, halfN: 0 };

  const oneWorker = async (): Promise<Uint8Array> => {
    const buf = leaves.slice().buffer;
    const r = await pool.run({ leaves: buf, n }, { transferList: [buf] });
    taskMs.one += r.taskMs;
    taskMs.oneN++;
    return r.root;
  };
  const twoWorkers = async (): Promise<Uint8Array> => {
    const left = leaves.slice(0, half * 32).buffer;
    const right = leaves.slice(half * 32).buffer;
    const [l, r] = await Promise.all([
      pool.run({ leaves: left, n: half }, { transferList: [left] }),
      pool.run({ leaves: right, n: half }, { transferList: [right] }),
    ]);
    taskMs.half += l.taskMs + r.taskMs;
    taskMs.halfN += 2;
    const pair = new Uint8Array(64);
    pair.set(l.root, 0);
    pair.set(r.root, 32);
    return poseidon.hashBytes(pair, 2);
  };

  try {
    // Correctness first, and warm-up: V8 starts WASM in Liftoff and tiers up in the background.
    const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
    let rootsMatch = true;
    for (let i = 0; i < 40; i++) {
      poseidon.merkleRoot(leaves, n);
      rootsMatch &&= same(await oneWorker(), expected) && same(await twoWorkers(), expected);
    }
    if (!rootsMatch) throw new Error('split-tree root differs from the single-tree root');
    taskMs.one = taskMs.oneN = taskMs.half = taskMs.halfN = 0;

    const maxTime = opts.maxTime ?? 3;
    const s = await runSuite(
      {
        callingThread: (d) => {
          poseidon.merkleRoot(leaves, n);
          d.resolve();
        },
        oneWorker: (d) => void oneWorker().then(() => d.resolve()),
        twoWorkers: (d) => void twoWorkers().then(() => d.resolve()),
      },
      maxTime,
    );
    const ms = (k: string): number => Number(((s[k]?.mean ?? Number.NaN) * 1000).toFixed(3));
    const rme = (k: string): number => Number((s[k]?.rme ?? Number.NaN).toFixed(1));
    const result: MerkleWorkersResult = {
      ...resultEnvelope(opts.command ?? currentCommand()),
      name: 'merkle-workers',
      leaves: n,
      rootsMatch,
      ms: { callingThread: ms('callingThread'), oneWorker: ms('oneWorker'), twoWorkers: ms('twoWorkers') },
      rmePercent: { callingThread: rme('callingThread'), oneWorker: rme('oneWorker'), twoWorkers: rme('twoWorkers') },
      speedupTwoWorkers: Number((ms('oneWorker') / ms('twoWorkers')).toFixed(2)),
      workerTaskMs: {
        oneWorker: Number((taskMs.one / Math.max(1, taskMs.oneN)).toFixed(3)),
        twoWorkersPerHalf: Number((taskMs.half / Math.max(1, taskMs.halfN)).toFixed(3)),
      },
    };
    log(`${n}-leaf root: calling thread ${result.ms.callingThread} ms, 1 worker ${result.ms.oneWorker} ms, 2 workers ${result.ms.twoWorkers} ms (×${result.speedupTwoWorkers})`);
    if (opts.resultsName !== null) log(`wrote ${writeResult(opts.resultsName ?? 'merkle-workers', result)}`);
    return result;
  } finally {
    await pool.destroy();
  }
}

const script = process.argv[1];
if (script !== undefined && fileURLToPath(import.meta.url) === script) {
  await runMerkleWorkersBench();
}
