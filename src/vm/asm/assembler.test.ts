import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { wrapCode } from '../container.js';
import { HOST_FUNCTIONS, OPCODES } from '../opcodes.js';
import { assemble } from './assembler.js';
import { AsmError } from './errors.js';

const FF32 = 'ff'.repeat(32);

function hexOf(source: string): string {
  return Buffer.from(assemble(source).code).toString('hex');
}

function asmError(source: string): AsmError {
  try {
    assemble(source, { fileName: 't.casm' });
  } catch (err) {
    if (err instanceof AsmError) return err;
    throw err;
  }
  throw new Error('assembled without an error');
}

function expectAsmError(source: string, line: number, column: number, message: RegExp): void {
  const err = asmError(source);
  expect({ line: err.line, column: err.column, message: err.message }).toEqual({ line, column, message: expect.stringMatching(message) });
}

describe('assemble: instructions', () => {
  it('assembles every opcode without an immediate by its name, in any case', () => {
    for (const op of OPCODES) {
      if (!op || op.immediate > 0) continue;
      expect(hexOf(op.name.toLowerCase()), op.name).toBe(op.code.toString(16).padStart(2, '0'));
      expect(hexOf(op.name), op.name).toBe(op.code.toString(16).padStart(2, '0'));
    }
    expect(hexOf('Add\nmULmod\n')).toBe('0109');
  });

  it('picks the smallest push for a value, PUSH0 for zero', () => {
    expect(hexOf('push 0')).toBe('5f');
    expect(hexOf('push 1')).toBe('6001');
    expect(hexOf('push 255')).toBe('60ff');
    expect(hexOf('push 256')).toBe('610100');
    expect(hexOf('push 0x1_0000')).toBe('62010000');
    expect(hexOf('push 0b101')).toBe('6005');
    expect(hexOf('push 20801')).toBe('615141');
    expect(hexOf(`push 0x${FF32}`)).toBe(`7f${FF32}`);
  });

  it('reads negative numbers as two\'s-complement words', () => {
    expect(hexOf('push -1')).toBe(`7f${FF32}`);
    expect(hexOf('push -2')).toBe(`7f${'ff'.repeat(31)}fe`);
  });

  it('keeps a written push width, zero-padded', () => {
    expect(hexOf('push1 0')).toBe('6000');
    expect(hexOf('PUSH2 1')).toBe('610001');
    expect(hexOf('push32 1')).toBe(`7f${'00'.repeat(31)}01`);
    expect(hexOf('push0')).toBe('5f');
  });

  it('evaluates expressions on 256-bit words', () => {
    const v = (e: string): bigint => BigInt(`0x${hexOf(`push ${e}`).slice(2) || '0'}`);
    expect(v('1 + 2 * 3')).toBe(7n);
    expect(v('(1 + 2) * 3')).toBe(9n);
    expect(v('1 << 8 | 1')).toBe(257n);
    expect(v('0xff00 >> 8 & 0x0f')).toBe(0x0fn);
    expect(v('7 / 2 + 7 % 2')).toBe(4n);
    expect(v('6 ^ 3')).toBe(5n);
    expect(v('~0')).toBe((1n << 256n) - 1n);
    expect(v('0 - 1')).toBe((1n << 256n) - 1n);
    expect(v('1 << 255 << 1')).toBe(0n);
    expect(v('1 << 300')).toBe(0n);
    expect(v('-(2)')).toBe((1n << 256n) - 2n);
  });

  it('calls host functions by name or id', () => {
    for (const h of HOST_FUNCTIONS) expect(hexOf(`host ${h.name.toLowerCase()}`)).toBe(`a00${h.id}`);
    expect(hexOf('HOST Sha256')).toBe('a002');
    expect(hexOf('host 0x01')).toBe('a001');
    expect(hexOf('host 0x07')).toBe('a007');
  });

  it('writes raw bytes with .byte', () => {
    expect(hexOf('.byte 0xfe, 1, 0x5c + 1')).toBe('fe015d');
  });

  it('ignores comments, blank lines and CRLF line ends', () => {
    expect(hexOf('; header\r\n\r\n  push 1 ; one\r\n\tadd\r\n')).toBe('600101');
  });

  it('wraps the code in a container', () => {
    const r = assemble('push 1\nstop');
    expect(r.container).toEqual(wrapCode(r.code));
  });
});

describe('assemble: labels, jumps and functions', () => {
  it('resolves label addresses, forward and backward, as PUSH2', () => {
    const r = assemble('push @end\njump\nstart: jumpdest\npush start\nend:\njumpdest');
    expect(Buffer.from(r.code).toString('hex')).toBe('61000850' + '52' + '610004' + '52');
    expect([...r.labels]).toEqual([
      ['start', 4],
      ['end', 8],
    ]);
  });

  it('lets a label stand alone on its line or before an instruction', () => {
    expect(assemble('a:\nb: stop\nc:').labels).toEqual(
      new Map([
        ['a', 0],
        ['b', 0],
        ['c', 1],
      ]),
    );
  });

  it('turns jump/jumpi/call with a target into PUSH2 target + opcode; ret is RET', () => {
    expect(hexOf('l: jumpdest\njump l\njumpi @l\ncall l\nret')).toBe('52' + '61000050' + '61000051' + '61000053' + '54');
  });

  it('makes .func a labelled JUMPDEST', () => {
    const r = assemble('call f\nstop\n.func f\nret');
    expect(Buffer.from(r.code).toString('hex')).toBe('61000553' + '00' + '52' + '54');
    expect(r.labels.get('f')).toBe(5);
  });

  it('accepts a label in an expression and an explicit width', () => {
    expect(hexOf('stop\nx: jumpdest\npush1 @x + 2\npush3 x')).toBe('0052' + '6003' + '62000001');
  });

  it('lets a constant take precedence over a label only when written without @', () => {
    expectAsmError('.const x = 1\nx: stop', 2, 1, /"x" is already a constant/);
  });
});

describe('assemble: constants', () => {
  it('defines constants from earlier constants', () => {
    expect(hexOf('.const A = 20801\n.const B = A * 2 + 1\npush B\npush A')).toBe('61a283' + '615141');
  });

  it('refuses a constant used before its definition, twice defined, or made of labels', () => {
    expectAsmError('.const A = B\n.const B = 1\nstop', 1, 12, /"B" is not a constant defined above/);
    expectAsmError('.const A = 1\n\n.const A = 2\nstop', 3, 8, /constant "A" is already defined at line 1/);
    expectAsmError('l: stop\n.const A = @l', 2, 12, /labels cannot be used in \.const/);
  });
});

describe('assemble: macros', () => {
  it('expands a macro with arguments, in both call forms', () => {
    const src = '.macro addn(n)\n  push n\n  add\n.endm\naddn 3\naddn(4)\n';
    expect(hexOf(src)).toBe('600301' + '600401');
  });

  it('accepts parameters without parentheses and macros used before their definition', () => {
    expect(hexOf('m 1, 2\n.macro m a, b\npush a - b\n.endm')).toBe(`7f${FF32}`);
  });

  it('wraps an argument of several tokens so it stays one value', () => {
    expect(hexOf('.macro triple(x)\npush x * 3\n.endm\ntriple 1 + 2')).toBe('6009');
  });

  it('gives the labels of each expansion their own address', () => {
    const src = ['.macro skip_if_zero()', '  jumpi over', '  push 1', '  over: jumpdest', '.endm', 'skip_if_zero', 'skip_if_zero'].join('\n');
    // over#1 at 6, over#2 at 13
    expect(hexOf(src)).toBe('61000651' + '6001' + '52' + '61000d51' + '6001' + '52');
    expect(assemble(src).labels.size).toBe(0);
  });

  it('expands macros inside macros and passes labels and mnemonics as arguments', () => {
    const src = ['.macro binop(op, a, b)', '  push b', '  push a', '  op', '.endm', '.macro go(target)', '  binop sub, 5, 2', '  jump @target', '.endm', 'go end', 'end: jumpdest'].join('\n');
    expect(hexOf(src)).toBe('6002' + '6005' + '03' + '61000950' + '52');
  });

  it('refuses a wrong number of arguments', () => {
    expectAsmError('.macro m(a, b)\npush a\n.endm\n\nm 1', 5, 1, /macro "m" takes 2 arguments, got 1/);
    expectAsmError('.macro m()\nstop\n.endm\nm(1)', 4, 1, /takes 0 arguments, got 1/);
  });

  it('refuses recursion, direct or through another macro', () => {
    expectAsmError('.macro a()\n  a\n.endm\na', 4, 1, /macro "a" expands itself \(a → a\)/);
    expectAsmError('.macro a()\n  b\n.endm\n.macro b()\n  a\n.endm\nstop\na', 8, 1, /a → b → a/);
  });

  it('reports an error in a macro body at the call, naming the body line', () => {
    expectAsmError('.macro m(x)\n  push x\n  bogus\n.endm\nstop\nm 1', 6, 1, /unknown instruction or macro "bogus" \(in macro "m", line 3:3\)/);
    expectAsmError('.macro m(x)\n  push1 x\n.endm\nm 300', 4, 1, /does not fit in PUSH1.*in macro "m", line 4:3/);
    const nested = ['.macro inner()', '  bogus', '.endm', '.macro outer()', '  inner', '  inner 1', '.endm'];
    expectAsmError([...nested, 'outer'].join('\n'), 8, 1, /unknown instruction or macro "bogus" \(in macro "inner", line 2:3\)/);
    expectAsmError([...nested.slice(0, 3), '.macro outer()', '  inner 1', '.endm', 'outer'].join('\n'), 7, 1, /takes 0 arguments, got 1 \(in macro "outer", line 5:3\)/);
  });

  it('refuses malformed macro definitions', () => {
    expectAsmError('.macro m()\n  stop\n', 1, 1, /\.macro m has no \.endm/);
    expectAsmError('stop\n.endm', 2, 1, /\.endm without \.macro/);
    expectAsmError('.macro add()\n.endm', 1, 1, /would shadow an instruction/);
    expectAsmError('.macro m()\n.endm\n.macro m()\n.endm', 3, 1, /macro "m" is already defined at line 1/);
    expectAsmError('.macro m(a, a)\n.endm', 1, 13, /parameter "a" appears twice/);
    expectAsmError('.macro m()\n  .const X = 1\n.endm', 2, 3, /\.const is not allowed inside a macro/);
    expectAsmError('.macro m()\n  .macro n()\n.endm', 2, 3, /\.macro is not allowed inside a macro/);
  });
});

describe('assemble: errors', () => {
  it('reports unknown mnemonics and directives', () => {
    expectAsmError('push 1\n  frobnicate', 2, 3, /unknown instruction or macro "frobnicate"/);
    expectAsmError('.data 1', 1, 1, /unknown directive "\.data"/);
    expectAsmError('push33 1', 1, 1, /unknown instruction "push33"/);
  });

  it('reports undefined and duplicate labels', () => {
    expectAsmError('stop\njump nowhere', 2, 6, /undefined label or constant "nowhere"/);
    expectAsmError('push @nowhere', 1, 6, /undefined label "nowhere"/);
    expectAsmError('a: stop\nb: stop\na: stop', 3, 1, /label "a" is already defined at line 1/);
    expectAsmError('.func f\n.func f', 2, 7, /label "f" is already defined at line 1/);
  });

  it('reports bad immediates and operands', () => {
    expectAsmError('push1 256', 1, 7, /value 0x100 does not fit in PUSH1 \(1 byte\)/);
    expectAsmError('stop\nl: jumpdest\npush1 @l + 255', 3, 7, /does not fit in PUSH1/);
    expectAsmError('push', 1, 5, /PUSH needs an operand/);
    expectAsmError('jump 0x10000', 1, 6, /jump target 0x10000 does not fit in PUSH2 \(2 bytes\)/);
    expectAsmError('push2', 1, 6, /PUSH2 needs an operand/);
    expectAsmError('add 1', 1, 5, /ADD takes no operand/);
    expectAsmError('host 256', 1, 6, /host function id 0x100 is not a byte/);
    expectAsmError('host', 1, 5, /HOST needs an operand/);
    expectAsmError('.byte 0x100', 1, 7, /\.byte value 0x100 is not a byte/);
    expectAsmError('push 1 / (2 - 2)', 1, 8, /division by zero/);
    expectAsmError(`push 0x1${'00'.repeat(32)}`, 1, 6, /does not fit in a 256-bit word/);
  });

  it('reports malformed tokens and lines', () => {
    expectAsmError('push 0xZZ', 1, 6, /malformed number "0xZZ"/);
    expectAsmError('push 12ab', 1, 6, /malformed number "12ab"/);
    expectAsmError('push $1', 1, 6, /unexpected character "\$"/);
    expectAsmError('push 1 add', 1, 8, /unexpected "add" \(one instruction per line\)/);
    expectAsmError('push (1 + 2', 1, 12, /expected "\)"/);
    expectAsmError('push 1 +', 1, 9, /expected an expression/);
    expectAsmError('42', 1, 1, /expected an instruction, found "42"/);
    expectAsmError('. const', 1, 1, /expected a directive name/);
  });

  it('refuses a jump to a label that is not a JUMPDEST', () => {
    expectAsmError('jump end\nend: stop', 1, 6, /jump target "end" is not a JUMPDEST/);
  });

  it('refuses code over 64 KiB and an empty program', () => {
    expectAsmError('stop\n'.repeat(65_537), 65_537, 1, /code exceeds 65536 bytes/);
    expect(assemble('stop\n'.repeat(65_536)).code.length).toBe(65_536);
    expectAsmError('; nothing\n', 1, 1, /no instructions/);
    expectAsmError('.const A = 1\nl:', 1, 1, /no instructions/);
  });

  it('formats an error with the file, the source line and a caret', () => {
    const err = asmError('push 1\n\tpush1 300 ; too big\n');
    expect(err).toBeInstanceOf(AsmError);
    expect(err.file).toBe('t.casm');
    expect(err.format()).toBe('t.casm:2:8: value 0x12c does not fit in PUSH1 (1 byte)\n  \tpush1 300 ; too big\n  \t      ^');
  });
});

describe('contracts/examples/sum.casm', () => {
  it('assembles, with its function and labels', () => {
    const source = readFileSync(new URL('../../../contracts/examples/sum.casm', import.meta.url), 'utf8');
    const r = assemble(source, { fileName: 'sum.casm' });
    expect([...r.labels.keys()]).toEqual(['main', 'loop', 'done', 'add_word']);
    expect(r.code[r.labels.get('add_word')!]).toBe(0x52);
  });
});
