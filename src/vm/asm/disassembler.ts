import { jumpDestinations, unwrapCode } from '../container.js';
import { BYTECODE_MAGIC, BYTECODE_VERSION, HOST_FUNCTIONS, Op, OPCODES } from '../opcodes.js';

/**
 * Bytecode back to assembly that re-assembles to the same bytes: every push keeps its written
 * width, JUMPDESTs get labels `L_xxxx`, a push of a JUMPDEST's offset right before JUMP, JUMPI or
 * CALL is shown as that label, and bytes that are not instructions (invalid opcodes, a push or HOST
 * cut short by the end of the code) are shown as `.byte`.
 */

const COMMENT_COLUMN = 40;
const BRANCHES = new Set([Op['JUMP'], Op['JUMPI'], Op['CALL']]);
const HOST = Op['HOST']!;
/** Consecutive invalid bytes shown per `.byte` line. */
const BYTES_PER_LINE = 8;

interface Decoded {
  readonly pc: number;
  /** Undefined for bytes that are not an instruction. */
  readonly text: string | undefined;
  readonly length: number;
}

/** `input` is a bytecode container (starting with the "CVM" magic and version 1) or bare code. */
export function disassemble(input: Uint8Array): string {
  const isContainer = input.length >= 4 && BYTECODE_MAGIC.every((b, i) => input[i] === b) && input[3] === BYTECODE_VERSION;
  const code = isContainer ? unwrapCode(input) : input;
  const dests = jumpDestinations(code);
  const isDest = (pc: number): boolean => ((dests[pc >> 3]! >> (pc & 7)) & 1) === 1;
  const label = (pc: number): string => `L_${pc.toString(16).padStart(4, '0')}`;

  const decoded: Decoded[] = [];
  for (let pc = 0; pc < code.length; ) {
    const byte = code[pc]!;
    const info = OPCODES[byte];
    const length = 1 + (info?.immediate ?? 0);
    if (!info) {
      decoded.push({ pc, text: undefined, length: 1 });
      pc++;
      continue;
    }
    if (pc + length > code.length) {
      // Cut short by the end of the code: the rest is the opcode and part of its immediate.
      for (; pc < code.length; pc++) decoded.push({ pc, text: undefined, length: 1 });
      break;
    }
    let text = info.name.toLowerCase();
    if (byte === HOST) {
      const id = code[pc + 1]!;
      text += ` ${HOST_FUNCTIONS.find((h) => h.id === id)?.name.toLowerCase() ?? hex([id])}`;
    } else if (info.immediate > 0) {
      const imm = code.subarray(pc + 1, pc + length);
      const value = imm.reduce((v, b) => v * 256 + b, 0);
      const next = code[pc + length];
      const isTarget = info.immediate <= 3 && value < code.length && isDest(value) && next !== undefined && BRANCHES.has(next);
      text += ` ${isTarget ? `@${label(value)}` : hex(imm)}`;
    }
    decoded.push({ pc, text, length });
    pc += length;
  }

  const lines = [`; cdrchain disassembly: ${code.length} bytes of code${isContainer ? ' (bytecode container v1)' : ''}`];
  const line = (text: string, pc: number): void => {
    lines.push(`${`    ${text}`.padEnd(COMMENT_COLUMN - 1)} ; ${pc.toString(16).padStart(4, '0')}`);
  };
  for (let i = 0; i < decoded.length; ) {
    const d = decoded[i]!;
    if (d.text !== undefined) {
      if (isDest(d.pc)) lines.push(`${label(d.pc)}:`);
      line(d.text, d.pc);
      i++;
      continue;
    }
    const run: number[] = [];
    for (; i < decoded.length && decoded[i]!.text === undefined && run.length < BYTES_PER_LINE; i++) run.push(code[decoded[i]!.pc]!);
    line(`.byte ${run.map((b) => hex([b])).join(', ')}`, d.pc);
  }
  return `${lines.join('\n')}\n`;
}

function hex(bytes: ArrayLike<number>): string {
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
