// The AssemblyScript copy of the instruction table (src/vm/opcodes.ts is the source of truth; a
// test compares the two through opcodeEntry()). Each opcode gets one u64 of dispatch info at
// OP_INFO, checked before the instruction runs:
//   bits  0..31  base gas
//   bits 32..47  minimum stack bytes (pops · 32)            → stack_underflow below it
//   bits 48..63  maximum stack bytes ((1024 + pops − pushes) · 32) → stack_overflow above it
// Undefined opcodes get no requirements and fall to the interpreter's invalid_opcode default.

import { MAX_STACK, OP_INFO, PUSH_MASKS } from './layout';

export const OP_STOP: u8 = 0x00;
export const OP_JUMPDEST: u8 = 0x52;
export const OP_HOST: u8 = 0xa0;

// Defined-ness and the raw (gas, pops, pushes) for the cross-check with the TypeScript table.
const DEFINED: usize = memory.data(256);
const POPS: usize = memory.data(256);
const PUSHES: usize = memory.data(256);

function op(code: i32, pops: i32, pushes: i32, gas: u32): void {
  const minBytes = <u64>pops << 5;
  const maxBytes = <u64>(<i32>MAX_STACK + pops - pushes) << 5;
  store<u64>(OP_INFO + (<usize>code << 3), <u64>gas | (minBytes << 32) | (maxBytes << 48));
  store<u8>(DEFINED + <usize>code, 1);
  store<u8>(POPS + <usize>code, <u8>pops);
  store<u8>(PUSHES + <usize>code, <u8>pushes);
}

/** Fills OP_INFO and PUSH_MASKS; called once at instantiation. */
export function initOpcodes(): void {
  for (let c = 0; c < 256; c++) store<u64>(OP_INFO + (<usize>c << 3), <u64>0xffff << 48);
  op(0x00, 0, 0, 0); // STOP
  op(0x01, 2, 1, 3); // ADD
  op(0x02, 2, 1, 5); // MUL
  op(0x03, 2, 1, 3); // SUB
  op(0x04, 2, 1, 5); // DIV
  op(0x05, 2, 1, 5); // SDIV
  op(0x06, 2, 1, 5); // MOD
  op(0x07, 2, 1, 5); // SMOD
  op(0x08, 3, 1, 8); // ADDMOD
  op(0x09, 3, 1, 8); // MULMOD
  op(0x0a, 2, 1, 10); // EXP
  op(0x0b, 2, 1, 5); // SIGNEXTEND
  op(0x10, 2, 1, 3); // LT
  op(0x11, 2, 1, 3); // GT
  op(0x12, 2, 1, 3); // SLT
  op(0x13, 2, 1, 3); // SGT
  op(0x14, 2, 1, 3); // EQ
  op(0x15, 1, 1, 3); // ISZERO
  op(0x16, 2, 1, 3); // AND
  op(0x17, 2, 1, 3); // OR
  op(0x18, 2, 1, 3); // XOR
  op(0x19, 1, 1, 3); // NOT
  op(0x1a, 2, 1, 3); // BYTE
  op(0x1b, 2, 1, 3); // SHL
  op(0x1c, 2, 1, 3); // SHR
  op(0x1d, 2, 1, 3); // SAR
  op(0x20, 2, 1, 8); // FADD
  op(0x21, 2, 1, 8); // FSUB
  op(0x22, 2, 1, 10); // FMUL
  op(0x30, 0, 1, 2); // ADDRESS
  op(0x31, 0, 1, 2); // CALLER
  op(0x32, 1, 1, 3); // CALLDATALOAD
  op(0x33, 0, 1, 2); // CALLDATASIZE
  op(0x34, 3, 0, 3); // CALLDATACOPY
  op(0x35, 0, 1, 2); // HEIGHT
  op(0x36, 0, 1, 2); // TIMESTAMP
  op(0x37, 0, 1, 2); // GAS
  op(0x38, 0, 1, 2); // PC
  op(0x40, 1, 0, 2); // POP
  op(0x41, 1, 1, 3); // MLOAD
  op(0x42, 2, 0, 3); // MSTORE
  op(0x43, 2, 0, 3); // MSTORE8
  op(0x44, 0, 1, 2); // MSIZE
  op(0x45, 3, 0, 3); // MCOPY
  op(0x48, 1, 1, 200); // SLOAD
  op(0x49, 2, 0, 0); // SSTORE: all of its cost is dynamic
  op(0x50, 1, 0, 8); // JUMP
  op(0x51, 2, 0, 10); // JUMPI
  op(0x52, 0, 0, 1); // JUMPDEST
  op(0x53, 1, 0, 10); // CALL
  op(0x54, 0, 0, 5); // RET
  for (let n = 0; n <= 4; n++) op(0x58 + n, 2 + n, 0, 375 + 375 * <u32>n); // LOG0..LOG4
  op(0x5f, 0, 1, 2); // PUSH0
  for (let n = 1; n <= 32; n++) op(0x5f + n, 0, 1, 3); // PUSH1..PUSH32
  for (let n = 1; n <= 16; n++) op(0x7f + n, n, n + 1, 3); // DUP1..DUP16
  for (let n = 1; n <= 16; n++) op(0x8f + n, n + 1, n + 1, 3); // SWAP1..SWAP16
  op(0xa0, 0, 0, 0); // HOST: stack effect and gas depend on the function
  op(0xf3, 2, 0, 0); // RETURN
  op(0xfd, 2, 0, 0); // REVERT
  op(0xfe, 0, 0, 0); // INVALID

  // PUSHn keeps the low n bytes of a 32-byte big-endian load: limb i keeps min(64, 8n − 64i) bits.
  for (let n = 0; n <= 32; n++) {
    for (let i = 0; i < 4; i++) {
      const bits = n * 8 - i * 64;
      const mask: u64 = bits >= 64 ? ~(<u64>0) : bits <= 0 ? 0 : (<u64>1 << <u64>bits) - 1;
      store<u64>(PUSH_MASKS + (<usize>n << 5) + (<usize>i << 3), mask);
    }
  }
}

/** Immediate bytes after `code`: n for PUSHn, 1 for HOST. */
@inline export function immediateBytes(code: u32): u32 {
  if (code >= 0x60 && code <= 0x7f) return code - 0x5f;
  return code == OP_HOST ? 1 : 0;
}

/** For the table test: 0 if undefined, else 1 | gas << 8 | pops << 40 | pushes << 48 | imm << 56. */
export function opcodeEntry(code: u32): u64 {
  if (code > 255 || load<u8>(DEFINED + <usize>code) == 0) return 0;
  const gas = load<u64>(OP_INFO + (<usize>code << 3)) & 0xffffffff;
  return 1 | (gas << 8) | (<u64>load<u8>(POPS + <usize>code) << 40) | (<u64>load<u8>(PUSHES + <usize>code) << 48) | (<u64>immediateBytes(code) << 56);
}
