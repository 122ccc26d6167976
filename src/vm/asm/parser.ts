import { HOST_FUNCTIONS, OPCODES_BY_NAME, type OpcodeInfo } from '../opcodes.js';
import { AsmError, type SourcePos } from './errors.js';
import type { Token, TokenLine } from './lexer.js';

/** Syntax of the assembly language (contracts/README.md): expressions and statements. */

export type BinaryOp = '|' | '^' | '&' | '<<' | '>>' | '+' | '-' | '*' | '/' | '%';

export type Expr =
  | { readonly kind: 'number'; readonly value: bigint; readonly pos: SourcePos }
  /** `name` (a constant, else a label) or `@name` (a label only). */
  | { readonly kind: 'name'; readonly name: string; readonly labelOnly: boolean; readonly pos: SourcePos }
  | { readonly kind: 'unary'; readonly op: '-' | '~'; readonly arg: Expr; readonly pos: SourcePos }
  /** `pos` is where the expression starts, `opPos` the operator. */
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly pos: SourcePos; readonly opPos: SourcePos };

export type Statement =
  | { readonly kind: 'label'; readonly name: string; readonly pos: SourcePos }
  /** An opcode without an immediate (`add`, `push0`, `jump` without a target, ...). */
  | { readonly kind: 'op'; readonly op: OpcodeInfo; readonly pos: SourcePos }
  /** `push expr` (width undefined: the smallest that fits, 2 bytes for label addresses) or `pushN expr`. */
  | { readonly kind: 'push'; readonly width: number | undefined; readonly expr: Expr; readonly pos: SourcePos }
  | { readonly kind: 'host'; readonly id: Expr; readonly pos: SourcePos }
  /** `jump target`, `jumpi target`, `call target`: PUSH2 target, then the opcode. */
  | { readonly kind: 'jump'; readonly op: OpcodeInfo; readonly target: Expr; readonly pos: SourcePos }
  | { readonly kind: 'bytes'; readonly values: readonly Expr[]; readonly pos: SourcePos }
  | { readonly kind: 'const'; readonly name: string; readonly expr: Expr; readonly pos: SourcePos }
  | { readonly kind: 'macroCall'; readonly name: string; readonly args: readonly (readonly Token[])[]; readonly pos: SourcePos };

export interface MacroDef {
  readonly name: string;
  readonly params: readonly string[];
  readonly body: readonly TokenLine[];
  readonly pos: SourcePos;
}

export interface Program {
  /** Top-level statements in source order; macro definitions are taken out. */
  readonly statements: readonly Statement[];
  readonly macros: ReadonlyMap<string, MacroDef>;
}

/** Mnemonics that macros may not shadow: every opcode plus the `push` and `host` forms. */
export function isReservedMnemonic(name: string): boolean {
  const upper = name.toUpperCase();
  return upper === 'PUSH' || OPCODES_BY_NAME.has(upper);
}

const JUMP_SUGAR = new Set(['JUMP', 'JUMPI', 'CALL']);
const PRECEDENCE: Readonly<Record<string, number>> = { '|': 1, '^': 2, '&': 3, '<<': 4, '>>': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6 };

export function parseProgram(lines: readonly TokenLine[]): Program {
  const statements: Statement[] = [];
  const macros = new Map<string, MacroDef>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const first = line.tokens[0]!;
    if (first.kind === 'directive' && first.text === 'macro') {
      const { name, params } = parseMacroHeader(line);
      if (isReservedMnemonic(name)) throw new AsmError(`macro "${name}" would shadow an instruction`, first.line, first.column);
      const previous = macros.get(name);
      if (previous) throw new AsmError(`macro "${name}" is already defined at line ${previous.pos.line}`, first.line, first.column);
      const body: TokenLine[] = [];
      for (i++; ; i++) {
        const bodyLine = lines[i];
        if (!bodyLine) throw new AsmError(`.macro ${name} has no .endm`, first.line, first.column);
        const head = bodyLine.tokens[0]!;
        if (head.kind === 'directive' && head.text === 'endm') break;
        if (head.kind === 'directive' && (head.text === 'macro' || head.text === 'const')) {
          throw new AsmError(`.${head.text} is not allowed inside a macro`, head.line, head.column);
        }
        body.push(bodyLine);
      }
      macros.set(name, { name, params, body, pos: { line: first.line, column: first.column } });
      continue;
    }
    if (first.kind === 'directive' && first.text === 'endm') throw new AsmError('.endm without .macro', first.line, first.column);
    statements.push(...parseLine(line));
  }
  return { statements, macros };
}

/** `.macro name(a, b)` or `.macro name a, b`. */
function parseMacroHeader(line: TokenLine): { name: string; params: string[] } {
  const c = new Cursor(line);
  c.next(); // .macro
  const name = c.expectIdent('a macro name');
  const params: string[] = [];
  const parens = c.peekPunct('(');
  if (parens) c.next();
  const closing = parens ? ')' : undefined;
  while (!c.atEnd() && !(closing && c.peekPunct(closing))) {
    const at = c.peek()!;
    const param = c.expectIdent('a parameter name');
    if (params.includes(param.text)) throw new AsmError(`parameter "${param.text}" appears twice`, at.line, at.column);
    params.push(param.text);
    if (!c.peekPunct(',')) break;
    c.next();
  }
  if (closing) c.expectPunct(closing);
  c.expectEnd();
  return { name: name.text, params };
}

/** One line: an optional `label:` then at most one instruction or directive. */
export function parseLine(line: TokenLine): Statement[] {
  const c = new Cursor(line);
  const out: Statement[] = [];
  const t0 = c.peek();
  const t1 = line.tokens[1];
  if (t0?.kind === 'ident' && t1?.kind === 'punct' && t1.text === ':') {
    out.push({ kind: 'label', name: t0.text, pos: posOf(t0) });
    c.next();
    c.next();
  }
  const head = c.peek();
  if (!head) return out;
  if (head.kind === 'directive') out.push(...parseDirective(c));
  else if (head.kind === 'ident') out.push(parseInstruction(c));
  else throw new AsmError(`expected an instruction, found "${head.text}"`, head.line, head.column);
  c.expectEnd();
  return out;
}

function parseDirective(c: Cursor): Statement[] {
  const d = c.next()!;
  const pos = posOf(d);
  switch (d.text) {
    case 'const': {
      const name = c.expectIdent('a constant name');
      c.expectPunct('=');
      return [{ kind: 'const', name: name.text, expr: parseExpr(c), pos: posOf(name) }];
    }
    case 'func': {
      // A function is a labelled JUMPDEST: `call name` jumps there, `ret` comes back.
      const name = c.expectIdent('a function name');
      const jumpdest = OPCODES_BY_NAME.get('JUMPDEST')!;
      return [
        { kind: 'label', name: name.text, pos: posOf(name) },
        { kind: 'op', op: jumpdest, pos },
      ];
    }
    case 'byte': {
      const values = [parseExpr(c)];
      while (c.peekPunct(',')) {
        c.next();
        values.push(parseExpr(c));
      }
      return [{ kind: 'bytes', values, pos }];
    }
    case 'macro':
    case 'endm':
      throw new AsmError(`.${d.text} must start a line of its own at the top level`, d.line, d.column);
    default:
      throw new AsmError(`unknown directive ".${d.text}" (expected .const, .macro, .endm, .func or .byte)`, d.line, d.column);
  }
}

function parseInstruction(c: Cursor): Statement {
  const m = c.next()!;
  const pos = posOf(m);
  const upper = m.text.toUpperCase();
  const pushWidth = /^PUSH([0-9]+)$/.exec(upper);
  if (upper === 'PUSH') return { kind: 'push', width: undefined, expr: operand(c, m), pos };
  if (pushWidth && upper !== 'PUSH0') {
    const width = Number(pushWidth[1]);
    if (!OPCODES_BY_NAME.has(upper)) throw new AsmError(`unknown instruction "${m.text}" (PUSH1..PUSH32)`, m.line, m.column);
    return { kind: 'push', width, expr: operand(c, m), pos };
  }
  if (upper === 'HOST') {
    const t = c.peek();
    const host = t?.kind === 'ident' && c.remaining() === 1 ? HOST_FUNCTIONS.find((h) => h.name === t.text.toUpperCase()) : undefined;
    if (host && t) {
      c.next();
      return { kind: 'host', id: { kind: 'number', value: BigInt(host.id), pos: posOf(t) }, pos };
    }
    return { kind: 'host', id: operand(c, m), pos };
  }
  const op = OPCODES_BY_NAME.get(upper);
  if (op) {
    if (c.atEnd()) return { kind: 'op', op, pos };
    if (JUMP_SUGAR.has(upper)) return { kind: 'jump', op, target: parseExpr(c), pos };
    const extra = c.peek()!;
    throw new AsmError(`${upper} takes no operand`, extra.line, extra.column);
  }
  return { kind: 'macroCall', name: m.text, args: macroArgs(c, m), pos };
}

function operand(c: Cursor, mnemonic: Token): Expr {
  if (c.atEnd()) throw new AsmError(`${mnemonic.text.toUpperCase()} needs an operand`, mnemonic.line, mnemonic.column + mnemonic.text.length);
  return parseExpr(c);
}

/** `name a, b` or `name(a, b)` (the parenthesis right after the name): arguments as token lists. */
function macroArgs(c: Cursor, name: Token): Token[][] {
  let tokens = c.rest();
  const open = tokens[0];
  const close = tokens[tokens.length - 1];
  if (open?.text === '(' && open.line === name.line && open.column === name.column + name.text.length && close?.text === ')' && matchingParen(tokens) === tokens.length - 1) {
    tokens = tokens.slice(1, -1);
  }
  if (tokens.length === 0) return [];
  const args: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.text === '(') depth++;
    if (t.text === ')') depth--;
    if (t.kind === 'punct' && t.text === ',' && depth === 0) {
      args.push([]);
      continue;
    }
    args[args.length - 1]!.push(t);
  }
  for (const arg of args) if (arg.length === 0) throw new AsmError('empty macro argument', name.line, name.column);
  return args;
}

function matchingParen(tokens: readonly Token[]): number {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.text === '(') depth++;
    if (tokens[i]!.text === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Precedence climbing: `| ^ & << >> + - * / %` from loosest to tightest, then unary `- ~`. */
export function parseExpr(c: Cursor, minPrecedence = 1): Expr {
  let left = parseUnary(c);
  for (;;) {
    const t = c.peek();
    const prec = t?.kind === 'punct' ? PRECEDENCE[t.text] : undefined;
    if (!t || prec === undefined || prec < minPrecedence) return left;
    c.next();
    const right = parseExpr(c, prec + 1);
    left = { kind: 'binary', op: t.text as BinaryOp, left, right, pos: left.pos, opPos: posOf(t) };
  }
}

function parseUnary(c: Cursor): Expr {
  const t = c.next();
  if (!t) {
    const end = c.endPos();
    throw new AsmError('expected an expression', end.line, end.column);
  }
  const pos = posOf(t);
  if (t.kind === 'number') return { kind: 'number', value: t.value!, pos };
  if (t.kind === 'ident') return { kind: 'name', name: t.text, labelOnly: false, pos };
  if (t.kind === 'punct') {
    if (t.text === '-' || t.text === '~') return { kind: 'unary', op: t.text, arg: parseUnary(c), pos };
    if (t.text === '@') return { kind: 'name', name: c.expectIdent('a label name after "@"').text, labelOnly: true, pos };
    if (t.text === '(') {
      const inner = parseExpr(c);
      c.expectPunct(')');
      return inner;
    }
  }
  throw new AsmError(`expected an expression, found "${t.text}"`, t.line, t.column);
}

function posOf(t: Token): SourcePos {
  return { line: t.line, column: t.column };
}

/** Reads the tokens of one line. */
export class Cursor {
  private at = 0;
  constructor(private readonly line: TokenLine) {}

  peek(): Token | undefined {
    return this.line.tokens[this.at];
  }
  next(): Token | undefined {
    return this.line.tokens[this.at++];
  }
  atEnd(): boolean {
    return this.at >= this.line.tokens.length;
  }
  remaining(): number {
    return this.line.tokens.length - this.at;
  }
  rest(): Token[] {
    const r = this.line.tokens.slice(this.at);
    this.at = this.line.tokens.length;
    return r;
  }
  peekPunct(text: string): boolean {
    const t = this.peek();
    return t?.kind === 'punct' && t.text === text;
  }
  /** Just past the last token, for "expected ..." at the end of a line. */
  endPos(): SourcePos {
    const last = this.line.tokens[this.line.tokens.length - 1];
    return last ? { line: last.line, column: last.column + last.text.length + (last.kind === 'directive' ? 1 : 0) } : { line: this.line.line, column: 1 };
  }
  expectIdent(what: string): Token {
    const t = this.next();
    if (t?.kind === 'ident') return t;
    const at = t ?? this.endPos();
    throw new AsmError(`expected ${what}${t ? `, found "${t.text}"` : ''}`, at.line, at.column);
  }
  expectPunct(text: string): void {
    const t = this.next();
    if (t?.kind === 'punct' && t.text === text) return;
    const at = t ?? this.endPos();
    throw new AsmError(`expected "${text}"${t ? `, found "${t.text}"` : ''}`, at.line, at.column);
  }
  expectEnd(): void {
    const t = this.peek();
    if (t) throw new AsmError(`unexpected "${t.kind === 'directive' ? `.${t.text}` : t.text}" (one instruction per line)`, t.line, t.column);
  }
}
