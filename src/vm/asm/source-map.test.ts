import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ExecutionResult, HostFunctions, Interpreter } from '../execution.js';
import { Status } from '../opcodes.js';
import { assemble } from './assembler.js';
import { formatVmError, SourceMap, SourceMapError } from './source-map.js';

const MACRO_SOURCE = [
  '.macro inner(v)', //          1
  '  push v', //                 2
  '.endm', //                    3
  '.macro outer(v)', //          4
  '  inner v', //                5
  '  mulmod', //                 6
  '.endm', //                    7
  'push 1', //                   8
  '  outer 7 ; note', //         9
  'stop', //                    10
].join('\n');

describe('source map', () => {
  const r = assemble(MACRO_SOURCE, { fileName: 'm.casm' });

  it('maps every instruction, and the bytes of an immediate, to its line', () => {
    expect(r.sourceMap.entries.map((e) => [e.pc, e.line, e.column])).toEqual([
      [0, 8, 1],
      [2, 9, 3],
      [4, 9, 3],
      [5, 10, 1],
    ]);
    expect(r.sourceMap.lookup(1)?.line).toBe(8);
    expect(r.sourceMap.lookup(3)?.line).toBe(9);
    expect(r.sourceMap.lookup(6)).toBeUndefined();
    expect(r.sourceMap.lookup(-1)).toBeUndefined();
  });

  it('maps macro code to the call in the file and keeps its line in the (innermost) macro', () => {
    expect(r.sourceMap.lookup(2)).toEqual({ pc: 2, file: 'm.casm', line: 9, column: 3, macro: { name: 'inner', line: 2, column: 3 } });
    expect(r.sourceMap.lookup(4)).toEqual({ pc: 4, file: 'm.casm', line: 9, column: 3, macro: { name: 'outer', line: 6, column: 3 } });
    expect(r.sourceMap.lookup(0)?.macro).toBeUndefined();
  });

  it('maps both halves of jump sugar to its line', () => {
    const j = assemble('l: jumpdest\n  jumpi l');
    expect(j.sourceMap.entries.map((e) => [e.pc, e.line])).toEqual([
      [0, 1],
      [1, 2],
      [4, 2],
    ]);
  });

  it('survives JSON', () => {
    const json = JSON.parse(JSON.stringify(r.sourceMap)) as unknown;
    expect(json).toEqual({
      version: 1,
      file: 'm.casm',
      codeLength: 6,
      macros: ['inner', 'outer'],
      mappings: [
        [0, 8, 1],
        [2, 9, 3, 0, 2, 3],
        [4, 9, 3, 1, 6, 3],
        [5, 10, 1],
      ],
    });
    const back = SourceMap.fromJSON(json);
    expect(back.entries).toEqual(r.sourceMap.entries);
    expect(back.codeLength).toBe(6);
  });

  it('refuses malformed JSON', () => {
    expect(() => SourceMap.fromJSON(null)).toThrow(SourceMapError);
    expect(() => SourceMap.fromJSON({ version: 2 })).toThrow(/version-1/);
    expect(() => SourceMap.fromJSON({ version: 1, file: 'f', codeLength: 1, macros: [], mappings: [[0, 1]] })).toThrow(/mapping 0/);
    expect(() => SourceMap.fromJSON({ version: 1, file: 'f', codeLength: 1, macros: [], mappings: [[0, 1, 1, 0, 1, 1]] })).toThrow(/macro 0/);
    expect(() => SourceMap.fromJSON({ version: 1, file: 'f', codeLength: -1, macros: [], mappings: [] })).toThrow(SourceMapError);
  });

  it('formats a VM error with the instruction, the macro line, or neither', () => {
    expect(formatVmError(Status.OutOfGas, 4, r.sourceMap, MACRO_SOURCE)).toBe('out_of_gas at pc 0x0004 (m.casm:9:3: "outer 7", in macro outer at line 6:3: "mulmod")');
    expect(formatVmError(Status.StackUnderflow, 0, r.sourceMap, MACRO_SOURCE)).toBe('stack_underflow at pc 0x0000 (m.casm:8:1: "push 1")');
    expect(formatVmError(Status.InvalidJump, 1, r.sourceMap)).toBe('invalid_jump at pc 0x0001 (m.casm:8:1)');
    expect(formatVmError(Status.Success, 6, r.sourceMap, MACRO_SOURCE)).toBe('success at pc 0x0006 (past the end of the code)');
  });
});

/** The reference interpreter, when this checkout has it (it is developed alongside). */
async function referenceInterpreter(): Promise<Interpreter | undefined> {
  if (!existsSync(new URL('../reference.ts', import.meta.url))) return undefined;
  const specifier = '../reference.js';
  const mod = (await import(specifier)) as { ReferenceInterpreter: new () => Interpreter };
  return new mod.ReferenceInterpreter();
}

const noHost = new Proxy({} as HostFunctions, {
  get: () => () => {
    throw new Error('no host functions in this test');
  },
});

function run(vm: Interpreter, container: Uint8Array, calldata: Uint8Array, gasLimit = 1_000_000n): ExecutionResult {
  return vm.execute(container, { address: 1n, caller: 26201n, height: 1n, timestampMs: 0n, calldata, gasLimit }, { get: () => 0n }, noHost);
}

function word(v: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));
}

describe('assembled code runs', async () => {
  const vm = await referenceInterpreter();

  it.skipIf(!vm)('contracts/examples/sum.casm sums its calldata words', () => {
    const source = readFileSync(new URL('../../../contracts/examples/sum.casm', import.meta.url), 'utf8');
    const { container } = assemble(source, { fileName: 'sum.casm' });
    const calldata = Uint8Array.from([...word(1n), ...word(2n), ...word(39n), ...word((1n << 256n) - 1n)]);
    const result = run(vm!, container, calldata);
    expect(result.status).toBe(Status.Success);
    expect(result.output).toEqual(word(41n));
    expect(run(vm!, container, new Uint8Array()).output).toEqual(word(0n));
    expect(run(vm!, container, Uint8Array.of(1)).output).toEqual(word(1n << 248n));
  });

  it.skipIf(!vm)('a fault is reported at its source line, through a macro', () => {
    const source = ['.macro check(flag)', '  push flag', '  jumpi ok', '  invalid', '  ok: jumpdest', '.endm', 'push 1', 'check 1', 'check 0', 'stop'].join('\n');
    const { container, sourceMap } = assemble(source, { fileName: 'check.casm' });
    const result = run(vm!, container, new Uint8Array());
    expect(result.status).toBe(Status.InvalidOpcode);
    expect(formatVmError(result.status, result.pc, sourceMap, source)).toBe(`invalid_opcode at pc 0x${result.pc.toString(16).padStart(4, '0')} (check.casm:9:1: "check 0", in macro check at line 4:3: "invalid")`);
  });
});
