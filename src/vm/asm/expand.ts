import { AsmError, type SourcePos } from './errors.js';
import type { Token } from './lexer.js';
import { parseLine, type MacroDef, type Statement } from './parser.js';

/**
 * Macro expansion. Arguments replace parameters token by token (an argument of more than one token
 * is wrapped in parentheses, so `m 1 + 2` stays one value); labels defined in a macro body are
 * renamed per expansion (`skip` → `skip#3`, a name no source can spell) so a macro can be used
 * many times.
 */

/** A statement to lay out, with where it came from. */
export interface Placed {
  readonly stmt: Statement;
  /** The line of the file this statement stands for: its own, or the outermost macro call's. */
  readonly site: SourcePos;
  /** For expanded statements: the innermost macro and the statement's line in its body. */
  readonly macro?: { readonly name: string; readonly pos: SourcePos };
}

/** Bounds the work a non-recursive but exponential macro nest can cause. */
const MAX_EXPANDED_STATEMENTS = 1_000_000;
const MAX_DEPTH = 64;

export function expandMacros(statements: readonly Statement[], macros: ReadonlyMap<string, MacroDef>): Placed[] {
  const out: Placed[] = [];
  let expansions = 0;

  const expand = (call: Extract<Statement, { kind: 'macroCall' }>, site: SourcePos, stack: readonly string[]): void => {
    const def = macros.get(call.name);
    if (!def) throw AsmError.at(call.pos, `unknown instruction or macro "${call.name}"`);
    if (stack.includes(def.name)) throw AsmError.at(site, `macro "${def.name}" expands itself (${[...stack, def.name].join(' → ')})`);
    if (stack.length >= MAX_DEPTH) throw AsmError.at(site, `macros nested more than ${MAX_DEPTH} deep`);
    if (call.args.length !== def.params.length) {
      throw AsmError.at(call.pos, `macro "${def.name}" takes ${def.params.length} argument${def.params.length === 1 ? '' : 's'}, got ${call.args.length}`);
    }
    const id = ++expansions;
    const args = new Map(def.params.map((p, i) => [p, call.args[i]!]));
    const locals = localLabels(def, args);
    try {
      for (const line of def.body) {
        for (const stmt of parseLine({ line: line.line, tokens: substitute(line.tokens, args, locals, id) })) {
          if (stmt.kind === 'macroCall') {
            expand(stmt, site, [...stack, def.name]);
            continue;
          }
          if (stmt.kind === 'const') throw AsmError.at(stmt.pos, '.const is not allowed inside a macro');
          if (out.length >= MAX_EXPANDED_STATEMENTS) throw AsmError.at(site, `macro expansion exceeds ${MAX_EXPANDED_STATEMENTS} statements`);
          out.push({ stmt, site, macro: { name: def.name, pos: stmt.pos } });
        }
      }
    } catch (err) {
      // Report at the call in the file, naming the macro and line the error is in; an error from a
      // nested expansion has been moved to the call already.
      const atSite = err instanceof AsmError && err.line === site.line && err.column === site.column;
      throw err instanceof AsmError && !atSite ? inMacro(err, def.name, site) : err;
    }
  };

  for (const stmt of statements) {
    if (stmt.kind === 'macroCall') expand(stmt, stmt.pos, []);
    else out.push({ stmt, site: stmt.pos });
  }
  return out;
}

/** An error inside a macro body, moved to the call site and naming the body line. */
export function inMacro(err: AsmError, macro: string, site: SourcePos): AsmError {
  return new AsmError(`${err.message} (in macro "${macro}", line ${err.line}:${err.column})`, site.line, site.column);
}

function localLabels(def: MacroDef, args: ReadonlyMap<string, readonly Token[]>): Set<string> {
  const locals = new Set<string>();
  for (const { tokens } of def.body) {
    const [t0, t1] = tokens;
    if (t0?.kind === 'ident' && t1?.text === ':' && !args.has(t0.text)) locals.add(t0.text);
    if (t0?.kind === 'directive' && t0.text === 'func' && t1?.kind === 'ident' && !args.has(t1.text)) locals.add(t1.text);
  }
  return locals;
}

function substitute(tokens: readonly Token[], args: ReadonlyMap<string, readonly Token[]>, locals: ReadonlySet<string>, id: number): Token[] {
  const mnemonicAt = tokens[0]?.kind === 'directive' ? -1 : tokens[1]?.text === ':' ? 2 : 0;
  const out: Token[] = [];
  tokens.forEach((t, i) => {
    if (t.kind !== 'ident') return void out.push(t);
    const arg = args.get(t.text);
    if (arg) {
      if (arg.length === 1 || i === mnemonicAt) out.push(...arg);
      else out.push({ ...t, kind: 'punct', text: '(' }, ...arg, { ...t, kind: 'punct', text: ')' });
    } else if (locals.has(t.text) && i !== mnemonicAt) {
      out.push({ ...t, text: `${t.text}#${id}` });
    } else {
      out.push(t);
    }
  });
  return out;
}
