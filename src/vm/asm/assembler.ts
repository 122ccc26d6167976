import { wrapCode } from '../container.js';
import { LIMITS, Op } from '../opcodes.js';
import { AsmError, type SourcePos } from './errors.js';
import { expandMacros, inMacro, type Placed } from './expand.js';
import { evaluate, referencesLabel, type NameResolver } from './expr.js';
import { lex } from './lexer.js';
import { parseProgram, type Expr } from './parser.js';
import { SourceMap, type SourceMapEntry } from './source-map.js';

/**
 * Two passes over the macro-expanded statements: the first lays out the code (every instruction's
 * size is known without label addresses, since label pushes are always PUSH2 unless a width is
 * written), the second evaluates operands and writes the bytes.
 */

export interface AssembleOptions {
  /** Named in errors and in the source map; `<input>` when not given. */
  readonly fileName?: string;
}

export interface Assembled {
  /** The code in a version-1 bytecode container, ready to deploy. */
  readonly container: Uint8Array;
  readonly code: Uint8Array;
  readonly sourceMap: SourceMap;
  /** Labels and functions by name (macro-local labels left out), as code offsets. */
  readonly labels: Map<string, number>;
}

/** Label pushes without a written width: 2 bytes address all of the (at most 64 KiB) code. */
const LABEL_PUSH_WIDTH = 2;
const PUSH0 = Op['PUSH0']!;
const JUMPDEST = Op['JUMPDEST']!;
const HOST = Op['HOST']!;

/** Throws AsmError (with the file name and source line set) for any error in `source`. */
export function assemble(source: string, opts: AssembleOptions = {}): Assembled {
  const file = opts.fileName ?? '<input>';
  try {
    return assembleOrThrow(source, file);
  } catch (err) {
    throw err instanceof AsmError ? err.withSource(file, source.split(/\r?\n/)) : err;
  }
}

interface Laid {
  readonly placed: Placed;
  readonly pc: number;
  /** Immediate bytes of a push. */
  readonly width: number;
}

function assembleOrThrow(source: string, file: string): Assembled {
  const program = parseProgram(lex(source));
  const placed = expandMacros(program.statements, program.macros);
  const consts = evaluateConstants(placed);
  const labels = new Map<string, { pc: number; pos: SourcePos }>();

  const resolve: NameResolver = (e) => {
    const constant = e.labelOnly ? undefined : consts.get(e.name);
    if (constant) return constant.value;
    const label = labels.get(e.name);
    if (label) return BigInt(label.pc);
    throw AsmError.at(e.pos, `undefined ${e.labelOnly ? 'label' : 'label or constant'} "${displayName(e.name)}"`);
  };
  const valueOf = (p: Placed, e: Expr): bigint => {
    try {
      return evaluate(e, resolve);
    } catch (err) {
      throw err instanceof AsmError ? located(p, err) : err;
    }
  };

  // Pass 1: layout.
  const laid: Laid[] = [];
  let pc = 0;
  for (const p of placed) {
    const s = p.stmt;
    let size = 0;
    let width = 0;
    switch (s.kind) {
      case 'label': {
        const previous = labels.get(s.name);
        if (previous) throw located(p, AsmError.at(s.pos, `label "${displayName(s.name)}" is already defined at line ${previous.pos.line}`));
        const constant = consts.get(s.name);
        if (constant) throw located(p, AsmError.at(s.pos, `"${s.name}" is already a constant (line ${constant.pos.line})`));
        labels.set(s.name, { pc, pos: p.macro ? p.site : s.pos });
        continue;
      }
      case 'const':
      case 'macroCall': // expanded away
        continue;
      case 'op':
        size = 1;
        break;
      case 'push':
        width = s.width ?? (referencesLabel(s.expr, (n) => consts.has(n)) ? LABEL_PUSH_WIDTH : byteLength(valueOf(p, s.expr)));
        size = 1 + width;
        break;
      case 'host':
        size = 2;
        break;
      case 'jump':
        size = 2 + LABEL_PUSH_WIDTH;
        break;
      case 'bytes':
        size = s.values.length;
        break;
    }
    if (pc + size > LIMITS.maxCodeBytes) throw located(p, AsmError.at(s.pos, `code exceeds ${LIMITS.maxCodeBytes} bytes (the limit of a contract)`));
    laid.push({ placed: p, pc, width });
    pc += size;
  }
  if (pc === 0) throw new AsmError('no instructions: code must be at least 1 byte', 1, 1);

  // Pass 2: bytes and source map.
  const code = new Uint8Array(pc);
  const entries: SourceMapEntry[] = [];
  const jumpTargets: { placed: Placed; target: Extract<Expr, { kind: 'name' }>; pc: number }[] = [];
  const mapAt = (p: Placed, at: number): void => {
    const { line, column } = p.site;
    entries.push(p.macro ? { pc: at, file, line, column, macro: { name: p.macro.name, ...p.macro.pos } } : { pc: at, file, line, column });
  };
  const writePush = (p: Placed, at: number, width: number, e: Expr, what: string): void => {
    let value = valueOf(p, e);
    if (value >> BigInt(8 * width) !== 0n) {
      throw located(p, AsmError.at(e.pos, `${what} 0x${value.toString(16)} does not fit in PUSH${width} (${width} byte${width === 1 ? '' : 's'})`));
    }
    code[at] = PUSH0 + width;
    for (let i = width; i >= 1; i--, value >>= 8n) code[at + i] = Number(value & 0xffn);
  };
  for (const { placed: p, pc: at, width } of laid) {
    const s = p.stmt;
    mapAt(p, at);
    switch (s.kind) {
      case 'op':
        code[at] = s.op.code;
        break;
      case 'push':
        writePush(p, at, width, s.expr, 'value');
        break;
      case 'host': {
        const id = valueOf(p, s.id);
        if (id > 0xffn) throw located(p, AsmError.at(s.id.pos, `host function id 0x${id.toString(16)} is not a byte`));
        code[at] = HOST;
        code[at + 1] = Number(id);
        break;
      }
      case 'jump':
        writePush(p, at, LABEL_PUSH_WIDTH, s.target, 'jump target');
        mapAt(p, at + 1 + LABEL_PUSH_WIDTH);
        code[at + 1 + LABEL_PUSH_WIDTH] = s.op.code;
        if (s.target.kind === 'name') jumpTargets.push({ placed: p, target: s.target, pc: Number(valueOf(p, s.target)) });
        break;
      case 'bytes':
        s.values.forEach((e, i) => {
          const v = valueOf(p, e);
          if (v > 0xffn) throw located(p, AsmError.at(e.pos, `.byte value 0x${v.toString(16)} is not a byte`));
          code[at + i] = Number(v);
        });
        break;
      case 'label':
      case 'const':
      case 'macroCall':
        break;
    }
  }
  // `jump name` to something that is not a JUMPDEST would fault with invalid_jump at run time.
  for (const { placed: p, target, pc: to } of jumpTargets) {
    const label = labels.get(target.name);
    if (label && label.pc === to && !consts.has(target.name) && code[to] !== JUMPDEST) {
      throw located(p, AsmError.at(target.pos, `jump target "${displayName(target.name)}" is not a JUMPDEST (write "${displayName(target.name)}: jumpdest" or use .func)`));
    }
  }

  const publicLabels = new Map<string, number>();
  for (const [name, { pc: at }] of labels) if (!name.includes('#')) publicLabels.set(name, at);
  return { container: wrapCode(code), code, sourceMap: new SourceMap(file, code.length, entries), labels: publicLabels };
}

interface Constant {
  readonly value: bigint;
  readonly pos: SourcePos;
}

/** `.const` values, in source order: a constant may use the constants defined above it. */
function evaluateConstants(placed: readonly Placed[]): Map<string, Constant> {
  const consts = new Map<string, Constant>();
  for (const { stmt: s } of placed) {
    if (s.kind !== 'const') continue;
    const previous = consts.get(s.name);
    if (previous) throw AsmError.at(s.pos, `constant "${s.name}" is already defined at line ${previous.pos.line}`);
    const value = evaluate(s.expr, (e) => {
      const c = e.labelOnly ? undefined : consts.get(e.name);
      if (c) return c.value;
      throw AsmError.at(e.pos, e.labelOnly ? 'labels cannot be used in .const' : `"${e.name}" is not a constant defined above (labels cannot be used in .const)`);
    });
    consts.set(s.name, { value, pos: s.pos });
  }
  return consts;
}

/** An error about an expanded statement is reported at the macro call, naming the body line. */
function located(p: Placed, err: AsmError): AsmError {
  return p.macro ? inMacro(err, p.macro.name, p.site) : err;
}

/** Bytes of the smallest push of `value`: 0 for PUSH0. */
function byteLength(value: bigint): number {
  let n = 0;
  for (let v = value; v > 0n; v >>= 8n) n++;
  return n;
}

/** Macro-local labels are stored as `name#expansion`; errors show the name as written. */
function displayName(name: string): string {
  return name.split('#')[0]!;
}
