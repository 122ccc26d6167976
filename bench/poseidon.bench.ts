// Poseidon(2) in WASM (assembly/poseidon) against poseidon-lite and circomlibjs's buildPoseidon,
// and a 1,024-leaf Merkle root, all in one process so the ratios share the same machine state.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/poseidon.bench.js
//
// Each contender hashes bigint inputs to a field element (circomlibjs returns its internal
// Montgomery form, which flatters it slightly). Figures are the best of 3 rounds (see measure).
// Writes bench/results/poseidon.json.

import Benchmark from 'benchmark';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { poseidon2 } from 'poseidon-lite';
import { findPackageRoot } from '../src/wasm/load.js';
import { FIELD_MODULUS, PoseidonWasm, packFields } from '../src/wasm/poseidon.js';

export interface PoseidonBenchResult {
  poseidon2Us: { wasm: number; poseidonLite: number; circomlibjs: number };
  speedupVsPoseidonLite: number;
  speedupVsCircomlibjs: number;
  merkle1024Ms: number;
  /** Per-hash cost of 1,000 Poseidon(2) in one hashMany call (bytes in, bytes out). */
  poseidon2BatchUs: number;
  machine: { cpu: string; cores: number; node: string };
  command: string;
  date: string;
}

export interface PoseidonBenchOptions {
  /** Seconds benchmark.js may spend per contender and round (default 1.5). */
  maxTime?: number;
  /** Rounds over all contenders; each keeps its best mean (default 3). */
  rounds?: number;
  /** Where to write the JSON; null to skip writing. Default bench/results/poseidon.json. */
  resultsPath?: string | null;
  /** Recorded as `command` in the result. */
  command?: string;
  log?: (line: string) => void;
}

interface CircomPoseidon {
  (inputs: bigint[]): unknown;
}
// circomlibjs ships no type declarations: import it through a string so tsc does not resolve it.
const circomlibjsName: string = 'circomlibjs';

/**
 * Mean seconds per call of each named function: benchmark.js suites run `rounds` times, keeping
 * each contender's best mean. Other processes share these 2 cores; a load spike during one
 * contender's turn would otherwise skew the ratios.
 */
function measure(cases: Record<string, () => unknown>, maxTime: number, rounds: number): Record<string, number> {
  const best: Record<string, number> = {};
  for (let round = 0; round < rounds; round++) {
    const suite = new Benchmark.Suite();
    for (const [name, fn] of Object.entries(cases)) suite.add(name, fn, { maxTime, minSamples: 8 });
    suite.on('cycle', (event: Benchmark.Event) => {
      const bench = event.target;
      const error: unknown = (bench as { error?: unknown }).error;
      if (error !== undefined) throw error;
      const name = bench.name ?? '?';
      best[name] = Math.min(best[name] ?? Infinity, bench.stats?.mean ?? Infinity);
    });
    suite.run({ async: false });
  }
  return best;
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

export async function runPoseidonBench(opts: PoseidonBenchOptions = {}): Promise<PoseidonBenchResult> {
  const maxTime = opts.maxTime ?? 1.5;
  const rounds = opts.rounds ?? 3;
  const log = opts.log ?? ((line: string) => console.log(line));
  const wasm = PoseidonWasm.load();
  const lib = (await import(circomlibjsName)) as { buildPoseidon(): Promise<CircomPoseidon> };
  const circom = await lib.buildPoseidon();

  // Varying inputs defeat any caching; all are canonical.
  const inputs = Array.from({ length: 1024 }, (_, i) => (BigInt(i + 1) * 0x9e3779b97f4a7c15f39cc0605cedc834n) % FIELD_MODULUS);
  const pair = (i: number): [bigint, bigint] => [inputs[i & 1023] ?? 0n, inputs[(i + 1) & 1023] ?? 0n];
  const leaves = packFields(inputs);
  const batch = packFields([...inputs, ...inputs.slice(0, 976)]); // 1,000 pairs

  // Warm up: V8 runs WASM in Liftoff first and tiers up to TurboFan in the background.
  for (let i = 0; i < 3000; i++) wasm.hash(pair(i));
  for (let i = 0; i < 300; i++) poseidon2(pair(i));
  for (let i = 0; i < 1000; i++) circom(pair(i));

  let i = 0;
  const s = measure(
    {
      wasm: () => wasm.hash(pair(i++)),
      poseidonLite: () => poseidon2(pair(i++)),
      circomlibjs: () => circom(pair(i++)),
      merkle1024: () => wasm.merkleRoot(leaves, 1024),
      hashMany1000: () => wasm.hashMany(2, batch, 1000),
    },
    maxTime,
    rounds,
  );
  const us = (name: string): number => (s[name] ?? Number.NaN) * 1e6;

  const result: PoseidonBenchResult = {
    poseidon2Us: { wasm: round(us('wasm')), poseidonLite: round(us('poseidonLite')), circomlibjs: round(us('circomlibjs')) },
    speedupVsPoseidonLite: round(us('poseidonLite') / us('wasm')),
    speedupVsCircomlibjs: round(us('circomlibjs') / us('wasm')),
    merkle1024Ms: round(us('merkle1024') / 1000),
    poseidon2BatchUs: round(us('hashMany1000') / 1000),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
    command: opts.command ?? 'runPoseidonBench()',
    date: new Date().toISOString(),
  };

  log(`Poseidon(2) µs/op: wasm ${result.poseidon2Us.wasm}, poseidon-lite ${result.poseidon2Us.poseidonLite}, circomlibjs ${result.poseidon2Us.circomlibjs}`);
  log(`  wasm speedup: ×${result.speedupVsPoseidonLite} vs poseidon-lite, ×${result.speedupVsCircomlibjs} vs circomlibjs`);
  log(`  hashMany: ${result.poseidon2BatchUs} µs per Poseidon(2); Merkle root of 1,024 leaves: ${result.merkle1024Ms} ms`);

  const path = opts.resultsPath === undefined ? join(findPackageRoot(), 'bench/results/poseidon.json') : opts.resultsPath;
  if (path !== null) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(result, null, 2) + '\n');
    log(`wrote ${relative(process.cwd(), path)}`);
  }
  return result;
}

const script = process.argv[1];
if (script !== undefined && fileURLToPath(import.meta.url) === script) {
  await runPoseidonBench({ command: `node ${relative(findPackageRoot(), script)}` });
}
