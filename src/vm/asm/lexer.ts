import { AsmError } from './errors.js';

/**
 * Tokens of one source line. The language is line-oriented (one instruction per line), so the
 * lexer hands the parser lines of tokens; `;` starts a comment that runs to the end of the line.
 */

export type TokenKind = 'ident' | 'number' | 'directive' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  /** Identifier or punctuation as written; a directive without its dot, lower-cased; a number as written. */
  readonly text: string;
  readonly line: number;
  readonly column: number;
  /** Numbers only. */
  readonly value?: bigint;
}

export interface TokenLine {
  readonly line: number;
  readonly tokens: readonly Token[];
}

const WORD_BITS = 256n;
const TWO_CHAR_PUNCT = new Set(['<<', '>>']);
const ONE_CHAR_PUNCT = new Set(['(', ')', ',', ':', '=', '@', '+', '-', '*', '/', '%', '&', '|', '^', '~']);
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /(?:0[xX][0-9A-Fa-f_]+|0[bB][01_]+|[0-9][0-9_]*)(?![A-Za-z0-9_])/y;

export function stripComment(text: string): string {
  const i = text.indexOf(';');
  return i < 0 ? text : text.slice(0, i);
}

/** Lines with at least one token, in order. */
export function lex(source: string): TokenLine[] {
  const out: TokenLine[] = [];
  const lines = source.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const tokens = lexLine(stripComment(lines[i]!), i + 1);
    if (tokens.length > 0) out.push({ line: i + 1, tokens });
  }
  return out;
}

function lexLine(text: string, line: number): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const ch = text[at]!;
    const column = at + 1;
    if (ch === ' ' || ch === '\t') {
      at++;
      continue;
    }
    IDENT.lastIndex = at;
    const ident = IDENT.exec(text);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], line, column });
      at += ident[0].length;
      continue;
    }
    if (ch === '.') {
      IDENT.lastIndex = at + 1;
      const name = IDENT.exec(text);
      if (!name) throw new AsmError('expected a directive name after "."', line, column);
      tokens.push({ kind: 'directive', text: name[0].toLowerCase(), line, column });
      at += 1 + name[0].length;
      continue;
    }
    if (ch >= '0' && ch <= '9') {
      NUMBER.lastIndex = at;
      const num = NUMBER.exec(text);
      if (!num || /^0[xXbB]_*$/.test(num[0])) throw new AsmError(`malformed number "${/^[0-9A-Za-z_]+/.exec(text.slice(at))?.[0] ?? ch}"`, line, column);
      const value = BigInt(num[0].replace(/_/g, ''));
      if (value >> WORD_BITS !== 0n) throw new AsmError(`number ${num[0]} does not fit in a 256-bit word`, line, column);
      tokens.push({ kind: 'number', text: num[0], line, column, value });
      at += num[0].length;
      continue;
    }
    const two = text.slice(at, at + 2);
    if (TWO_CHAR_PUNCT.has(two)) {
      tokens.push({ kind: 'punct', text: two, line, column });
      at += 2;
      continue;
    }
    if (ONE_CHAR_PUNCT.has(ch)) {
      tokens.push({ kind: 'punct', text: ch, line, column });
      at++;
      continue;
    }
    throw new AsmError(`unexpected character "${ch}"`, line, column);
  }
  return tokens;
}
