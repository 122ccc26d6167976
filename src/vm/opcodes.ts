/**
 * The instruction set of bytecode version 1 (docs/vm.md): the one table the assembler,
 * disassembler, reference interpreter and tests read. The AssemblyScript interpreter keeps its own
 * copy (assembly/vm/), checked against this one by a test.
 */

export const BYTECODE_MAGIC = Uint8Array.of(0x43, 0x56, 0x4d); // "CVM"
export const BYTECODE_VERSION = 1;
export const CONTAINER_HEADER_BYTES = 8;

export const LIMITS = {
  maxCodeBytes: 65_536,
  maxStack: 1_024,
  maxReturnStack: 256,
  maxMemoryBytes: 4 * 1024 * 1024,
  maxCalldataBytes: 128 * 1024,
  maxOutputBytes: 64 * 1024,
  maxEvents: 256,
  maxEventDataBytes: 4 * 1024,
} as const;

export const GAS = {
  memoryWord: 3,
  memoryQuadDivisor: 512,
  copyWord: 3,
  expByte: 50,
  sloadCost: 200,
  sstoreSet: 20_000,
  sstoreReset: 5_000,
  logBase: 375,
  logTopic: 375,
  logByte: 8,
} as const;

/** Memory of `words` 32-byte words costs this much in total; growth pays the difference. */
export function memoryCost(words: bigint): bigint {
  return BigInt(GAS.memoryWord) * words + (words * words) / BigInt(GAS.memoryQuadDivisor);
}

export enum Status {
  Success = 0,
  Reverted = 1,
  OutOfGas = 2,
  StackUnderflow = 3,
  StackOverflow = 4,
  InvalidOpcode = 5,
  InvalidJump = 6,
  MemoryLimit = 7,
  CallDepth = 8,
  FieldRange = 9,
  EventLimit = 10,
}

export function statusName(s: Status): string {
  return (Status[s] ?? `status_${s}`).replace(/[A-Z]/g, (c, i: number) => (i ? '_' : '') + c.toLowerCase());
}

export interface OpcodeInfo {
  readonly code: number;
  readonly name: string;
  /** Bytes of immediate data after the opcode. */
  readonly immediate: number;
  readonly pops: number;
  readonly pushes: number;
  /** Charged before the instruction runs; dynamic costs come on top (docs/vm.md). */
  readonly gas: number;
}

const table: OpcodeInfo[] = [];
const op = (code: number, name: string, pops: number, pushes: number, gas: number, immediate = 0): void => {
  table.push({ code, name, immediate, pops, pushes, gas });
};

op(0x00, 'STOP', 0, 0, 0);
op(0x01, 'ADD', 2, 1, 3);
op(0x02, 'MUL', 2, 1, 5);
op(0x03, 'SUB', 2, 1, 3);
op(0x04, 'DIV', 2, 1, 5);
op(0x05, 'SDIV', 2, 1, 5);
op(0x06, 'MOD', 2, 1, 5);
op(0x07, 'SMOD', 2, 1, 5);
op(0x08, 'ADDMOD', 3, 1, 8);
op(0x09, 'MULMOD', 3, 1, 8);
op(0x0a, 'EXP', 2, 1, 10);
op(0x0b, 'SIGNEXTEND', 2, 1, 5);
op(0x10, 'LT', 2, 1, 3);
op(0x11, 'GT', 2, 1, 3);
op(0x12, 'SLT', 2, 1, 3);
op(0x13, 'SGT', 2, 1, 3);
op(0x14, 'EQ', 2, 1, 3);
op(0x15, 'ISZERO', 1, 1, 3);
op(0x16, 'AND', 2, 1, 3);
op(0x17, 'OR', 2, 1, 3);
op(0x18, 'XOR', 2, 1, 3);
op(0x19, 'NOT', 1, 1, 3);
op(0x1a, 'BYTE', 2, 1, 3);
op(0x1b, 'SHL', 2, 1, 3);
op(0x1c, 'SHR', 2, 1, 3);
op(0x1d, 'SAR', 2, 1, 3);
op(0x20, 'FADD', 2, 1, 8);
op(0x21, 'FSUB', 2, 1, 8);
op(0x22, 'FMUL', 2, 1, 10);
op(0x30, 'ADDRESS', 0, 1, 2);
op(0x31, 'CALLER', 0, 1, 2);
op(0x32, 'CALLDATALOAD', 1, 1, 3);
op(0x33, 'CALLDATASIZE', 0, 1, 2);
op(0x34, 'CALLDATACOPY', 3, 0, 3);
op(0x35, 'HEIGHT', 0, 1, 2);
op(0x36, 'TIMESTAMP', 0, 1, 2);
op(0x37, 'GAS', 0, 1, 2);
op(0x38, 'PC', 0, 1, 2);
op(0x40, 'POP', 1, 0, 2);
op(0x41, 'MLOAD', 1, 1, 3);
op(0x42, 'MSTORE', 2, 0, 3);
op(0x43, 'MSTORE8', 2, 0, 3);
op(0x44, 'MSIZE', 0, 1, 2);
op(0x45, 'MCOPY', 3, 0, 3);
op(0x48, 'SLOAD', 1, 1, GAS.sloadCost);
op(0x49, 'SSTORE', 2, 0, 0); // all of its cost is dynamic
op(0x50, 'JUMP', 1, 0, 8);
op(0x51, 'JUMPI', 2, 0, 10);
op(0x52, 'JUMPDEST', 0, 0, 1);
op(0x53, 'CALL', 1, 0, 10);
op(0x54, 'RET', 0, 0, 5);
for (let n = 0; n <= 4; n++) op(0x58 + n, `LOG${n}`, 2 + n, 0, GAS.logBase + GAS.logTopic * n);
op(0x5f, 'PUSH0', 0, 1, 2);
for (let n = 1; n <= 32; n++) op(0x5f + n, `PUSH${n}`, 0, 1, 3, n);
for (let n = 1; n <= 16; n++) op(0x7f + n, `DUP${n}`, n, n + 1, 3);
for (let n = 1; n <= 16; n++) op(0x8f + n, `SWAP${n}`, n + 1, n + 1, 3);
op(0xa0, 'HOST', 0, 0, 0, 1); // stack effect and gas depend on the host function
op(0xf3, 'RETURN', 2, 0, 0);
op(0xfd, 'REVERT', 2, 0, 0);
op(0xfe, 'INVALID', 0, 0, 0);

/** Opcodes by byte; undefined bytes are invalid. */
export const OPCODES: readonly (OpcodeInfo | undefined)[] = Array.from({ length: 256 }, (_, code) => table.find((o) => o.code === code));
export const OPCODES_BY_NAME: ReadonlyMap<string, OpcodeInfo> = new Map(table.map((o) => [o.name, o]));

export const Op = Object.freeze(Object.fromEntries(table.map((o) => [o.name, o.code]))) as Readonly<Record<string, number>>;

export interface HostFunctionInfo {
  readonly id: number;
  readonly name: string;
  /** For POSEIDON the count n is the first argument and n more follow. */
  readonly pops: number;
  readonly pushes: number;
  readonly gas: number;
}

export const HOST_FUNCTIONS: readonly HostFunctionInfo[] = [
  { id: 0x01, name: 'POSEIDON', pops: 1, pushes: 1, gas: 1_000 }, // + 250 per input
  { id: 0x02, name: 'SHA256', pops: 2, pushes: 1, gas: 60 }, // + 12 per word + memory
  { id: 0x03, name: 'ED25519_VERIFY', pops: 4, pushes: 1, gas: 8_000 },
  { id: 0x04, name: 'BLS_VERIFY', pops: 4, pushes: 1, gas: 60_000 },
  { id: 0x05, name: 'GROTH16_VERIFY', pops: 4, pushes: 1, gas: 500_000 }, // + 100 per public input
  { id: 0x06, name: 'BJJ_SUM', pops: 4, pushes: 1, gas: 800 }, // + 120 per point + memory
];

export const HOST_GAS = { poseidonInput: 250, sha256Word: 12, groth16Input: 100, bjjPoint: 120 } as const;

/** BN254 scalar field order: FADD/FSUB/FMUL and POSEIDON work modulo it. */
export const FIELD_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
export const WORD_MASK = (1n << 256n) - 1n;
