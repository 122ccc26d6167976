// BLS12-381 on @chainsafe/blst through the node's wrapper: sign, verify, and fastAggregateVerify of
// one message by 4 / 16 / 64 keys (a justification); then the job pool's throughput on single
// votes, each a distinct (key, message) set, verified three ways in one run: one by one on the
// main thread, on the pool one job per vote, and on the pool batched (PoolBlsVerifier: up to 32 sets
// or 3 ms per job, one verifyMultipleAggregateSignatures each).
//
//   npx tsc -p tsconfig.build.json && node dist/bench/micro/bls.bench.js
//   (or node dist/bench/run-all.js --only bls)
//
// Writes bench/results/bls.json.
import Benchmark from 'benchmark';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { blsAggregateSignatures, blsFastAggregateVerify, blsKeyPairFromSeed, blsSign, blsVerify, type BlsKeyPair, type BlsSignatureSet } from '../../src/crypto/bls/bls.js';
import { devnetChainIdentity } from '../../src/chain/devnet-chain.js';
import { NodeMetrics } from '../../src/metrics/node-metrics.js';
import { JobPool } from '../../src/workers/job-pool.js';
import { PoolBlsVerifier } from '../../src/workers/pool-bls-verifier.js';
import { currentCommand, resultEnvelope, writeResult, type ResultEnvelope } from '../machine.js';

export interface BlsBenchOptions {
  /** Seconds benchmark.js may spend per single-thread case (default 2). */
  readonly maxTime?: number;
  /** Votes per pool round (default 2,048). */
  readonly votes?: number;
  /** Rounds per pool mode; the best counts (default 3). */
  readonly rounds?: number;
  readonly threads?: number;
  readonly command?: string;
  readonly log?: (line: string) => void;
  readonly resultsName?: string | null;
}

export type BlsBenchResult = ResultEnvelope & {
  readonly name: 'bls';
  readonly library: '@chainsafe/blst';
  /** Mean ms per operation (main thread). */
  readonly ms: {
    readonly sign: number;
    readonly verify: number;
    readonly fastAggregateVerify: Readonly<Record<'keys4' | 'keys16' | 'keys64', number>>;
  };
  readonly rmePercent: Readonly<Record<string, number>>;
  readonly pool: {
    readonly threads: number;
    readonly votes: number;
    readonly rounds: number;
    /** Single-vote verifications per second, best round. */
    readonly votesPerSec: { readonly mainThread: number; readonly poolUnbatched: number; readonly poolBatched: number };
    /** Jobs the batched mode ran for `votes` votes (best round). */
    readonly batchedJobs: number;
    readonly ratios: {
      /** poolBatched ÷ poolUnbatched: what batching gives on the same threads. */
      readonly batchedOverUnbatched: number;
      readonly unbatchedOverMainThread: number;
      readonly batchedOverMainThread: number;
    };
  };
};

function runSuite(cases: Record<string, () => void>, maxTime: number): Record<string, { mean: number; rme: number }> {
  const suite = new Benchmark.Suite();
  for (const [name, fn] of Object.entries(cases)) suite.add(name, fn, { maxTime, minSamples: 10 });
  const out: Record<string, { mean: number; rme: number }> = {};
  suite.on('cycle', (e: Benchmark.Event) => {
    const b = e.target;
    const error: unknown = (b as { error?: unknown }).error;
    if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
    out[b.name ?? '?'] = { mean: b.stats?.mean ?? Number.NaN, rme: b.stats?.rme ?? Number.NaN };
  });
  suite.run({ async: false });
  return out;
}

const round3 = (x: number): number => Number(x.toFixed(3));

export async function runBlsBench(opts: BlsBenchOptions = {}): Promise<BlsBenchResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[bls] ${l}\n`));
  const maxTime = opts.maxTime ?? 2;
  const votes = opts.votes ?? 2048;
  const rounds = opts.rounds ?? 3;
  const threads = opts.threads ?? Math.min(2, availableParallelism());
  const keys: BlsKeyPair[] = Array.from({ length: 64 }, (_, i) => blsKeyPairFromSeed(new TextEncoder().encode(`bench validator ${i}`.padEnd(32, '.'))));
  const message = new TextEncoder().encode('precommit height 4096 round 0 block 0x00ff');

  // ---- one thread ----
  const sig0 = blsSign(keys[0]!.secretKey, message);
  const justification = (n: number): { pks: Uint8Array[]; agg: Uint8Array } => {
    const pks = keys.slice(0, n).map((k) => k.publicKey);
    return { pks, agg: blsAggregateSignatures(keys.slice(0, n).map((k) => blsSign(k.secretKey, message))) };
  };
  const j4 = justification(4);
  const j16 = justification(16);
  const j64 = justification(64);
  let sink = 0;
  const check = (ok: boolean): void => {
    if (!ok) throw new Error('a benchmark verification failed');
    sink++;
  };
  const s = runSuite(
    {
      sign: () => void (sink += blsSign(keys[1]!.secretKey, message)[0]!),
      verify: () => check(blsVerify(keys[0]!.publicKey, message, sig0)),
      fastAggregateVerify4: () => check(blsFastAggregateVerify(j4.pks, message, j4.agg)),
      fastAggregateVerify16: () => check(blsFastAggregateVerify(j16.pks, message, j16.agg)),
      fastAggregateVerify64: () => check(blsFastAggregateVerify(j64.pks, message, j64.agg)),
    },
    maxTime,
  );
  const ms = (k: string): number => round3((s[k]?.mean ?? Number.NaN) * 1000);
  log(`sign ${ms('sign')} ms, verify ${ms('verify')} ms, fastAggregateVerify 4/16/64 keys ${ms('fastAggregateVerify4')} / ${ms('fastAggregateVerify16')} / ${ms('fastAggregateVerify64')} ms`);

  // ---- the pool, single votes ----
  const sets: BlsSignatureSet[] = Array.from({ length: votes }, (_, i) => {
    const k = keys[i % keys.length]!;
    const m = new TextEncoder().encode(`prevote height ${4096 + Math.floor(i / keys.length)} round 0`);
    return { publicKeys: [k.publicKey], message: m, signature: blsSign(k.secretKey, m) };
  });
  const metrics = new NodeMetrics({ defaultMetrics: false });
  const jobsRun = async (): Promise<number> => (await metrics.jobs.get()).values.find((v) => v.labels.kind === 'bls')?.value ?? 0;
  const jobs = new JobPool({ threads, workerData: { chain: devnetChainIdentity() }, capacity: { bls: votes * 2 }, metrics });
  const verifier = new PoolBlsVerifier(jobs);
  const best = { mainThread: 0, poolUnbatched: 0, poolBatched: 0 };
  let batchedJobs = 0;
  try {
    const timed = async (fn: () => Promise<boolean[]> | boolean[]): Promise<number> => {
      const t = performance.now();
      const ok = await fn();
      const elapsed = performance.now() - t;
      if (!ok.every((v) => v)) throw new Error('a vote failed to verify');
      return votes / (elapsed / 1000);
    };
    // Warm up both threads (blst, key cache, JIT).
    await Promise.all(sets.slice(0, 256).map((v) => verifier.verifySignatureSets([v])));
    for (let r = 0; r < rounds; r++) {
      best.mainThread = Math.max(best.mainThread, await timed(() => sets.map((v) => blsVerify(v.publicKeys[0]!, v.message, v.signature))));
      best.poolUnbatched = Math.max(best.poolUnbatched, await timed(() => Promise.all(sets.map((v) => verifier.verifySignatureSets([v], { batchable: false })))));
      const jobsBefore = await jobsRun();
      const rate = await timed(() => Promise.all(sets.map((v) => verifier.verifySignatureSets([v]))));
      if (rate > best.poolBatched) {
        best.poolBatched = rate;
        batchedJobs = (await jobsRun()) - jobsBefore;
      }
      log(`round ${r + 1}: main thread ${best.mainThread.toFixed(0)}, pool one job per vote ${best.poolUnbatched.toFixed(0)}, pool batched ${best.poolBatched.toFixed(0)} votes/s (best so far)`);
    }
  } finally {
    verifier.close();
    await jobs.close();
  }
  const ratio = (a: number, b: number): number => Number((a / b).toFixed(2));
  const result: BlsBenchResult = {
    ...resultEnvelope(opts.command ?? currentCommand()),
    name: 'bls',
    library: '@chainsafe/blst',
    ms: {
      sign: ms('sign'),
      verify: ms('verify'),
      fastAggregateVerify: { keys4: ms('fastAggregateVerify4'), keys16: ms('fastAggregateVerify16'), keys64: ms('fastAggregateVerify64') },
    },
    rmePercent: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Number(v.rme.toFixed(1))])),
    pool: {
      threads,
      votes,
      rounds,
      votesPerSec: { mainThread: Math.round(best.mainThread), poolUnbatched: Math.round(best.poolUnbatched), poolBatched: Math.round(best.poolBatched) },
      batchedJobs,
      ratios: {
        batchedOverUnbatched: ratio(best.poolBatched, best.poolUnbatched),
        unbatchedOverMainThread: ratio(best.poolUnbatched, best.mainThread),
        batchedOverMainThread: ratio(best.poolBatched, best.mainThread),
      },
    },
  };
  log(
    `pool (${threads} threads, ${votes} votes): batched ×${result.pool.ratios.batchedOverUnbatched} over one job per vote, ` +
      `×${result.pool.ratios.batchedOverMainThread} over the main thread (${batchedJobs} jobs); sink ${sink > 0 ? 'ok' : '?'}`,
  );
  if (opts.resultsName !== null) log(`wrote ${writeResult(opts.resultsName ?? 'bls', result)}`);
  return result;
}

const script = process.argv[1];
if (script !== undefined && fileURLToPath(import.meta.url) === script) {
  await runBlsBench();
}
