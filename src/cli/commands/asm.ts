import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AsmError } from '../../vm/asm/errors.js';
import { assemble } from '../../vm/asm/assembler.js';
import { disassemble } from '../../vm/asm/disassembler.js';
import { InvalidCodeError } from '../../vm/execution.js';
import { CliError, EXIT } from '../errors.js';

/** `cdrchain asm` and `cdrchain disasm`: contracts/README.md describes the assembly language. */

export function registerAsm(program: Command): void {
  program
    .command('asm')
    .description('assemble a contract (.casm) into a bytecode container (.cvm), optionally with a source map')
    .argument('<file>', 'assembly source, e.g. contracts/examples/sum.casm')
    .option('--out <file>', 'bytecode container to write (default: the source with .cvm; with --hex, none)')
    .option('--map <file>', 'also write a source map (JSON: bytecode offsets → source lines)')
    .option('--hex', 'print the container as hex on stdout')
    .action((file: string, o: { out?: string; map?: string; hex?: boolean }) => {
      const source = readText(file);
      let result: ReturnType<typeof assemble>;
      try {
        result = assemble(source, { fileName: file });
      } catch (err) {
        if (!(err instanceof AsmError)) throw err;
        // Compiler style (file:line:col, the line, a caret), which editors and terminals link up.
        process.stderr.write(`${err.format()}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const out = o.out ?? (o.hex ? undefined : `${file.replace(/\.casm$/, '')}.cvm`);
      if (out) writeFileSync(out, result.container);
      if (o.map) writeFileSync(o.map, `${JSON.stringify(result.sourceMap)}\n`);
      if (o.hex) process.stdout.write(`${Buffer.from(result.container).toString('hex')}\n`);
      else process.stdout.write(`${JSON.stringify({ file: out, codeBytes: result.code.length, ...(o.map ? { map: o.map } : {}) })}\n`);
    });
}

export function registerDisasm(program: Command): void {
  program
    .command('disasm')
    .description('disassemble a bytecode container (or bare code); the output re-assembles to the same bytes')
    .argument('[file]', 'bytecode container (.cvm)')
    .option('--hex <hex>', 'the bytecode as hex instead of a file')
    .action((file: string | undefined, o: { hex?: string }) => {
      if ((file === undefined) === (o.hex === undefined)) throw new CliError('give a file or --hex HEX (one of them)', EXIT.usage);
      const bytes = o.hex !== undefined ? parseHex(o.hex) : readBytes(file!);
      if (bytes.length === 0) throw new CliError('no bytecode to disassemble', EXIT.usage);
      try {
        process.stdout.write(disassemble(bytes));
      } catch (err) {
        if (err instanceof InvalidCodeError) throw new CliError(`invalid bytecode container: ${err.message}`, EXIT.usage);
        throw err;
      }
    });
}

function parseHex(text: string): Uint8Array {
  const hex = text.replace(/\s+/g, '').replace(/^0x/i, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new CliError('--hex must be an even number of hex digits', EXIT.usage);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function readText(file: string): string {
  return readBytes(file).toString('utf8');
}

function readBytes(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, EXIT.usage);
  }
}
