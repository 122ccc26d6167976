import { InvalidCodeError } from './execution.js';
import { BYTECODE_MAGIC, BYTECODE_VERSION, CONTAINER_HEADER_BYTES, LIMITS, Op, OPCODES } from './opcodes.js';

/** Wraps code in a version-1 bytecode container (docs/vm.md). */
export function wrapCode(code: Uint8Array): Uint8Array {
  if (code.length < 1 || code.length > LIMITS.maxCodeBytes) throw new InvalidCodeError(`code is ${code.length} bytes; 1..${LIMITS.maxCodeBytes} allowed`);
  const out = new Uint8Array(CONTAINER_HEADER_BYTES + code.length);
  out.set(BYTECODE_MAGIC, 0);
  out[3] = BYTECODE_VERSION;
  new DataView(out.buffer).setUint32(4, code.length);
  out.set(code, CONTAINER_HEADER_BYTES);
  return out;
}

/** The code inside a container (a view), after checking magic, version and length. */
export function unwrapCode(container: Uint8Array): Uint8Array {
  if (container.length < CONTAINER_HEADER_BYTES) throw new InvalidCodeError('shorter than a bytecode header');
  for (let i = 0; i < BYTECODE_MAGIC.length; i++) {
    if (container[i] !== BYTECODE_MAGIC[i]) throw new InvalidCodeError('not cdrchain bytecode (bad magic)');
  }
  if (container[3] !== BYTECODE_VERSION) throw new InvalidCodeError(`bytecode version ${container[3]} is not supported`);
  const length = new DataView(container.buffer, container.byteOffset, container.length).getUint32(4);
  if (length < 1 || length > LIMITS.maxCodeBytes) throw new InvalidCodeError(`code length ${length} outside 1..${LIMITS.maxCodeBytes}`);
  if (container.length !== CONTAINER_HEADER_BYTES + length) throw new InvalidCodeError(`container holds ${container.length - CONTAINER_HEADER_BYTES} code bytes, header says ${length}`);
  return container.subarray(CONTAINER_HEADER_BYTES);
}

/** One bit per code byte: set where a JUMPDEST opcode stands (not inside PUSH data). */
export function jumpDestinations(code: Uint8Array): Uint8Array {
  const bits = new Uint8Array((code.length + 7) >> 3);
  for (let pc = 0; pc < code.length; ) {
    const byte = code[pc]!;
    if (byte === Op['JUMPDEST']) bits[pc >> 3]! |= 1 << (pc & 7);
    pc += 1 + (OPCODES[byte]?.immediate ?? 0);
  }
  return bits;
}

export function isJumpDestination(bits: Uint8Array, target: bigint): boolean {
  if (target < 0n || target >= BigInt(bits.length * 8)) return false;
  const t = Number(target);
  return ((bits[t >> 3]! >> (t & 7)) & 1) === 1;
}
