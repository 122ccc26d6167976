/**
 * Conformance vectors for bytecode version 1 (docs/vm.md): small programs with the exact result the
 * spec demands. Every expected gas figure was worked out by hand from docs/vm.md (the arithmetic is
 * in the comments), never by running an interpreter, so a bug shared by both interpreters still
 * fails here. Run by src/vm/conformance.test.ts against every implementation.
 *
 * Conventions: gas per instruction as in the spec table; `RET_TOP` (PUSH0 MSTORE PUSH1 0x20 PUSH0
 * RETURN) exposes the top of the stack and costs 2+3+3+3+2+0 = 13 when memory is still empty (its
 * MSTORE grows memory to 1 word: 3·1 + 0), or 10 when the first word already exists. It is 5 steps.
 */
import { createHash } from 'node:crypto';
import type { HostFunctions, VmEvent } from './execution.js';
import { OPCODES_BY_NAME, Status, WORD_MASK } from './opcodes.js';
import { PoseidonWasm } from '../wasm/poseidon.js';
import { babyjubjub } from '@noble/curves/misc.js';
import { bjjSum } from './node-host.js';

/** Baby Jubjub's prime-order base (circomlib Base8) and its double, for the BJJ_SUM vectors. */
const BASE8 = babyjubjub.Point.BASE.toAffine();
const BASE8_TWICE = babyjubjub.Point.BASE.double().toAffine();

// --- a tiny assembler ---------------------------------------------------------------------------

/**
 * Assembles whitespace-separated tokens: opcode names; a value after PUSHn / HOST (hex `0x…`,
 * decimal, `-N` as two's complement, or `@label`); `label:` marks the next byte's offset;
 * `.byte 0xNN` emits a raw byte (invalid opcodes, truncated immediates).
 */
export function asm(source: string): Uint8Array {
  const tokens = source.trim().split(/\s+/).filter((t) => t !== '');
  const assemble = (labels: Map<string, number>, final: boolean): number[] => {
    const out: number[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.endsWith(':')) {
        labels.set(t.slice(0, -1), out.length);
        continue;
      }
      if (t === '.byte') {
        out.push(Number(tokens[++i]));
        continue;
      }
      const info = OPCODES_BY_NAME.get(t);
      if (info === undefined) throw new Error(`asm: unknown token ${t}`);
      out.push(info.code);
      if (info.immediate === 0) continue;
      const arg = tokens[++i];
      if (arg === undefined) throw new Error(`asm: ${t} needs a value`);
      let value: bigint;
      if (arg.startsWith('@')) {
        const at = labels.get(arg.slice(1));
        if (at === undefined && final) throw new Error(`asm: unknown label ${arg}`);
        value = BigInt(at ?? 0);
      } else {
        value = arg.startsWith('-') ? (1n << BigInt(8 * info.immediate)) - BigInt(arg.slice(1)) : BigInt(arg);
      }
      for (let k = info.immediate - 1; k >= 0; k--) out.push(Number((value >> BigInt(8 * k)) & 0xffn));
    }
    return out;
  };
  const labels = new Map<string, number>();
  assemble(labels, false); // first pass: label offsets (sizes do not depend on label values)
  return Uint8Array.from(assemble(labels, true));
}

export function word(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = x & WORD_MASK;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const neg = (x: bigint): bigint => ((1n << 256n) - x) & WORD_MASK;
const seq = (from: number, n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => from + i);
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

// --- vectors ------------------------------------------------------------------------------------

export interface VectorContext {
  readonly address: bigint;
  readonly caller: bigint;
  readonly height: bigint;
  readonly timestampMs: bigint;
}

export interface Expected {
  readonly status: Status;
  readonly gasUsed: bigint;
  /** Default: empty. */
  readonly output?: Uint8Array;
  /** Default: none. */
  readonly storageWrites?: readonly (readonly [bigint, bigint])[];
  /** Default: none. */
  readonly events?: readonly VmEvent[];
  readonly pc?: number;
  readonly steps?: number;
}

export interface ConformanceVector {
  readonly name: string;
  /** Raw code; the test wraps it in a container. */
  readonly code: Uint8Array;
  readonly gasLimit: bigint;
  readonly calldata: Uint8Array;
  readonly storage: readonly (readonly [bigint, bigint])[];
  readonly expect: Expected;
}

export const VECTOR_CONTEXT: VectorContext = {
  address: 0xc0ffeen,
  caller: 26201n, // 0x6659, a PLMN id
  height: 1234n,
  timestampMs: 1_700_000_000_000n,
};

const DEFAULT_GAS = 1_000_000n;
const RET_TOP = 'PUSH0 MSTORE PUSH1 0x20 PUSH0 RETURN';
/** 32 bytes 0x01..0x20, used as a recognisable word. */
const W = 0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20n;
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** 36 bytes of calldata 0x01..0x24 for the CALLDATA* vectors. */
const CALLDATA = seq(1, 36);

interface VectorOptions {
  gasLimit?: bigint;
  calldata?: Uint8Array;
  storage?: readonly (readonly [bigint, bigint])[];
}

export const vectors: ConformanceVector[] = [];

function vector(name: string, source: string | Uint8Array, expect: Expected, opts: VectorOptions = {}): void {
  vectors.push({
    name,
    code: typeof source === 'string' ? asm(source) : source,
    gasLimit: opts.gasLimit ?? DEFAULT_GAS,
    calldata: opts.calldata ?? new Uint8Array(0),
    storage: opts.storage ?? [],
    expect,
  });
}

/** `prefix` then RET_TOP on empty memory: success with `result` as output; `gas`/`steps` of the prefix. */
function top(name: string, prefix: string, gas: number, steps: number, result: bigint, opts: VectorOptions = {}): void {
  const code = asm(`${prefix} ${RET_TOP}`);
  vector(name, code, { status: Status.Success, gasUsed: BigInt(gas + 13), output: word(result), pc: code.length - 1, steps: steps + 5 }, opts);
}

/** A fault: all gas charged, nothing kept; `pc`/`steps` of the faulting instruction. */
function fault(name: string, source: string | Uint8Array, status: Status, pc: number, steps: number, opts: VectorOptions = {}): void {
  vector(name, source, { status, gasUsed: opts.gasLimit ?? DEFAULT_GAS, pc, steps }, opts);
}

// Halting.
vector('STOP', 'STOP', { status: Status.Success, gasUsed: 0n, pc: 0, steps: 1 });
vector('end of code is STOP', 'PUSH1 1', { status: Status.Success, gasUsed: 3n, pc: 2, steps: 2 });
// PUSH2 with one immediate byte: it reads 0x12 0x00; the implicit STOP's pc is past the end (3).
vector('truncated PUSH2 then implicit STOP', '.byte 0x61 .byte 0x12', { status: Status.Success, gasUsed: 3n, pc: 3, steps: 2 });
vector('STOP with gas 0', 'STOP', { status: Status.Success, gasUsed: 0n, pc: 0, steps: 1 }, { gasLimit: 0n });
fault('PUSH0 with gas 0', 'PUSH0', Status.OutOfGas, 0, 1, { gasLimit: 0n });

// Arithmetic: prefix gas is the PUSHes (PUSH0 2, PUSHn 3) plus the operation.
top('ADD', 'PUSH1 2 PUSH1 3 ADD', 3 + 3 + 3, 3, 5n);
top('ADD wraps', 'PUSH32 -1 PUSH1 1 ADD', 9, 3, 0n);
top('MUL', 'PUSH1 6 PUSH1 7 MUL', 3 + 3 + 5, 3, 42n);
top('MUL wraps', 'PUSH32 0x8000000000000000000000000000000000000000000000000000000000000000 PUSH1 2 MUL', 11, 3, 0n);
top('SUB a-b with a on top', 'PUSH1 3 PUSH1 10 SUB', 9, 3, 7n);
top('SUB wraps', 'PUSH1 1 PUSH0 SUB', 3 + 2 + 3, 3, WORD_MASK);
top('DIV', 'PUSH1 3 PUSH1 10 DIV', 11, 3, 3n);
top('DIV by zero', 'PUSH0 PUSH1 10 DIV', 2 + 3 + 5, 3, 0n);
top('SDIV -2^255 / -1', 'PUSH32 -1 PUSH32 0x8000000000000000000000000000000000000000000000000000000000000000 SDIV', 11, 3, 1n << 255n);
top('SDIV -7 / 2 truncates', 'PUSH1 2 PUSH32 -7 SDIV', 11, 3, neg(3n));
top('SDIV 7 / -2 truncates', 'PUSH32 -2 PUSH1 7 SDIV', 11, 3, neg(3n));
top('SDIV by zero', 'PUSH0 PUSH32 -7 SDIV', 10, 3, 0n);
top('MOD', 'PUSH1 3 PUSH1 10 MOD', 11, 3, 1n);
top('MOD by zero', 'PUSH0 PUSH1 10 MOD', 10, 3, 0n);
top('SMOD -7 % 2 takes the sign of a', 'PUSH1 2 PUSH32 -7 SMOD', 11, 3, WORD_MASK);
top('SMOD 7 % -2', 'PUSH32 -2 PUSH1 7 SMOD', 11, 3, 1n);
top('SMOD by zero', 'PUSH0 PUSH32 -7 SMOD', 10, 3, 0n);
// (2^256−1)·2 mod 7 = 2 (2^256 ≡ 2 mod 7): needs the 257-bit intermediate.
top('ADDMOD 257-bit intermediate', 'PUSH1 7 PUSH32 -1 PUSH32 -1 ADDMOD', 3 + 3 + 3 + 8, 4, 2n);
top('ADDMOD mod 0', 'PUSH0 PUSH1 1 PUSH1 2 ADDMOD', 2 + 3 + 3 + 8, 4, 0n);
// (2^256−1)^2 mod 12345 = 0x13b (python: ((2**256-1)**2) % 12345).
top('MULMOD 512-bit intermediate', 'PUSH2 12345 PUSH32 -1 PUSH32 -1 MULMOD', 17, 4, 0x13bn);
top('MULMOD mod 0', 'PUSH0 PUSH1 3 PUSH1 2 MULMOD', 16, 4, 0n);
// EXP: 10 + 50 per byte of the exponent.
top('EXP 2^10 (1 exponent byte)', 'PUSH1 10 PUSH1 2 EXP', 3 + 3 + 10 + 50, 3, 1024n);
top('EXP x^0 (0 exponent bytes)', 'PUSH0 PUSH1 5 EXP', 2 + 3 + 10, 3, 1n);
top('EXP 0^0', 'PUSH0 PUSH0 EXP', 2 + 2 + 10, 3, 1n);
top('EXP 3^256 (2 exponent bytes)', 'PUSH2 0x0100 PUSH1 3 EXP', 3 + 3 + 10 + 100, 3, 0xc7adeeb80d4fff81fed242815e55bc8375a205de07597d51d2105f2f0730f401n);
top('EXP 2^(2^256-1) (32 exponent bytes)', 'PUSH32 -1 PUSH1 2 EXP', 3 + 3 + 10 + 1600, 3, 0n);
top('EXP leading zero bytes of the immediate do not count', 'PUSH32 0x01 PUSH1 2 EXP', 3 + 3 + 10 + 50, 3, 2n);
top('SIGNEXTEND byte 0 negative', 'PUSH1 0xff PUSH0 SIGNEXTEND', 3 + 2 + 5, 3, WORD_MASK);
top('SIGNEXTEND byte 0 positive clears above', 'PUSH2 0xff7f PUSH0 SIGNEXTEND', 3 + 2 + 5, 3, 0x7fn);
top('SIGNEXTEND byte 1', 'PUSH2 0x8001 PUSH1 1 SIGNEXTEND', 11, 3, neg(0x7fffn));
top('SIGNEXTEND a = 30', 'PUSH32 0x0080000000000000000000000000000000000000000000000000000000000000 PUSH1 30 SIGNEXTEND', 11, 3, WORD_MASK ^ ((1n << 247n) - 1n));
top('SIGNEXTEND a = 31 leaves b', 'PUSH32 0x8000000000000000000000000000000000000000000000000000000000000001 PUSH1 31 SIGNEXTEND', 11, 3, (1n << 255n) | 1n);
top('SIGNEXTEND a = 2^256-1 leaves b', 'PUSH1 0xff PUSH32 -1 SIGNEXTEND', 11, 3, 0xffn);

// Comparison and bitwise.
top('LT', 'PUSH1 2 PUSH1 1 LT', 9, 3, 1n);
top('LT unsigned -1', 'PUSH1 1 PUSH32 -1 LT', 9, 3, 0n);
top('GT', 'PUSH1 2 PUSH1 1 GT', 9, 3, 0n);
top('SLT -1 < 1', 'PUSH1 1 PUSH32 -1 SLT', 9, 3, 1n);
top('SGT 1 > -1', 'PUSH32 -1 PUSH1 1 SGT', 9, 3, 1n);
top('EQ', 'PUSH1 5 PUSH1 5 EQ', 9, 3, 1n);
top('ISZERO 0', 'PUSH0 ISZERO', 2 + 3, 2, 1n);
top('ISZERO 3', 'PUSH1 3 ISZERO', 6, 2, 0n);
top('AND', 'PUSH1 0x0c PUSH1 0x0a AND', 9, 3, 0x08n);
top('OR', 'PUSH1 0x0c PUSH1 0x0a OR', 9, 3, 0x0en);
top('XOR', 'PUSH1 0x0c PUSH1 0x0a XOR', 9, 3, 0x06n);
top('NOT', 'PUSH0 NOT', 5, 2, WORD_MASK);
top('BYTE 0 is the most significant', `PUSH32 ${W} PUSH0 BYTE`, 3 + 2 + 3, 3, 0x01n);
top('BYTE 31', `PUSH32 ${W} PUSH1 31 BYTE`, 9, 3, 0x20n);
top('BYTE 32 is 0', `PUSH32 ${W} PUSH1 32 BYTE`, 9, 3, 0n);
top('BYTE 2^256-1 is 0', `PUSH32 ${W} PUSH32 -1 BYTE`, 9, 3, 0n);
top('SHL', 'PUSH1 1 PUSH1 4 SHL', 9, 3, 16n);
top('SHL drops high bits', 'PUSH32 -1 PUSH1 4 SHL', 9, 3, WORD_MASK ^ 0xfn);
top('SHL 255', 'PUSH1 1 PUSH1 255 SHL', 9, 3, 1n << 255n);
top('SHL 256 is 0', 'PUSH1 1 PUSH2 256 SHL', 9, 3, 0n);
top('SHL 2^256-1 is 0', 'PUSH1 1 PUSH32 -1 SHL', 9, 3, 0n);
top('SHR', 'PUSH1 0x80 PUSH1 4 SHR', 9, 3, 8n);
top('SHR is logical', 'PUSH32 -1 PUSH1 255 SHR', 9, 3, 1n);
top('SHR 256 is 0', 'PUSH32 -1 PUSH2 256 SHR', 9, 3, 0n);
top('SAR negative', 'PUSH32 -16 PUSH1 2 SAR', 9, 3, neg(4n));
top('SAR 2^255 by 255', 'PUSH32 0x8000000000000000000000000000000000000000000000000000000000000000 PUSH1 255 SAR', 9, 3, WORD_MASK);
top('SAR negative by 256', 'PUSH32 -2 PUSH2 256 SAR', 9, 3, WORD_MASK);
top('SAR negative by 2^256-1', 'PUSH32 -2 PUSH32 -1 SAR', 9, 3, WORD_MASK);
top('SAR positive by 256', 'PUSH32 0x7fff PUSH2 256 SAR', 9, 3, 0n);

// Field operations modulo r; operands must be < r.
top('FADD wraps mod r', `PUSH1 2 PUSH32 ${R - 1n} FADD`, 3 + 3 + 8, 3, 1n);
top('FSUB 1 - 2 = r - 1', 'PUSH1 2 PUSH1 1 FSUB', 14, 3, R - 1n);
top('FMUL (r-1)^2 = 1', `PUSH32 ${R - 1n} PUSH32 ${R - 1n} FMUL`, 3 + 3 + 10, 3, 1n);
fault('FADD a = r', `PUSH1 1 PUSH32 ${R} FADD`, Status.FieldRange, 35, 3);
fault('FSUB b = r', `PUSH32 ${R} PUSH1 1 FSUB`, Status.FieldRange, 35, 3);
fault('FMUL a = 2^256-1', 'PUSH1 1 PUSH32 -1 FMUL', Status.FieldRange, 35, 3);

// Context.
top('ADDRESS', 'ADDRESS', 2, 1, VECTOR_CONTEXT.address);
top('CALLER', 'CALLER', 2, 1, 0x6659n);
top('HEIGHT', 'HEIGHT', 2, 1, 1234n);
top('TIMESTAMP', 'TIMESTAMP', 2, 1, 1_700_000_000_000n);
top('CALLDATASIZE', 'CALLDATASIZE', 2, 1, 36n, { calldata: CALLDATA });
top('CALLDATALOAD 0', 'PUSH0 CALLDATALOAD', 2 + 3, 2, W, { calldata: CALLDATA });
top('CALLDATALOAD 4', 'PUSH1 4 CALLDATALOAD', 6, 2, 0x05060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324n, { calldata: CALLDATA });
top('CALLDATALOAD past the end reads zeros', 'PUSH1 20 CALLDATALOAD', 6, 2, 0x15161718191a1b1c1d1e1f2021222324n << 128n, { calldata: CALLDATA });
top('CALLDATALOAD 2^256-1', 'PUSH32 -1 CALLDATALOAD', 6, 2, 0n, { calldata: CALLDATA });
// c=40, b=4, a=0: 3+3+2, then 3 + 3·2 words + memory 2 words (6); RETURN of [0,64) grows nothing: 3+2.
vector('CALLDATACOPY past the end', `PUSH1 40 PUSH1 4 PUSH0 CALLDATACOPY PUSH1 64 PUSH0 RETURN`, {
  status: Status.Success, gasUsed: BigInt(3 + 3 + 2 + 3 + 6 + 6 + 3 + 2), output: concat(seq(5, 32), new Uint8Array(32)), pc: 9, steps: 7,
}, { calldata: CALLDATA });
vector('CALLDATACOPY from offset 2^255 copies zeros', `PUSH1 32 PUSH32 0x8000000000000000000000000000000000000000000000000000000000000000 PUSH0 CALLDATACOPY PUSH1 32 PUSH0 RETURN`, {
  status: Status.Success, gasUsed: BigInt(3 + 3 + 2 + 3 + 3 + 3 + 3 + 2), output: new Uint8Array(32), pc: 40, steps: 7,
}, { calldata: CALLDATA });
// Zero length at 2^32: touches nothing, MSIZE stays 0. 2+2+3+3 (no words) +2.
top('CALLDATACOPY zero length at 2^32', 'PUSH0 PUSH0 PUSH5 0x0100000000 CALLDATACOPY MSIZE', 2 + 2 + 3 + 3 + 2, 5, 0n, { calldata: CALLDATA });
// GAS: 2 charged first, so 1000 − 2.
top('GAS is what is left after it', 'GAS', 2, 1, 998n, { gasLimit: 1000n });
top('PC', 'PUSH0 POP PC', 2 + 2 + 2, 3, 2n);
top('POP', 'PUSH1 1 PUSH1 2 POP', 3 + 3 + 2, 3, 1n);

// Memory. MSTORE at 1 covers [1,33): 2 words = 6; MLOAD of [0,32) is covered; RET_TOP then costs 10.
vector('MSTORE unaligned, MLOAD', `PUSH32 ${W} PUSH1 1 MSTORE PUSH0 MLOAD ${RET_TOP}`, {
  status: Status.Success, gasUsed: BigInt(3 + 3 + 3 + 6 + 2 + 3 + 10), output: word(W >> 8n), pc: 43, steps: 10,
});
vector('MSTORE8 keeps the low byte', `PUSH2 0x1234 PUSH1 31 MSTORE8 PUSH0 MLOAD ${RET_TOP}`, {
  status: Status.Success, gasUsed: BigInt(3 + 3 + 3 + 3 + 2 + 3 + 10), output: word(0x34n), pc: 13, steps: 10,
});
// MLOAD 33 covers [33,65): 3 words = 9.
vector('MSIZE after MLOAD 33', `PUSH1 33 MLOAD POP MSIZE ${RET_TOP}`, {
  status: Status.Success, gasUsed: BigInt(3 + 3 + 9 + 2 + 2 + 10), output: word(96n), pc: 10, steps: 9,
});
// MSTORE W at 0 (3+2+3+3), MCOPY c=32 b=0 a=1: 3+2+3 + 3 + 3·1 + growth 2 words (6−3); RETURN [0,64): 3+2.
vector('MCOPY overlapping', `PUSH32 ${W} PUSH0 MSTORE PUSH1 32 PUSH0 PUSH1 1 MCOPY PUSH1 64 PUSH0 RETURN`, {
  status: Status.Success, gasUsed: BigInt(11 + 3 + 2 + 3 + 3 + 3 + 3 + 3 + 2), output: concat(Uint8Array.of(1), seq(1, 32), new Uint8Array(31)), pc: 44, steps: 10,
});
top('MCOPY zero length at 2^32 touches nothing', 'PUSH0 PUSH5 0x0100000000 PUSH5 0x0100000000 MCOPY MSIZE', 2 + 3 + 3 + 3 + 2, 5, 0n);
// 23 words: 3·23 + ⌊529/512⌋ = 70.
vector('memory gas floor term (23 words)', `PUSH2 704 MLOAD POP MSIZE ${RET_TOP}`, {
  status: Status.Success, gasUsed: BigInt(3 + 3 + 70 + 2 + 2 + 10), output: word(736n), pc: 11, steps: 9,
});
// 1024 words: 3072 + 2048 = 5120; then 1536 words: 4608 + 4608 = 9216, growth 4096.
vector('memory gas across growth', `PUSH2 0x7fe0 MLOAD POP PUSH2 0xbfe0 MLOAD POP MSIZE ${RET_TOP}`, {
  status: Status.Success, gasUsed: BigInt(3 + 3 + 5120 + 2 + 3 + 3 + 4096 + 2 + 2 + 10), output: word(49152n), pc: 16, steps: 12,
});
// The last word of 4 MiB: 131072 words = 393216 + 33554432 = 33947648.
vector('memory up to exactly 4 MiB', `PUSH3 0x3fffe0 MLOAD POP MSIZE ${RET_TOP}`, {
  status: Status.Success, gasUsed: BigInt(3 + 3 + 33_947_648 + 2 + 2 + 10), output: word(4_194_304n), pc: 12, steps: 9,
}, { gasLimit: 40_000_000n });
fault('MLOAD ending 1 byte past 4 MiB', 'PUSH3 0x3fffe1 MLOAD', Status.MemoryLimit, 4, 2);
fault('MLOAD at 2^32', 'PUSH5 0x0100000000 MLOAD', Status.MemoryLimit, 6, 2);
fault('MSTORE at 2^256-1', 'PUSH0 PUSH32 -1 MSTORE', Status.MemoryLimit, 34, 3);
fault('MSTORE8 at 2^32', 'PUSH0 PUSH5 0x0100000000 MSTORE8', Status.MemoryLimit, 7, 3);
// memory_limit comes before any dynamic gas: 10 gas covers the base costs only.
fault('memory_limit before memory gas', 'PUSH5 0x0100000000 MLOAD', Status.MemoryLimit, 6, 2, { gasLimit: 10n });
fault('CALLDATACOPY length 2^32', 'PUSH5 0x0100000000 PUSH0 PUSH0 CALLDATACOPY', Status.MemoryLimit, 8, 4);
fault('MCOPY source past 4 MiB', 'PUSH1 32 PUSH3 0x3fffe1 PUSH0 MCOPY', Status.MemoryLimit, 7, 4);
fault('RETURN length 2^32', 'PUSH5 0x0100000000 PUSH0 RETURN', Status.MemoryLimit, 7, 3);
vector('RETURN zero length at 2^255', 'PUSH0 PUSH32 0x8000000000000000000000000000000000000000000000000000000000000000 RETURN', {
  status: Status.Success, gasUsed: 5n, pc: 34, steps: 3,
});
// 65,536 bytes = 2048 words: 6144 + 8192 = 14336.
vector('RETURN 64 KiB', 'PUSH3 0x010000 PUSH0 RETURN', { status: Status.Success, gasUsed: BigInt(3 + 2 + 14_336), output: new Uint8Array(65_536), pc: 5, steps: 3 });
fault('RETURN 64 KiB + 1', 'PUSH3 0x010001 PUSH0 RETURN', Status.MemoryLimit, 5, 3);
fault('REVERT 64 KiB + 1', 'PUSH3 0x010001 PUSH0 REVERT', Status.MemoryLimit, 5, 3);

// Out of gas at the boundary: gas = cost passes, cost − 1 faults (charging all it was given).
vector('gas = cost passes', 'PUSH1 1 PUSH1 2 ADD STOP', { status: Status.Success, gasUsed: 9n, pc: 5, steps: 4 }, { gasLimit: 9n });
fault('gas = cost - 1 faults', 'PUSH1 1 PUSH1 2 ADD STOP', Status.OutOfGas, 4, 3, { gasLimit: 8n });
vector('EXP dynamic gas = cost passes', 'PUSH1 10 PUSH1 2 EXP STOP', { status: Status.Success, gasUsed: 66n, pc: 5, steps: 4 }, { gasLimit: 66n });
fault('EXP dynamic gas = cost - 1 faults', 'PUSH1 10 PUSH1 2 EXP STOP', Status.OutOfGas, 4, 3, { gasLimit: 65n });
vector('memory gas = cost passes', 'PUSH0 MLOAD STOP', { status: Status.Success, gasUsed: 8n, pc: 2, steps: 3 }, { gasLimit: 8n });
fault('memory gas = cost - 1 faults', 'PUSH0 MLOAD STOP', Status.OutOfGas, 1, 2, { gasLimit: 7n });

// Storage. SLOAD 200.
top('SLOAD committed', 'PUSH1 5 SLOAD', 3 + 200, 2, 0x99n, { storage: [[5n, 0x99n]] });
top('SLOAD unset is 0', 'PUSH1 6 SLOAD', 203, 2, 0n, { storage: [[5n, 0x99n]] });
vector('SSTORE zero to non-zero: 20,000', 'PUSH1 42 PUSH1 1 SSTORE STOP', {
  status: Status.Success, gasUsed: 3n + 3n + 20_000n, storageWrites: [[1n, 42n]], pc: 5, steps: 4,
});
vector('SSTORE non-zero to non-zero: 5,000', 'PUSH1 42 PUSH1 1 SSTORE STOP', {
  status: Status.Success, gasUsed: 3n + 3n + 5_000n, storageWrites: [[1n, 42n]], pc: 5, steps: 4,
}, { storage: [[1n, 7n]] });
vector('SSTORE non-zero to zero deletes: 5,000', 'PUSH0 PUSH1 1 SSTORE STOP', {
  status: Status.Success, gasUsed: 2n + 3n + 5_000n, storageWrites: [[1n, 0n]], pc: 4, steps: 4,
}, { storage: [[1n, 7n]] });
vector('SSTORE zero to zero: 5,000', 'PUSH0 PUSH1 1 SSTORE STOP', { status: Status.Success, gasUsed: 5_005n, storageWrites: [[1n, 0n]], pc: 4, steps: 4 });
// 20,006 then the journal holds 1 → 5,006; SLOAD reads the journal: 203; RET_TOP 13.
vector('SSTORE twice in a run, SLOAD sees the journal', `PUSH1 1 PUSH1 9 SSTORE PUSH1 2 PUSH1 9 SSTORE PUSH1 9 SLOAD ${RET_TOP}`, {
  status: Status.Success, gasUsed: BigInt(20_006 + 5_006 + 203 + 13), output: word(2n), storageWrites: [[9n, 2n]], pc: 18, steps: 13,
});
// Committed 5: delete (5,005), then the journal says 0 so the next store is 20,000 (+6).
vector('SSTORE after a delete in the same run: 20,000', 'PUSH0 PUSH1 3 SSTORE PUSH1 8 PUSH1 3 SSTORE STOP', {
  status: Status.Success, gasUsed: BigInt(5_005 + 20_006), storageWrites: [[3n, 8n]], pc: 9, steps: 7,
}, { storage: [[3n, 5n]] });
vector('storage writes sorted by key', 'PUSH1 1 PUSH1 9 SSTORE PUSH1 1 PUSH2 0x0100 SSTORE PUSH1 1 PUSH1 2 SSTORE STOP', {
  status: Status.Success, gasUsed: BigInt(3 * 20_006), storageWrites: [[2n, 1n], [9n, 1n], [256n, 1n]], pc: 16, steps: 10,
});
vector('SSTORE one gas short', 'PUSH1 42 PUSH1 1 SSTORE STOP', { status: Status.OutOfGas, gasUsed: 20_005n, pc: 4, steps: 3 }, { gasLimit: 20_005n });
vector('SSTORE exact gas', 'PUSH1 42 PUSH1 1 SSTORE STOP', {
  status: Status.Success, gasUsed: 20_006n, storageWrites: [[1n, 42n]], pc: 5, steps: 4,
}, { gasLimit: 20_006n });

// Jumps: JUMP 8, JUMPI 10, JUMPDEST 1.
vector('JUMP', `PUSH1 @t JUMP INVALID t: JUMPDEST PUSH1 1 ${RET_TOP}`, {
  status: Status.Success, gasUsed: BigInt(3 + 8 + 1 + 3 + 13), output: word(1n), pc: 12, steps: 9,
});
fault('JUMP into PUSH data', 'PUSH1 4 JUMP PUSH1 0x52 STOP', Status.InvalidJump, 2, 2);
fault('JUMP to a non-JUMPDEST', 'PUSH1 3 JUMP STOP', Status.InvalidJump, 2, 2);
fault('JUMP past the end', 'PUSH1 0xff JUMP JUMPDEST', Status.InvalidJump, 2, 2);
fault('JUMP to 2^256-1', 'PUSH32 -1 JUMP', Status.InvalidJump, 33, 2);
vector('JUMPI taken', `PUSH1 1 PUSH1 @t JUMPI INVALID INVALID t: JUMPDEST PUSH1 2 ${RET_TOP}`, {
  status: Status.Success, gasUsed: BigInt(3 + 3 + 10 + 1 + 3 + 13), output: word(2n), pc: 15, steps: 10,
});
top('JUMPI not taken ignores the target', 'PUSH0 PUSH1 0xff JUMPI PUSH1 3', 2 + 3 + 10 + 3, 4, 3n);
fault('JUMPI taken to a bad target', 'PUSH1 1 PUSH1 0xff JUMPI', Status.InvalidJump, 4, 3);
vector('JUMPDEST', 'JUMPDEST STOP', { status: Status.Success, gasUsed: 1n, pc: 1, steps: 2 });

// CALL 10 / RET 5: PUSH1 3, CALL 10, JUMPDEST 1, PUSH1 3, POP 2, RET 5, PUSH1 3, RET_TOP 13.
vector('CALL and RET', `PUSH1 @f CALL PUSH1 0x11 ${RET_TOP} f: JUMPDEST PUSH1 0x22 POP RET`, {
  status: Status.Success, gasUsed: BigInt(3 + 10 + 1 + 3 + 2 + 5 + 3 + 13), output: word(0x11n), pc: 10, steps: 12,
});
fault('CALL to a non-JUMPDEST', 'PUSH1 0 CALL', Status.InvalidJump, 2, 2);
fault('RET with an empty return stack', 'RET', Status.StackUnderflow, 0, 1);
// Recursion n deep: `f` with counter k > 0 costs JUMPDEST 1 DUP1 3 ISZERO 3 PUSH1 3 JUMPI 10 PUSH1 3
// SWAP1 3 SUB 3 PUSH1 3 CALL 10 = 42 and, returning, JUMPDEST 1 RET 5 = 6; with k = 0 it costs
// 1+3+3+3+10 + 1+5 = 26. Entry PUSH2 3 PUSH1 3 CALL 10 = 16.
const RECURSE = 'PUSH2 COUNT PUSH1 @f CALL STOP f: JUMPDEST DUP1 ISZERO PUSH1 @done JUMPI PUSH1 1 SWAP1 SUB PUSH1 @f CALL done: JUMPDEST RET';
// 255: the deepest frame is 1 + 255 = 256 frames. Steps: 3 + 255·(10 + 2) + (5 + 2) + STOP.
vector('call depth 256 is allowed', RECURSE.replace('COUNT', '255'), {
  status: Status.Success, gasUsed: BigInt(16 + 255 * 48 + 26), pc: 6, steps: 3 + 255 * 12 + 7 + 1,
});
// 256: the CALL at pc 19 in the 256th frame would make frame 257.
fault('call depth 257 faults', RECURSE.replace('COUNT', '256'), Status.CallDepth, 19, 3 + 256 * 10);

// Stack limits.
vector('1,024 stack words', concat(new Uint8Array(1024).fill(0x5f), Uint8Array.of(0x00)), { status: Status.Success, gasUsed: 2048n, pc: 1024, steps: 1025 });
fault('stack overflow at 1,025 (PUSH0)', new Uint8Array(1025).fill(0x5f), Status.StackOverflow, 1024, 1025);
fault('stack overflow at 1,025 (DUP1)', concat(new Uint8Array(1024).fill(0x5f), Uint8Array.of(0x80)), Status.StackOverflow, 1024, 1025);
vector('SWAP1 on a full stack', concat(new Uint8Array(1024).fill(0x5f), Uint8Array.of(0x90)), { status: Status.Success, gasUsed: 2051n, pc: 1025, steps: 1026 });
fault('ADD underflow', 'PUSH1 1 ADD', Status.StackUnderflow, 2, 2);
fault('POP underflow', 'POP', Status.StackUnderflow, 0, 1);
fault('ADDMOD underflow', 'PUSH0 PUSH0 ADDMOD', Status.StackUnderflow, 2, 3);
fault('DUP16 underflow with 15 words', `${'PUSH0 '.repeat(15)} DUP16`, Status.StackUnderflow, 15, 16);
fault('SWAP16 underflow with 16 words', `${'PUSH0 '.repeat(16)} SWAP16`, Status.StackUnderflow, 16, 17);
fault('LOG4 underflow with 5 words', `${'PUSH0 '.repeat(5)} LOG4`, Status.StackUnderflow, 5, 6);

// PUSH1..PUSH32: the immediate 0x01 0x02 … big-endian.
for (let n = 1; n <= 32; n++) {
  const bytes = seq(1, n);
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  top(`PUSH${n}`, `PUSH${n} 0x${Buffer.from(bytes).toString('hex')}`, 3, 1, value);
}
top('PUSH0', 'PUSH1 7 PUSH0', 5, 2, 0n);
// DUPn / SWAPn over 1..17 (17 PUSH1s = 51): DUPn copies 18 − n; SWAPn brings 17 − n to the top.
const ONE_TO_17 = Array.from({ length: 17 }, (_, i) => `PUSH1 ${i + 1}`).join(' ');
for (let n = 1; n <= 16; n++) {
  top(`DUP${n}`, `${ONE_TO_17} DUP${n}`, 51 + 3, 18, BigInt(18 - n));
  top(`SWAP${n}`, `${ONE_TO_17} SWAP${n}`, 51 + 3, 18, BigInt(17 - n));
}
top('SWAP1 moves the top down', `PUSH1 1 PUSH1 2 SWAP1 POP`, 3 + 3 + 3 + 2, 4, 2n);

// Events: LOG 375 + 375·n + 8/byte + memory. Topics are the n words after a (offset) and b (length).
vector('LOG0 with data', `PUSH32 ${W} PUSH0 MSTORE PUSH1 32 PUSH0 LOG0 STOP`, {
  status: Status.Success, gasUsed: BigInt(11 + 3 + 2 + 375 + 256), events: [{ topics: [], data: word(W) }], pc: 39, steps: 7,
});
vector('LOG0 empty', 'PUSH0 PUSH0 LOG0 STOP', { status: Status.Success, gasUsed: 379n, events: [{ topics: [], data: new Uint8Array(0) }], pc: 3, steps: 4 });
vector('LOG1', 'PUSH1 0x77 PUSH0 PUSH0 LOG1 STOP', { status: Status.Success, gasUsed: BigInt(3 + 2 + 2 + 750), events: [{ topics: [0x77n], data: new Uint8Array(0) }], pc: 5, steps: 5 });
// [1,4) grows memory to 1 word: 3.
vector('LOG2 over unwritten memory', 'PUSH1 0xbb PUSH1 0xaa PUSH1 3 PUSH1 1 LOG2 STOP', {
  status: Status.Success, gasUsed: BigInt(12 + 1125 + 24 + 3), events: [{ topics: [0xaan, 0xbbn], data: new Uint8Array(3) }], pc: 9, steps: 6,
});
vector('LOG3', 'PUSH1 3 PUSH1 2 PUSH1 1 PUSH0 PUSH0 LOG3 STOP', { status: Status.Success, gasUsed: BigInt(9 + 4 + 1500), events: [{ topics: [1n, 2n, 3n], data: new Uint8Array(0) }], pc: 9, steps: 7 });
vector('LOG4', 'PUSH1 4 PUSH1 3 PUSH1 2 PUSH1 1 PUSH0 PUSH0 LOG4 STOP', { status: Status.Success, gasUsed: BigInt(12 + 4 + 1875), events: [{ topics: [1n, 2n, 3n, 4n], data: new Uint8Array(0) }], pc: 11, steps: 8 });
const LOG0_EMPTY = Uint8Array.of(0x5f, 0x5f, 0x58);
vector('256 events', concat(...Array.from({ length: 256 }, () => LOG0_EMPTY), Uint8Array.of(0x00)), {
  status: Status.Success, gasUsed: 256n * 379n, events: Array.from({ length: 256 }, () => ({ topics: [], data: new Uint8Array(0) })), pc: 768, steps: 769,
});
fault('257th event', concat(...Array.from({ length: 257 }, () => LOG0_EMPTY)), Status.EventLimit, 770, 771);
// 4096 bytes: 8·4096 = 32768; 128 words: 384 + 32 = 416.
vector('LOG0 with 4 KiB', 'PUSH2 0x1000 PUSH0 LOG0 STOP', {
  status: Status.Success, gasUsed: BigInt(3 + 2 + 375 + 32_768 + 416), events: [{ topics: [], data: new Uint8Array(4096) }], pc: 5, steps: 4,
});
fault('LOG0 with 4 KiB + 1', 'PUSH2 0x1001 PUSH0 LOG0 STOP', Status.EventLimit, 4, 3);
// Limits are checked before dynamic gas (as memory_limit is): 380 gas covers only the base costs.
fault('event data limit before LOG data gas', 'PUSH2 0x1001 PUSH0 LOG0', Status.EventLimit, 4, 3, { gasLimit: 400n });
fault('output limit before RETURN memory gas', 'PUSH3 0x010001 PUSH0 RETURN', Status.MemoryLimit, 5, 3, { gasLimit: 10n });
fault('LOG0 data past 4 MiB', 'PUSH1 32 PUSH5 0x0100000000 LOG0', Status.MemoryLimit, 8, 3);

// REVERT: gas used is charged, the reason returned, writes and events dropped.
// SSTORE 20,006; LOG0 379; MSTORE W 11; REVERT [0,32): 3+2.
vector('REVERT discards writes and events', `PUSH1 1 PUSH1 1 SSTORE PUSH0 PUSH0 LOG0 PUSH32 ${W} PUSH0 MSTORE PUSH1 32 PUSH0 REVERT`, {
  status: Status.Reverted, gasUsed: BigInt(20_006 + 379 + 11 + 5), output: word(W), pc: 46, steps: 12,
});
vector('REVERT empty', 'PUSH0 PUSH0 REVERT', { status: Status.Reverted, gasUsed: 4n, pc: 2, steps: 3 });
fault('a fault discards writes and events', 'PUSH1 1 PUSH1 1 SSTORE PUSH0 PUSH0 LOG0 INVALID', Status.InvalidOpcode, 8, 7);

// Invalid opcodes: INVALID and every byte docs/vm.md does not define (listed here by hand).
const DEFINED = new Set<number>([
  ...range(0x00, 0x0b), ...range(0x10, 0x1d), 0x20, 0x21, 0x22, ...range(0x30, 0x38), ...range(0x40, 0x45),
  0x48, 0x49, ...range(0x50, 0x54), ...range(0x58, 0x5c), ...range(0x5f, 0x9f), 0xa0, 0xf3, 0xfd,
]);
function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
for (let b = 0; b < 256; b++) {
  if (!DEFINED.has(b)) fault(`invalid opcode 0x${b.toString(16).padStart(2, '0')}`, Uint8Array.of(b), Status.InvalidOpcode, 0, 1);
}
fault('INVALID after work charges all gas', 'PUSH1 1 INVALID', Status.InvalidOpcode, 2, 2, { gasLimit: 777n });

// Host functions (vectorHost below: real Poseidon and SHA-256, stub verifiers).
// POSEIDON 1000 + 250·n; inputs[0] is the word just below n. Digests from circomlib (poseidon-lite).
top('POSEIDON n=1', 'PUSH1 1 PUSH1 1 HOST 0x01', 3 + 3 + 1250, 3, 0x29176100eaa962bdc1fe6c654d6a3c130e96a4d1168b33848b897dc502820133n);
top('POSEIDON n=2', 'PUSH1 2 PUSH1 1 PUSH1 2 HOST 0x01', 9 + 1500, 4, 0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189an);
top('POSEIDON n=6', 'PUSH1 6 PUSH1 5 PUSH1 4 PUSH1 3 PUSH1 2 PUSH1 1 PUSH1 6 HOST 0x01', 21 + 2500, 8, 0x2d1a03850084442813c8ebf094dea47538490a68b05f2239134a4cca2f6302e1n);
fault('POSEIDON n=0', 'PUSH1 1 PUSH0 HOST 0x01', Status.FieldRange, 3, 3);
fault('POSEIDON n=7', `${'PUSH1 1 '.repeat(7)} PUSH1 7 HOST 0x01`, Status.FieldRange, 16, 9);
fault('POSEIDON input = r', `PUSH32 ${R} PUSH1 1 HOST 0x01`, Status.FieldRange, 35, 3);
// "abc" at [29,32): MSTORE 3+2+3+3; SHA256 of 3 bytes: 3+3 + 60 + 12·1; RET_TOP 10.
vector('SHA256 "abc"', `PUSH3 0x616263 PUSH0 MSTORE PUSH1 3 PUSH1 29 HOST 0x02 ${RET_TOP}`, {
  status: Status.Success, gasUsed: BigInt(11 + 78 + 10), output: hex('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'), pc: 17, steps: 11,
});
top('SHA256 empty', 'PUSH0 PUSH0 HOST 0x02', 2 + 2 + 60, 3, 0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855n);
// 64 zero bytes: 3+2 + 60 + 24 + memory 2 words (6); RET_TOP 10.
vector('SHA256 grows memory', `PUSH1 64 PUSH0 HOST 0x02 ${RET_TOP}`, {
  status: Status.Success, gasUsed: BigInt(5 + 60 + 24 + 6 + 10), output: hex('f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b'), pc: 10, steps: 8,
});
// Message [0,5), signature [0x40,0x80), key [0x80,0xa0). MSTORE8 at 0x40 grows to 3 words (9);
// at 0x9f to 5 words (+6); the HOST ranges end at 160 = 5 words (+0).
vector('ED25519_VERIFY valid (stub)', `PUSH1 5 PUSH1 0x40 MSTORE8 PUSH1 0xed PUSH1 0x9f MSTORE8 PUSH1 0x80 PUSH1 0x40 PUSH1 5 PUSH0 HOST 0x03 ${RET_TOP}`, {
  status: Status.Success, gasUsed: BigInt(18 + 15 + 11 + 8000 + 10), output: word(1n), pc: 24, steps: 16,
});
vector('ED25519_VERIFY invalid (stub), memory grown by HOST', `PUSH1 5 PUSH1 0x40 MSTORE8 PUSH1 0x80 PUSH1 0x40 PUSH1 5 PUSH0 HOST 0x03 ${RET_TOP}`, {
  status: Status.Success, gasUsed: BigInt(18 + 11 + 8000 + 6 + 10), output: word(0n), pc: 19, steps: 13,
});
// Signature [0x40,0xa0), key [0xa0,0xd0). MSTORE8 at 0x9f: 5 words (15); at 0xa0: 6 words (+3);
// HOST ranges end at 208 = 7 words (+3).
vector('BLS_VERIFY valid (stub)', `PUSH1 5 PUSH1 0x9f MSTORE8 PUSH1 0xb1 PUSH1 0xa0 MSTORE8 PUSH1 0xa0 PUSH1 0x40 PUSH1 5 PUSH0 HOST 0x04 ${RET_TOP}`, {
  status: Status.Success, gasUsed: BigInt(24 + 12 + 11 + 60_000 + 3 + 10), output: word(1n), pc: 24, steps: 16,
});
// Proof [0,256), 2 inputs at 0x100: proof[255] = 2 (8 words: 24), input 1 (9 words: +3), input
// 0x99 (10 words: +3). HOST: 3+3+2+3 + 500,000 + 100·2, memory covered.
vector('GROTH16_VERIFY valid (stub)', `PUSH1 2 PUSH1 0xff MSTORE8 PUSH1 1 PUSH2 0x0100 MSTORE PUSH1 0x99 PUSH2 0x0120 MSTORE PUSH2 0x0100 PUSH1 2 PUSH0 PUSH1 7 HOST 0x05 ${RET_TOP}`, {
  status: Status.Success, gasUsed: BigInt(33 + 12 + 12 + 11 + 500_200 + 10), output: word(1n), pc: 32, steps: 19,
}, { gasLimit: 600_000n });
fault('GROTH16_VERIFY inputs past 4 MiB', 'PUSH0 PUSH4 0x00020001 PUSH0 PUSH0 HOST 0x05', Status.MemoryLimit, 8, 5, { gasLimit: 600_000n });
// BJJ_SUM of nothing: the identity (0, 1) at [0,64). 2+2+3+2; HOST 800 + memory 2 words (6);
// POP 2, PUSH1 3, PUSH0 2, RETURN covered.
vector('BJJ_SUM of no points is the identity', 'PUSH0 PUSH0 PUSH1 0x40 PUSH0 HOST 0x06 POP PUSH1 0x40 PUSH0 RETURN', {
  status: Status.Success, gasUsed: BigInt(9 + 806 + 7), output: concat(word(0n), word(1n)), pc: 11, steps: 9,
});
// Base8 twice at [0,128): 11 + 12 + 12 + 12 (memory grows to 4 words); d=0, c=2, b=0, a=0x80:
// 2+3+2+3; HOST 800 + 120·2 + growth 4 → 6 words (18 − 12); POP, PUSH1, PUSH1, RETURN: 8.
vector('BJJ_SUM doubles Base8', `PUSH32 ${BASE8.x} PUSH0 MSTORE PUSH32 ${BASE8.y} PUSH1 0x20 MSTORE PUSH32 ${BASE8.x} PUSH1 0x40 MSTORE PUSH32 ${BASE8.y} PUSH1 0x60 MSTORE PUSH0 PUSH1 2 PUSH0 PUSH1 0x80 HOST 0x06 POP PUSH1 0x40 PUSH1 0x80 RETURN`, {
  status: Status.Success, gasUsed: BigInt(47 + 10 + 1046 + 8), output: concat(word(BASE8_TWICE.x), word(BASE8_TWICE.y)), pc: 156, steps: 21,
});
// (0, 0) is not on the curve: 0 on the stack, nothing written. 2+3+2+2; HOST 800 + 120 + 6; RET_TOP 10.
vector('BJJ_SUM of a point off the curve', `PUSH0 PUSH1 1 PUSH0 PUSH0 HOST 0x06 ${RET_TOP}`, {
  status: Status.Success, gasUsed: BigInt(9 + 926 + 10), output: word(0n), pc: 12, steps: 10,
});
fault('BJJ_SUM points past 4 MiB', 'PUSH0 PUSH3 0x010001 PUSH0 PUSH0 HOST 0x06', Status.MemoryLimit, 7, 5);

// A host function's base gas is charged before its arguments are examined ("charged before the
// instruction runs"), so too little gas is out_of_gas even when the arguments would fault.
fault('HOST base gas before the POSEIDON count check', 'PUSH0 HOST 0x01', Status.OutOfGas, 1, 2, { gasLimit: 5n });
fault('HOST base gas before the POSEIDON inputs underflow', 'PUSH1 6 HOST 0x01', Status.OutOfGas, 2, 2, { gasLimit: 100n });
fault('HOST base gas before SHA256 memory_limit', 'PUSH5 0x0100000000 PUSH0 HOST 0x02', Status.OutOfGas, 7, 3, { gasLimit: 30n });
fault('HOST 0x00 unknown', 'HOST 0x00', Status.InvalidOpcode, 0, 1);
fault('HOST 0x07 unknown', 'HOST 0x07', Status.InvalidOpcode, 0, 1);
fault('HOST id past the end reads 0', '.byte 0xa0', Status.InvalidOpcode, 0, 1);
fault('SHA256 underflow', 'PUSH0 HOST 0x02', Status.StackUnderflow, 1, 2);

// Words wider than a machine limb: an implementation that truncates a word to 32 or 64 bits
// before comparing it with a bound gets these wrong.
const TWO_64 = '0x010000000000000000';
top('BYTE index 2^64 is 0', `PUSH32 ${W} PUSH9 ${TWO_64} BYTE`, 9, 3, 0n);
top('SHL by 2^64 is 0', `PUSH1 1 PUSH9 ${TWO_64} SHL`, 9, 3, 0n);
top('SHR by 2^128 + 1 is 0', 'PUSH32 -1 PUSH17 0x0100000000000000000000000000000001 SHR', 9, 3, 0n);
top('SAR negative by 2^192', `PUSH32 -2 PUSH25 0x01${'00'.repeat(24)} SAR`, 9, 3, WORD_MASK);
top('SIGNEXTEND a = 2^64 leaves b', `PUSH1 0xff PUSH9 ${TWO_64} SIGNEXTEND`, 11, 3, 0xffn);
top('CALLDATALOAD at 2^32 reads zeros', 'PUSH5 0x0100000000 CALLDATALOAD', 6, 2, 0n, { calldata: CALLDATA });
// 2^64 is 9 bytes long: 10 + 450.
top('EXP 2^(2^64) (9 exponent bytes)', `PUSH9 ${TWO_64} PUSH1 2 EXP`, 3 + 3 + 460, 3, 0n);
top('DIV by 2^128', 'PUSH17 0x0100000000000000000000000000000000 PUSH32 -1 DIV', 11, 3, (1n << 128n) - 1n);
top('SDIV -1 / -2^255 is 0', 'PUSH32 0x8000000000000000000000000000000000000000000000000000000000000000 PUSH32 -1 SDIV', 11, 3, 0n);
top('JUMPI condition 2^255 is taken', `PUSH32 0x8000000000000000000000000000000000000000000000000000000000000000 PUSH1 @t JUMPI INVALID t: JUMPDEST PUSH1 9`, 3 + 3 + 10 + 1 + 3, 5, 9n);
fault('JUMP to 2^32 + a JUMPDEST', 'PUSH5 0x0100000007 JUMP JUMPDEST', Status.InvalidJump, 6, 2);
fault('MLOAD at 2^64', `PUSH9 ${TWO_64} MLOAD`, Status.MemoryLimit, 10, 2);
fault('RETURN length 2^64', `PUSH9 ${TWO_64} PUSH0 RETURN`, Status.MemoryLimit, 11, 3);
fault('LOG0 length 2^64', `PUSH9 ${TWO_64} PUSH0 LOG0`, Status.MemoryLimit, 11, 3);
fault('POSEIDON n = 2^64 + 1', 'PUSH1 1 PUSH9 0x010000000000000001 HOST 0x01', Status.FieldRange, 12, 3);
fault('SSTORE underflow', 'PUSH0 SSTORE', Status.StackUnderflow, 1, 2);
fault('CALL underflow', 'CALL', Status.StackUnderflow, 0, 1);

// MCOPY backwards over itself: mem[0,32) = mem[1,33) = W's bytes 2..32 then a zero.
// MSTORE W 11; PUSH1 PUSH1 PUSH0 3+3+2; MCOPY 3 + 3 + growth to 2 words (3); RETURN [0,32) 3+2.
vector('MCOPY overlapping backwards', `PUSH32 ${W} PUSH0 MSTORE PUSH1 32 PUSH1 1 PUSH0 MCOPY PUSH1 32 PUSH0 RETURN`, {
  status: Status.Success, gasUsed: BigInt(11 + 8 + 9 + 5), output: word((W << 8n) & WORD_MASK), pc: 44, steps: 10,
});
// CALL as the last byte returns to the end of the code: the implicit STOP at pc 9.
// PUSH1 3, JUMP 8, JUMPDEST 1, PUSH1 3, CALL 10, JUMPDEST 1, RET 5.
vector('RET to the end of the code', 'PUSH1 @g JUMP f: JUMPDEST RET g: JUMPDEST PUSH1 @f CALL', { status: Status.Success, gasUsed: 31n, pc: 9, steps: 8 });

// Fault order where two faults meet (the EVM's order: stack checks, then base gas, then limits,
// then dynamic gas).
fault('stack underflow before out_of_gas', 'ADD', Status.StackUnderflow, 0, 1, { gasLimit: 0n });
fault('stack overflow before out_of_gas', new Uint8Array(1025).fill(0x5f), Status.StackOverflow, 1024, 1025, { gasLimit: 2048n });
fault('POSEIDON count checked before its inputs', 'PUSH1 7 HOST 0x01', Status.FieldRange, 2, 2);
// The 250 per input is paid before the inputs are read: 3+3+1000 covers only the base, so a
// non-canonical input is not reached (out_of_gas, not field_range).
fault('POSEIDON per-input gas before the input range check', `PUSH32 ${R} PUSH1 1 HOST 0x01`, Status.OutOfGas, 35, 3, { gasLimit: 1_006n });
fault('LOG memory_limit before the event data limit', 'PUSH2 0x1001 PUSH5 0x0100000000 LOG0', Status.MemoryLimit, 9, 3);
// As RECURSE, but the deepest frame (k = 0) CALLs a bad target. Steps: 3 + frames·10 + 5 + 3.
const RECURSE_BAD = 'PUSH2 COUNT PUSH1 @f CALL STOP f: JUMPDEST DUP1 ISZERO PUSH1 @done JUMPI PUSH1 1 SWAP1 SUB PUSH1 @f CALL RET done: JUMPDEST PUSH1 0xff CALL';
fault('call_depth before the CALL target check', RECURSE_BAD.replace('COUNT', '255'), Status.CallDepth, 24, 3 + 255 * 10 + 8);
fault('CALL target checked below the depth limit', RECURSE_BAD.replace('COUNT', '254'), Status.InvalidJump, 24, 3 + 254 * 10 + 8);

// --- the host the vectors assume -----------------------------------------------------------------

/**
 * Real Poseidon (WASM), SHA-256 and BJJ_SUM (WASM, checked against @noble/curves); the verifiers are stubs that check the interpreter passed the
 * right memory ranges: Ed25519 is "valid" iff signature[0] = message length and key[31] = 0xed;
 * BLS iff signature[95] = message length and key[0] = 0xb1; Groth16 iff key id 7,
 * proof[255] = number of inputs and the last input is 0x99.
 */
export function vectorHost(): HostFunctions {
  const poseidon = PoseidonWasm.load();
  return {
    poseidon: (inputs) => poseidon.hash(inputs),
    sha256: (data) => new Uint8Array(createHash('sha256').update(data).digest()),
    ed25519Verify: (message, signature, publicKey) =>
      signature.length === 64 && publicKey.length === 32 && signature[0] === message.length && publicKey[31] === 0xed,
    blsVerify: (message, signature, publicKey) =>
      signature.length === 96 && publicKey.length === 48 && signature[95] === message.length && publicKey[0] === 0xb1,
    groth16Verify: (vk, proof, inputs) => vk === 7n && proof.length === 256 && proof[255] === inputs.length && inputs[inputs.length - 1] === 0x99n,
    bjjSum,
  };
}
