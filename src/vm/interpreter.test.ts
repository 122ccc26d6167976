import { createHash } from 'node:crypto';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { describe, expect, it } from 'vitest';
import { ed25519FromSeed, ed25519Sign, privateKeyObject } from '../crypto/ed25519.js';
import { PoseidonWasm } from '../wasm/poseidon.js';
import { wrapCode } from './container.js';
import { InvalidCodeError, type ExecutionResult, type HostFunctions, type StorageReader } from './execution.js';
import { EMPTY_STORAGE, HostUnavailableError, NO_HOST_FUNCTIONS, WasmInterpreter } from './interpreter.js';
import { BLS_DST, nodeHostFunctions } from './node-host.js';
import { FIELD_ORDER, LIMITS, memoryCost, Op, OPCODES, Status } from './opcodes.js';

const vm = WasmInterpreter.load();
const MAX = (1n << 256n) - 1n;
const SIGN = 1n << 255n;
const r = FIELD_ORDER;

// ---- a tiny assembler: opcode names, PUSH of minimal width, raw bytes ----

type Part = string | bigint | Uint8Array | readonly Part[];

function op(name: string): number {
  const code = Op[name];
  if (code === undefined) throw new Error(`no opcode ${name}`);
  return code;
}

/** The shortest PUSH of x (PUSH0 for 0). */
function push(x: bigint): Uint8Array {
  const v = x & MAX;
  if (v === 0n) return Uint8Array.of(op('PUSH0'));
  const hex = v.toString(16);
  const bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  return Uint8Array.of(0x5f + bytes.length, ...bytes);
}

/** A bigint pushes itself, a string is an opcode, bytes are copied as is. */
function asm(...parts: Part[]): Uint8Array {
  const out: number[] = [];
  const emit = (p: Part): void => {
    if (typeof p === 'bigint') out.push(...push(p));
    else if (typeof p === 'string') out.push(op(p));
    else if (p instanceof Uint8Array) out.push(...p);
    else p.forEach(emit);
  };
  parts.forEach(emit);
  return Uint8Array.from(out);
}

/** Returns the top of the stack as the 32-byte output. */
const RETURN_TOP: Part = [0n, 'MSTORE', 32n, 0n, 'RETURN'];

const word = (bytes: Uint8Array): bigint => (bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`));
const signed = (x: bigint): bigint => (x >= SIGN ? x - (1n << 256n) : x);
const unsigned = (x: bigint): bigint => x & MAX;

class MapStorage implements StorageReader {
  constructor(readonly slots = new Map<bigint, bigint>()) {}
  get(key: bigint): bigint {
    return this.slots.get(key) ?? 0n;
  }
}

interface RunOptions {
  readonly gas?: bigint;
  readonly calldata?: Uint8Array;
  readonly storage?: StorageReader;
  readonly host?: HostFunctions;
}

function run(code: Uint8Array, o: RunOptions = {}): ExecutionResult {
  const ctx = { address: 0xaan, caller: 26201n, height: 7n, timestampMs: 1_700_000_000_000n, calldata: o.calldata ?? new Uint8Array(0), gasLimit: o.gas ?? 10_000_000n };
  return vm.execute(wrapCode(code), ctx, o.storage ?? EMPTY_STORAGE, o.host ?? NO_HOST_FUNCTIONS);
}

/** Runs code that leaves one word on the stack and returns it. */
function evaluate(...parts: Part[]): bigint {
  const result = run(asm(...parts, RETURN_TOP));
  expect(result.status).toBe(Status.Success);
  return word(result.output);
}

/** a OP b with a on top. */
const binary = (name: string, a: bigint, b: bigint): bigint => evaluate(b, a, name);
const ternary = (name: string, a: bigint, b: bigint, c: bigint): bigint => evaluate(c, b, a, name);

/** Deterministic 256-bit values of assorted widths (xorshift). */
function* samples(count: number, seed = 0x9e3779b97f4a7c15n): Generator<bigint> {
  let s = seed;
  const next = (): bigint => {
    s ^= (s << 13n) & 0xffff_ffff_ffff_ffffn;
    s ^= s >> 7n;
    s ^= (s << 17n) & 0xffff_ffff_ffff_ffffn;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const x = (next() << 192n) | (next() << 128n) | (next() << 64n) | next();
    const bits = BigInt(Number(next() % 257n));
    yield x >> (256n - bits);
  }
}

describe('opcode table', () => {
  it('matches src/vm/opcodes.ts for every byte', () => {
    for (let code = 0; code < 256; code++) {
      const ts = OPCODES[code];
      const wasm = vm.opcodeEntry(code);
      if (ts === undefined) expect(wasm, `0x${code.toString(16)}`).toBeUndefined();
      else expect(wasm, ts.name).toEqual({ gas: ts.gas, pops: ts.pops, pushes: ts.pushes, immediate: ts.immediate });
    }
  });
});

describe('arithmetic', () => {
  it('wraps ADD, SUB, MUL modulo 2^256', () => {
    expect(binary('ADD', MAX, 2n)).toBe(1n);
    expect(binary('SUB', 1n, 2n)).toBe(MAX);
    expect(binary('MUL', MAX, MAX)).toBe(1n);
    expect(binary('MUL', 1n << 128n, 1n << 128n)).toBe(0n);
  });

  it('divides unsigned and signed with the EVM corner cases', () => {
    expect(binary('DIV', 7n, 0n)).toBe(0n);
    expect(binary('MOD', 7n, 0n)).toBe(0n);
    expect(binary('SDIV', 7n, 0n)).toBe(0n);
    expect(binary('SMOD', 7n, 0n)).toBe(0n);
    expect(binary('SDIV', unsigned(-7n), 2n)).toBe(unsigned(-3n));
    expect(binary('SDIV', 7n, unsigned(-2n))).toBe(unsigned(-3n));
    expect(binary('SDIV', unsigned(-7n), unsigned(-2n))).toBe(3n);
    expect(binary('SDIV', SIGN, MAX)).toBe(SIGN); // −2^255 / −1 = −2^255
    expect(binary('SMOD', unsigned(-7n), 2n)).toBe(unsigned(-1n));
    expect(binary('SMOD', 7n, unsigned(-2n))).toBe(1n);
    expect(binary('SMOD', SIGN, MAX)).toBe(0n);
  });

  it('agrees with BigInt on random DIV, MOD, SDIV, SMOD, ADDMOD, MULMOD, EXP', () => {
    const xs = [...samples(60)];
    const ys = [...samples(60, 12345n)];
    const zs = [...samples(60, 777n)];
    for (let i = 0; i < xs.length; i++) {
      const a = xs[i]!, b = ys[i]!, c = zs[i]!;
      const sa = signed(a), sb = signed(b);
      expect(binary('DIV', a, b)).toBe(b === 0n ? 0n : a / b);
      expect(binary('MOD', a, b)).toBe(b === 0n ? 0n : a % b);
      expect(binary('SDIV', a, b)).toBe(b === 0n ? 0n : unsigned(sa / sb));
      expect(binary('SMOD', a, b)).toBe(b === 0n ? 0n : unsigned(sa % sb));
      expect(ternary('ADDMOD', a, b, c)).toBe(c === 0n ? 0n : (a + b) % c);
      expect(ternary('MULMOD', a, b, c)).toBe(c === 0n ? 0n : (a * b) % c);
      const e = b & 0xffffn;
      let expected = 1n;
      for (let k = 0n; k < e; k++) expected = (expected * a) & MAX;
      if (e < 300n) expect(binary('EXP', a, e)).toBe(expected);
    }
  });

  it('keeps the 257-bit sum of ADDMOD and the 512-bit product of MULMOD', () => {
    expect(ternary('ADDMOD', MAX, MAX, MAX)).toBe(0n);
    expect(ternary('ADDMOD', MAX, 2n, 3n)).toBe((MAX + 2n) % 3n);
    expect(ternary('MULMOD', MAX, MAX, 12345n)).toBe((MAX * MAX) % 12345n);
    expect(ternary('MULMOD', MAX, MAX, MAX - 1n)).toBe((MAX * MAX) % (MAX - 1n));
    expect(ternary('MULMOD', 3n, 4n, 0n)).toBe(0n);
  });

  it('computes EXP and charges 50 gas per exponent byte', () => {
    expect(binary('EXP', 2n, 255n)).toBe(SIGN);
    expect(binary('EXP', 2n, 256n)).toBe(0n);
    expect(binary('EXP', MAX, 3n)).toBe(MAX); // (−1)^3
    expect(binary('EXP', 0n, 0n)).toBe(1n);
    const gasOf = (e: bigint): bigint => run(asm(e, 2n, 'EXP', 'STOP')).gasUsed;
    const pushGas = (x: bigint): bigint => (x === 0n ? 2n : 3n);
    expect(gasOf(0n)).toBe(pushGas(0n) + 3n + 10n);
    expect(gasOf(0xffn)).toBe(3n + 3n + 10n + 50n);
    expect(gasOf(0x100n)).toBe(3n + 3n + 10n + 100n);
    expect(gasOf(MAX)).toBe(3n + 3n + 10n + 50n * 32n);
  });

  it('reads words as two’s complement in SLT and SGT', () => {
    expect(binary('SLT', MAX, 0n)).toBe(1n);
    expect(binary('SGT', MAX, 0n)).toBe(0n);
    expect(binary('LT', MAX, 0n)).toBe(0n);
    expect(binary('GT', MAX, 0n)).toBe(1n);
    expect(binary('EQ', MAX, MAX)).toBe(1n);
    expect(evaluate(0n, 'ISZERO')).toBe(1n);
    expect(evaluate(0n, 'NOT')).toBe(MAX);
  });

  it('shifts by 256 or more to zero (SHL, SHR) or to the sign (SAR)', () => {
    const x = 0x8000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_00ffn;
    expect(binary('SHL', 4n, x)).toBe((x << 4n) & MAX);
    expect(binary('SHR', 4n, x)).toBe(x >> 4n);
    expect(binary('SAR', 4n, x)).toBe(unsigned(signed(x) >> 4n));
    for (const s of [0n, 1n, 63n, 64n, 65n, 128n, 191n, 255n]) {
      expect(binary('SHL', s, x)).toBe((x << s) & MAX);
      expect(binary('SHR', s, x)).toBe(x >> s);
      expect(binary('SAR', s, x)).toBe(unsigned(signed(x) >> s));
      expect(binary('SAR', s, 0x7fn << 200n)).toBe((0x7fn << 200n) >> s);
    }
    for (const s of [256n, 257n, 1n << 64n, MAX]) {
      expect(binary('SHL', s, x)).toBe(0n);
      expect(binary('SHR', s, x)).toBe(0n);
      expect(binary('SAR', s, x)).toBe(MAX);
      expect(binary('SAR', s, 0x7fn)).toBe(0n);
    }
  });

  it('takes BYTE from the most significant end', () => {
    const x = 0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20n;
    expect(binary('BYTE', 0n, x)).toBe(1n);
    expect(binary('BYTE', 31n, x)).toBe(0x20n);
    expect(binary('BYTE', 8n, x)).toBe(9n);
    expect(binary('BYTE', 32n, x)).toBe(0n);
    expect(binary('BYTE', 1n << 200n, x)).toBe(0n);
  });

  it('sign-extends from the low a+1 bytes', () => {
    expect(binary('SIGNEXTEND', 0n, 0xffn)).toBe(MAX);
    expect(binary('SIGNEXTEND', 0n, 0x7fn)).toBe(0x7fn);
    expect(binary('SIGNEXTEND', 0n, 0x1234_80n)).toBe(unsigned(-128n));
    expect(binary('SIGNEXTEND', 1n, 0xff_7fffn)).toBe(0x7fffn);
    expect(binary('SIGNEXTEND', 7n, 0x80n << 56n)).toBe(unsigned(-(1n << 63n)));
    expect(binary('SIGNEXTEND', 15n, 0x80n << 120n)).toBe(unsigned(-(1n << 127n)));
    expect(binary('SIGNEXTEND', 30n, 0x80n << 240n)).toBe(unsigned(-(1n << 247n)));
    expect(binary('SIGNEXTEND', 31n, 0x80n)).toBe(0x80n);
    expect(binary('SIGNEXTEND', 1n << 128n, 0xffn)).toBe(0xffn);
  });

  it('works modulo r in FADD, FSUB, FMUL and faults on non-canonical operands', () => {
    for (const [a, b] of [[r - 1n, r - 1n], [0n, 1n], [12345n, r - 2n], [r - 5n, 3n]] as const) {
      expect(binary('FADD', a, b)).toBe((a + b) % r);
      expect(binary('FSUB', a, b)).toBe((((a - b) % r) + r) % r);
      expect(binary('FMUL', a, b)).toBe((a * b) % r);
    }
    expect(run(asm(1n, r, 'FADD')).status).toBe(Status.FieldRange);
    expect(run(asm(r, 1n, 'FMUL')).status).toBe(Status.FieldRange);
    expect(run(asm(MAX, 1n, 'FSUB')).status).toBe(Status.FieldRange);
  });
});

describe('context and calldata', () => {
  it('pushes ADDRESS, CALLER, HEIGHT, TIMESTAMP, PC, GAS', () => {
    expect(evaluate('ADDRESS')).toBe(0xaan);
    expect(evaluate('CALLER')).toBe(0x6659n);
    expect(evaluate('HEIGHT')).toBe(7n);
    expect(evaluate('TIMESTAMP')).toBe(1_700_000_000_000n);
    expect(evaluate('PUSH0', 'POP', 'PC')).toBe(2n);
    expect(word(run(asm('GAS', RETURN_TOP), { gas: 1000n }).output)).toBe(998n);
  });

  it('reads calldata with zeros past the end', () => {
    const calldata = Uint8Array.from({ length: 40 }, (_, i) => i + 1);
    const load = (at: bigint): bigint => word(run(asm(at, 'CALLDATALOAD', RETURN_TOP), { calldata }).output);
    expect(load(0n)).toBe(word(calldata.subarray(0, 32)));
    expect(load(20n)).toBe(word(Uint8Array.from([...calldata.subarray(20), ...new Uint8Array(12)])));
    expect(load(40n)).toBe(0n);
    expect(load(1n << 100n)).toBe(0n);
    expect(word(run(asm('CALLDATASIZE', RETURN_TOP), { calldata }).output)).toBe(40n);
    // CALLDATACOPY 48 bytes from offset 8 to memory 0: 32 bytes of data then zeros.
    const copied = run(asm(48n, 8n, 0n, 'CALLDATACOPY', 48n, 0n, 'RETURN'), { calldata });
    expect(copied.output).toEqual(Uint8Array.from([...calldata.subarray(8), ...new Uint8Array(16)]));
    const past = run(asm(8n, MAX, 0n, 'CALLDATACOPY', 8n, 0n, 'RETURN'), { calldata });
    expect(past.output).toEqual(new Uint8Array(8));
  });
});

describe('memory', () => {
  const wordsFor = (bytes: bigint): bigint => (bytes + 31n) / 32n;

  it('charges 3w + w²/512 for growth and reports MSIZE', () => {
    for (const offset of [0n, 31n, 1000n, 100_000n, BigInt(LIMITS.maxMemoryBytes - 32)]) {
      const result = run(asm(1n, offset, 'MSTORE', 'STOP'), { gas: 100_000_000n });
      expect(result.status).toBe(Status.Success);
      expect(result.gasUsed).toBe(3n + (offset === 0n ? 2n : 3n) + 3n + memoryCost(wordsFor(offset + 32n)));
    }
    expect(evaluate(1n, 33n, 'MSTORE8', 'MSIZE')).toBe(64n);
    // Growth is charged as the difference: a second touch of the same range costs nothing extra.
    const twice = run(asm(1n, 64n, 'MSTORE', 1n, 64n, 'MSTORE', 'STOP'));
    expect(twice.gasUsed).toBe(2n * 9n + memoryCost(3n));
  });

  it('faults with memory_limit past 4 MiB and for offsets ≥ 2^32', () => {
    const limit = BigInt(LIMITS.maxMemoryBytes);
    expect(run(asm(1n, limit - 31n, 'MSTORE')).status).toBe(Status.MemoryLimit);
    expect(run(asm(1n, limit, 'MSTORE8')).status).toBe(Status.MemoryLimit);
    expect(run(asm(1n, limit - 1n, 'MSTORE8'), { gas: 10n ** 9n }).status).toBe(Status.Success);
    expect(run(asm(1n << 32n, 'MLOAD')).status).toBe(Status.MemoryLimit);
    expect(run(asm((1n << 64n) + 1n, 0n, 'RETURN')).status).toBe(Status.MemoryLimit);
    const limited = run(asm(1n, limit - 31n, 'MSTORE'));
    expect(limited.gasUsed).toBe(10_000_000n); // a fault charges all gas
    // Zero-length ranges touch nothing, wherever they point.
    const empty = run(asm(0n, MAX, 'RETURN'));
    expect(empty.status).toBe(Status.Success);
    expect(empty.output.length).toBe(0);
    expect(evaluate(0n, MAX, MAX, 'MCOPY', 'MSIZE')).toBe(0n);
  });

  it('limits RETURN output to 64 KiB', () => {
    const max = BigInt(LIMITS.maxOutputBytes);
    expect(run(asm(max, 0n, 'RETURN')).output.length).toBe(LIMITS.maxOutputBytes);
    expect(run(asm(max + 1n, 0n, 'RETURN')).status).toBe(Status.MemoryLimit);
  });

  it('copies overlapping ranges with MCOPY', () => {
    const result = run(asm(0x0102030405n << 216n, 0n, 'MSTORE', 5n, 0n, 2n, 'MCOPY', 8n, 0n, 'RETURN'));
    expect([...result.output]).toEqual([1, 2, 1, 2, 3, 4, 5, 0]);
    // 3 per word copied plus growth to cover the destination.
    const gas = run(asm(64n, 0n, 32n, 'MCOPY', 'STOP')).gasUsed;
    expect(gas).toBe(3n + 2n + 3n + 3n + 3n * 2n + memoryCost(3n));
  });
  it('starts every execution with zeroed memory, even after a host function threw', () => {
    expect(run(asm(MAX, 64n, 'MSTORE', 'STOP')).status).toBe(Status.Success);
    expect(evaluate(64n, 'MLOAD')).toBe(0n);
    // NO_HOST_FUNCTIONS throws out of the middle of a run that has written memory.
    expect(() => run(asm(MAX, 96n, 'MSTORE', 1n, 1n, 'HOST', Uint8Array.of(1)))).toThrow(HostUnavailableError);
    expect(evaluate(96n, 'MLOAD')).toBe(0n);
  });
});

describe('control flow', () => {
  it('jumps only to JUMPDEST opcodes, never into PUSH data', () => {
    // 0: PUSH1 4, 2: JUMP, 3: INVALID, 4: JUMPDEST, 5: PUSH1 1 ...
    expect(run(asm(4n, 'JUMP', 'INVALID', 'JUMPDEST', 1n, RETURN_TOP)).status).toBe(Status.Success);
    // 0x52 inside PUSH2 data at offset 4
    const intoData = asm(4n, 'JUMP', 'INVALID', 'PUSH2', Uint8Array.of(0x52, 0x52), 'STOP');
    const result = run(intoData);
    expect(result.status).toBe(Status.InvalidJump);
    expect(result.pc).toBe(2);
    expect(run(asm(1n << 64n, 'JUMP')).status).toBe(Status.InvalidJump);
    expect(run(asm(0n, 3n, 'JUMPI', 'STOP')).status).toBe(Status.Success); // not taken: no check
    expect(run(asm(1n, 3n, 'JUMPI', 'STOP')).status).toBe(Status.InvalidJump);
    // PUSH past the end reads zeros, and execution stops at the implicit STOP.
    const tail = run(asm('PUSH4', Uint8Array.of(0xab)));
    expect(tail.status).toBe(Status.Success);
    expect(tail.pc).toBe(5);
    expect(tail.steps).toBe(2);
  });

  it('CALL/RET to depth 256 and faults at 257', () => {
    // main: PUSH2 n; PUSH1 f; CALL; STOP.  f (JUMPDEST): DUP1 ISZERO PUSH1 end JUMPI; PUSH1 1 SWAP1 SUB PUSH1 f CALL; end: JUMPDEST RET
    const program = (n: bigint): Uint8Array => {
      const f = 7n;
      const code = asm('PUSH2', Uint8Array.of(Number(n >> 8n), Number(n & 0xffn)), 'PUSH1', Uint8Array.of(Number(f)), 'CALL', 'STOP',
        'JUMPDEST', 'DUP1', 'ISZERO', 'PUSH1', Uint8Array.of(21), 'JUMPI', 1n, 'SWAP1', 'SUB', 'PUSH1', Uint8Array.of(Number(f)), 'CALL', 'RET', 'JUMPDEST', 'RET');
      expect(code[7]).toBe(op('JUMPDEST'));
      expect(code[21]).toBe(op('JUMPDEST'));
      return code;
    };
    expect(run(program(255n)).status).toBe(Status.Success); // 256 frames
    const deep = run(program(256n));
    expect(deep.status).toBe(Status.CallDepth);
    expect(deep.pc).toBe(19);
    expect(run(asm('RET')).status).toBe(Status.StackUnderflow);
    expect(run(asm(5n, 'CALL')).status).toBe(Status.InvalidJump);
  });

  it('holds 1,024 words and faults on the 1,025th or on underflow', () => {
    const pushes = (n: number): Uint8Array => asm(...Array.from({ length: n }, () => 'PUSH0'));
    expect(run(pushes(1024)).status).toBe(Status.Success);
    const over = run(pushes(1025));
    expect(over.status).toBe(Status.StackOverflow);
    expect(over.pc).toBe(1024);
    expect(over.steps).toBe(1025);
    expect(run(asm(pushes(1024), 'DUP1')).status).toBe(Status.StackOverflow);
    expect(run(asm(pushes(1024), 'SWAP16', 'POP', 'DUP16')).status).toBe(Status.Success);
    expect(run(asm('POP')).status).toBe(Status.StackUnderflow);
    expect(run(asm(pushes(15), 'DUP16')).status).toBe(Status.StackUnderflow);
    expect(run(asm(pushes(16), 'SWAP16')).status).toBe(Status.StackUnderflow);
    expect(evaluate(1n, 2n, 3n, 'SWAP2', 'POP', 'POP')).toBe(3n);
    expect(evaluate(1n, 2n, 3n, 'DUP3')).toBe(1n);
  });

  it('runs out of gas exactly at the boundary, charging before each instruction', () => {
    const code = asm(1n, 2n, 'ADD', 'STOP'); // 3 + 3 + 3 + 0
    const enough = run(code, { gas: 9n });
    expect(enough.status).toBe(Status.Success);
    expect(enough.gasUsed).toBe(9n);
    expect(enough.steps).toBe(4);
    const short = run(code, { gas: 8n });
    expect(short.status).toBe(Status.OutOfGas);
    expect(short.gasUsed).toBe(8n);
    expect(short.pc).toBe(4);
    expect(short.steps).toBe(3);
    expect(run(asm('STOP'), { gas: 0n }).status).toBe(Status.Success);
    const invalid = run(asm('INVALID'), { gas: 77n });
    expect(invalid.status).toBe(Status.InvalidOpcode);
    expect(invalid.gasUsed).toBe(77n);
    expect(run(Uint8Array.of(0x0c)).status).toBe(Status.InvalidOpcode);
    expect(run(asm('HOST', Uint8Array.of(0x07))).status).toBe(Status.InvalidOpcode);
    // u64 gas limits pass through intact.
    const huge = run(asm('GAS', RETURN_TOP), { gas: (1n << 64n) - 1n });
    expect(word(huge.output)).toBe((1n << 64n) - 3n);
  });

  it('refuses invalid containers before executing', () => {
    const ctx = { address: 0n, caller: 0n, height: 0n, timestampMs: 0n, calldata: new Uint8Array(0), gasLimit: 1n };
    expect(() => vm.execute(Uint8Array.of(0x43, 0x56, 0x4d, 0x02, 0, 0, 0, 1, 0), ctx, EMPTY_STORAGE, NO_HOST_FUNCTIONS)).toThrow(InvalidCodeError);
    expect(() => vm.execute(Uint8Array.of(0x43, 0x56, 0x4d, 0x01, 0, 0, 0, 2, 0), ctx, EMPTY_STORAGE, NO_HOST_FUNCTIONS)).toThrow(InvalidCodeError);
  });
});

describe('storage', () => {
  const sstore = (key: bigint, value: bigint): Part => [value, key, 'SSTORE'];

  it('charges 20,000 from zero to non-zero, else 5,000 (journal first)', () => {
    const storage = new MapStorage(new Map([[1n, 9n]]));
    const gasOf = (...parts: Part[]): bigint => run(asm(...parts, 'STOP'), { storage }).gasUsed;
    const pushes = (n: bigint): bigint => 3n * n; // every push here is a PUSH1
    expect(gasOf(sstore(2n, 5n))).toBe(pushes(2n) + 20_000n);
    expect(gasOf(sstore(1n, 5n))).toBe(pushes(2n) + 5_000n);
    expect(gasOf(sstore(1n, 0n))).toBe(2n + 3n + 5_000n);
    expect(gasOf(sstore(2n, 0n))).toBe(2n + 3n + 5_000n);
    // second write sees the journal: non-zero → non-zero
    expect(gasOf(sstore(2n, 5n), sstore(2n, 6n))).toBe(pushes(4n) + 20_000n + 5_000n);
    // deleting a committed slot then setting it again: zero → non-zero per the journal
    expect(gasOf(sstore(1n, 0n), sstore(1n, 4n))).toBe(2n + 3n + 5_000n + pushes(2n) + 20_000n);
  });

  it('reads the journal before committed storage and returns sorted last writes', () => {
    const storage = new MapStorage(new Map([[1n, 9n], [3n, 8n]]));
    const result = run(asm(sstore(5n, 1n), sstore(1n, 2n), sstore(5n, 3n), sstore(MAX, 4n), 1n, 'SLOAD', 3n, 'SLOAD', 'ADD', RETURN_TOP), { storage });
    expect(result.status).toBe(Status.Success);
    expect(word(result.output)).toBe(10n);
    expect(result.storageWrites).toEqual([[1n, 2n], [5n, 3n], [MAX, 4n]]);
    expect(evaluate(7n, 'SLOAD')).toBe(0n);
  });

  it('discards writes and events on REVERT and on faults', () => {
    const storage = new MapStorage();
    const reverted = run(asm(sstore(1n, 1n), 0n, 0n, 'LOG0', 0x6f6f70n, 0n, 'MSTORE', 3n, 29n, 'REVERT'), { storage });
    expect(reverted.status).toBe(Status.Reverted);
    expect(new TextDecoder().decode(reverted.output)).toBe('oop');
    expect(reverted.storageWrites).toEqual([]);
    expect(reverted.events).toEqual([]);
    expect(reverted.gasUsed).toBeLessThan(10_000_000n);
    const faulted = run(asm(sstore(1n, 1n), 0n, 0n, 'LOG0', 'INVALID'), { storage });
    expect(faulted.status).toBe(Status.InvalidOpcode);
    expect(faulted.storageWrites).toEqual([]);
    expect(faulted.events).toEqual([]);
    const oog = run(asm(sstore(1n, 1n)), { gas: 20_005n });
    expect(oog.status).toBe(Status.OutOfGas);
    expect(oog.storageWrites).toEqual([]);
  });
});

describe('events', () => {
  it('records topics in order with data, charging 375 + 375·n + 8 per byte', () => {
    const result = run(asm(0xabcdn << 240n, 0n, 'MSTORE', 30n, 20n, 10n, 2n, 0n, 'LOG3', 'STOP'));
    expect(result.status).toBe(Status.Success);
    expect(result.events).toEqual([{ topics: [10n, 20n, 30n], data: Uint8Array.of(0xab, 0xcd) }]);
    const gas = run(asm(5n, 0n, 'LOG0', 'STOP')).gasUsed;
    expect(gas).toBe(3n + 2n + 375n + 8n * 5n + memoryCost(1n));
  });

  it('allows 256 events of ≤ 4 KiB and faults with event_limit beyond', () => {
    const loop = (n: bigint, len: bigint): Uint8Array =>
      // PUSH2 n; 3: JUMPDEST; LOG0(len bytes at 0); PUSH1 1 SWAP1 SUB DUP1 PUSH1 3 JUMPI
      asm('PUSH2', Uint8Array.of(Number(n >> 8n), Number(n & 0xffn)), 'JUMPDEST', 'PUSH2', Uint8Array.of(Number(len >> 8n), Number(len & 0xffn)), 0n, 'LOG0', 1n, 'SWAP1', 'SUB', 'DUP1', 3n, 'JUMPI');
    const ok = run(loop(256n, 4096n), { gas: 100_000_000n });
    expect(ok.status).toBe(Status.Success);
    expect(ok.events.length).toBe(256);
    expect(ok.events[0]?.data.length).toBe(4096);
    expect(run(loop(257n, 1n), { gas: 100_000_000n }).status).toBe(Status.EventLimit);
    expect(run(loop(1n, 4097n), { gas: 100_000_000n }).status).toBe(Status.EventLimit);
  });
});

describe('host functions', () => {
  const host = nodeHostFunctions();

  it('POSEIDON matches PoseidonWasm and charges 1,000 + 250·n', () => {
    const poseidon = PoseidonWasm.load();
    for (let n = 1; n <= 6; n++) {
      const inputs = Array.from({ length: n }, (_, i) => (BigInt(i) * 0x1234567n + r - 1n - BigInt(i)) % r);
      // inputs[0] must be just below n on the stack: push them in reverse
      const parts: Part[] = [...inputs].reverse().map((x) => x);
      const result = run(asm(...parts, BigInt(n), 'HOST', Uint8Array.of(1), RETURN_TOP), { host });
      expect(result.status).toBe(Status.Success);
      expect(word(result.output)).toBe(poseidon.hash(inputs));
      const gas = run(asm(...parts, BigInt(n), 'HOST', Uint8Array.of(1), 'STOP'), { host }).gasUsed;
      const pushGas = inputs.reduce((g, x) => g + (x === 0n ? 2n : 3n), 3n);
      expect(gas).toBe(pushGas + 1000n + 250n * BigInt(n));
    }
    expect(run(asm(1n, 0n, 'HOST', Uint8Array.of(1)), { host }).status).toBe(Status.FieldRange);
    expect(run(asm(1n, 1n, 1n, 1n, 1n, 1n, 1n, 7n, 'HOST', Uint8Array.of(1)), { host }).status).toBe(Status.FieldRange);
    expect(run(asm(r, 1n, 'HOST', Uint8Array.of(1)), { host }).status).toBe(Status.FieldRange);
    expect(run(asm(5n, 2n, 'HOST', Uint8Array.of(1)), { host }).status).toBe(Status.StackUnderflow);
  });

  it('SHA256 hashes memory and charges 60 + 12 per word + memory', () => {
    const data = Buffer.from('cdrchain settlement batch 42 ...');
    expect(data.length).toBe(32);
    const code = asm(word(data.subarray(0, 32)), 0n, 'MSTORE', BigInt(data.length), 0n, 'HOST', Uint8Array.of(2), RETURN_TOP);
    const result = run(code, { host });
    expect(word(result.output)).toBe(word(createHash('sha256').update(data).digest()));
    const empty = run(asm(0n, MAX, 'HOST', Uint8Array.of(2), RETURN_TOP), { host });
    expect(word(empty.output)).toBe(word(createHash('sha256').digest()));
    const gas = run(asm(33n, 0n, 'HOST', Uint8Array.of(2), 'STOP'), { host }).gasUsed;
    expect(gas).toBe(3n + 2n + 60n + 24n + memoryCost(2n));
  });

  /** Stores bytes at memory offset `at` with MSTORE8s. */
  const storeBytes = (bytes: Uint8Array, at: number): Part[] => [...bytes].map((b, i) => [BigInt(b), BigInt(at + i), 'MSTORE8']);

  it('ED25519_VERIFY returns 1 for a valid signature and 0 otherwise', () => {
    const pair = ed25519FromSeed(new Uint8Array(32).fill(7));
    const message = Buffer.from('approve batch 7');
    const signature = ed25519Sign(message, privateKeyObject(pair.seed));
    const verify = (sig: Uint8Array, key: Uint8Array): bigint => {
      const code = asm(storeBytes(message, 0), storeBytes(sig, 64), storeBytes(key, 128), 128n, 64n, BigInt(message.length), 0n, 'HOST', Uint8Array.of(3), RETURN_TOP);
      const result = run(code, { host });
      expect(result.status).toBe(Status.Success);
      return word(result.output);
    };
    expect(verify(signature, pair.publicKey)).toBe(1n);
    const bad = Uint8Array.from(signature);
    bad[0]! ^= 1;
    expect(verify(bad, pair.publicKey)).toBe(0n);
    expect(verify(signature, new Uint8Array(32).fill(0xff))).toBe(0n); // not a valid key
  });

  it('BLS_VERIFY checks min-pk signatures (G2 signature, G1 key)', () => {
    const bls = bls12_381.longSignatures;
    const secretKey = new Uint8Array(32).fill(3);
    const publicKey = bls.getPublicKey(secretKey).toBytes(true);
    const message = Buffer.from('block 9');
    const signature = bls.sign(bls.hash(message, BLS_DST), secretKey).toBytes(true);
    expect(publicKey.length).toBe(48);
    expect(signature.length).toBe(96);
    expect(host.blsVerify(message, signature, publicKey)).toBe(true);
    expect(host.blsVerify(Buffer.from('block 10'), signature, publicKey)).toBe(false);
    expect(host.blsVerify(message, new Uint8Array(96), publicKey)).toBe(false);
    expect(host.blsVerify(message, signature, new Uint8Array(48).fill(0xff))).toBe(false);
    const code = asm(storeBytes(message, 0), storeBytes(signature, 64), storeBytes(publicKey, 160), 160n, 64n, BigInt(message.length), 0n, 'HOST', Uint8Array.of(4), RETURN_TOP);
    const result = run(code, { host });
    expect(result.status).toBe(Status.Success);
    expect(word(result.output)).toBe(1n);
  });

  it('GROTH16_VERIFY is 0 for unknown keys and passes registered keys their inputs', () => {
    const code = asm(7n, 11n, 0n, 'MSTORE', 2n, 256n, 1n, 'HOST', Uint8Array.of(5), RETURN_TOP);
    expect(word(run(code, { host }).output)).toBe(0n);
    let seen: readonly bigint[] = [];
    const withKey = nodeHostFunctions({ verifyingKeys: new Map([[7n, (proof: Uint8Array, inputs: readonly bigint[]) => { seen = inputs; return proof.length === 256; }]]) });
    const code2 = asm(11n, 256n, 'MSTORE', 12n, 288n, 'MSTORE', 256n, 2n, 0n, 7n, 'HOST', Uint8Array.of(5), RETURN_TOP);
    const result = run(code2, { host: withKey });
    expect(word(result.output)).toBe(1n);
    expect(seen).toEqual([11n, 12n]);
    expect(run(asm(256n, 1n << 40n, 0n, 7n, 'HOST', Uint8Array.of(5)), { host }).status).toBe(Status.MemoryLimit);
  });
});
