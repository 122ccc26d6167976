// Linear-memory layout of the VM. Fixed regions, allocated once at instantiation; nothing here uses
// the AssemblyScript runtime allocator.
//
// Words on the operand stack (and in CTX, SCRATCH) are 32 bytes of four little-endian u64 limbs,
// least significant limb first, so a word is also eight little-endian u32 limbs (for division).
// VM memory, calldata and code hold big-endian bytes as the spec defines them.

/** Maximum sizes (docs/vm.md, src/vm/opcodes.ts LIMITS). */
export const MAX_CODE: u32 = 65536;
export const MAX_STACK: u32 = 1024;
export const MAX_RETURN_STACK: u32 = 256;
export const MAX_MEMORY: u64 = 4 * 1024 * 1024;
export const MAX_CALLDATA: u32 = 128 * 1024;
export const MAX_OUTPUT: u64 = 64 * 1024;
export const MAX_EVENTS: u32 = 256;
export const MAX_EVENT_DATA: u64 = 4 * 1024;

// Zero padding after code and calldata: PUSH32 immediates and CALLDATALOAD read up to 32 bytes past
// the end, and must read zeros there.
const PAD: usize = 64;

@inline function align64(x: usize): usize {
  return (x + 63) & ~(<usize>63);
}

/** 64 bytes before CODE: PUSHn reads 32 bytes ending at its immediate's end and masks the rest. */
export const CODE_GUARD: usize = align64(__heap_base);
export const CODE: usize = CODE_GUARD + 64;
/** One byte per code offset: 1 where a JUMPDEST opcode stands (not inside PUSH data). */
export const JUMPDESTS: usize = align64(CODE + MAX_CODE + PAD);
export const STACK: usize = align64(JUMPDESTS + MAX_CODE + PAD);
/** Return addresses of internal CALL, u32 each. */
export const RETURN_STACK: usize = STACK + <usize>MAX_STACK * 32;
/** ADDRESS, CALLER, HEIGHT, TIMESTAMP as words, written by the host before run(). */
export const CTX: usize = align64(RETURN_STACK + <usize>MAX_RETURN_STACK * 4);
/** Work space of the word arithmetic (division, 512-bit products). */
export const SCRATCH: usize = align64(CTX + 4 * 32);
export const SCRATCH_BYTES: usize = 1024;
/** Per-opcode dispatch info (u64 each, see interpreter.ts). */
export const OP_INFO: usize = align64(SCRATCH + SCRATCH_BYTES);
/** PUSHn masks: 4 u64 limbs for each n in 0..32. */
export const PUSH_MASKS: usize = align64(OP_INFO + 256 * 8);
export const CALLDATA: usize = align64(PUSH_MASKS + 33 * 32);
export const VM_MEMORY: usize = align64(CALLDATA + MAX_CALLDATA + PAD);
export const END: usize = align64(VM_MEMORY + <usize>MAX_MEMORY + PAD);

/** Grows linear memory to cover every region; called once at instantiation. */
export function ensureLayout(): void {
  const have = <usize>memory.size() << 16;
  if (END <= have) return;
  const pages = <i32>((END - have + 0xffff) >> 16);
  if (memory.grow(pages) < 0) unreachable();
}
