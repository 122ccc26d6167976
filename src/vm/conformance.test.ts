import { describe, expect, it } from 'vitest';
import { wrapCode } from './container.js';
import { vectorHost, vectors, VECTOR_CONTEXT, type ConformanceVector } from './conformance-vectors.js';
import { InvalidCodeError, type ExecutionResult, type Interpreter } from './execution.js';
import { WasmInterpreter } from './interpreter.js';
import { HOST_FUNCTIONS, HOST_GAS, GAS, LIMITS, OPCODES, OPCODES_BY_NAME, Status, statusName } from './opcodes.js';
import { ReferenceInterpreter } from './reference.js';

const implementations: [string, () => Interpreter][] = [
  ['reference', () => new ReferenceInterpreter()],
  ['wasm', () => WasmInterpreter.load()],
];

const host = vectorHost();

function run(interpreter: Interpreter, v: ConformanceVector): ExecutionResult {
  const storage = new Map(v.storage);
  return interpreter.execute(wrapCode(v.code), { ...VECTOR_CONTEXT, calldata: v.calldata, gasLimit: v.gasLimit }, { get: (k) => storage.get(k) ?? 0n }, host);
}

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A comparable view of a result: byte arrays as hex, statuses by name. */
function view(r: Pick<ExecutionResult, 'status' | 'gasUsed'> & Partial<ExecutionResult>): Record<string, unknown> {
  return {
    status: statusName(r.status),
    gasUsed: r.gasUsed,
    output: hexOf(r.output ?? new Uint8Array(0)),
    storageWrites: (r.storageWrites ?? []).map(([k, val]) => [k, val]),
    events: (r.events ?? []).map((e) => ({ topics: [...e.topics], data: hexOf(e.data) })),
    ...(r.pc === undefined ? {} : { pc: r.pc }),
    ...(r.steps === undefined ? {} : { steps: r.steps }),
  };
}

describe.each(implementations)('conformance vectors: %s', (_name, make) => {
  const interpreter = make();
  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_n, v) => {
    const got = run(interpreter, v);
    const want = view(v.expect);
    const actual = view(got);
    if (v.expect.pc === undefined) delete actual['pc'];
    if (v.expect.steps === undefined) delete actual['steps'];
    expect(actual).toEqual(want);
  });

  it('refuses invalid containers before executing', () => {
    const good = wrapCode(Uint8Array.of(0x00));
    const bad: Uint8Array[] = [
      new Uint8Array(0),
      good.subarray(0, 7),
      Uint8Array.of(0x43, 0x56, 0x4e, 0x01, 0, 0, 0, 1, 0), // magic
      Uint8Array.of(0x43, 0x56, 0x4d, 0x02, 0, 0, 0, 1, 0), // version
      Uint8Array.of(0x43, 0x56, 0x4d, 0x01, 0, 0, 0, 0), // length 0
      Uint8Array.of(0x43, 0x56, 0x4d, 0x01, 0, 0, 0, 2, 0), // shorter than declared
      Uint8Array.of(0x43, 0x56, 0x4d, 0x01, 0, 0, 0, 1, 0, 0), // trailing byte
      Uint8Array.of(0x43, 0x56, 0x4d, 0x01, 0, 1, 0, 1, ...new Uint8Array(65_537)), // 65,537 bytes
    ];
    let hostCalls = 0;
    const counting = { ...host, sha256: (d: Uint8Array) => (hostCalls++, host.sha256(d)) };
    for (const code of bad) {
      expect(() => interpreter.execute(code, { ...VECTOR_CONTEXT, calldata: new Uint8Array(0), gasLimit: 100n }, { get: () => 0n }, counting)).toThrow(InvalidCodeError);
    }
    expect(hostCalls).toBe(0);
  });
});

it('has a vector for every opcode and host function', () => {
  const names = vectors.map((v) => v.name).join('\n');
  for (const info of OPCODES) {
    if (info === undefined || info.name === 'HOST') continue;
    expect(names, info.name).toMatch(new RegExp(`\\b${info.name}\\b`));
  }
  for (const fn of HOST_FUNCTIONS) expect(names, fn.name).toMatch(new RegExp(`\\b${fn.name}\\b`));
  expect(vectors.length).toBeGreaterThan(250);
});

// docs/vm.md's instruction table, copied by hand: name → [hex, pops, pushes, base gas, immediate].
const SPEC_TABLE: Record<string, readonly [number, number, number, number, number]> = {
  STOP: [0x00, 0, 0, 0, 0], ADD: [0x01, 2, 1, 3, 0], MUL: [0x02, 2, 1, 5, 0], SUB: [0x03, 2, 1, 3, 0],
  DIV: [0x04, 2, 1, 5, 0], SDIV: [0x05, 2, 1, 5, 0], MOD: [0x06, 2, 1, 5, 0], SMOD: [0x07, 2, 1, 5, 0],
  ADDMOD: [0x08, 3, 1, 8, 0], MULMOD: [0x09, 3, 1, 8, 0], EXP: [0x0a, 2, 1, 10, 0], SIGNEXTEND: [0x0b, 2, 1, 5, 0],
  LT: [0x10, 2, 1, 3, 0], GT: [0x11, 2, 1, 3, 0], SLT: [0x12, 2, 1, 3, 0], SGT: [0x13, 2, 1, 3, 0],
  EQ: [0x14, 2, 1, 3, 0], ISZERO: [0x15, 1, 1, 3, 0], AND: [0x16, 2, 1, 3, 0], OR: [0x17, 2, 1, 3, 0],
  XOR: [0x18, 2, 1, 3, 0], NOT: [0x19, 1, 1, 3, 0], BYTE: [0x1a, 2, 1, 3, 0], SHL: [0x1b, 2, 1, 3, 0],
  SHR: [0x1c, 2, 1, 3, 0], SAR: [0x1d, 2, 1, 3, 0], FADD: [0x20, 2, 1, 8, 0], FSUB: [0x21, 2, 1, 8, 0],
  FMUL: [0x22, 2, 1, 10, 0], ADDRESS: [0x30, 0, 1, 2, 0], CALLER: [0x31, 0, 1, 2, 0], CALLDATALOAD: [0x32, 1, 1, 3, 0],
  CALLDATASIZE: [0x33, 0, 1, 2, 0], CALLDATACOPY: [0x34, 3, 0, 3, 0], HEIGHT: [0x35, 0, 1, 2, 0], TIMESTAMP: [0x36, 0, 1, 2, 0],
  GAS: [0x37, 0, 1, 2, 0], PC: [0x38, 0, 1, 2, 0], POP: [0x40, 1, 0, 2, 0], MLOAD: [0x41, 1, 1, 3, 0],
  MSTORE: [0x42, 2, 0, 3, 0], MSTORE8: [0x43, 2, 0, 3, 0], MSIZE: [0x44, 0, 1, 2, 0], MCOPY: [0x45, 3, 0, 3, 0],
  SLOAD: [0x48, 1, 1, 200, 0], SSTORE: [0x49, 2, 0, 0, 0], JUMP: [0x50, 1, 0, 8, 0], JUMPI: [0x51, 2, 0, 10, 0],
  JUMPDEST: [0x52, 0, 0, 1, 0], CALL: [0x53, 1, 0, 10, 0], RET: [0x54, 0, 0, 5, 0],
  LOG0: [0x58, 2, 0, 375, 0], LOG1: [0x59, 3, 0, 750, 0], LOG2: [0x5a, 4, 0, 1125, 0], LOG3: [0x5b, 5, 0, 1500, 0], LOG4: [0x5c, 6, 0, 1875, 0],
  PUSH0: [0x5f, 0, 1, 2, 0], HOST: [0xa0, 0, 0, 0, 1], RETURN: [0xf3, 2, 0, 0, 0], REVERT: [0xfd, 2, 0, 0, 0], INVALID: [0xfe, 0, 0, 0, 0],
};
for (let n = 1; n <= 32; n++) SPEC_TABLE[`PUSH${n}`] = [0x5f + n, 0, 1, 3, n];
for (let n = 1; n <= 16; n++) {
  SPEC_TABLE[`DUP${n}`] = [0x7f + n, n, n + 1, 3, 0];
  SPEC_TABLE[`SWAP${n}`] = [0x8f + n, n + 1, n + 1, 3, 0];
}

describe('src/vm/opcodes.ts matches docs/vm.md', () => {
  it('has exactly the spec opcodes with their stack effects and base gas', () => {
    const defined = OPCODES.filter((o) => o !== undefined).map((o) => o.name).sort();
    expect(defined).toEqual(Object.keys(SPEC_TABLE).sort());
    for (const [name, [code, pops, pushes, gas, immediate]] of Object.entries(SPEC_TABLE)) {
      expect(OPCODES_BY_NAME.get(name), name).toEqual({ code, name, pops, pushes, gas, immediate });
    }
  });

  it('has the spec host functions, limits and gas constants', () => {
    expect(HOST_FUNCTIONS.map((h) => [h.id, h.name, h.pops, h.pushes, h.gas])).toEqual([
      [1, 'POSEIDON', 1, 1, 1000],
      [2, 'SHA256', 2, 1, 60],
      [3, 'ED25519_VERIFY', 4, 1, 8000],
      [4, 'BLS_VERIFY', 4, 1, 60_000],
      [5, 'GROTH16_VERIFY', 4, 1, 500_000],
      [6, 'BJJ_SUM', 4, 1, 800],
    ]);
    expect(HOST_GAS).toEqual({ poseidonInput: 250, sha256Word: 12, groth16Input: 100, bjjPoint: 120 });
    expect(GAS).toEqual({ memoryWord: 3, memoryQuadDivisor: 512, copyWord: 3, expByte: 50, sloadCost: 200, sstoreSet: 20_000, sstoreReset: 5_000, logBase: 375, logTopic: 375, logByte: 8 });
    expect(LIMITS).toEqual({
      maxCodeBytes: 65_536, maxStack: 1_024, maxReturnStack: 256, maxMemoryBytes: 4 * 1024 * 1024, maxCalldataBytes: 128 * 1024,
      maxOutputBytes: 64 * 1024, maxEvents: 256, maxEventDataBytes: 4 * 1024,
    });
    expect([Status.Success, Status.Reverted, Status.OutOfGas, Status.StackUnderflow, Status.StackOverflow, Status.InvalidOpcode, Status.InvalidJump, Status.MemoryLimit, Status.CallDepth, Status.FieldRange, Status.EventLimit]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
