// The dispatch loop. One call to run() executes one transaction's code, already placed in linear
// memory by the host (code at CODE, calldata at CALLDATA, context words at CTX).
//
// Per instruction: fetch, one OP_INFO load for the stack bounds and base gas (charged before the
// instruction runs), then a dense switch (a br_table). Check order, as src/vm/reference.ts:
// invalid_opcode (undefined byte, INVALID, unknown HOST id); operand stack bounds (for HOST the
// function's fixed pops); base gas (for HOST the function's); memory_limit of every byte range and
// the output/event limits; dynamic gas (memory growth, per-word/byte/input costs) as one sum; then
// the instruction's own faults (invalid_jump, call_depth, field_range, return-stack underflow).

import {
  CALLDATA, CODE, CTX, JUMPDESTS, MAX_EVENTS, MAX_EVENT_DATA, MAX_MEMORY, MAX_OUTPUT,
  MAX_RETURN_STACK, OP_INFO, PUSH_MASKS, RETURN_STACK, STACK, VM_MEMORY,
} from './layout';
import { OP_HOST, OP_JUMPDEST, immediateBytes } from './opcodes';
import {
  addmod, atLeast, byteLength, byteOf, copyWord, exp, isZero, lt, mul, mulmod, sar, sdiv, setU64,
  setZero, shl, shr, signextend, slt, smod, udiv, umod,
} from './u256';
import { fieldAdd, fieldMul, fieldSub, isCanonical } from './field';
import {
  hostBjjSum, hostBlsVerify, hostEd25519Verify, hostGroth16Verify, hostLog, hostPoseidon, hostSha256, hostSload,
  hostSstore,
} from './host';

export const RUNNING: i32 = -1;
export const SUCCESS: i32 = 0;
export const REVERTED: i32 = 1;
export const OUT_OF_GAS: i32 = 2;
export const STACK_UNDERFLOW: i32 = 3;
export const STACK_OVERFLOW: i32 = 4;
export const INVALID_OPCODE: i32 = 5;
export const INVALID_JUMP: i32 = 6;
export const MEMORY_LIMIT: i32 = 7;
export const CALL_DEPTH: i32 = 8;
export const FIELD_RANGE: i32 = 9;
export const EVENT_LIMIT: i32 = 10;

/** rangeEnd() of a range whose end exceeds MAX_MEMORY. */
const BEYOND: u64 = 0xffffffffffffffff;

// Results of the last run(), read through index.ts.
export let resultPc: u32 = 0;
export let resultSteps: u64 = 0;
export let resultGasLeft: u64 = 0;
export let outputOffset: u32 = 0;
export let outputLength: u32 = 0;
/** Bytes of VM memory that may be non-zero (zeroed at the start of the next run). */
let dirtyMemory: u64 = 0;
/** Set while run() executes: still set at the next run() if a host import threw out of the last one. */
let running = false;

/** Total gas of `words` words of memory: 3w + ⌊w²/512⌋. */
@inline function memoryCost(words: u64): u64 {
  return 3 * words + ((words * words) >> 9);
}

/** Gas to grow memory of `size` bytes to cover [0, end); 0 if it already does. */
@inline function growthCost(size: u64, end: u64): u64 {
  if (end <= size) return 0;
  return memoryCost((end + 31) >> 5) - memoryCost(size >> 5);
}

/** Memory size in bytes once it covers [0, end). */
@inline function grownSize(size: u64, end: u64): u64 {
  return end <= size ? size : ((end + 31) >> 5) << 5;
}

/** End of the byte range [*off, *off + *len): 0 for an empty range, BEYOND past 4 MiB. */
function rangeEnd(off: usize, len: usize): u64 {
  if (isZero(len)) return 0;
  if (atLeast(len, MAX_MEMORY + 1) || atLeast(off, MAX_MEMORY + 1)) return BEYOND;
  const end = load<u64>(off) + load<u64>(len);
  return end > MAX_MEMORY ? BEYOND : end;
}

/** End of the fixed-length range [*off, *off + len), len > 0: BEYOND past 4 MiB. */
@inline function fixedRangeEnd(off: usize, len: u64): u64 {
  return atLeast(off, MAX_MEMORY - len + 1) ? BEYOND : load<u64>(off) + len;
}

@inline function max64(a: u64, b: u64): u64 {
  return a > b ? a : b;
}

/** Address in VM memory of a range starting at *off (any address when the range is empty). */
@inline function memoryAt(off: usize, len: u64): usize {
  return len == 0 ? VM_MEMORY : VM_MEMORY + <usize>load<u64>(off);
}

/** Fixed pops of HOST function `id` (1..6); POSEIDON pops n more after reading n. */
@inline function hostPops(id: u32): u32 {
  return id == 1 ? 1 : id == 2 ? 2 : 4;
}

/** Base gas of HOST function `id` (1..6): POSEIDON, SHA256, ED25519, BLS, GROTH16, BJJ_SUM. */
@inline function hostBaseGas(id: u32): u64 {
  return id == 1 ? 1000 : id == 2 ? 60 : id == 3 ? 8000 : id == 4 ? 60000 : id == 5 ? 500000 : 800;
}

/** Words of n bytes, rounded up. */
@inline function wordsOf(n: u64): u64 {
  return (n + 31) >> 5;
}

/** Marks JUMPDEST opcodes (skipping PUSH and HOST immediates) and zero-pads code and calldata. */
function prepare(codeLen: u32, calldataLen: u32): void {
  memory.fill(CODE + codeLen, 0, 64);
  memory.fill(CALLDATA + calldataLen, 0, 64);
  memory.fill(JUMPDESTS, 0, codeLen);
  for (let pc: u32 = 0; pc < codeLen; ) {
    const code = <u32>load<u8>(CODE + pc);
    if (code == OP_JUMPDEST) store<u8>(JUMPDESTS + pc, 1);
    pc += 1 + immediateBytes(code);
  }
  if (running) dirtyMemory = MAX_MEMORY; // the last run was abandoned: its memory size is unknown
  if (dirtyMemory > 0) memory.fill(VM_MEMORY, 0, <usize>dirtyMemory);
  dirtyMemory = 0;
}

/** Reads the big-endian word at p into o. */
@inline function loadBigEndian(o: usize, p: usize): void {
  const l3 = bswap<u64>(load<u64>(p));
  const l2 = bswap<u64>(load<u64>(p, 8));
  const l1 = bswap<u64>(load<u64>(p, 16));
  const l0 = bswap<u64>(load<u64>(p, 24));
  store<u64>(o, l0);
  store<u64>(o, l1, 8);
  store<u64>(o, l2, 16);
  store<u64>(o, l3, 24);
}

/** Executes code[0..codeLen) with `gasLimit` gas; returns the status (docs/vm.md). */
export function run(codeLen: u32, calldataLen: u32, gasLimit: u64): i32 {
  prepare(codeLen, calldataLen);
  running = true;
  const code = CODE;
  const info = OP_INFO;
  const base = STACK;
  const jumpdests = JUMPDESTS;
  let pc: u32 = 0;
  let at: u32 = 0;
  let sp: usize = base; // next free stack slot; the top word is at sp − 32
  let rsp: u32 = 0; // return-stack frames
  let gas = gasLimit;
  let steps: u64 = 0;
  let msize: u64 = 0;
  let events: u32 = 0;
  let status = RUNNING;
  outputOffset = 0;
  outputLength = 0;

  do {
    at = pc;
    const op = <u32>load<u8>(code + at);
    const inf = load<u64>(info + (<usize>op << 3));
    steps++;
    const used = <u64>(sp - base);
    if (used < ((inf >> 32) & 0xffff)) { status = STACK_UNDERFLOW; break; }
    if (used > (inf >> 48)) { status = STACK_OVERFLOW; break; }
    const cost = inf & 0xffffffff;
    if (gas < cost) { status = OUT_OF_GAS; break; }
    gas -= cost;
    pc = at + 1;

    switch (op) {
      case 0x00: { // STOP (also past the end of the code: the padding reads as 0)
        status = SUCCESS;
        break;
      }
      case 0x01: { // ADD
        const a = sp - 32, b = sp - 64;
        let x = load<u64>(a), y = load<u64>(b);
        let s = x + y;
        let carry = <u64>(s < x);
        store<u64>(b, s);
        x = load<u64>(a, 8); y = load<u64>(b, 8);
        let t = x + y; let c1 = <u64>(t < x); s = t + carry; carry = c1 | <u64>(s < t);
        store<u64>(b, s, 8);
        x = load<u64>(a, 16); y = load<u64>(b, 16);
        t = x + y; c1 = <u64>(t < x); s = t + carry; carry = c1 | <u64>(s < t);
        store<u64>(b, s, 16);
        store<u64>(b, load<u64>(a, 24) + load<u64>(b, 24) + carry, 24);
        sp = a;
        break;
      }
      case 0x02: { mul(sp - 64, sp - 32, sp - 64); sp -= 32; break; } // MUL
      case 0x03: { // SUB: a − b
        const a = sp - 32, b = sp - 64;
        let x = load<u64>(a), y = load<u64>(b);
        let borrow = <u64>(x < y);
        store<u64>(b, x - y);
        x = load<u64>(a, 8); y = load<u64>(b, 8);
        let d = x - y; let b1 = <u64>(x < y); store<u64>(b, d - borrow, 8); borrow = b1 | <u64>(d < borrow);
        x = load<u64>(a, 16); y = load<u64>(b, 16);
        d = x - y; b1 = <u64>(x < y); store<u64>(b, d - borrow, 16); borrow = b1 | <u64>(d < borrow);
        store<u64>(b, load<u64>(a, 24) - load<u64>(b, 24) - borrow, 24);
        sp = a;
        break;
      }
      case 0x04: { udiv(sp - 64, sp - 32, sp - 64); sp -= 32; break; } // DIV
      case 0x05: { sdiv(sp - 64, sp - 32, sp - 64); sp -= 32; break; } // SDIV
      case 0x06: { umod(sp - 64, sp - 32, sp - 64); sp -= 32; break; } // MOD
      case 0x07: { smod(sp - 64, sp - 32, sp - 64); sp -= 32; break; } // SMOD
      case 0x08: { addmod(sp - 96, sp - 32, sp - 64, sp - 96); sp -= 64; break; } // ADDMOD
      case 0x09: { mulmod(sp - 96, sp - 32, sp - 64, sp - 96); sp -= 64; break; } // MULMOD
      case 0x0a: { // EXP: 50 gas per byte of the exponent
        const extra = 50 * byteLength(sp - 64);
        if (gas < extra) { status = OUT_OF_GAS; break; }
        gas -= extra;
        exp(sp - 64, sp - 32, sp - 64);
        sp -= 32;
        break;
      }
      case 0x0b: { signextend(sp - 64, sp - 32, sp - 64); sp -= 32; break; } // SIGNEXTEND
      case 0x10: { setU64(sp - 64, <u64>lt(sp - 32, sp - 64)); sp -= 32; break; } // LT
      case 0x11: { setU64(sp - 64, <u64>lt(sp - 64, sp - 32)); sp -= 32; break; } // GT
      case 0x12: { setU64(sp - 64, <u64>slt(sp - 32, sp - 64)); sp -= 32; break; } // SLT
      case 0x13: { setU64(sp - 64, <u64>slt(sp - 64, sp - 32)); sp -= 32; break; } // SGT
      case 0x14: { // EQ
        const a = sp - 32, b = sp - 64;
        const ne = (load<u64>(a) ^ load<u64>(b)) | (load<u64>(a, 8) ^ load<u64>(b, 8)) |
          (load<u64>(a, 16) ^ load<u64>(b, 16)) | (load<u64>(a, 24) ^ load<u64>(b, 24));
        setU64(b, <u64>(ne == 0));
        sp = a;
        break;
      }
      case 0x15: { setU64(sp - 32, <u64>isZero(sp - 32)); break; } // ISZERO
      case 0x16: { // AND
        const a = sp - 32, b = sp - 64;
        v128.store(b, v128.and(v128.load(a), v128.load(b)));
        v128.store(b, v128.and(v128.load(a, 16), v128.load(b, 16)), 16);
        sp = a;
        break;
      }
      case 0x17: { // OR
        const a = sp - 32, b = sp - 64;
        v128.store(b, v128.or(v128.load(a), v128.load(b)));
        v128.store(b, v128.or(v128.load(a, 16), v128.load(b, 16)), 16);
        sp = a;
        break;
      }
      case 0x18: { // XOR
        const a = sp - 32, b = sp - 64;
        v128.store(b, v128.xor(v128.load(a), v128.load(b)));
        v128.store(b, v128.xor(v128.load(a, 16), v128.load(b, 16)), 16);
        sp = a;
        break;
      }
      case 0x19: { // NOT
        const a = sp - 32;
        v128.store(a, v128.not(v128.load(a)));
        v128.store(a, v128.not(v128.load(a, 16)), 16);
        break;
      }
      case 0x1a: { byteOf(sp - 64, sp - 32, sp - 64); sp -= 32; break; } // BYTE
      case 0x1b: { // SHL
        const a = sp - 32, b = sp - 64;
        if (atLeast(a, 256)) setZero(b); else shl(b, b, <u32>load<u64>(a));
        sp = a;
        break;
      }
      case 0x1c: { // SHR
        const a = sp - 32, b = sp - 64;
        if (atLeast(a, 256)) setZero(b); else shr(b, b, <u32>load<u64>(a));
        sp = a;
        break;
      }
      case 0x1d: { // SAR
        const a = sp - 32, b = sp - 64;
        sar(b, b, atLeast(a, 256) ? 256 : load<u64>(a));
        sp = a;
        break;
      }
      case 0x20: case 0x21: case 0x22: { // FADD, FSUB, FMUL
        const a = sp - 32, b = sp - 64;
        if (!isCanonical(a) || !isCanonical(b)) { status = FIELD_RANGE; break; }
        if (op == 0x20) fieldAdd(b, a, b);
        else if (op == 0x21) fieldSub(b, a, b);
        else fieldMul(b, a, b);
        sp = a;
        break;
      }
      case 0x30: { copyWord(sp, CTX); sp += 32; break; } // ADDRESS
      case 0x31: { copyWord(sp, CTX + 32); sp += 32; break; } // CALLER
      case 0x32: { // CALLDATALOAD: zero past the end (CALLDATA is zero-padded)
        const a = sp - 32;
        if (atLeast(a, calldataLen)) setZero(a);
        else loadBigEndian(a, CALLDATA + <usize>load<u64>(a));
        break;
      }
      case 0x33: { setU64(sp, calldataLen); sp += 32; break; } // CALLDATASIZE
      case 0x34: { // CALLDATACOPY mem[a..a+c) = calldata[b..b+c)
        const a = sp - 32, b = sp - 64, c = sp - 96;
        const end = rangeEnd(a, c);
        if (end == BEYOND) { status = MEMORY_LIMIT; break; }
        const len = end == 0 ? 0 : load<u64>(c);
        const extra = 3 * wordsOf(len) + growthCost(msize, end);
        if (gas < extra) { status = OUT_OF_GAS; break; }
        gas -= extra;
        msize = grownSize(msize, end);
        if (len > 0) {
          const dst = VM_MEMORY + <usize>load<u64>(a);
          const from = atLeast(b, calldataLen) ? <u64>calldataLen : load<u64>(b);
          const avail = <u64>calldataLen - from;
          const n = avail < len ? avail : len;
          memory.copy(dst, CALLDATA + <usize>from, <usize>n);
          memory.fill(dst + <usize>n, 0, <usize>(len - n));
        }
        sp = c;
        break;
      }
      case 0x35: { copyWord(sp, CTX + 64); sp += 32; break; } // HEIGHT
      case 0x36: { copyWord(sp, CTX + 96); sp += 32; break; } // TIMESTAMP
      case 0x37: { setU64(sp, gas); sp += 32; break; } // GAS
      case 0x38: { setU64(sp, at); sp += 32; break; } // PC
      case 0x40: { sp -= 32; break; } // POP
      case 0x41: { // MLOAD
        const a = sp - 32;
        const end = fixedRangeEnd(a, 32);
        if (end == BEYOND) { status = MEMORY_LIMIT; break; }
        const extra = growthCost(msize, end);
        if (gas < extra) { status = OUT_OF_GAS; break; }
        gas -= extra;
        msize = grownSize(msize, end);
        loadBigEndian(a, VM_MEMORY + <usize>(end - 32));
        break;
      }
      case 0x42: { // MSTORE
        const a = sp - 32, b = sp - 64;
        const end = fixedRangeEnd(a, 32);
        if (end == BEYOND) { status = MEMORY_LIMIT; break; }
        const extra = growthCost(msize, end);
        if (gas < extra) { status = OUT_OF_GAS; break; }
        gas -= extra;
        msize = grownSize(msize, end);
        const p = VM_MEMORY + <usize>(end - 32);
        store<u64>(p, bswap<u64>(load<u64>(b, 24)));
        store<u64>(p, bswap<u64>(load<u64>(b, 16)), 8);
        store<u64>(p, bswap<u64>(load<u64>(b, 8)), 16);
        store<u64>(p, bswap<u64>(load<u64>(b)), 24);
        sp = b;
        break;
      }
      case 0x43: { // MSTORE8
        const a = sp - 32, b = sp - 64;
        const end = fixedRangeEnd(a, 1);
        if (end == BEYOND) { status = MEMORY_LIMIT; break; }
        const extra = growthCost(msize, end);
        if (gas < extra) { status = OUT_OF_GAS; break; }
        gas -= extra;
        msize = grownSize(msize, end);
        store<u8>(VM_MEMORY + <usize>(end - 1), load<u8>(b));
        sp = b;
        break;
      }
      case 0x44: { setU64(sp, msize); sp += 32; break; } // MSIZE
      case 0x45: { // MCOPY mem[a..a+c) = mem[b..b+c)
        const a = sp - 32, b = sp - 64, c = sp - 96;
        const endA = rangeEnd(a, c), endB = rangeEnd(b, c);
        if (endA == BEYOND || endB == BEYOND) { status = MEMORY_LIMIT; break; }
        const len = endA == 0 ? 0 : load<u64>(c);
        const end = max64(endA, endB);
        const extra = 3 * wordsOf(len) + growthCost(msize, end);
        if (gas < extra) { status = OUT_OF_GAS; break; }
        gas -= extra;
        msize = grownSize(msize, end);
        if (len > 0) memory.copy(VM_MEMORY + <usize>load<u64>(a), VM_MEMORY + <usize>load<u64>(b), <usize>len);
        sp = c;
        break;
      }
      case 0x48: { hostSload(sp - 32, sp - 32); break; } // SLOAD
      case 0x49: { // SSTORE: 20,000 from zero to non-zero, else 5,000
        const a = sp - 32, b = sp - 64;
        // The journal write happens before the charge; on out_of_gas the wrapper discards it anyway.
        const wasZero = hostSstore(a, b) != 0;
        const extra: u64 = wasZero && !isZero(b) ? 20000 : 5000;
        if (gas < extra) { status = OUT_OF_GAS; break; }
        gas -= extra;
        sp = b;
        break;
      }
      case 0x50: { // JUMP
        const a = sp - 32;
        if (atLeast(a, codeLen) || load<u8>(jumpdests + <usize>load<u64>(a)) == 0) { status = INVALID_JUMP; break; }
        pc = <u32>load<u64>(a);
        sp = a;
        break;
      }
      case 0x51: { // JUMPI
        const a = sp - 32, b = sp - 64;
        if (!isZero(b)) {
          if (atLeast(a, codeLen) || load<u8>(jumpdests + <usize>load<u64>(a)) == 0) { status = INVALID_JUMP; break; }
          pc = <u32>load<u64>(a);
        }
        sp = b;
        break;
      }
      case 0x52: break; // JUMPDEST
      case 0x53: { // CALL: push the return address, then jump
        const a = sp - 32;
        if (rsp >= MAX_RETURN_STACK) { status = CALL_DEPTH; break; }
        if (atLeast(a, codeLen) || load<u8>(jumpdests + <usize>load<u64>(a)) == 0) { status = INVALID_JUMP; break; }
        store<u32>(RETURN_STACK + (<usize>rsp << 2), at + 1);
        rsp++;
        pc = <u32>load<u64>(a);
        sp = a;
        break;
      }
      case 0x54: { // RET
        if (rsp == 0) { status = STACK_UNDERFLOW; break; }
        rsp--;
        pc = load<u32>(RETURN_STACK + (<usize>rsp << 2));
        break;
      }
      case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: { // LOG0..LOG4
        const topics = <i32>(op - 0x58);
        const a = sp - 32, b = sp - 64;
        const end = rangeEnd(a, b);
        if (end == BEYOND) { status = MEMORY_LIMIT; break; }
        const len = end == 0 ? 0 : load<u64>(b);
        // Limits before dynamic gas, as memory_limit is.
        if (events >= MAX_EVENTS || len > MAX_EVENT_DATA) { status = EVENT_LIMIT; break; }
        const extra = 8 * len + growthCost(msize, end);
        if (gas < extra) { status = OUT_OF_GAS; break; }
        gas -= extra;
        msize = grownSize(msize, end);
        events++;
        hostLog(memoryAt(a, len), <u32>len, sp - 96, topics);
        sp -= <usize>(2 + topics) << 5;
        break;
      }
      case 0x5f: { setZero(sp); sp += 32; break; } // PUSH0
      case 0x60: case 0x61: case 0x62: case 0x63: case 0x64: case 0x65: case 0x66: case 0x67: case 0x68: case 0x69: case 0x6a: case 0x6b: case 0x6c: case 0x6d: case 0x6e: case 0x6f: case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77: case 0x78: case 0x79: case 0x7a: case 0x7b: case 0x7c: case 0x7d: case 0x7e: case 0x7f: { // PUSH1..PUSH32: big-endian immediate, zero bytes past the end of the code
        const n = op - 0x5f;
        const end = code + at + 1 + n; // one past the immediate; CODE_GUARD covers end − 32 < CODE
        if (n <= 8) {
          const x = bswap<u64>(load<u64>(end - 8));
          store<u64>(sp, n == 8 ? x : x & ((<u64>1 << (<u64>n << 3)) - 1));
          store<u64>(sp, 0, 8);
          v128.store(sp, v128.splat<i64>(0), 16);
        } else {
          const m = PUSH_MASKS + (<usize>n << 5);
          store<u64>(sp, bswap<u64>(load<u64>(end - 8)));
          store<u64>(sp, bswap<u64>(load<u64>(end - 16)) & load<u64>(m, 8), 8);
          store<u64>(sp, bswap<u64>(load<u64>(end - 24)) & load<u64>(m, 16), 16);
          store<u64>(sp, bswap<u64>(load<u64>(end - 32)) & load<u64>(m, 24), 24);
        }
        sp += 32;
        pc = at + 1 + n;
        break;
      }
      case 0x80: case 0x81: case 0x82: case 0x83: case 0x84: case 0x85: case 0x86: case 0x87: case 0x88: case 0x89: case 0x8a: case 0x8b: case 0x8c: case 0x8d: case 0x8e: case 0x8f: { // DUP1..DUP16
        const src = sp - (<usize>(op - 0x7f) << 5);
        v128.store(sp, v128.load(src));
        v128.store(sp, v128.load(src, 16), 16);
        sp += 32;
        break;
      }
      case 0x90: case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97: case 0x98: case 0x99: case 0x9a: case 0x9b: case 0x9c: case 0x9d: case 0x9e: case 0x9f: { // SWAP1..SWAP16
        const top = sp - 32;
        const other = sp - (<usize>(op - 0x8e) << 5);
        const t0 = v128.load(top), t1 = v128.load(top, 16);
        v128.store(top, v128.load(other));
        v128.store(top, v128.load(other, 16), 16);
        v128.store(other, t0);
        v128.store(other, t1, 16);
        break;
      }
      case 0xa0: { // HOST id
        // A host function's fixed pops and base gas are checked like any instruction's, before its
        // arguments are examined; an unknown id is invalid_opcode before anything else.
        pc = at + 2;
        const id = <u32>load<u8>(code + at + 1);
        if (id == 0 || id > 6) { status = INVALID_OPCODE; break; }
        const depth = <u64>(sp - base) >> 5;
        if (depth < <u64>hostPops(id)) { status = STACK_UNDERFLOW; break; }
        const hostBase = hostBaseGas(id);
        if (gas < hostBase) { status = OUT_OF_GAS; break; }
        gas -= hostBase;
        if (id == 0x01) { // POSEIDON: n, then n field elements
          const nWord = sp - 32;
          if (isZero(nWord) || atLeast(nWord, 7)) { status = FIELD_RANGE; break; }
          const n = load<u64>(nWord);
          if (depth < n + 1) { status = STACK_UNDERFLOW; break; }
          const extra: u64 = 250 * n;
          if (gas < extra) { status = OUT_OF_GAS; break; }
          gas -= extra;
          let canonical = true;
          for (let i: u64 = 0; i < n; i++) canonical = canonical && isCanonical(sp - 64 - (<usize>i << 5));
          if (!canonical) { status = FIELD_RANGE; break; }
          const out = sp - (<usize>(n + 1) << 5);
          hostPoseidon(sp - 64, <i32>n, out);
          sp = out + 32;
        } else if (id == 0x02) { // SHA256 mem[a..a+b)
          const a = sp - 32, b = sp - 64;
          const end = rangeEnd(a, b);
          if (end == BEYOND) { status = MEMORY_LIMIT; break; }
          const len = end == 0 ? 0 : load<u64>(b);
          const extra = 12 * wordsOf(len) + growthCost(msize, end);
          if (gas < extra) { status = OUT_OF_GAS; break; }
          gas -= extra;
          msize = grownSize(msize, end);
          hostSha256(memoryAt(a, len), <u32>len, b);
          sp = a;
        } else if (id == 0x03 || id == 0x04) { // ED25519_VERIFY, BLS_VERIFY
          const a = sp - 32, b = sp - 64, c = sp - 96, d = sp - 128;
          const bls = id == 0x04;
          const sigLen: u64 = bls ? 96 : 64;
          const keyLen: u64 = bls ? 48 : 32;
          const endMsg = rangeEnd(a, b);
          const endSig = fixedRangeEnd(c, sigLen);
          const endKey = fixedRangeEnd(d, keyLen);
          if (endMsg == BEYOND || endSig == BEYOND || endKey == BEYOND) { status = MEMORY_LIMIT; break; }
          const end = max64(endMsg, max64(endSig, endKey));
          const extra = growthCost(msize, end);
          if (gas < extra) { status = OUT_OF_GAS; break; }
          gas -= extra;
          msize = grownSize(msize, end);
          const len = endMsg == 0 ? 0 : load<u64>(b);
          const msg = memoryAt(a, len);
          const sig = VM_MEMORY + <usize>(endSig - sigLen);
          const key = VM_MEMORY + <usize>(endKey - keyLen);
          const ok = bls ? hostBlsVerify(msg, <u32>len, sig, key) : hostEd25519Verify(msg, <u32>len, sig, key);
          setU64(d, ok != 0 ? 1 : 0);
          sp = d + 32;
        } else if (id == 0x06) { // BJJ_SUM out mem[a..a+64), c + d points at mem[b..]
          const a = sp - 32, b = sp - 64, c = sp - 96, d = sp - 128;
          const endOut = fixedRangeEnd(a, 64);
          let endPoints: u64 = 0;
          let count: u64 = 0;
          if (atLeast(c, MAX_MEMORY / 64 + 1) || atLeast(d, MAX_MEMORY / 64 + 1)) endPoints = BEYOND;
          else {
            count = load<u64>(c) + load<u64>(d);
            if (count != 0) {
              if (atLeast(b, MAX_MEMORY + 1)) endPoints = BEYOND;
              else {
                endPoints = load<u64>(b) + (count << 6);
                if (endPoints > MAX_MEMORY) endPoints = BEYOND;
              }
            }
          }
          if (endOut == BEYOND || endPoints == BEYOND) { status = MEMORY_LIMIT; break; }
          const end = max64(endOut, endPoints);
          const extra = 120 * count + growthCost(msize, end);
          if (gas < extra) { status = OUT_OF_GAS; break; }
          gas -= extra;
          msize = grownSize(msize, end);
          const points = count == 0 ? VM_MEMORY : VM_MEMORY + <usize>load<u64>(b);
          const ok = hostBjjSum(VM_MEMORY + <usize>(endOut - 64), points, <u32>load<u64>(c), <u32>load<u64>(d));
          setU64(d, ok != 0 ? 1 : 0);
          sp = d + 32;
        } else { // GROTH16_VERIFY key id a, proof mem[b..b+256), c inputs at mem[d..]
          const a = sp - 32, b = sp - 64, c = sp - 96, d = sp - 128;
          const endProof = fixedRangeEnd(b, 256);
          let endInputs: u64 = 0;
          let count: u64 = 0;
          if (!isZero(c)) {
            if (atLeast(c, MAX_MEMORY / 32 + 1) || atLeast(d, MAX_MEMORY + 1)) endInputs = BEYOND;
            else {
              count = load<u64>(c);
              endInputs = load<u64>(d) + (count << 5);
              if (endInputs > MAX_MEMORY) endInputs = BEYOND;
            }
          }
          if (endProof == BEYOND || endInputs == BEYOND) { status = MEMORY_LIMIT; break; }
          const end = max64(endProof, endInputs);
          const extra = 100 * count + growthCost(msize, end);
          if (gas < extra) { status = OUT_OF_GAS; break; }
          gas -= extra;
          msize = grownSize(msize, end);
          const inputs = count == 0 ? VM_MEMORY : VM_MEMORY + <usize>load<u64>(d);
          const ok = hostGroth16Verify(a, VM_MEMORY + <usize>(endProof - 256), inputs, <u32>count);
          setU64(d, ok != 0 ? 1 : 0);
          sp = d + 32;
        }
        break;
      }
      case 0xf3: case 0xfd: { // RETURN, REVERT: output mem[a..a+b)
        const a = sp - 32, b = sp - 64;
        const end = rangeEnd(a, b);
        if (end == BEYOND || (end != 0 && load<u64>(b) > MAX_OUTPUT)) { status = MEMORY_LIMIT; break; }
        const extra = growthCost(msize, end);
        if (gas < extra) { status = OUT_OF_GAS; break; }
        gas -= extra;
        msize = grownSize(msize, end);
        if (end != 0) {
          outputLength = <u32>load<u64>(b);
          outputOffset = <u32>(end - outputLength);
        }
        sp = b;
        status = op == 0xf3 ? SUCCESS : REVERTED;
        break;
      }
      default: { // INVALID (0xfe) and every undefined byte
        status = INVALID_OPCODE;
        break;
      }
    }
  } while (status < 0);

  running = false;
  if (msize > dirtyMemory) dirtyMemory = msize;
  resultPc = at;
  resultSteps = steps;
  resultGasLeft = status <= REVERTED ? gas : 0;
  return status;
}
