import { WORD_MASK } from '../opcodes.js';
import { AsmError } from './errors.js';
import type { Expr } from './parser.js';

/**
 * Expressions compute on 256-bit words like the VM does: every operation wraps modulo 2^256, so
 * `-1` is the all-ones word and `/` is unsigned division.
 */

/** Resolves a name to its value, or throws an AsmError. */
export type NameResolver = (expr: Extract<Expr, { kind: 'name' }>) => bigint;

export function evaluate(expr: Expr, resolve: NameResolver): bigint {
  switch (expr.kind) {
    case 'number':
      return expr.value;
    case 'name':
      return resolve(expr);
    case 'unary': {
      const v = evaluate(expr.arg, resolve);
      return (expr.op === '-' ? -v : ~v) & WORD_MASK;
    }
    case 'binary': {
      const a = evaluate(expr.left, resolve);
      const b = evaluate(expr.right, resolve);
      switch (expr.op) {
        case '+':
          return (a + b) & WORD_MASK;
        case '-':
          return (a - b) & WORD_MASK;
        case '*':
          return (a * b) & WORD_MASK;
        case '/':
        case '%':
          if (b === 0n) throw AsmError.at(expr.opPos, 'division by zero');
          return expr.op === '/' ? a / b : a % b;
        case '<<':
          return b >= 256n ? 0n : (a << b) & WORD_MASK;
        case '>>':
          return b >= 256n ? 0n : a >> b;
        case '&':
          return a & b;
        case '|':
          return a | b;
        case '^':
          return a ^ b;
      }
    }
  }
}

/** Names in `expr` that are not constants: label references. */
export function referencesLabel(expr: Expr, isConstant: (name: string) => boolean): boolean {
  switch (expr.kind) {
    case 'number':
      return false;
    case 'name':
      return expr.labelOnly || !isConstant(expr.name);
    case 'unary':
      return referencesLabel(expr.arg, isConstant);
    case 'binary':
      return referencesLabel(expr.left, isConstant) || referencesLabel(expr.right, isConstant);
  }
}
