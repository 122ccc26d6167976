import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { registerAsm, registerDisasm } from '../../cli/commands/asm.js';
import { CliError, EXIT } from '../../cli/errors.js';
import { unwrapCode } from '../container.js';
import { assemble } from './assembler.js';
import { SourceMap } from './source-map.js';

/** Runs `cdrchain asm|disasm ...` in-process; resolves with the exit code and what was written. */
async function cdrchain(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerAsm(program);
  registerDisasm(program);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'cdrchain', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } catch (e) {
    if (e instanceof CliError) return { code: e.exitCode, stdout, stderr: stderr + e.message };
    return { code: EXIT.usage, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

describe('cdrchain asm / disasm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdrchain-asm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => vi.restoreAllMocks());
  const SOURCE = '.const N = 2\nloop: jumpdest\npush N\njumpi loop\nhost poseidon\n';

  it('writes the container next to the source, and a source map on request', async () => {
    const src = join(dir, 'a.casm');
    writeFileSync(src, SOURCE);
    const r = await cdrchain('asm', src, '--map', join(dir, 'a.map.json'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ file: join(dir, 'a.cvm'), codeBytes: 9, map: join(dir, 'a.map.json') });
    const container = new Uint8Array(readFileSync(join(dir, 'a.cvm')));
    expect(unwrapCode(container)).toEqual(assemble(SOURCE).code);
    const map = SourceMap.fromJSON(JSON.parse(readFileSync(join(dir, 'a.map.json'), 'utf8')));
    expect(map.lookup(7)).toMatchObject({ file: src, line: 5, column: 1 });
  });

  it('prints hex with --hex, and writes --out', async () => {
    const src = join(dir, 'b.casm');
    writeFileSync(src, SOURCE);
    const r = await cdrchain('asm', src, '--hex', '--out', join(dir, 'other.cvm'));
    expect(r.stdout.trim()).toBe(Buffer.from(assemble(SOURCE).container).toString('hex'));
    expect(readFileSync(join(dir, 'other.cvm')).toString('hex')).toBe(r.stdout.trim());
  });

  it('reports an assembly error as file:line:col with the line and a caret, exit code 2', async () => {
    const src = join(dir, 'bad.casm');
    writeFileSync(src, 'push 1\n  jump nowhere\n');
    const r = await cdrchain('asm', src);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toBe(`${src}:2:8: undefined label or constant "nowhere"\n    jump nowhere\n         ^\n`);
  });

  it('refuses a missing file', async () => {
    const r = await cdrchain('asm', join(dir, 'missing.casm'));
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/cannot read/);
  });

  it('disassembles a file or hex, and the text re-assembles', async () => {
    const src = join(dir, 'c.casm');
    writeFileSync(src, SOURCE);
    await cdrchain('asm', src);
    const fromFile = await cdrchain('disasm', join(dir, 'c.cvm'));
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toContain('host poseidon');
    expect(assemble(fromFile.stdout).code).toEqual(assemble(SOURCE).code);
    const fromHex = await cdrchain('disasm', '--hex', `0x${readFileSync(join(dir, 'c.cvm')).toString('hex')}`);
    expect(fromHex.stdout).toBe(fromFile.stdout);
    expect((await cdrchain('disasm', '--hex', '6001 01')).stdout).toContain('push1 0x01');
  });

  it('refuses bad disasm input with exit code 2', async () => {
    expect((await cdrchain('disasm')).code).toBe(EXIT.usage);
    expect((await cdrchain('disasm', '--hex', 'abc')).stderr).toMatch(/even number of hex digits/);
    expect((await cdrchain('disasm', '--hex', '43564d0100000005')).stderr).toMatch(/invalid bytecode container/);
    expect((await cdrchain('disasm', '--hex', '')).stderr).toMatch(/no bytecode/);
  });
});
