// Netting in the VM (issue 14 targets: 20 operators < 5 ms, 600 operators < 2 s): the settlement
// system contracts on synthetic consortia with every pair a relation, one bilateral statement per
// pair in the contract's storage (600 operators: 179,700 commitments, 359,400 storage words).
//
//   npx tsc -p tsconfig.build.json && node dist/bench/settlement/netting.js [--sizes 20,600] [--runs 5]
//   node dist/bench/run-all.js --only netting
//
// Committed mode: each operator's net commitment from the pairs' Pedersen commitments (BJJ_SUM),
// the transfers' sum and each transfer against its net. Plain mode: nets of plain amounts and the
// settling transfers. Times are the best of `runs` executions after one warm-up, contract only
// (the storage is an in-memory map; statements are prepared before timing). Writes
// bench/results/netting.json.
import { fileURLToPath } from 'node:url';
import { JUBJUB_ORDER, JubjubPoint, commit, netCommitments, toAffineBatch, type AffinePoint } from '../../src/settlement/commitment/index.js';
import { CommittedNettingContract, commitmentStorage, PlainNettingContract, plainPairWords, statementStorage } from '../../src/settlement/netting-contract.js';
import { SeededStream, syntheticConsortium } from '../../src/settlement/random-consortium.js';
import { loadSystemContracts } from '../../src/vm/system/index.js';
import { currentCommand, resultEnvelope, writeResult } from '../machine.js';

const PERIOD = 202_612n;
const TARGETS_MS: Readonly<Record<number, number>> = { 20: 5, 600: 2_000 };

export interface NettingSizeResult {
  operators: number;
  pairs: number;
  committedMs: number;
  committedGas: string;
  plainMs: number;
  plainGas: string;
  transfers: number;
  setupMs: number;
}

export interface NettingBenchResult {
  netting20Ms: number | null;
  netting600Ms: number | null;
  targets: { netting20Ms: number; netting600Ms: number };
  sizes: NettingSizeResult[];
  note: string;
}

/**
 * Pair commitments with known openings, cheaply: C_p = C_{p−1} + D_t for one of 64 precomputed
 * commitments D_t (one point addition per pair instead of two scalar multiplications).
 */
function pairCommitments(count: number, seed: string): JubjubPoint[] {
  const rng = new SeededStream(seed);
  const deltas = Array.from({ length: 64 }, () => commit(rng.below(1n << 40n) - (1n << 39n), rng.below(JUBJUB_ORDER)));
  const out: JubjubPoint[] = [];
  let c = commit(rng.below(1n << 40n), rng.below(JUBJUB_ORDER));
  for (let p = 0; p < count; p++) {
    c = c.add(deltas[Number(rng.below(64n))]!);
    out.push(c);
  }
  return out;
}

function best(runs: number, f: () => unknown): number {
  f(); // warm-up (V8 tiers, WASM Liftoff → TurboFan)
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    f();
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (ms < min) min = ms;
  }
  return Math.round(min * 1000) / 1000;
}

export function runNettingBench(opts: { sizes?: readonly number[]; runs?: number; log?: (l: string) => void } = {}): NettingBenchResult {
  const sizes = opts.sizes ?? [20, 600];
  const log = opts.log ?? ((l: string) => void process.stderr.write(`${l}\n`));
  const system = loadSystemContracts();
  const committed = CommittedNettingContract.from(system);
  const plain = PlainNettingContract.from(system);
  const results: NettingSizeResult[] = [];
  for (const n of sizes) {
    const runs = opts.runs ?? (n <= 100 ? 50 : 3);
    const pairs = (n * (n - 1)) / 2;
    const t0 = Date.now();
    const points = pairCommitments(pairs, `netting-bench-${n}`);
    const pairAffine: AffinePoint[] = toAffineBatch(points);
    const transfers = toAffineBatch(netCommitments(n, points));
    const cStorage = commitmentStorage(PERIOD, pairAffine);
    const { operators, amounts } = syntheticConsortium(n, `netting-bench-${n}`);
    const owed = new Map(amounts.map((a) => [`${a.debtor}>${a.creditor}`, a.amount]));
    const pStorage = statementStorage(PERIOD, plainPairWords(operators, (d, c) => owed.get(`${d}>${c}`) ?? 0n));
    const setupMs = Date.now() - t0;
    log(`${n} operators, ${pairs} pairs: statements prepared in ${setupMs} ms`);

    let committedGas = 0n;
    const committedMs = best(runs, () => {
      committedGas = committed.net(PERIOD, n, transfers, cStorage).gasUsed;
    });
    let plainGas = 0n;
    let transferCount = 0;
    const plainMs = best(runs, () => {
      const r = plain.net(PERIOD, operators, pStorage);
      plainGas = r.gasUsed;
      transferCount = r.transfers.length;
    });
    const target = TARGETS_MS[n];
    log(`${n} operators: committed ${committedMs} ms (${committedGas} gas)${target ? `, target < ${target} ms` : ''}; plain ${plainMs} ms (${plainGas} gas, ${transferCount} transfers)`);
    results.push({ operators: n, pairs, committedMs, committedGas: committedGas.toString(), plainMs, plainGas: plainGas.toString(), transfers: transferCount, setupMs });
  }
  const at = (n: number): number | null => results.find((r) => r.operators === n)?.committedMs ?? null;
  return {
    netting20Ms: at(20),
    netting600Ms: at(600),
    targets: { netting20Ms: TARGETS_MS[20]!, netting600Ms: TARGETS_MS[600]! },
    sizes: results,
    note: 'netting20Ms/netting600Ms: committed mode (the harder one), best of runs, contract execution only, storage in memory',
  };
}

export function writeNettingResult(r: NettingBenchResult, command = currentCommand()): string {
  return writeResult('netting', { name: 'netting', ...r, ...resultEnvelope(command) });
}

function listArg(name: string): number[] | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const xs = (process.argv[i + 1] ?? '').split(',').map(Number);
  for (const x of xs) if (!Number.isInteger(x) || x < 2 || x > 2047) throw new RangeError(`--${name}: operator counts 2..2047, e.g. 20,600`);
  return xs;
}

const script = process.argv[1];
if (script !== undefined && fileURLToPath(import.meta.url) === script) {
  const i = process.argv.indexOf('--runs');
  const runs = i < 0 ? undefined : Number(process.argv[i + 1]);
  if (runs !== undefined && !(Number.isInteger(runs) && runs >= 1)) throw new RangeError('--runs: a positive integer');
  const r = runNettingBench({ sizes: listArg('sizes'), ...(runs !== undefined ? { runs } : {}) });
  process.stderr.write(`wrote ${writeNettingResult(r)}\n`);
}
