import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wrapCode } from '../container.js';
import { InvalidCodeError } from '../execution.js';
import { HOST_FUNCTIONS, Op, OPCODES, type OpcodeInfo } from '../opcodes.js';
import { assemble } from './assembler.js';
import { disassemble } from './disassembler.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
/** The instruction lines of a disassembly, without offsets, comments and the header. */
const body = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.replace(/;.*$/, '').trim())
    .filter((l) => l !== '');

function roundTrips(code: Uint8Array): void {
  const text = disassemble(wrapCode(code));
  expect(Buffer.from(assemble(text).code).toString('hex')).toBe(Buffer.from(code).toString('hex'));
}

describe('disassemble', () => {
  it('shows one instruction per line with its offset, and JUMPDESTs as labels', () => {
    const r = assemble('push 0x20\nloop: jumpdest\npush1 1\njumpi loop\nhost sha256\nstop');
    expect(disassemble(r.container)).toBe(
      [
        '; cdrchain disassembly: 12 bytes of code (bytecode container v1)',
        '    push1 0x20                          ; 0000',
        'L_0002:',
        '    jumpdest                            ; 0002',
        '    push1 0x01                          ; 0003',
        '    push2 @L_0002                       ; 0005',
        '    jumpi                               ; 0008',
        '    host sha256                         ; 0009',
        '    stop                                ; 000b',
        '',
      ].join('\n'),
    );
  });

  it('accepts bare code as well as a container', () => {
    expect(disassemble(bytes('600101'))).toBe(['; cdrchain disassembly: 3 bytes of code', '    push1 0x01                          ; 0000', '    add                                 ; 0002', ''].join('\n'));
  });

  it('refuses a container that is broken', () => {
    const c = wrapCode(bytes('00'));
    expect(() => disassemble(c.subarray(0, 8))).toThrow(InvalidCodeError);
  });

  it('keeps push widths and leading zeros; shows a jump target as a label only before a branch', () => {
    expect(body(disassemble(bytes('5f6000610003525f61000301')))).toEqual(['push0', 'push1 0x00', 'push2 0x0003', 'L_0006:', 'jumpdest', 'push0', 'push2 0x0003', 'add']);
    expect(body(disassemble(bytes('52600053')))).toEqual(['L_0000:', 'jumpdest', 'push1 @L_0000', 'call']);
  });

  it('shows invalid bytes, cut-short immediates and unknown host ids so they re-assemble', () => {
    expect(body(disassemble(bytes('0c0d0e0f2324252627fe')))).toEqual(['.byte 0x0c, 0x0d, 0x0e, 0x0f, 0x23, 0x24, 0x25, 0x26', '.byte 0x27', 'invalid']);
    expect(body(disassemble(bytes('0162aa52')))).toEqual(['add', '.byte 0x62, 0xaa, 0x52']);
    expect(body(disassemble(bytes('a007a0')))).toEqual(['host 0x07', '.byte 0xa0']);
    for (const hex of ['0c0d0e0f2324252627fe', '0162aa52', 'a007a0', '7f01']) roundTrips(bytes(hex));
  });

  it('names every host function', () => {
    for (const h of HOST_FUNCTIONS) expect(body(disassemble(Uint8Array.of(Op['HOST']!, h.id)))).toEqual([`host ${h.name.toLowerCase()}`]);
  });

  it('round-trips arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), (code) => roundTrips(code)),
      { numRuns: 500 },
    );
  });

  /** Well-formed instructions, with JUMPDESTs and pushes of their offsets before branches. */
  const instruction = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...OPCODES.filter((o): o is OpcodeInfo => o !== undefined && o.immediate === 0)).map((o) => Uint8Array.of(o.code)) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 32 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }).map((imm) => Uint8Array.of(0x5f + n, ...imm))) },
    { weight: 2, arbitrary: fc.constant(Uint8Array.of(Op['JUMPDEST']!)) },
    { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 200 }), fc.constantFrom(Op['JUMP']!, Op['JUMPI']!, Op['CALL']!), fc.integer({ min: 1, max: 3 })).map(([to, op, w]) => Uint8Array.of(0x5f + w, ...new Uint8Array(w - 1), to, op)) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).map((id) => Uint8Array.of(Op['HOST']!, id)) },
  );

  it('round-trips random instruction streams', () => {
    fc.assert(
      fc.property(fc.array(instruction, { minLength: 1, maxLength: 120 }), (parts) => {
        const code = Uint8Array.from(parts.flatMap((p) => [...p]));
        roundTrips(code);
        // Every JUMPDEST got a label, every instruction a line.
        const text = disassemble(code);
        expect(text.match(/^L_[0-9a-f]{4}:$/gm)?.length ?? 0).toBe(parts.filter((p) => p.length === 1 && p[0] === Op['JUMPDEST']).length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('assembly programs (property)', () => {
  const mnemonic = fc.constantFrom('add', 'MUL', 'Sub', 'pop', 'dup1', 'swap2', 'calldataload', 'mstore', 'iszero', 'lt', 'stop', 'ret');
  const value = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }).map((v) => `0x${v.toString(16)}`), fc.integer({ min: -1000, max: 100_000 }).map(String), fc.constantFrom('K', 'K * 2 + 1', '(K << 3) | 7', '~K'));
  const line = (labels: number) =>
    fc.oneof(
      mnemonic,
      value.map((v) => `push ${v}`),
      fc.tuple(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 0, max: 255 })).map(([w, v]) => `push${w} ${v}`),
      fc.tuple(fc.constantFrom('jump', 'jumpi', 'call'), fc.integer({ min: 0, max: labels - 1 })).map(([op, l]) => `${op} l${l}`),
      fc.integer({ min: 0, max: labels - 1 }).map((l) => `push @l${l}`),
      fc.constantFrom(...HOST_FUNCTIONS.map((h) => `host ${h.name.toLowerCase()}`)),
      value.map((v) => `twice ${v}`),
      fc.constant('guard'),
      fc.integer({ min: 0, max: 255 }).map((b) => `.byte ${b}`),
    );
  const program = fc.integer({ min: 1, max: 6 }).chain((labels) =>
    fc.tuple(fc.array(line(labels), { minLength: 1, maxLength: 60 }), fc.array(fc.integer({ min: 0, max: 59 }), { minLength: labels, maxLength: labels })).map(([lines, at]) => {
      const out = [...lines];
      // Each label before some line, as a JUMPDEST (jump targets must be).
      at.forEach((i, l) => out.splice(Math.min(i, out.length), 0, `l${l}: jumpdest`));
      return ['.const K = 0x5141', '.macro twice(x)', '  push x', '  dup1', '  add', '.endm', '.macro guard()', '  jumpi ok', '  invalid', '  ok: jumpdest', '.endm', ...out].join('\n');
    }),
  );

  it('assemble deterministically, and their disassembly re-assembles to the same bytes', () => {
    fc.assert(
      fc.property(program, (source) => {
        const a = assemble(source);
        const b = assemble(source);
        expect(b.code).toEqual(a.code);
        expect(b.sourceMap.toJSON()).toEqual(a.sourceMap.toJSON());
        expect(assemble(disassemble(a.container)).code).toEqual(a.code);
        // Every instruction start is mapped.
        for (const e of a.sourceMap.entries) expect(a.sourceMap.lookup(e.pc)).toBe(e);
      }),
      { numRuns: 200 },
    );
  });
});
