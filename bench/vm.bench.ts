// The WASM interpreter against the TypeScript reference on the same programs (a simple-instruction
// loop, an arithmetic-heavy loop, a memory-heavy loop), WASM instructions per second, and a
// netting-sized program: 100 operators' bilateral positions (a 100×100 matrix of signed 64-bit
// amounts in calldata, 80,000 bytes) reduced to 100 net positions in memory.
//
//   npx tsc -p tsconfig.build.json && node dist/bench/vm.bench.js
//
// Figures are the best mean of `rounds` benchmark.js rounds. Writes bench/results/vm.json.

import { fileURLToPath } from 'node:url';
import { wrapCode } from '../src/vm/container.js';
import { asm } from '../src/vm/conformance-vectors.js';
import type { ExecutionContext, ExecutionResult, HostFunctions, Interpreter } from '../src/vm/execution.js';
import { EMPTY_STORAGE, NO_HOST_FUNCTIONS, WasmInterpreter } from '../src/vm/interpreter.js';
import { Status, statusName } from '../src/vm/opcodes.js';
import { ReferenceInterpreter } from '../src/vm/reference.js';
import { resultEnvelope, writeResult, type ResultEnvelope } from './machine.js';
import { measureBest } from './measure.js';

export interface VmBenchResult extends ResultEnvelope {
  /** Reference time / WASM time, per program, and their geometric mean. */
  vmSpeedup: number;
  vmSpeedupByProgram: { simpleLoop: number; arithmeticLoop: number; memoryLoop: number };
  /** WASM, simple loop: steps / second. */
  vmInstructionsPerSec: number;
  /** Mean ms per execution, per program and interpreter. */
  programsMs: Record<string, { wasm: number; reference: number; steps: number; gasUsed: string }>;
  netting: { operators: number; wasmMs: number; referenceMs: number; steps: number; gasUsed: string; targetMs: number; meetsTarget: boolean };
}

export interface VmBenchOptions {
  /** Seconds benchmark.js may spend per contender and round (default 1). */
  maxTime?: number;
  /** Rounds; each contender keeps its best mean (default 2). */
  rounds?: number;
  /** Write bench/results/vm.json (default true). */
  write?: boolean;
  log?: (line: string) => void;
}

/** `n` iterations of JUMPDEST PUSH1 SWAP1 SUB DUP1 PUSH1 JUMPI: 7 cheap instructions per turn. */
export function simpleLoop(n: number): Uint8Array {
  return asm(`PUSH3 ${n} loop: JUMPDEST PUSH1 1 SWAP1 SUB DUP1 PUSH1 @loop JUMPI STOP`);
}

const P = (1n << 255n) - 19n;
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** x ← x² mod p + 7, xorshift, x + x³, a field square: 256-bit arithmetic each turn. Stack [n, x]. */
export function arithmeticLoop(n: number): Uint8Array {
  return asm(`
    PUSH3 ${n} PUSH1 3
    loop: JUMPDEST
      PUSH32 ${P} DUP2 DUP1 MULMOD SWAP1 POP
      PUSH1 7 ADD
      DUP1 PUSH1 13 SHR XOR
      PUSH1 3 DUP2 EXP ADD
      PUSH32 ${R} DUP2 MOD DUP1 FMUL XOR
      SWAP1 PUSH1 1 SWAP1 SUB DUP1 SWAP2 SWAP1 PUSH1 @loop JUMPI
    PUSH0 MSTORE PUSH1 32 PUSH0 RETURN`);
}

/** MSTORE, MLOAD, MSTORE8 and a 64-byte MCOPY each turn over a 64 KiB window. */
export function memoryLoop(n: number): Uint8Array {
  return asm(`
    PUSH3 ${n}
    loop: JUMPDEST
      DUP1 DUP1 PUSH1 5 SHL PUSH2 0xffe0 AND MSTORE
      DUP1 PUSH1 7 SHL PUSH2 0xffe0 AND MLOAD
      DUP2 MSTORE8
      PUSH1 64 PUSH2 0x0100 DUP3 PUSH1 6 SHL PUSH2 0x7fc0 AND PUSH2 0x8000 OR MCOPY
      PUSH1 1 SWAP1 SUB DUP1 PUSH1 @loop JUMPI
    STOP`);
}

/**
 * Net positions of `operators` operators: calldata holds amount[i][j] (what i owes j) as 8-byte
 * big-endian two's complement, row-major; net[i] = Σ_j amount[j][i] − amount[i][j], kept at
 * mem[32·i] and returned (32 bytes per operator).
 */
export function nettingProgram(operators: number): Uint8Array {
  const cells = operators * operators;
  return asm(`
    PUSH0
    loop: JUMPDEST
      PUSH1 8 DUP2 MUL CALLDATALOAD PUSH1 192 SAR
      PUSH1 ${operators} DUP3 DIV PUSH1 5 SHL
      DUP1 MLOAD DUP3 SWAP1 SUB SWAP1 MSTORE
      PUSH1 ${operators} DUP3 MOD PUSH1 5 SHL
      DUP1 MLOAD DUP3 ADD SWAP1 MSTORE
      POP
      PUSH1 1 ADD
      DUP1 PUSH3 ${cells} GT PUSH1 @loop JUMPI
    PUSH2 ${operators * 32} PUSH0 RETURN`);
}

/** A deterministic matrix of signed amounts, and the net positions it should produce. */
export function nettingInput(operators: number): { calldata: Uint8Array; nets: bigint[] } {
  const calldata = new Uint8Array(operators * operators * 8);
  const view = new DataView(calldata.buffer);
  const nets = new Array<bigint>(operators).fill(0n);
  let seed = 0x2545f4914f6cdd1dn;
  for (let i = 0; i < operators; i++) {
    for (let j = 0; j < operators; j++) {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
      const amount = i === j ? 0n : BigInt.asIntN(64, seed) >> 20n; // ±2^43 minor units
      view.setBigInt64((i * operators + j) * 8, amount);
      nets[i]! -= amount;
      nets[j]! += amount;
    }
  }
  return { calldata, nets };
}

const measure = (cases: Record<string, () => unknown>, maxTime: number, rounds: number): Record<string, number> =>
  measureBest(cases, { maxTime, rounds, minSamples: 5 });

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

export function runVmBench(opts: VmBenchOptions = {}): VmBenchResult {
  const maxTime = opts.maxTime ?? 1;
  const rounds = opts.rounds ?? 2;
  const log = opts.log ?? ((line: string) => console.log(line));
  const wasm = WasmInterpreter.load();
  const reference = new ReferenceInterpreter();
  const host: HostFunctions = NO_HOST_FUNCTIONS;
  const ctx = (calldata: Uint8Array = new Uint8Array(0)): ExecutionContext => ({
    address: 1n, caller: 26201n, height: 1n, timestampMs: 0n, calldata, gasLimit: 100_000_000n,
  });
  const run = (vm: Interpreter, code: Uint8Array, c: ExecutionContext): ExecutionResult => {
    const r = vm.execute(code, c, EMPTY_STORAGE, host);
    if (r.status !== Status.Success) throw new Error(`bench program ended ${statusName(r.status)} at pc ${r.pc}`);
    return r;
  };

  // Sized so one reference run stays around 100 ms; both interpreters run the same containers.
  const programs = {
    simpleLoop: wrapCode(simpleLoop(20_000)),
    arithmeticLoop: wrapCode(arithmeticLoop(2_000)),
    memoryLoop: wrapCode(memoryLoop(5_000)),
  };
  const programsMs: VmBenchResult['programsMs'] = {};
  const speedups: Record<string, number> = {};
  for (const [name, code] of Object.entries(programs)) {
    const a = run(wasm, code, ctx());
    const b = run(reference, code, ctx());
    if (a.gasUsed !== b.gasUsed || a.steps !== b.steps) throw new Error(`${name}: interpreters disagree`);
    for (let i = 0; i < 20; i++) run(wasm, code, ctx()); // let V8 tier the WASM up
    const t = measure({ wasm: () => run(wasm, code, ctx()), reference: () => run(reference, code, ctx()) }, maxTime, rounds);
    const w = (t['wasm'] ?? NaN) * 1e3;
    const r = (t['reference'] ?? NaN) * 1e3;
    programsMs[name] = { wasm: round(w, 4), reference: round(r, 3), steps: a.steps, gasUsed: a.gasUsed.toString() };
    speedups[name] = round(r / w, 1);
    log(`${name}: ${a.steps} steps, WASM ${w.toFixed(3)} ms, reference ${r.toFixed(1)} ms, ×${speedups[name]}`);
  }

  // Instructions per second: a long simple loop on WASM only.
  const long = wrapCode(simpleLoop(1_000_000));
  const longSteps = run(wasm, long, ctx()).steps;
  const longS = measure({ wasm: () => run(wasm, long, ctx()) }, maxTime, rounds)['wasm'] ?? NaN;
  const vmInstructionsPerSec = Math.round(longSteps / longS);
  log(`WASM simple loop: ${longSteps} steps in ${(longS * 1e3).toFixed(2)} ms = ${(vmInstructionsPerSec / 1e6).toFixed(1)} M instructions/s`);

  // Netting: 100 operators.
  const operators = 100;
  const { calldata, nets } = nettingInput(operators);
  const netting = wrapCode(nettingProgram(operators));
  const nctx = ctx(calldata);
  const out = run(wasm, netting, nctx);
  const got = Array.from({ length: operators }, (_, i) => BigInt.asIntN(256, BigInt('0x' + Buffer.from(out.output.subarray(32 * i, 32 * i + 32)).toString('hex'))));
  if (got.some((x, i) => x !== nets[i])) throw new Error('netting program computed wrong net positions');
  const refOut = run(reference, netting, nctx);
  if (Buffer.compare(Buffer.from(refOut.output), Buffer.from(out.output)) !== 0 || refOut.gasUsed !== out.gasUsed) throw new Error('netting: interpreters disagree');
  for (let i = 0; i < 20; i++) run(wasm, netting, nctx);
  const nt = measure({ wasm: () => run(wasm, netting, nctx), reference: () => run(reference, netting, nctx) }, maxTime, rounds);
  const nettingMs = (nt['wasm'] ?? NaN) * 1e3;
  log(`netting ${operators} operators: ${out.steps} steps, ${out.gasUsed} gas, WASM ${nettingMs.toFixed(3)} ms, reference ${((nt['reference'] ?? NaN) * 1e3).toFixed(1)} ms`);

  const values = Object.values(speedups);
  const geo = Math.exp(values.reduce((s, x) => s + Math.log(x), 0) / values.length);
  const result: VmBenchResult = {
    ...resultEnvelope('node dist/bench/vm.bench.js'),
    vmSpeedup: round(geo, 1),
    vmSpeedupByProgram: { simpleLoop: speedups['simpleLoop'] ?? NaN, arithmeticLoop: speedups['arithmeticLoop'] ?? NaN, memoryLoop: speedups['memoryLoop'] ?? NaN },
    vmInstructionsPerSec,
    programsMs,
    netting: {
      operators, wasmMs: round(nettingMs, 3), referenceMs: round((nt['reference'] ?? NaN) * 1e3, 1), steps: out.steps, gasUsed: out.gasUsed.toString(),
      targetMs: 5, meetsTarget: nettingMs < 5,
    },
  };
  if (opts.write ?? true) log(`wrote ${writeResult('vm', result)}`);
  return result;
}

const script = process.argv[1];
if (script !== undefined && fileURLToPath(import.meta.url) === script) runVmBench();
