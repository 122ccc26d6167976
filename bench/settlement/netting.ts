// Netting in the VM (issue 14 targets: 20 operators < 5 ms, 600 operators < 2 s): the settlement
// system contracts on synthetic consortia with every pair a relation, one bilateral statement per
// pair in the contract's storage (600 operators: 179,700 commitments, 359,400 storage words).
//
//   npx tsc -p tsconfig.build.json && node dist/bench/settlement/netting.js [--sizes 20,600] [--runs 5]
//   node dist/bench/run-all.js --only netting
//
// Committed mode: each operator's net commitment from the pairs' Pedersen commitments (BJJ_SUM),
// the transfers' sum and each transfer against its net; timed twice in the same run, with BJJ_SUM
// in WASM (the node's) and with @noble/curves (the reference, `committedNobleMs`; results and gas
// must be identical). `bjjSum1000`: one BJJ_SUM of 1,000 points (600 added, 400 subtracted), noble
// vs WASM. Plain mode: nets of plain amounts and the
// settling transfers. Times are the best of `runs` executions after one warm-up, contract only
// (the storage is an in-memory map; statements are prepared before timing). Writes
// bench/results/netting.json.
import { fileURLToPath } from 'node:url';
import { JUBJUB_ORDER, JubjubPoint, commit, netCommitments, toAffineBatch, type AffinePoint } from '../../src/settlement/commitment/index.js';
import { CommittedNettingContract, commitmentStorage, PlainNettingContract, plainPairWords, statementStorage } from '../../src/settlement/netting-contract.js';
import { SeededStream, syntheticConsortium } from '../../src/settlement/random-consortium.js';
import { loadSystemContracts } from '../../src/vm/system/index.js';
import { bjjSum, bjjSumNoble, nodeHostFunctions } from '../../src/vm/node-host.js';
import { currentCommand, resultEnvelope, writeResult } from '../machine.js';

const PERIOD = 202_612n;
const TARGETS_MS: Readonly<Record<number, number>> = { 20: 5, 600: 2_000 };

export interface NettingSizeResult {
  operators: number;
  pairs: number;
  committedMs: number;
  committedGas: string;
  /** The same committed netting with BJJ_SUM computed by @noble/curves (the pre-WASM host). */
  committedNobleMs: number;
  plainMs: number;
  plainGas: string;
  transfers: number;
  setupMs: number;
}

export interface NettingBenchResult {
  netting20Ms: number | null;
  netting600Ms: number | null;
  targets: { netting20Ms: number; netting600Ms: number };
  /** One BJJ_SUM over 1,000 points: best of runs, ms, and noble / WASM. */
  bjjSum1000: { nobleMs: number; wasmMs: number; ratio: number };
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
  const committedNoble = CommittedNettingContract.from(system, undefined, { ...nodeHostFunctions(), bjjSum: bjjSumNoble });
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
    let nets = '';
    const committedMs = best(runs, () => {
      const r = committed.net(PERIOD, n, transfers, cStorage);
      committedGas = r.gasUsed;
      nets = JSON.stringify(r.nets, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    });
    const committedNobleMs = best(runs, () => {
      const r = committedNoble.net(PERIOD, n, transfers, cStorage);
      const same = r.gasUsed === committedGas && JSON.stringify(r.nets, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) === nets;
      if (!same) throw new Error(`${n} operators: BJJ_SUM in WASM and @noble/curves disagree (gas ${committedGas} vs ${r.gasUsed})`);
    });
    let plainGas = 0n;
    let transferCount = 0;
    const plainMs = best(runs, () => {
      const r = plain.net(PERIOD, operators, pStorage);
      plainGas = r.gasUsed;
      transferCount = r.transfers.length;
    });
    const target = TARGETS_MS[n];
    log(`${n} operators: committed ${committedMs} ms (${committedGas} gas)${target ? `, target < ${target} ms` : ''}, with noble's BJJ_SUM ${committedNobleMs} ms; plain ${plainMs} ms (${plainGas} gas, ${transferCount} transfers)`);
    results.push({ operators: n, pairs, committedMs, committedGas: committedGas.toString(), committedNobleMs, plainMs, plainGas: plainGas.toString(), transfers: transferCount, setupMs });
  }
  const bjj = bjjSumBench(pairCommitments(1000, 'netting-bench-bjj-sum'));
  log(`BJJ_SUM of 1,000 points: noble ${bjj.nobleMs} ms, WASM ${bjj.wasmMs} ms (×${bjj.ratio})`);
  const at = (n: number): number | null => results.find((r) => r.operators === n)?.committedMs ?? null;
  return {
    netting20Ms: at(20),
    netting600Ms: at(600),
    targets: { netting20Ms: TARGETS_MS[20]!, netting600Ms: TARGETS_MS[600]! },
    bjjSum1000: bjj,
    sizes: results,
    note: "netting20Ms/netting600Ms: committed mode (the harder one), best of runs, contract execution only, storage in memory; committedNobleMs: the same with @noble/curves' BJJ_SUM",
  };
}

/** BJJ_SUM over `points` (the first 600 added, the rest subtracted): noble vs WASM, same bytes. */
function bjjSumBench(points: readonly JubjubPoint[]): NettingBenchResult['bjjSum1000'] {
  const bytes = new Uint8Array(64 * points.length);
  const view = new DataView(bytes.buffer);
  toAffineBatch([...points]).forEach(({ x, y }, i) => {
    for (const [at, v] of [[64 * i, x], [64 * i + 32, y]] as const) {
      for (let k = 0; k < 4; k++) view.setBigUint64(at + 8 * k, BigInt.asUintN(64, v >> BigInt(192 - 64 * k)));
    }
  });
  const added = Math.min(600, points.length);
  const subtracted = points.length - added;
  const hex = (b: Uint8Array | undefined): string => (b === undefined ? 'refused' : Buffer.from(b).toString('hex'));
  if (hex(bjjSum(bytes, added, subtracted)) !== hex(bjjSumNoble(bytes, added, subtracted))) throw new Error('BJJ_SUM: WASM and @noble/curves disagree');
  const repeat = (f: () => unknown): number => best(20, f);
  const nobleMs = repeat(() => bjjSumNoble(bytes, added, subtracted));
  const wasmMs = repeat(() => bjjSum(bytes, added, subtracted));
  return { nobleMs, wasmMs, ratio: Math.round((nobleMs / wasmMs) * 10) / 10 };
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
