import { statusName, type Status } from '../opcodes.js';
import { stripComment } from './lexer.js';

/**
 * Maps bytecode offsets to source positions, so a fault at a pc can be reported as a line of the
 * contract. Instructions expanded from a macro map to the macro call in the file and also keep
 * their line in the macro's body.
 */

export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Set for instructions expanded from a macro: its name and the instruction's line in its body. */
  readonly macro?: { readonly name: string; readonly line: number; readonly column: number };
}

export interface SourceMapEntry extends SourceLocation {
  /** Offset of the instruction's first byte. */
  readonly pc: number;
}

/**
 * The JSON form: `mappings` holds one row per instruction, in pc order: `[pc, line, column]`, or
 * `[pc, line, column, macroIndex, macroLine, macroColumn]` with `macroIndex` into `macros`.
 */
export interface SourceMapJson {
  readonly version: 1;
  readonly file: string;
  readonly codeLength: number;
  readonly macros: readonly string[];
  readonly mappings: readonly (readonly number[])[];
}

export class SourceMapError extends Error {
  override readonly name = 'SourceMapError';
}

export class SourceMap {
  private readonly sorted: readonly SourceMapEntry[];

  constructor(
    readonly file: string,
    readonly codeLength: number,
    entries: readonly SourceMapEntry[],
  ) {
    this.sorted = [...entries].sort((a, b) => a.pc - b.pc);
  }

  get entries(): readonly SourceMapEntry[] {
    return this.sorted;
  }

  /** The instruction covering `pc` (an opcode or one of its immediate bytes); undefined past the code. */
  lookup(pc: number): SourceMapEntry | undefined {
    if (!Number.isInteger(pc) || pc < 0 || pc >= this.codeLength) return undefined;
    let lo = 0;
    let hi = this.sorted.length - 1;
    let found: SourceMapEntry | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = this.sorted[mid]!;
      if (e.pc <= pc) {
        found = e;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  toJSON(): SourceMapJson {
    const macros: string[] = [];
    const mappings = this.sorted.map((e) => {
      if (!e.macro) return [e.pc, e.line, e.column];
      let index = macros.indexOf(e.macro.name);
      if (index < 0) index = macros.push(e.macro.name) - 1;
      return [e.pc, e.line, e.column, index, e.macro.line, e.macro.column];
    });
    return { version: 1, file: this.file, codeLength: this.codeLength, macros, mappings };
  }

  static fromJSON(json: unknown): SourceMap {
    const j = json as Partial<Record<keyof SourceMapJson, unknown>> | null;
    if (typeof j !== 'object' || j === null || j.version !== 1) throw new SourceMapError('not a version-1 cdrchain source map');
    if (typeof j.file !== 'string' || !isCount(j.codeLength) || !Array.isArray(j.macros) || !Array.isArray(j.mappings)) {
      throw new SourceMapError('source map needs file, codeLength, macros and mappings');
    }
    const macros = j.macros as unknown[];
    if (!macros.every((m): m is string => typeof m === 'string')) throw new SourceMapError('macros must be strings');
    const file = j.file;
    const entries = (j.mappings as unknown[]).map((row, i): SourceMapEntry => {
      if (!Array.isArray(row) || !row.every(isCount) || (row.length !== 3 && row.length !== 6)) throw new SourceMapError(`mapping ${i} is malformed`);
      const [pc, line, column, macroIndex, macroLine, macroColumn] = row as number[];
      if (macroIndex === undefined) return { pc: pc!, file, line: line!, column: column! };
      const name = macros[macroIndex];
      if (name === undefined) throw new SourceMapError(`mapping ${i} names macro ${macroIndex}, which is not listed`);
      return { pc: pc!, file, line: line!, column: column!, macro: { name, line: macroLine!, column: macroColumn! } };
    });
    return new SourceMap(file, j.codeLength, entries);
  }
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * One line for a halted execution, e.g. `out_of_gas at pc 0x0012 (netting.casm:17:3: "mulmod")`.
 * With the source, the instruction's text is quoted; for macro code the body line follows.
 */
export function formatVmError(status: Status, pc: number, sourceMap: SourceMap, source?: string): string {
  const head = `${statusName(status)} at pc 0x${pc.toString(16).padStart(4, '0')}`;
  const at = sourceMap.lookup(pc);
  if (!at) return pc >= sourceMap.codeLength ? `${head} (past the end of the code)` : head;
  const lines = source?.split(/\r?\n/);
  const quote = (line: number, column: number): string => {
    const text = lines?.[line - 1];
    return text === undefined ? '' : `: ${JSON.stringify(stripComment(text.slice(column - 1)).trim())}`;
  };
  const where = `${at.file}:${at.line}:${at.column}${quote(at.line, at.column)}`;
  if (!at.macro) return `${head} (${where})`;
  return `${head} (${where}, in macro ${at.macro.name} at line ${at.macro.line}:${at.macro.column}${quote(at.macro.line, at.macro.column)})`;
}
