// Poseidon(2) in WASM (assembly/poseidon) against poseidon-lite and circomlibjs's buildPoseidon,
// and a 1,024-leaf Merkle root, all in one process so the ratios share the same machine state.
// Batches (Merkle roots, hashMany) are also timed on both WASM paths, lockstep (two hashes per SIMD
// call, the default) and scalar, alternating call by call, and reported with their ratio.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/poseidon.bench.js
//
// Each contender hashes bigint inputs to a field element (circomlibjs returns its internal
// Montgomery form, which flatters it slightly). Figures are the best of 3 rounds (see measure).
// Writes bench/results/poseidon.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { poseidon2 } from 'poseidon-lite';
import { findPackageRoot } from '../src/wasm/load.js';
import { FIELD_MODULUS, PoseidonWasm, packFields } from '../src/wasm/poseidon.js';
import { measureBest } from './measure.js';

export interface PoseidonBenchResult {
  poseidon2Us: { wasm: number; poseidonLite: number; circomlibjs: number };
  speedupVsPoseidonLite: number;
  speedupVsCircomlibjs: number;
  merkle1024Ms: number;
  /** Per-hash cost of 1,000 Poseidon(2) in one hashMany call (bytes in, bytes out). */
  poseidon2BatchUs: number;
  /** Lockstep vs scalar WASM path, same run, alternating calls (medians; speedup = scalar/lockstep). */
  lockstep: {
    merkle1024: PathComparison;
    /** 1,000 records of 128 bytes, leaf at offset 32: a CDR batch as the node hashes it. */
    merkle1000Strided: PathComparison;
    /** hashMany(2, …) and hashMany(5, …) of 1,000 hashes, per hash. */
    hashMany2PerHash: PathComparison;
    hashMany5PerHash: PathComparison;
  };
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

/** Times in ms (Merkle) or µs (per hash); speedup = scalar / lockstep, the median of per-pair ratios. */
export interface PathComparison {
  lockstep: number;
  scalar: number;
  speedup: number;
  unit: 'ms' | 'us';
}

interface CircomPoseidon {
  (inputs: bigint[]): unknown;
}
// circomlibjs ships no type declarations: import it through a string so tsc does not resolve it.
const circomlibjsName: string = 'circomlibjs';

const measure = (cases: Record<string, () => unknown>, maxTime: number, rounds: number): Record<string, number> =>
  measureBest(cases, { maxTime, rounds, minSamples: 8 });

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Times `lockstep` and `scalar` alternately, `reps` calls each, so load from other processes hits
 * both alike; reports median ms per call (divided by `per`) and the median of per-pair ratios.
 */
function comparePaths(lockstep: () => unknown, scalar: () => unknown, reps: number, per: number, unit: 'ms' | 'us'): PathComparison {
  const scale = unit === 'ms' ? 1 / per : 1000 / per;
  const time = (fn: () => unknown): number => {
    const t0 = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  for (let i = 0; i < 3; i++) {
    lockstep();
    scalar();
  }
  const a: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < reps; i++) {
    // Swap the order every other pair so neither path always runs first.
    let x: number;
    let y: number;
    if (i % 2) {
      x = time(lockstep);
      y = time(scalar);
    } else {
      y = time(scalar);
      x = time(lockstep);
    }
    a.push(x);
    b.push(y);
    ratios.push(y / x);
  }
  return { lockstep: round(median(a) * scale), scalar: round(median(b) * scale), speedup: round(median(ratios)), unit };
}

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
  const batch5 = packFields(Array.from({ length: 5000 }, (_, k) => inputs[k % 1024] ?? 0n)); // 1,000 × 5
  const records = new Uint8Array(1000 * 128); // leaf at offset 32, junk around it
  records.fill(0xa5);
  for (let k = 0; k < 1000; k++) records.set(leaves.subarray(k * 32, k * 32 + 32), k * 128 + 32);

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

  const reps = Math.max(10, Math.round(maxTime * 12));
  const lockstep = {
    merkle1024: comparePaths(() => wasm.merkleRoot(leaves, 1024), () => wasm.merkleRoot(leaves, 1024, 'scalar'), reps, 1, 'ms'),
    merkle1000Strided: comparePaths(
      () => wasm.merkleRootStrided(records, 1000, 128, 32),
      () => wasm.merkleRootStrided(records, 1000, 128, 32, 'scalar'),
      reps,
      1,
      'ms',
    ),
    hashMany2PerHash: comparePaths(() => wasm.hashMany(2, batch, 1000), () => wasm.hashMany(2, batch, 1000, 'scalar'), reps, 1000, 'us'),
    hashMany5PerHash: comparePaths(() => wasm.hashMany(5, batch5, 1000), () => wasm.hashMany(5, batch5, 1000, 'scalar'), reps, 1000, 'us'),
  } satisfies PoseidonBenchResult['lockstep'];

  const result: PoseidonBenchResult = {
    poseidon2Us: { wasm: round(us('wasm')), poseidonLite: round(us('poseidonLite')), circomlibjs: round(us('circomlibjs')) },
    speedupVsPoseidonLite: round(us('poseidonLite') / us('wasm')),
    speedupVsCircomlibjs: round(us('circomlibjs') / us('wasm')),
    merkle1024Ms: round(us('merkle1024') / 1000),
    poseidon2BatchUs: round(us('hashMany1000') / 1000),
    lockstep,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
    command: opts.command ?? 'runPoseidonBench()',
    date: new Date().toISOString(),
  };

  log(`Poseidon(2) µs/op: wasm ${result.poseidon2Us.wasm}, poseidon-lite ${result.poseidon2Us.poseidonLite}, circomlibjs ${result.poseidon2Us.circomlibjs}`);
  log(`  wasm speedup: ×${result.speedupVsPoseidonLite} vs poseidon-lite, ×${result.speedupVsCircomlibjs} vs circomlibjs`);
  log(`  hashMany: ${result.poseidon2BatchUs} µs per Poseidon(2); Merkle root of 1,024 leaves: ${result.merkle1024Ms} ms`);
  const show = (name: string, c: PathComparison): void =>
    log(`  ${name}: lockstep ${c.lockstep} ${c.unit}, scalar ${c.scalar} ${c.unit}, ×${c.speedup}`);
  show('Merkle root, 1,024 leaves', lockstep.merkle1024);
  show('Merkle root, 1,000 strided 128-byte records', lockstep.merkle1000Strided);
  show('hashMany(2) per hash', lockstep.hashMany2PerHash);
  show('hashMany(5) per hash', lockstep.hashMany5PerHash);

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
